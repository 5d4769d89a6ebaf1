import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// After a wipe: say plainly what happened and what to do next.
Page {
    objectName: "wipedPage"
    CenteredColumn {
        anchors.fill: parent
        Item { Layout.preferredHeight: 48 }
        Label {
            text: qsTr("This device was wiped")
            font.pixelSize: 26
            font.bold: true
            Layout.fillWidth: true
        }
        Label {
            text: qsTr("The key to the records on this device was destroyed: after too many wrong passphrases, on the hub's order, or because the device had not reached the hub for longer than your force allows.")
            wrapMode: Text.Wrap
            font.pixelSize: 16
            Layout.fillWidth: true
        }
        Label {
            text: qsTr("Records already on the hub are safe. Records that were waiting to send still go to the hub, now or once this device is enrolled again.")
            wrapMode: Text.Wrap
            font.pixelSize: 16
            Layout.fillWidth: true
        }
        Label {
            text: qsTr("Ask your supervisor for a new enrolment code.")
            wrapMode: Text.Wrap
            font.pixelSize: 16
            font.bold: true
            Layout.fillWidth: true
        }
        BigButton {
            objectName: "setUpAgainButton"
            text: qsTr("Set up again")
            onClicked: Session.setUpAgain()
        }
    }
}
