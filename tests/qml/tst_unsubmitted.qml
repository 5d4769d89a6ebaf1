import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Unsent work is impossible to miss: Lock asks first when a draft would be
// left unsubmitted, the unlock screen says what was left, and an untouched
// new record neither asks nor stays.
TestCase {
    name: "Unsubmitted"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: mainComponent; Main { width: 390; height: 844 } }

    function test_lockAsksFirstWithADraft() {
        verify(Harness.setUpStore())
        const win = createTemporaryObject(mainComponent, this)
        waitForRendering(win.contentItem)
        const lock = findChild(win, "lockButton")
        const dialog = findChild(win, "lockDialog")

        // An untouched new record: Lock locks at once, and it is gone.
        Editor.startNew()
        verify(Editor.canDelete)
        mouseClick(lock)
        compare(Session.state, Session.Locked)
        verify(!dialog.visible)
        compare(Session.unsubmittedAtLock, 0)
        Unlock.unlock(Harness.passphrase)
        tryCompare(Session, "state", Session.Unlocked)

        // Something recorded: Lock asks, and "Keep working" keeps working.
        Editor.startNew()
        Editor.setValue("incident.police_reference", "SYN-CAD-LOCK-2")
        Home.refresh()
        mouseClick(findChild(win, "lockButton"))
        tryCompare(dialog, "visible", true)
        compare(findChild(win, "lockDialogMessage").text,
                "1 record not submitted. Drafts stay on this device, encrypted, and go nowhere until you submit them.")
        mouseClick(findChild(win, "lockDialogKeep"))
        tryCompare(dialog, "visible", false)
        compare(Session.state, Session.Unlocked)
        verify(Editor.active)
        // "Lock" locks, with the draft saved; the unlock screen says so.
        mouseClick(findChild(win, "lockButton"))
        tryCompare(dialog, "visible", true)
        mouseClick(findChild(win, "lockDialogAct"))
        tryCompare(Session, "state", Session.Locked)
        compare(Session.unsubmittedAtLock, 1)
        tryVerify(() => {
            const notice = findChild(win, "unsubmittedAtLock")
            return notice !== null && notice.visible
        })
    }
}
