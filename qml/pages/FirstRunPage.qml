import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// First run: enrol with the hub's code, choose a passphrase, read what the
// device keeps and for how long.
Page {
    objectName: "firstRunPage"

    CenteredColumn {
        anchors.fill: parent

        Label {
            text: qsTr("Set up this device")
            font.pixelSize: 26
            font.bold: true
            Layout.fillWidth: true
        }

        Label {
            text: qsTr("1. Paste the enrolment code the hub gave you.")
            font.pixelSize: 17
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        TextArea {
            id: codeField
            objectName: "enrolmentCodeField"
            placeholderText: qsTr("Enrolment code (starts with SGE1.)")
            wrapMode: TextEdit.WrapAnywhere
            font.pixelSize: 15
            inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
            Layout.fillWidth: true
            Layout.preferredHeight: 96
            enabled: !FirstRun.codeAccepted
        }
        ChoiceButton {
            objectName: "checkCodeButton"
            text: FirstRun.codeAccepted ? qsTr("Code accepted") : qsTr("Use this code")
            checkable: false
            enabled: !FirstRun.codeAccepted
            implicitHeight: 56
            onClicked: FirstRun.submitCode(codeField.text)
        }
        Label {
            objectName: "codeErrorLabel"
            text: FirstRun.codeError
            visible: text.length > 0
            color: Theme.error
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }

        Label {
            text: qsTr("2. Choose a passphrase. You will type it each time you unlock.")
            font.pixelSize: 17
            wrapMode: Text.Wrap
            Layout.fillWidth: true
            opacity: FirstRun.codeAccepted ? 1 : 0.5
        }
        PassphraseField {
            id: passphraseField
            objectName: "passphraseField"
            placeholderText: qsTr("Passphrase")
            enabled: FirstRun.codeAccepted
            Layout.fillWidth: true
            onTextChanged: FirstRun.judgePassphrase(text)
        }
        ProgressBar {
            objectName: "strengthBar"
            from: 0
            to: 4
            value: Math.max(0, FirstRun.strengthScore)
            Layout.fillWidth: true
            Material.accent: FirstRun.strongEnough ? Material.Green : Material.Orange
        }
        Label {
            objectName: "strengthLabel"
            text: FirstRun.strengthScore < 0
                  ? qsTr("Four or more unrelated words make a strong passphrase that is easy to remember.")
                  : (FirstRun.strongEnough ? qsTr("Strong enough.") : FirstRun.strengthAdvice)
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        PassphraseField {
            id: confirmField
            objectName: "confirmField"
            placeholderText: qsTr("Type it again")
            enabled: FirstRun.codeAccepted
            Layout.fillWidth: true
        }

        Frame {
            Layout.fillWidth: true
            Label {
                objectName: "storageStatement"
                anchors.left: parent.left
                anchors.right: parent.right
                text: FirstRun.storageStatement
                wrapMode: Text.Wrap
                font.pixelSize: 15
            }
        }

        Label {
            objectName: "firstRunError"
            text: FirstRun.error
            visible: text.length > 0
            color: Theme.error
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        BigButton {
            objectName: "finishButton"
            text: qsTr("Finish set-up")
            enabled: FirstRun.codeAccepted && passphraseField.text.length > 0
                     && confirmField.text.length > 0
            onClicked: {
                if (FirstRun.finish(passphraseField.text, confirmField.text)) {
                    passphraseField.clear()
                    confirmField.clear()
                }
            }
        }
        Item { Layout.preferredHeight: 16 }
    }
}
