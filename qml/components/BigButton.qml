import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard

// A primary action sized for gloved hands: at least 56 px tall, full width.
Button {
    id: control
    highlighted: true
    Material.foreground: Theme.textOnPrimary
    contentItem: Text {
        text: control.text
        font: control.font
        color: Theme.textOnPrimary
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    // Drawn plainly, so it renders the same on every graphics backend.
    background: Rectangle {
        radius: 6
        color: control.enabled ? (control.down ? Theme.actionPressed : Theme.action) : Theme.disabled
    }
    font.pixelSize: 18
    implicitHeight: 64
    Layout.fillWidth: true
    Layout.preferredHeight: 64
}
