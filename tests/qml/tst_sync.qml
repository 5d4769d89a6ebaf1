import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// The sync page, one tap from home: what the engine is doing in words,
// what is only on this device, the hub's details once enrolled, the risk
// checklist in force, and Back (and locking) returning home. Against a
// real hub, tst_appsync syncPageSaysWhatTheHubSaid drives Sync now.
TestCase {
    name: "Sync"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: mainComponent; Main { width: 390; height: 844 } }

    function test_oneTapFromHomeAndBack() {
        verify(Harness.setUpStore())
        Harness.addSubmitted("queued")
        const win = createTemporaryObject(mainComponent, this)
        waitForRendering(win.contentItem)
        const open = findChild(win, "syncPageButton")
        verify(open && open.visible, "the header offers the sync page on home")
        mouseClick(open)
        tryCompare(Sync, "showing", true)
        const page = findChild(win, "syncPage")
        verify(page, "the sync page is shown")
        verify(!open.visible, "not offered again from the sync page")

        // The set-up code names a hub that cannot be reached: said, with
        // what happens to the records meanwhile.
        const state = findChild(page, "syncStateText")
        compare(state.text, "Connecting to the hub")
        verify(findChild(page, "syncStateDetail").text.indexOf("stay on this device, encrypted") >= 0)
        // Nothing to ask the hub with, so no button that pretends to.
        verify(!findChild(page, "syncPageSyncNow").enabled)
        // The hub's details appear only once enrolled.
        verify(!findChild(page, "syncHubAddress").visible)
        verify(findChild(page, "syncRiskInstrument").text.indexOf("built into the app") >= 0,
               findChild(page, "syncRiskInstrument").text)
        compare(findChild(page, "syncLastContact").text, "Never")

        // Back: home again.
        mouseClick(findChild(page, "syncPageBack"))
        tryCompare(Sync, "showing", false)
        verify(findChild(win, "homePage"))

        // Locking from the sync page unlocks to home.
        mouseClick(open)
        tryCompare(Sync, "showing", true)
        Session.lock()
        compare(Sync.showing, false)
        Unlock.unlock(Harness.passphrase)
        tryCompare(Session, "state", Session.Unlocked)
        waitForRendering(win.contentItem)
        verify(findChild(win, "homePage"))
    }
}
