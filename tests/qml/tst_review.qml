import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Review reads the record back per child, each line a tap from its answer;
// submit says what the system will do before it does it.
TestCase {
    name: "Review"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; RecordPage { width: 390; height: 844 } }

    function test_reviewReadsBackAndSubmitConfirms() {
        verify(Harness.setUpStore())
        const id = Harness.addCompleteDomesticAbuseDraft()
        verify(Editor.open(id))
        Editor.goToStep(Editor.stepCount - 1)
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        compare(Editor.issues.length, 0)
        verify(Editor.reviewSummary.length >= 2, "one entry per child")
        const first = Editor.reviewSummary[0]
        const labels = first.lines.map(l => l.label)
        for (const wanted of ["Where", "Seen", "Spoken to", "Alone", "Their words", "Grade",
                              "Protection notice (PPN)"])
            verify(labels.indexOf(wanted) >= 0, wanted + " in " + labels)
        verify(findChild(page, "reviewChild:1"), "the second child is read back too")

        // A line leads to where it is answered.
        const seen = labels.indexOf("Seen")
        mouseClick(findChild(page, "reviewLine:0:" + seen))
        compare(Editor.stepChild, 0)
        verify(Editor.stepIndex < Editor.stepCount - 1)
        Editor.goToStep(Editor.stepCount - 1)
        waitForRendering(page)

        // Submit asks first, saying what happens; "Not yet" changes nothing.
        // (Below the read-back: scrolled to, as the officer would.)
        const flick = findChild(page, "reviewView").contentItem
        const toSubmit = function() {
            flick.contentY = Math.max(0, flick.contentHeight - flick.height)
            waitForRendering(page)
        }
        toSubmit()
        mouseClick(findChild(page, "submitButton"))
        const dialog = findChild(page, "submitDialog")
        tryCompare(dialog, "opened", true)
        const says = findChild(dialog.contentItem, "submitDialogMessage").text
        verify(says.indexOf("hub") >= 0, says)
        verify(says.indexOf("only on this device") >= 0, says)
        mouseClick(findChild(dialog.footer, "submitDialogKeep"))
        tryCompare(dialog, "visible", false)
        verify(Editor.active)
        toSubmit()
        mouseClick(findChild(page, "submitButton"))
        tryCompare(dialog, "opened", true)
        mouseClick(findChild(dialog.footer, "submitDialogAct"))
        tryCompare(Editor, "active", false)
        Home.refresh()
        compare(Home.waitingCount, 1)
    }
}
