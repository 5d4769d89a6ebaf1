import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// After a wipe: what happened in plain words, and the way back to set-up.
TestCase {
    name: "Wiped"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; WipedPage { width: 390; height: 844 } }

    function test_wipedThenSetUpAgain() {
        verify(Harness.setUpStore())
        Session.lock()
        while (Session.state !== Session.Wiped) {
            Unlock.unlock("SYNTHETIC wrong")
            Harness.advanceClock(Unlock.secondsUntilRetry)
            Unlock.refresh()
        }
        const page = createTemporaryObject(pageComponent, this)
        mouseClick(findChild(page, "setUpAgainButton"))
        compare(Session.state, Session.NeedsSetup)
    }
}
