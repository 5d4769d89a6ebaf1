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
    // A 48 px target (the visible button 40 px, inset 4 px above and
    // below); taller when a long label wraps, so the text stays inside.
    topInset: 4
    bottomInset: 4
    implicitHeight: Math.max(48, contentItem.implicitHeight + topPadding + bottomPadding)
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
