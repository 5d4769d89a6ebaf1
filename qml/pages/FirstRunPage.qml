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

    // After "Finish set-up": what the hub made of the code.
    CenteredColumn {
        objectName: "hubCheckPanel"
        anchors.fill: parent
        visible: FirstRun.hubCheck !== FirstRun.NotAsked

        Label {
            objectName: "hubCheckTitle"
            text: {
                switch (FirstRun.hubCheck) {
                case FirstRun.Accepted: return qsTr("Enrolled with the hub")
                case FirstRun.Unreachable: return qsTr("Not connected to the hub yet")
                case FirstRun.Refused: return qsTr("The hub refused the code")
                default: return qsTr("Checking with the hub")
                }
            }
            font.pixelSize: 26
            font.bold: true
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        BusyIndicator {
            objectName: "hubCheckBusy"
            running: FirstRun.hubCheck === FirstRun.Checking
            visible: running
            Layout.alignment: Qt.AlignHCenter
        }
        Label {
            objectName: "hubMessage"
            text: FirstRun.hubMessage
            color: FirstRun.hubCheck === FirstRun.Refused ? Theme.error : palette.text
            font.pixelSize: 17
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        Label {
            visible: FirstRun.hubCheck !== FirstRun.Accepted
            text: qsTr("Your passphrase is set: this device is locked with it from now on.")
            font.pixelSize: 15
            opacity: 0.8
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        // Refused, or out of reach with a code that may be wrong: another
        // code, sent at once.
        ColumnLayout {
            visible: FirstRun.hubCheck === FirstRun.Refused
                     || FirstRun.hubCheck === FirstRun.Unreachable
            spacing: 8
            Layout.fillWidth: true
            Label {
                text: FirstRun.hubCheck === FirstRun.Refused
                      ? qsTr("A new code from the hub:")
                      : qsTr("If the code may be wrong, paste a new one from the hub:")
                font.pixelSize: 15
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            TextArea {
                id: newCodeField
                objectName: "newEnrolmentCodeField"
                placeholderText: qsTr("A new enrolment code (starts with SGE1.)")
                wrapMode: TextEdit.WrapAnywhere
                font.pixelSize: 15
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                Layout.fillWidth: true
                Layout.preferredHeight: 96
            }
            Label {
                objectName: "newCodeErrorLabel"
                text: FirstRun.codeError
                visible: text.length > 0
                color: Theme.error
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            ChoiceButton {
                objectName: "tryAnotherCodeButton"
                text: qsTr("Use this code")
                checkable: false
                enabled: newCodeField.text.trim().length > 0
                implicitHeight: 56
                onClicked: {
                    if (FirstRun.tryAnotherCode(newCodeField.text))
                        newCodeField.clear()
                }
            }
        }
        BigButton {
            objectName: "goOnButton"
            text: {
                switch (FirstRun.hubCheck) {
                case FirstRun.Accepted: return qsTr("Start")
                case FirstRun.Checking: return qsTr("Go on without waiting")
                default: return qsTr("Go on to the home screen")
                }
            }
            onClicked: FirstRun.goOn()
        }
        Item { Layout.preferredHeight: 16 }
    }

    CenteredColumn {
        objectName: "setupForm"
        anchors.fill: parent
        visible: FirstRun.hubCheck === FirstRun.NotAsked

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
        // Only the code's form is checked here: the hub's answer comes after
        // "Finish set-up", since the device's key is made with the vault.
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            ChoiceButton {
                objectName: "checkCodeButton"
                text: FirstRun.codeAccepted ? qsTr("Code read") : qsTr("Use this code")
                checkable: false
                enabled: !FirstRun.codeAccepted
                implicitHeight: 56
                onClicked: FirstRun.submitCode(codeField.text)
            }
            ChoiceButton {
                objectName: "changeCodeButton"
                visible: FirstRun.codeAccepted
                text: qsTr("Change code")
                checkable: false
                implicitHeight: 56
                onClicked: FirstRun.changeCode()
            }
        }
        Label {
            objectName: "codeReadNote"
            visible: FirstRun.codeAccepted
            text: qsTr("The code reads correctly. The hub checks it when you finish set-up.")
            wrapMode: Text.Wrap
            font.pixelSize: 14
            opacity: 0.8
            Layout.fillWidth: true
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
            // A new attempt clears the mismatch.
            onTextChanged: mismatchLabel.shown = false
        }
        Label {
            id: mismatchLabel
            objectName: "mismatchLabel"
            property bool shown: false
            visible: shown
            text: qsTr("This is not the same as the passphrase above. Type it again.")
            color: Theme.error
            font.bold: true
            wrapMode: Text.Wrap
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
                // Said next to the field it is about.
                if (passphraseField.text !== confirmField.text) {
                    mismatchLabel.shown = true
                    return
                }
                if (FirstRun.finish(passphraseField.text, confirmField.text)) {
                    passphraseField.clear()
                    confirmField.clear()
                }
            }
        }
        Item { Layout.preferredHeight: 16 }
    }
}
