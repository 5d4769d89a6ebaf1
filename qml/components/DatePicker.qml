import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Safeguard
import Safeguard.Ui

// A calendar for a date, with hours and minutes for a date and time (Qt 6.4
// has no date picker: MonthGrid and DayOfWeekRow, with Tumblers for the
// time). Opens at the field's date, else today by the device's clock; "Set"
// writes day/month/year (and hh:mm) into the field through the editor.
Popup {
    id: picker
    property string path
    property bool withTime: false
    property int year: 2026
    property int month: 0 // 0-11, as MonthGrid counts
    property int day: 1

    modal: true
    anchors.centerIn: Overlay.overlay
    // Wide enough on a 390 px phone for day cells of 48 px or more.
    width: Math.min((Overlay.overlay ? Overlay.overlay.width : 400) - 16, 420)
    padding: 8
    closePolicy: Popup.CloseOnEscape
    enter: Transition {}
    exit: Transition {}
    background: Rectangle { color: Theme.surface; radius: 8; border.color: Theme.outline }
    Overlay.modal: Rectangle { color: Theme.scrim }

    // text: "dd/MM/yyyy" or "dd/MM/yyyy HH:mm" as the field shows it.
    function openAt(text) {
        const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$/.exec((text || "").trim())
        const t = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(Editor.today())
        const src = m || t
        year = parseInt(src[3], 10)
        month = Math.min(11, Math.max(0, parseInt(src[2], 10) - 1))
        // "31/02" opens on the last day of February, not nowhere.
        day = Math.min(parseInt(src[1], 10), new Date(year, month + 1, 0).getDate())
        hours.currentIndex = m && m[4] !== undefined ? parseInt(m[4], 10) : 12
        minutes.currentIndex = m && m[5] !== undefined ? parseInt(m[5], 10) : 0
        open()
    }
    function two(n) { return (n < 10 ? "0" : "") + n }
    function shiftMonth(by) {
        let m = month + by
        year += Math.floor(m / 12)
        month = ((m % 12) + 12) % 12
        day = Math.min(day, new Date(year, month + 1, 0).getDate())
    }

    contentItem: ColumnLayout {
        spacing: 8
        RowLayout {
            Layout.fillWidth: true
            ChoiceButton {
                objectName: "pickerPrevious"
                text: "‹"
                checkable: false
                implicitWidth: 56
                onClicked: picker.shiftMonth(-1)
                Accessible.name: qsTr("Previous month")
            }
            Label {
                objectName: "pickerMonth"
                text: Qt.locale("en_GB").standaloneMonthName(picker.month) + " " + picker.year
                font.pixelSize: 18
                font.bold: true
                horizontalAlignment: Text.AlignHCenter
                Layout.fillWidth: true
            }
            ChoiceButton {
                objectName: "pickerNext"
                text: "›"
                checkable: false
                implicitWidth: 56
                onClicked: picker.shiftMonth(1)
                Accessible.name: qsTr("Next month")
            }
        }
        DayOfWeekRow {
            locale: Qt.locale("en_GB")
            Layout.fillWidth: true
        }
        MonthGrid {
            id: grid
            objectName: "pickerGrid"
            month: picker.month
            year: picker.year
            locale: Qt.locale("en_GB")
            spacing: 2
            Layout.fillWidth: true
            delegate: Rectangle {
                id: cell
                required property var model
                readonly property bool inMonth: model.month === grid.month
                readonly property bool chosen: inMonth && model.day === picker.day
                objectName: inMonth ? "pickerDay:" + model.day : ""
                implicitWidth: 44
                implicitHeight: 48
                radius: 6
                color: chosen ? Theme.primary : "transparent"
                border.color: model.today ? Theme.action : "transparent"
                Label {
                    anchors.centerIn: parent
                    text: cell.model.day
                    font.pixelSize: 16
                    font.bold: cell.chosen
                    color: cell.chosen ? Theme.textOnPrimary : Theme.primary
                    opacity: cell.inMonth ? 1 : 0.35
                }
                TapHandler {
                    enabled: cell.inMonth
                    onTapped: picker.day = cell.model.day
                }
            }
        }
        RowLayout {
            visible: picker.withTime
            Layout.alignment: Qt.AlignHCenter
            spacing: 8
            Label { text: qsTr("Time"); font.pixelSize: 16 }
            Tumbler {
                id: hours
                objectName: "pickerHours"
                model: 24
                visibleItemCount: 3
                implicitHeight: 144
                delegate: Label {
                    required property int modelData
                    text: picker.two(modelData)
                    font.pixelSize: 20
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                }
            }
            Label { text: ":"; font.pixelSize: 20; font.bold: true }
            Tumbler {
                id: minutes
                objectName: "pickerMinutes"
                model: 60
                visibleItemCount: 3
                implicitHeight: 144
                delegate: Label {
                    required property int modelData
                    text: picker.two(modelData)
                    font.pixelSize: 20
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                }
            }
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Item { Layout.fillWidth: true }
            Button {
                objectName: "pickerCancel"
                text: qsTr("Cancel")
                flat: true
                font.capitalization: Font.MixedCase
                implicitHeight: 52
                onClicked: picker.close()
            }
            ActionButton {
                objectName: "pickerSet"
                text: qsTr("Set")
                onClicked: {
                    let text = picker.two(picker.day) + "/" + picker.two(picker.month + 1) + "/" + picker.year
                    if (picker.withTime)
                        text += " " + picker.two(hours.currentIndex) + ":" + picker.two(minutes.currentIndex)
                    Editor.setValue(picker.path, text)
                    picker.close()
                }
            }
        }
    }
}
