import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// Unlock: the passphrase, attempts left, a lockout countdown and a clear
// warning before the wipe.
Page {
    objectName: "unlockPage"
    // The officer types at once: the field has the keyboard on open.
    Component.onCompleted: {
        Unlock.refresh()
        passphraseField.forceActiveFocus()
    }

    CenteredColumn {
        anchors.fill: parent

        Item { Layout.preferredHeight: 48 }
        Label {
            text: qsTr("Safeguard is locked")
            font.pixelSize: 26
            font.bold: true
            Layout.fillWidth: true
        }
        Label {
            text: qsTr("Records waiting to send still go to the hub while the app is locked.")
            wrapMode: Text.Wrap
            font.pixelSize: 15
            Layout.fillWidth: true
        }
        // What was left unfinished: drafts go nowhere until submitted.
        Pane {
            objectName: "unsubmittedAtLock"
            visible: Session.unsubmittedAtLock > 0
            Layout.fillWidth: true
            Material.background: Theme.warningSurface
            Label {
                anchors.left: parent.left
                anchors.right: parent.right
                text: (Locker.lockedForInactivity ? qsTr("Locked after %1 minutes without use.").arg(Math.round(Locker.timeoutSeconds / 60)) + " " : "")
                      + qsTr("%n record(s) not submitted: kept on this device, encrypted, until you submit.", "", Session.unsubmittedAtLock)
                wrapMode: Text.Wrap
                font.pixelSize: 15
                font.bold: true
                color: Theme.warning
            }
        }
        PassphraseField {
            id: passphraseField
            objectName: "passphraseField"
            placeholderText: qsTr("Passphrase")
            enabled: Unlock.canTry && !Unlock.busy
            focus: true
            Layout.fillWidth: true
            onAccepted: unlockButton.clicked()
        }
        BigButton {
            id: unlockButton
            objectName: "unlockButton"
            text: Unlock.busy ? qsTr("Checking…") : qsTr("Unlock")
            enabled: Unlock.canTry && !Unlock.busy && passphraseField.text.length > 0
            onClicked: {
                Unlock.unlock(passphraseField.text)
                passphraseField.clear()
            }
        }
        Label {
            objectName: "unlockMessage"
            text: Unlock.message
            visible: text.length > 0 && Unlock.outcome !== Unlock.Unlocked
            color: Theme.error
            wrapMode: Text.Wrap
            font.pixelSize: 16
            Layout.fillWidth: true
        }
        Label {
            objectName: "countdownLabel"
            visible: Unlock.secondsUntilRetry > 0
            text: qsTr("Try again in %1:%2")
                  .arg(Math.floor(Unlock.secondsUntilRetry / 60))
                  .arg(("0" + Unlock.secondsUntilRetry % 60).slice(-2))
            font.pixelSize: 22
            font.bold: true
            Layout.fillWidth: true
        }
        Pane {
            objectName: "wipeWarning"
            visible: Unlock.wipeWarning
            Layout.fillWidth: true
            Material.background: Theme.errorSurface
            Label {
                anchors.left: parent.left
                anchors.right: parent.right
                text: qsTr("Warning: %n more wrong passphrase(s) will destroy every record on this device that has not reached the hub.", "", Unlock.attemptsLeft)
                wrapMode: Text.Wrap
                font.pixelSize: 16
                color: Theme.errorText
            }
        }
    }
}
