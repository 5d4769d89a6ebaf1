import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Safeguard

// The one action of a dialog or picker ("Lock", "Withdraw", "Set"): filled,
// 52 px tall, drawn plainly so it renders the same on every backend.
Button {
    id: control
    font.pixelSize: 16
    font.capitalization: Font.MixedCase
    implicitHeight: 52
    leftPadding: 20
    rightPadding: 20
    contentItem: Text {
        text: control.text
        font: control.font
        color: Theme.textOnPrimary
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    background: Rectangle {
        radius: 6
        color: control.enabled ? (control.down ? Theme.actionPressed : Theme.action) : Theme.disabled
    }
}
