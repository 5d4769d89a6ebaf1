import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Autosave: within a second of the last edit, at once on lock; a crash or a
// kill loses nothing saved; reopening lands where the officer was.
TestCase {
    name: "Autosave"
    when: windowShown
    width: 390
    visible: true
    height: 1600

    function typeText(text) {
        for (let i = 0; i < text.length; ++i)
            keyClick(text[i])
    }

    Component { id: pageComponent; RecordPage { width: 390; height: 1600 } }

    function initTestCase() {
        verify(Harness.setUpStore())
    }

    function test_autosaveSurvivesACrash() {
        verify(Editor.startNew())
        const id = Editor.recordId
        const page = createTemporaryObject(pageComponent, this)
        const reference = findChild(page, "input:incident.police_reference")
        reference.forceActiveFocus()
        typeText("SYN-CAD-77")
        compare(findChild(page, "saveState").text, "Saving…")
        tryCompare(Editor, "savePending", false, 1500, "saved within a second of the last keystroke")
        compare(findChild(page, "saveState").text, "Draft saved on this device")

        const found = Harness.afterCrash(id, "incident.police_reference")
        verify(found.found)
        compare(found.value, "SYN-CAD-77")
        Editor.close()
    }

    function test_lockSavesAtOnceAndReopensWhereTheOfficerWas() {
        verify(Editor.startNew())
        const id = Editor.recordId
        const page = createTemporaryObject(pageComponent, this)
        Editor.addChild(false)
        Editor.editChild(0)
        waitForRendering(page)
        mouseClick(findChild(page, "nextButton"))
        waitForRendering(page)
        const step = Editor.stepIndex
        compare(Editor.stepTitle, "Seen and heard")
        const words = findChild(page, "input:children[0].voice.words_verbatim")
        words.forceActiveFocus()
        typeText("Mum was crying")
        verify(Editor.savePending)

        Session.lock() // no waiting for the timer
        verify(!Editor.active)
        const found = Harness.afterCrash(id, "children[0].voice.words_verbatim")
        compare(found.value, "Mum was crying")
        compare(found.step, step)

        Unlock.unlock(Harness.passphrase)
        compare(Session.state, Session.Unlocked)
        verify(Editor.open(id))
        compare(Editor.stepIndex, step)
        Editor.close()
    }
}
