import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "../components"

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
            text: qsTr("Too many wrong passphrases destroyed the key to the records on this device. Records already on the hub are safe. Ask your supervisor for a new enrolment code to set the device up again.")
            wrapMode: Text.Wrap
            font.pixelSize: 16
            Layout.fillWidth: true
        }
    }
}
