import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Safeguard

// A question before something that cannot be undone or that leaves work
// unfinished: what happens, a way back ("keep"), the action, and where the
// action needs one, the officer's reason (the action waits for it). Shown
// at once and never closed by a tap outside, so it is not tapped through.
Dialog {
    id: dialog
    property string message
    property string keepText: qsTr("Cancel")
    property string actText
    property bool needsReason: false
    property string reasonLabel
    readonly property string reason: reasonField.text.trim()
    // Fired with the reason (or "") when the officer takes the action.
    signal acted(string reason)

    modal: true
    anchors.centerIn: Overlay.overlay
    width: Math.min((Overlay.overlay ? Overlay.overlay.width : 480) - 32, 480)
    closePolicy: Popup.NoAutoClose
    enter: Transition {}
    exit: Transition {}
    onAboutToShow: reasonField.clear()
    background: Rectangle {
        color: Theme.surface
        radius: 8
        border.color: Theme.outline
    }
    Overlay.modal: Rectangle {
        color: Theme.scrim
    }
    contentItem: ColumnLayout {
        spacing: 12
        Label {
            objectName: dialog.objectName + "Message"
            text: dialog.message
            wrapMode: Text.Wrap
            font.pixelSize: 16
            Layout.fillWidth: true
        }
        Label {
            visible: dialog.needsReason
            text: dialog.reasonLabel
            font.pixelSize: 15
            font.bold: true
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        TextArea {
            id: reasonField
            objectName: dialog.objectName + "Reason"
            visible: dialog.needsReason
            wrapMode: TextEdit.Wrap
            inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
            font.pixelSize: 16
            Layout.fillWidth: true
            Layout.preferredHeight: 96
        }
    }
    footer: RowLayout {
        spacing: 8
        Item { Layout.fillWidth: true }
        Button {
            objectName: dialog.objectName + "Keep"
            text: dialog.keepText
            flat: true
            font.pixelSize: 16
            font.capitalization: Font.MixedCase
            implicitHeight: 56
            onClicked: dialog.close()
        }
        ActionButton {
            objectName: dialog.objectName + "Act"
            text: dialog.actText
            visible: dialog.actText.length > 0 // a notice only: just the way back
            enabled: !dialog.needsReason || dialog.reason.length > 0
            implicitHeight: 56
            Layout.rightMargin: 8
            Layout.bottomMargin: 8
            onClicked: {
                const why = dialog.reason
                dialog.close()
                dialog.acted(why)
            }
        }
    }
}
