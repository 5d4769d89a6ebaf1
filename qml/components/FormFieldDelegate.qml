import QtQuick
import QtQuick.Controls
import Safeguard
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import "."

// One row of the record form, drawn by its kind. Every edit goes straight
// to the editor (which autosaves); nothing is validated here.
ColumnLayout {
    id: row
    required property int index
    required property string path
    required property int kind
    required property string label
    required property string help
    required property var value
    required property var choices
    required property string issue
    required property bool sensitive
    required property string listPath
    required property int listIndex
    required property string subject
    required property string inputError
    required property string pendingText
    required property bool issueResolved
    required property string sameReason

    // A submitted record is read, not edited: each answer as text.
    readonly property bool readOnly: Editor.readOnly

    readonly property int hints: sensitive ? (Qt.ImhSensitiveData | Qt.ImhNoPredictiveText) : Qt.ImhNone
    objectName: "field:" + path
    spacing: 4
    Layout.fillWidth: true
    visible: !(readOnly && kind === FieldKind.ListAdd)

    // The answer as the officer reads it back: a choice's label, the ticked
    // boxes, "Yes" or "No".
    function labelOf(v) {
        for (let i = 0; i < row.choices.length; ++i)
            if (row.choices[i].value === v)
                return row.choices[i].label
        return ""
    }
    function displayText() {
        const v = row.value
        switch (row.kind) {
        case FieldKind.Bool:
            return v === true ? qsTr("Yes") : qsTr("No")
        case FieldKind.Choice:
        case FieldKind.PersonChoice:
        case FieldKind.Menu:
            return labelOf(v)
        case FieldKind.Flags:
        case FieldKind.Options:
        case FieldKind.PersonRoles: {
            const labels = []
            if (v !== undefined)
                for (let i = 0; i < v.length; ++i)
                    labels.push(labelOf(v[i]))
            return labels.length > 0 ? labels.join(", ") : qsTr("None")
        }
        case FieldKind.Lines:
            return v ? v.join("\n") : ""
        case FieldKind.Number:
            return v === undefined || v === 0 ? "" : String(v)
        default:
            return v === undefined ? "" : String(v)
        }
    }

    readonly property bool heading: kind === FieldKind.ListHeader || kind === FieldKind.Heading
    Label {
        text: row.label
        visible: (row.kind !== FieldKind.Bool || row.readOnly) && row.kind !== FieldKind.ListAdd
        font.pixelSize: row.heading ? 19 : 16
        font.bold: true
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        Layout.topMargin: row.heading ? 12 : 4
    }
    Label {
        text: row.help
        visible: text.length > 0
        font.pixelSize: 13
        opacity: 0.7
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }

    Loader {
        id: editor
        Layout.fillWidth: true
        sourceComponent: {
            if (row.readOnly) {
                switch (row.kind) {
                case FieldKind.Heading:
                case FieldKind.Note:
                case FieldKind.ListHeader:
                case FieldKind.ListItem:
                case FieldKind.ListAdd: return null
                default: return readValue
                }
            }
            switch (row.kind) {
            case FieldKind.LongText:
            case FieldKind.ChildWords:
            case FieldKind.Lines: return longText
            case FieldKind.Bool: return toggle
            case FieldKind.Choice: return choice
            case FieldKind.Flags: return flags
            case FieldKind.Options: return options
            case FieldKind.ListHeader: return listHeader
            case FieldKind.ListItem: return listItem
            case FieldKind.ListAdd: return listAdd
            case FieldKind.Menu: return menu
            case FieldKind.PersonChoice: return choice
            case FieldKind.PersonRoles: return roles
            case FieldKind.Heading:
            case FieldKind.Note: return null
            default: return shortText
            }
        }
    }

    // The earlier reason, again, in one tap (never filled in unasked).
    ChoiceButton {
        objectName: "sameReason:" + row.path
        visible: !row.readOnly && row.sameReason.length > 0
        Layout.topMargin: 4 // 8 px clear of the field above
        checked: row.value === row.sameReason
        maxWidth: row.width
        text: qsTr("Same reason: %1").arg(row.sameReason.length > 60
                                            ? row.sameReason.substring(0, 59) + "…" : row.sameReason)
        // Tapped again, the answer is cleared, as with any choice.
        onClicked: Editor.setValue(row.path, checked ? row.sameReason : "")
    }

    // Shown with its row or when the officer comes back; once shown it
    // keeps its place until the step is left, struck through when answered.
    Label {
        objectName: "issue:" + row.path
        text: row.issue
        visible: text.length > 0
        color: row.issueResolved ? Theme.success : Theme.error
        font.strikeout: row.issueResolved
        font.pixelSize: 14
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }

    Component {
        id: readValue
        Label {
            objectName: "value:" + row.path
            readonly property string shown: row.displayText()
            text: shown.length > 0 ? shown : qsTr("Not answered")
            opacity: shown.length > 0 ? 1 : 0.6
            font.pixelSize: 17
            wrapMode: Text.Wrap
        }
    }

    Component {
        id: shortText
        ColumnLayout {
            id: shortBox
            objectName: "shortBox:" + row.path
            property alias picker: picker
            spacing: 4
            readonly property bool isDate: row.kind === FieldKind.Date || row.kind === FieldKind.DateTime
            RowLayout {
                Layout.fillWidth: true
                spacing: 8
                TextField {
                    id: input
                    objectName: "input:" + row.path
                    // What was typed and could not be read stays as typed;
                    // an unset number (0) shows as empty, not as "0".
                    text: row.inputError.length > 0 ? row.pendingText
                          : row.value === undefined || (row.kind === FieldKind.Number && row.value === 0)
                            ? "" : String(row.value)
                    placeholderText: row.kind === FieldKind.Date ? qsTr("dd/mm/yyyy")
                                     : row.kind === FieldKind.DateTime ? qsTr("dd/mm/yyyy hh:mm") : ""
                    inputMethodHints: row.kind === FieldKind.Number ? Qt.ImhDigitsOnly
                                      : shortBox.isDate ? (Qt.ImhPreferNumbers | Qt.ImhNoPredictiveText)
                                      : row.hints
                    font.pixelSize: 17
                    implicitHeight: 52
                    Layout.fillWidth: true
                    // A long answer shows from its start, not its end.
                    Component.onCompleted: cursorPosition = 0
                    onTextEdited: Editor.setValue(row.path, text)
                }
                ChoiceButton {
                    objectName: "now:" + row.path
                    visible: shortBox.isDate
                    text: row.kind === FieldKind.DateTime ? qsTr("Now") : qsTr("Today")
                    checkable: false
                    onClicked: Editor.setToNow(row.path, row.kind === FieldKind.DateTime)
                }
                ChoiceButton {
                    objectName: "pick:" + row.path
                    visible: shortBox.isDate
                    text: qsTr("Pick")
                    checkable: false
                    onClicked: picker.openAt(input.text)
                }
            }
            Label {
                objectName: "inputError:" + row.path
                text: row.inputError
                visible: text.length > 0
                color: Theme.error
                font.pixelSize: 14
                font.bold: true
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            DatePicker {
                id: picker
                objectName: "picker:" + row.path
                path: row.path
                withTime: row.kind === FieldKind.DateTime
            }
        }
    }
    Component {
        id: longText
        TextArea {
            objectName: "input:" + row.path
            text: row.kind === FieldKind.Lines ? (row.value ? row.value.join("\n") : "")
                                               : (row.value === undefined ? "" : String(row.value))
            wrapMode: TextEdit.Wrap
            inputMethodHints: row.hints
            font.pixelSize: 17
            implicitHeight: Math.max(row.kind === FieldKind.ChildWords ? 200 : 96, contentHeight + 24)
            onTextChanged: {
                if (!activeFocus)
                    return // a value set by the editor, not typed here
                Editor.setValue(row.path, row.kind === FieldKind.Lines ? text.split("\n") : text)
            }
        }
    }
    Component {
        id: toggle
        Switch {
            id: toggleSwitch
            objectName: "input:" + row.path
            text: row.label
            checked: row.value === true
            font.pixelSize: 16
            implicitHeight: Math.max(52, contentItem.implicitHeight + topPadding + bottomPadding)
            onToggled: Editor.setValue(row.path, checked)
            // A long question wraps beside the switch instead of being cut off.
            contentItem: Label {
                text: toggleSwitch.text
                font: toggleSwitch.font
                wrapMode: Text.Wrap
                verticalAlignment: Text.AlignVCenter
                leftPadding: toggleSwitch.indicator.width + toggleSwitch.spacing
            }
        }
    }
    Component {
        id: choice
        Flow {
            spacing: 8
            Repeater {
                model: row.choices
                delegate: ChoiceButton {
                    required property var modelData
                    objectName: "choice:" + row.path + ":" + modelData.value
                    maxWidth: row.width
                    text: modelData.label
                    checked: row.value === modelData.value
                    // Tapping the chosen option again clears the answer.
                    onClicked: Editor.setValue(row.path, checked ? modelData.value
                                               : (row.kind === FieldKind.PersonChoice ? "" : 0))
                }
            }
        }
    }
    Component {
        id: menu
        ComboBox {
            objectName: "input:" + row.path
            model: row.choices
            textRole: "label"
            valueRole: "value"
            // Re-read once the options are there (count) and on every change.
            currentIndex: count > 0 ? indexOfValue(row.value) : -1
            displayText: currentIndex < 0 ? qsTr("Choose") : currentText
            font.pixelSize: 16
            implicitHeight: 52
            onActivated: Editor.setValue(row.path, currentValue)
        }
    }
    Component {
        id: roles
        Flow {
            spacing: 8 // 8 px between targets
            Repeater {
                model: row.choices
                delegate: CheckBox {
                    required property var modelData
                    objectName: "role:" + row.path + ":" + modelData.value
                    text: modelData.label
                    checked: row.value !== undefined && row.value.indexOf(modelData.value) >= 0
                    font.pixelSize: 16
                    onToggled: Editor.setRole(row.subject, modelData.value, checked)
                }
            }
        }
    }
    Component {
        id: flags
        Flow {
            spacing: 8 // 8 px between targets
            Repeater {
                model: row.choices
                delegate: CheckBox {
                    required property var modelData
                    objectName: "flag:" + row.path + ":" + modelData.value
                    width: Math.min(implicitWidth, row.width)
                    text: modelData.label
                    checked: row.value !== undefined && row.value.indexOf(modelData.value) >= 0
                    font.pixelSize: 16
                    onToggled: Editor.toggleFlag(row.path, modelData.value, checked)
                }
            }
        }
    }
    Component {
        id: options
        Flow {
            spacing: 8 // 8 px between targets
            Repeater {
                model: row.choices
                delegate: CheckBox {
                    required property var modelData
                    objectName: "option:" + row.path + ":" + modelData.value
                    width: Math.min(implicitWidth, row.width)
                    text: modelData.label
                    checked: row.value !== undefined && row.value.indexOf(modelData.value) >= 0
                    font.pixelSize: 16
                    onToggled: Editor.toggleOption(row.path, modelData.value, checked)
                }
            }
        }
    }
    Component {
        id: listHeader
        Button {
            objectName: "add:" + row.listPath
            visible: row.value === 0
            text: qsTr("Add")
            font.pixelSize: 16
            implicitHeight: visible ? 52 : 0
            onClicked: Editor.addListItem(row.listPath)
        }
    }
    Component {
        id: listAdd
        Button {
            objectName: "addAnother:" + row.listPath
            text: qsTr("Add another")
            font.pixelSize: 16
            implicitHeight: 52
            onClicked: Editor.addListItem(row.listPath)
        }
    }
    Component {
        id: listItem
        Button {
            objectName: "remove:" + row.path
            text: qsTr("Remove this entry")
            flat: true
            font.pixelSize: 15
            implicitHeight: 48
            onClicked: Editor.askToRemove(row.listPath, row.listIndex)
        }
    }
}
