import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Unlock: attempts left, the lockout countdown, the wipe warning.
TestCase {
    name: "Unlock"
    when: windowShown
    width: 390
    visible: true
    height: 844

    Component { id: pageComponent; UnlockPage { width: 390; height: 844 } }

    function tryPassphrase(page, text) {
        const field = findChild(page, "passphraseField")
        field.text = text
        mouseClick(findChild(page, "unlockButton"))
    }

    function test_lockoutAndWarning() {
        verify(Harness.setUpStore())
        Session.lock()
        compare(Session.state, Session.Locked)
        const page = createTemporaryObject(pageComponent, this)
        const message = findChild(page, "unlockMessage")
        const countdown = findChild(page, "countdownLabel")
        const warning = findChild(page, "wipeWarning")

        tryPassphrase(page, "SYNTHETIC wrong one")
        verify(message.visible)
        verify(message.text.indexOf("9 attempts left") >= 0, message.text)
        verify(!countdown.visible)
        tryPassphrase(page, "SYNTHETIC wrong two")
        tryPassphrase(page, "SYNTHETIC wrong three")
        verify(message.text.indexOf("7 attempts left") >= 0, message.text)
        verify(!warning.visible)

        tryPassphrase(page, "SYNTHETIC wrong four") // the 4th failure starts a delay
        verify(countdown.visible)
        compare(countdown.text, "Try again in 0:30")
        verify(!findChild(page, "passphraseField").enabled)
        verify(!findChild(page, "unlockButton").enabled)

        Harness.advanceClock(30)
        Unlock.refresh()
        verify(!countdown.visible)
        verify(findChild(page, "passphraseField").enabled)

        // Down to three attempts: the wipe warning shows.
        while (Unlock.attemptsLeft > 3) {
            tryPassphrase(page, "SYNTHETIC wrong again")
            Harness.advanceClock(Unlock.secondsUntilRetry)
            Unlock.refresh()
        }
        verify(warning.visible)

        tryPassphrase(page, Harness.passphrase)
        compare(Session.state, Session.Unlocked)
    }
}
