import QtQuick
import QtQuick.Controls
import Safeguard

// One option of a choice, big enough for a gloved finger; the chosen one is
// filled so it reads at a glance in poor light.
Button {
    id: control
    // A long label wraps rather than running off a phone's screen.
    property real maxWidth: 100000
    width: Math.min(naturalText.advanceWidth + leftPadding + rightPadding + 2, maxWidth)
    checkable: true
    font.pixelSize: 16
    font.capitalization: Font.MixedCase
    implicitHeight: 52
    leftPadding: 16
    rightPadding: 16
    contentItem: Text {
        text: control.text
        font: control.font
        color: control.checked ? Theme.textOnPrimary : Theme.primary
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        wrapMode: Text.Wrap
    }
    TextMetrics {
        id: naturalText
        font: control.font
        text: control.text
    }
    background: Rectangle {
        radius: 6
        color: control.checked ? Theme.primary : (control.down ? Theme.optionPressed : Theme.option)
        border.color: control.checked ? Theme.primary : Theme.optionBorder
        border.width: 1
    }
}
