import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// First run: the enrolment code, the passphrase with its strength in plain
// words, what the device keeps, and set-up.
TestCase {
    name: "FirstRun"
    when: windowShown
    width: 390
    visible: true
    height: 1600

    function typeText(text) {
        for (let i = 0; i < text.length; ++i)
            keyClick(text[i])
    }

    Component { id: pageComponent; FirstRunPage { width: 390; height: 1600 } }

    function test_firstRun() {
        const page = createTemporaryObject(pageComponent, this)
        verify(page)
        compare(Session.state, Session.NeedsSetup)
        verify(findChild(page, "storageStatement").text.indexOf("24 hours") >= 0)

        const code = findChild(page, "enrolmentCodeField")
        const passphrase = findChild(page, "passphraseField")
        verify(!passphrase.enabled, "passphrase waits for a valid code")

        code.text = "not a code"
        mouseClick(findChild(page, "checkCodeButton"))
        const codeError = findChild(page, "codeErrorLabel")
        verify(codeError.visible)
        verify(codeError.text.indexOf("SGE1.") >= 0)

        code.text = "SGE1.wrong-paste"
        code.text = Harness.enrolmentCode()
        mouseClick(findChild(page, "checkCodeButton"))
        verify(!codeError.visible)
        // Only its form was checked: it says "read", not "accepted", and can
        // be changed.
        compare(findChild(page, "checkCodeButton").text, "Code read")
        verify(findChild(page, "codeReadNote").visible)
        mouseClick(findChild(page, "changeCodeButton"))
        verify(!FirstRun.codeAccepted)
        verify(!passphrase.enabled)
        mouseClick(findChild(page, "checkCodeButton"))
        verify(FirstRun.codeAccepted)
        verify(passphrase.enabled)
        verify(passphrase.inputMethodHints & Qt.ImhSensitiveData)
        verify(passphrase.inputMethodHints & Qt.ImhNoPredictiveText)

        passphrase.forceActiveFocus()
        typeText("password1")
        const strength = findChild(page, "strengthLabel")
        verify(!FirstRun.strongEnough)
        verify(strength.text.length > 10, "weak passphrase explained in words")

        passphrase.text = Harness.passphrase
        verify(FirstRun.strongEnough)
        compare(strength.text, "Strong enough.")
        findChild(page, "confirmField").text = Harness.passphrase + "typo"
        mouseClick(findChild(page, "finishButton"))
        const mismatch = findChild(page, "mismatchLabel")
        verify(mismatch.visible, "the mismatch is shown beside the confirmation")
        compare(Session.state, Session.NeedsSetup)
        findChild(page, "confirmField").text = Harness.passphrase + "typ" // editing clears it
        verify(!mismatch.visible)

        findChild(page, "confirmField").text = Harness.passphrase
        mouseClick(findChild(page, "finishButton"))
        compare(Session.state, Session.Unlocked)
        compare(passphrase.text, "", "the passphrase does not linger in the field")

        // "Accepted" is the hub's word: the page stays and says what the hub
        // made of the code. The synthetic code names a hub on a closed port.
        verify(FirstRun.showing)
        const panel = findChild(page, "hubCheckPanel")
        verify(panel.visible)
        verify(!findChild(page, "setupForm").visible)
        verify(FirstRun.hubCheck === FirstRun.Checking || FirstRun.hubCheck === FirstRun.Unreachable)
        tryCompare(FirstRun, "hubCheck", FirstRun.Unreachable, 10000)
        const message = findChild(page, "hubMessage")
        verify(message.text.indexOf("cannot be reached") >= 0, message.text)
        verify(message.text.indexOf("accepted the code") < 0 || message.text.indexOf("not accepted") >= 0)
        // Another code can be pasted; a rubbish one is refused by its form
        // before anything is sent.
        const newCode = findChild(page, "newEnrolmentCodeField")
        verify(newCode.visible)
        newCode.text = "not a code"
        mouseClick(findChild(page, "tryAnotherCodeButton"))
        verify(findChild(page, "newCodeErrorLabel").visible)
        compare(FirstRun.hubCheck, FirstRun.Unreachable)

        const goOn = findChild(page, "goOnButton")
        compare(goOn.text, "Go on to the home screen")
        mouseClick(goOn)
        verify(!FirstRun.showing, "the officer can start recording while the hub is away")
    }
}
