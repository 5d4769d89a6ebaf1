import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Dates typed on the record page: the UK order is read, rubbish is kept as
// typed with the reason under it and the header stops saying "saved", and
// the calendar writes the date it shows.
TestCase {
    name: "DateInput"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; RecordPage { width: 390; height: 844 } }

    readonly property string dob: "children[0].identity.date_of_birth"

    function typeInto(field, text) {
        field.forceActiveFocus()
        field.selectAll()
        keyClick(Qt.Key_Backspace)
        for (let i = 0; i < text.length; ++i)
            keyClick(text[i])
    }

    function test_datesTypedAndPicked() {
        verify(Harness.setUpStore())
        verify(Editor.startNew())
        Editor.addChild(false)
        Editor.editChild(0)
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        let field = null
        tryVerify(() => (field = findChild(page, "input:" + dob)) !== null)
        const saveState = findChild(page, "saveState")

        // Targets a gloved finger can hit: at least 48 px, 8 px apart.
        const targets = [field, findChild(page, "now:" + dob), findChild(page, "pick:" + dob)]
        for (const t of targets)
            verify(t.height >= 48 && t.width >= 48, t.objectName + " is " + t.width + "x" + t.height)
        for (let i = 1; i < targets.length; ++i) {
            const a = targets[i - 1].mapToItem(page, 0, 0)
            const b = targets[i].mapToItem(page, 0, 0)
            verify(b.x - (a.x + targets[i - 1].width) >= 8, "a gap of 8 px before " + targets[i].objectName)
        }

        typeInto(field, "02/03/2017")
        compare(field.text, "02/03/2017")
        tryCompare(saveState, "text", "Draft saved on this device", 3000)
        compare(findChild(page, "inputError:" + dob).visible, false)

        // An impossible date: kept as typed, said why, never "saved".
        typeInto(field, "31/02/2017")
        compare(field.text, "31/02/2017")
        const error = findChild(page, "inputError:" + dob)
        verify(error.visible)
        verify(error.text.indexOf("Not saved: not a date") === 0, error.text)
        compare(saveState.text, "Not saved: 1 answer could not be read")
        compare(Editor.unreadableCount, 1)

        // The calendar opens on the nearest real day and writes what it shows.
        mouseClick(findChild(page, "pick:" + dob))
        const picker = findChild(page, "shortBox:" + dob).picker
        verify(picker)
        tryCompare(picker, "opened", true)
        compare(findChild(picker.contentItem, "pickerMonth").text, "February 2017")
        const day = findChild(picker.contentItem, "pickerDay:14")
        verify(day.width >= 48 && day.height >= 48, "a day is " + day.width + "x" + day.height)
        mouseClick(findChild(picker.contentItem, "pickerDay:14"))
        mouseClick(findChild(picker.contentItem, "pickerSet"))
        tryCompare(field, "text", "14/02/2017")
        compare(Editor.unreadableCount, 0)
        verify(!error.visible)
        Editor.close()
    }
}
