import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// Home: what is still only on this device, every record with its status,
// and a large "New record" action.
Page {
    objectName: "homePage"
    Component.onCompleted: Home.refresh()

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Pane {
            objectName: "syncBanner"
            Layout.fillWidth: true
            Material.background: Home.urgentNotSent ? Theme.errorSurface : Home.allOnHub ? Theme.successSurface : Theme.warningSurface
            ColumnLayout {
                anchors.left: parent.left
                anchors.right: parent.right
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        objectName: "syncBannerText"
                        text: Home.syncBanner
                        wrapMode: Text.Wrap
                        font.pixelSize: 16
                        Layout.fillWidth: true
                    }
                    ChoiceButton {
                        objectName: "syncNowButton"
                        text: qsTr("Sync now")
                        checkable: false
                        visible: Home.canSyncNow
                        onClicked: Home.syncNow()
                    }
                }
                Label {
                    objectName: "failedAttempts"
                    visible: Unlock.failedSinceLastUnlock > 0
                    text: qsTr("%n wrong passphrase(s) tried since you last unlocked. If that was not you, tell your supervisor.", "", Unlock.failedSinceLastUnlock)
                    wrapMode: Text.Wrap
                    color: Theme.errorText
                    font.pixelSize: 15
                    font.bold: true
                    Layout.fillWidth: true
                }
                Label {
                    objectName: "draftBanner"
                    text: Home.draftBanner
                    visible: text.length > 0
                    wrapMode: Text.Wrap
                    color: Theme.warning
                    font.pixelSize: 16
                    font.bold: true
                    Layout.fillWidth: true
                }
                Label {
                    objectName: "enrolmentProblem"
                    text: Home.enrolmentProblem
                    visible: text.length > 0
                    wrapMode: Text.Wrap
                    color: Theme.errorText
                    font.pixelSize: 14
                    Layout.fillWidth: true
                }
                RowLayout {
                    visible: Home.needsEnrolmentCode
                    spacing: 8
                    Layout.fillWidth: true
                    TextField {
                        id: codeField
                        objectName: "homeEnrolmentCode"
                        implicitHeight: 52
                        placeholderText: qsTr("Paste an enrolment code")
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                        Layout.fillWidth: true
                    }
                    ChoiceButton {
                        objectName: "homeEnrolButton"
                        text: qsTr("Enrol")
                        checkable: false
                        enabled: codeField.text.length > 0
                        onClicked: {
                            Home.enrol(codeField.text)
                            codeField.clear()
                        }
                    }
                }
            }
        }

        TextField {
            id: searchField
            objectName: "searchField"
            placeholderText: qsTr("Search: reference, place, child's name")
            inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
            font.pixelSize: 16
            implicitHeight: 52
            Layout.fillWidth: true
            Layout.leftMargin: 12
            Layout.rightMargin: 12
            Layout.bottomMargin: 8
            visible: list.count > 0 || text.length > 0
            text: Home.search
            onTextEdited: Home.search = text
        }

        ListView {
            id: list
            objectName: "recordList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 8 // each row is a target: 8 px between them
            model: Home.records
            // Delegates are made when scrolled to, never incubated ahead:
            // Qt 6.4 warns when a view with a pending incubation is torn
            // down as the app locks.
            cacheBuffer: 0
            delegate: ItemDelegate {
                id: recordRow
                objectName: "recordRow_" + index
                required property int index
                required property string policeReference
                required property string statusText
                required property int status
                required property bool canEdit
                required property bool canOpen
                required property string updatedText
                required property string incidentText
                required property string place
                required property string childNames
                required property int childCount
                required property bool urgent
                required property string recordId
                width: ListView.view.width
                implicitHeight: Math.max(72, rowText.implicitHeight + 16)
                // Drafts open where the officer left them, a submitted
                // record to read (and amend); a purged one shows its receipt.
                onClicked: {
                    if (recordRow.canOpen) {
                        Editor.open(recordRow.recordId)
                    } else {
                        receiptDialog.message = Home.receiptText(recordRow.recordId)
                        receiptDialog.open()
                    }
                }
                contentItem: RowLayout {
                    spacing: 12
                    // The full reference, then what and when, where, and who.
                    ColumnLayout {
                        id: rowText
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            text: recordRow.policeReference
                            font.pixelSize: 17
                            font.bold: true
                            wrapMode: Text.WrapAnywhere
                            Layout.fillWidth: true
                        }
                        Label {
                            text: recordRow.incidentText
                            font.pixelSize: 14
                            elide: Text.ElideRight
                            Layout.fillWidth: true
                        }
                        Label {
                            // Who first: a long address must not hide the children.
                            text: (recordRow.childNames.length > 0 ? recordRow.childNames
                                   : qsTr("%n child(ren)", "", recordRow.childCount))
                                  + (recordRow.place.length > 0 ? "  ·  " + recordRow.place : "")
                            font.pixelSize: 14
                            opacity: 0.75
                            elide: Text.ElideRight
                            Layout.fillWidth: true
                        }
                    }
                    ColumnLayout {
                        spacing: 2
                        Label {
                            objectName: "recordStatus_" + recordRow.index
                            Layout.alignment: Qt.AlignRight
                            text: recordRow.statusText
                            font.pixelSize: 14
                            font.bold: Theme.statusNeedsAttention(recordRow.status)
                            // A draft is never in "done" green; held at the
                            // hub (sent, with the hub's staff) is neither a
                            // warning nor "all done".
                            color: Theme.statusColor(recordRow.status)
                        }
                        Label {
                            Layout.alignment: Qt.AlignRight
                            visible: recordRow.urgent
                            text: qsTr("URGENT")
                            font.pixelSize: 13
                            font.bold: true
                            color: Theme.textOnPrimary
                            leftPadding: 6
                            rightPadding: 6
                            background: Rectangle { color: Theme.error; radius: 4 }
                        }
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: searchField.text.length > 0 ? qsTr("No record matches.") : qsTr("No records on this device.")
                font.pixelSize: 16
                opacity: 0.7
            }
        }

        Pane {
            Layout.fillWidth: true
            ColumnLayout {
                anchors.left: parent.left
                anchors.right: parent.right
                BigButton {
                    objectName: "newRecordButton"
                    text: qsTr("New record")
                    onClicked: Editor.startNew()
                }
            }
        }
    }

    ConfirmDialog {
        id: receiptDialog
        objectName: "receiptDialog"
        title: qsTr("Receipt")
        keepText: qsTr("Close")
    }
}
