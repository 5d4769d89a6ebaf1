import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Home: every record with its status in plain words, the sync banner, the
// large "New record" action, a draft reopening where it was, and lock.
TestCase {
    name: "Home"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; HomePage { width: 390; height: 844 } }

    function test_home() {
        verify(Harness.setUpStore())
        const last = Harness.addDrafts(3)
        const page = createTemporaryObject(pageComponent, this)
        const list = findChild(page, "recordList")
        tryCompare(list, "count", 3)
        const banner = findChild(page, "syncBannerText")
        // Set up with a code whose hub cannot be reached: it says so.
        verify(banner.text.indexOf("Will connect to the hub when it can be reached") === 0
               || banner.text.indexOf("Not connected to a hub yet") === 0, banner.text)
        verify(findChild(page, "homeEnrolmentCode").visible, "a code can be entered when not enrolled")

        // Rows say what each record is and whether it is still only here.
        const row = findChild(page, "recordRow_0")
        verify(row)
        compare(row.statusText, "Draft")
        compare(row.status, RecordStatus.Draft)
        // Unsent work never looks finished: a draft is in the warning
        // colour, never the green of "On the hub".
        const status = findChild(page, "recordStatus_0")
        verify(Qt.colorEqual(status.color, Theme.warning), status.color)
        verify(!Qt.colorEqual(status.color, Theme.success))
        verify(status.font.bold, "a draft asks for attention")
        verify(row.policeReference.indexOf("SYN-CAD-") === 0)

        // What, when, where and who, and a search over them.
        verify(row.incidentText.length > 0)
        verify(row.childNames.length > 0, "the children's names")
        const search = findChild(page, "searchField")
        const ref = row.policeReference
        search.forceActiveFocus()
        for (let i = 0; i < ref.length; ++i)
            keyClick(ref[i].toLowerCase())
        tryCompare(list, "count", 1)
        compare(findChild(page, "recordRow_0").policeReference, ref)
        search.selectAll()
        keyClick(Qt.Key_Backspace)
        tryCompare(list, "count", 3)

        // A draft opens in the editor.
        mouseClick(findChild(page, "recordRow_0"))
        verify(Editor.active)
        Editor.close()

        // The big action starts a new record.
        const add = findChild(page, "newRecordButton")
        verify(add.height >= 56, "big enough for gloved hands")
        mouseClick(add)
        verify(Editor.active)
        verify(Editor.recordId !== last)
        verify(Editor.canDelete, "nothing recorded yet")
        // Opened by mistake and left untouched: no empty draft is left behind.
        Editor.close()
        tryCompare(list, "count", 3)
        compare(Home.draftCount, 3)
        const drafts = findChild(page, "draftBanner")
        verify(drafts.visible)
        compare(drafts.text, "3 records not submitted: only on this device until you submit")
        // Anything recorded stays.
        mouseClick(add)
        Editor.setValue("incident.police_reference", "SYN-CAD-HOME-1")
        verify(!Editor.canDelete)
        Editor.close()
        tryCompare(list, "count", 4)
        verify(drafts.text.indexOf("4 records not submitted") === 0, drafts.text)

        // Locking empties the list.
        Session.lock()
        tryCompare(list, "count", 0)
    }
}
