import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// Sync, as the officer sees it: what the engine is doing and what it means,
// what is still only on this device, when the hub last answered, the hub
// this device belongs to, and Sync now (with nothing waiting, a check-in
// whose answer is the hub's own).
Page {
    objectName: "syncPage"

    component Fact: RowLayout {
        property alias label: factLabel.text
        property alias value: factValue.text
        property string name: ""
        spacing: 12
        Layout.fillWidth: true
        Label {
            id: factLabel
            font.pixelSize: 15
            color: Theme.primary
            wrapMode: Text.Wrap
            Layout.preferredWidth: 150
            Layout.alignment: Qt.AlignTop
        }
        Label {
            id: factValue
            objectName: parent.name
            font.pixelSize: 16
            wrapMode: Text.WrapAnywhere
            Layout.fillWidth: true
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        CenteredColumn {
            Layout.fillWidth: true
            Layout.fillHeight: true

            Label {
                text: qsTr("Sync")
                font.pixelSize: 24
                font.bold: true
                Layout.fillWidth: true
            }

            Pane {
                objectName: "syncState"
                Layout.fillWidth: true
                Material.background: Sync.needsAttention ? Theme.errorSurface
                                    : Sync.upToDate ? Theme.successSurface
                                    : Theme.warningSurface
                ColumnLayout {
                    anchors.left: parent.left
                    anchors.right: parent.right
                    spacing: 8
                    Label {
                        objectName: "syncStateText"
                        text: Sync.stateText
                        font.pixelSize: 20
                        font.bold: true
                        color: Sync.needsAttention ? Theme.errorText : Theme.primary
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    Label {
                        objectName: "syncStateDetail"
                        text: Sync.stateDetail
                        font.pixelSize: 16
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
            }

            BigButton {
                objectName: "syncPageSyncNow"
                text: Sync.busy ? qsTr("Syncing…") : qsTr("Sync now")
                enabled: Sync.enrolled && !Sync.busy
                Layout.fillWidth: true
                onClicked: Sync.syncNow()
            }
            Label {
                objectName: "syncLastAction"
                visible: text.length > 0
                text: Sync.lastAction
                font.pixelSize: 16
                font.bold: true
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }

            Label {
                text: qsTr("On this device")
                font.pixelSize: 18
                font.bold: true
                Layout.topMargin: 8
            }
            Fact {
                name: "syncWaiting"
                label: qsTr("Waiting to send")
                value: Sync.urgentWaitingCount > 0
                       ? qsTr("%n record(s)", "", Sync.waitingCount) + ", " + qsTr("%n urgent", "", Sync.urgentWaitingCount)
                       : qsTr("%n record(s)", "", Sync.waitingCount)
            }
            Fact {
                name: "syncParked"
                visible: Sync.parkedCount > 0
                label: qsTr("Set aside after failing")
                value: qsTr("%n record(s)", "", Sync.parkedCount)
            }
            Fact {
                name: "syncNeedsCorrection"
                visible: Sync.needsCorrectionCount > 0
                label: qsTr("Need correction")
                value: qsTr("%n record(s), to open from the home screen", "", Sync.needsCorrectionCount)
            }
            Fact {
                name: "syncHeldAtHub"
                visible: Sync.heldAtHubCount > 0
                label: qsTr("Held at the hub")
                value: qsTr("%n record(s), being checked by the hub's staff; nothing for you to do", "", Sync.heldAtHubCount)
            }

            Label {
                text: qsTr("The hub")
                font.pixelSize: 18
                font.bold: true
                Layout.topMargin: 8
            }
            Fact { name: "syncLastContact"; label: qsTr("Last answered"); value: Sync.lastContact }
            Fact { name: "syncLastSent"; label: qsTr("Last record sent"); value: Sync.lastSent }
            Fact {
                name: "syncNextAttempt"
                visible: Sync.nextAttempt.length > 0
                label: qsTr("Next try")
                value: Sync.nextAttempt + (Sync.failuresInARow > 0 ? " " + qsTr("(%n failed in a row)", "", Sync.failuresInARow) : "")
            }
            Fact { name: "syncHubAddress"; visible: Sync.enrolled; label: qsTr("Address"); value: Sync.hubAddress }
            Fact { name: "syncHubPin"; visible: Sync.enrolled; label: qsTr("Key fingerprint"); value: Sync.hubPin }
            Fact { name: "syncOfficer"; visible: Sync.enrolled; label: qsTr("Enrolled for"); value: Sync.officerId }
            Fact { name: "syncDevice"; visible: Sync.enrolled; label: qsTr("Device"); value: Sync.deviceId }
            Fact { name: "syncRiskInstrument"; label: qsTr("Risk checklist"); value: Sync.riskInstrument }
            Item { Layout.preferredHeight: 16 }
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 12
            Button {
                objectName: "syncPageBack"
                text: qsTr("Back")
                flat: true
                font.pixelSize: 16
                implicitHeight: 56
                onClicked: Sync.close()
            }
        }
    }
}
