import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// A submitted record is read, not edited: it opens on its review, each
// answer as text, with Amend; a refused one opens on the hub's reasons; a
// purged one shows its receipt. Removing a child is asked first, and a
// message under a field never moves what is below it as it is answered.
TestCase {
    name: "Amend"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; RecordPage { width: 390; height: 844 } }
    Component { id: homeComponent; HomePage { width: 390; height: 844 } }

    function initTestCase() {
        verify(Harness.setUpStore())
    }
    function cleanup() {
        Editor.close()
    }
    function typeText(text) {
        for (let i = 0; i < text.length; ++i)
            keyClick(text[i])
    }
    function scrollTo(page, view, name) {
        const flick = findChild(page, view).contentItem
        const item = findChild(page, name)
        verify(item, name)
        flick.contentY = Math.max(0, Math.min(item.mapToItem(flick.contentItem, 0, 0).y - 24,
                                              flick.contentHeight - flick.height))
        waitForRendering(page)
        return item
    }

    function test_aSubmittedRecordIsReadThenAmended() {
        const id = Harness.addSubmitted("acknowledged")
        verify(id.length > 0)
        verify(Editor.open(id))
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        verify(Editor.readOnly)
        compare(Editor.stepKind, StepKind.Review)
        const state = findChild(page, "saveState")
        verify(state.text.indexOf("On the hub since") === 0, state.text)
        verify(Qt.colorEqual(state.color, Theme.success))
        compare(findChild(page, "closeRecordButton").text, "Close")
        verify(!findChild(page, "submitButton").visible)
        verify(!findChild(page, "withdrawButton").visible)

        // Its answers are text: nothing to type into, nothing to remove.
        Editor.goToStep(0)
        waitForRendering(page)
        verify(findChild(page, "value:incident.police_reference"))
        verify(!findChild(page, "input:incident.police_reference"))
        Editor.goToStep(Editor.stepCount - 1)
        waitForRendering(page)

        // Amend asks for a reason, then opens version 2 to edit.
        mouseClick(scrollTo(page, "reviewView", "amendButton"))
        const dialog = findChild(page, "amendDialog")
        tryCompare(dialog, "opened", true)
        const act = findChild(dialog.footer, "amendDialogAct")
        verify(!act.enabled, "a reason is required")
        const reason = findChild(dialog.contentItem, "amendDialogReason")
        reason.forceActiveFocus()
        typeText("SYNTHETIC: corrected the time")
        tryCompare(act, "enabled", true)
        mouseClick(act)
        tryCompare(Editor, "readOnly", false)
        compare(Editor.version, 2)
        compare(Editor.stepIndex, 0)
        waitForRendering(page)
        verify(findChild(page, "input:incident.police_reference"), "version 2 is edited")
        compare(findChild(page, "saveState").text, "Amendment saved on this device, not yet submitted")

        // On review: what it is, and a discard instead of a withdrawal.
        Editor.goToStep(Editor.stepCount - 1)
        waitForRendering(page)
        const line = findChild(page, "amendmentReason")
        verify(line.visible)
        verify(line.text.indexOf("SYNTHETIC: corrected the time") >= 0, line.text)
        compare(findChild(page, "submitButton").text, "Submit the amendment")
        mouseClick(scrollTo(page, "reviewView", "discardAmendmentButton"))
        const discard = findChild(page, "discardDialog")
        tryCompare(discard, "opened", true)
        mouseClick(findChild(discard.footer, "discardDialogAct"))
        tryCompare(Editor, "active", false)
        verify(Editor.open(id))
        verify(Editor.readOnly, "version 1 stands as it was sent")
        compare(Editor.version, 1)
    }

    function test_aRefusedRecordOpensOnTheHubsReasons() {
        const id = Harness.addSubmitted("needs_correction",
            "incident.police_reference: text_too_long: the reference is longer than the force's system takes\n"
            + ": hash_mismatch: the record's SHA-256 does not match the envelope")
        verify(Editor.open(id))
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        const box = findChild(page, "reviewHubReasons")
        verify(box.visible)
        const first = findChild(page, "hubReason:0")
        verify(first.enabled, "a reason with a field leads to it")
        verify(!findChild(page, "hubReason:1").enabled, "a reason about the whole record does not")
        const state = findChild(page, "saveState")
        verify(Qt.colorEqual(state.color, Theme.error))
        compare(findChild(page, "amendButton").text, "Correct and send again…")
        mouseClick(first)
        compare(Editor.stepIndex, 0)
        waitForRendering(page)
        verify(findChild(page, "stepHubReasons").visible, "shown on the step where it is answered")
    }

    function test_aPurgedRecordShowsItsReceipt() {
        const id = Harness.addSubmitted("purged")
        verify(id.length > 0)
        const home = createTemporaryObject(homeComponent, this)
        const list = findChild(home, "recordList")
        tryVerify(function() { return list.count > 0 })
        let row = null
        for (let i = 0; i < list.count; ++i) {
            const r = findChild(home, "recordRow_" + i)
            if (r && r.recordId === id)
                row = r
        }
        verify(row, "the receipt is listed")
        compare(row.status, RecordStatus.Purged)
        mouseClick(row)
        const dialog = findChild(home, "receiptDialog")
        tryCompare(dialog, "opened", true)
        const says = findChild(dialog.contentItem, "receiptDialogMessage").text
        verify(says.indexOf("corrections go through the MASH") >= 0, says)
        verify(!findChild(dialog.footer, "receiptDialogAct").visible, "a notice: only Close")
        verify(!Editor.active)
        mouseClick(findChild(dialog.footer, "receiptDialogKeep"))
        tryCompare(dialog, "visible", false)
    }

    function test_removingAChildIsAskedFirst() {
        const id = Harness.addCompleteDomesticAbuseDraft()
        verify(Editor.open(id))
        let children = -1
        for (let i = 0; i < Editor.stepCount; ++i) {
            Editor.goToStep(i)
            if (Editor.stepKind === StepKind.Children)
                break
        }
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        const before = Editor.children.count
        verify(before >= 2)
        mouseClick(scrollTo(page, "childrenView", "childRemove:0"))
        const dialog = findChild(page, "removalDialog")
        tryCompare(dialog, "opened", true)
        verify(dialog.contentItem.text.indexOf("SYNTHETIC") >= 0,
               "names the child")
        mouseClick(findChild(dialog.footer, "keepEntryButton"))
        tryCompare(dialog, "visible", false)
        compare(Editor.children.count, before)
        mouseClick(scrollTo(page, "childrenView", "childRemove:0"))
        tryCompare(dialog, "opened", true)
        mouseClick(findChild(dialog.footer, "removeEntryButton"))
        tryCompare(Editor.children, "count", before - 1)
    }

    // A first look at empty fields shows no message; a follow-up the
    // officer's answer brings shows its own; answered, it stays in place,
    // struck through, so the field below does not move.
    function test_messagesNeverMoveWhatIsBelow() {
        verify(Editor.startNew())
        Editor.addChild(false)
        let seen = -1
        for (let i = 0; i < Editor.stepCount && seen < 0; ++i) {
            Editor.goToStep(i)
            if (Editor.stepTitle === "Seen and heard")
                seen = i
        }
        verify(seen > 0)
        const id = Editor.recordId
        Editor.close()
        verify(Editor.open(id)) // counting visited every step: a fresh open
        Editor.goToStep(seen)
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        const presence = findChild(page, "issue:children[0].presence")
        verify(presence && !presence.visible, "no message on a first look")

        mouseClick(scrollTo(page, "formView", "choice:children[0].seen.answer:2")) // no
        tryVerify(function() { return findChild(page, "issue:children[0].seen.reason_if_no") !== null })
        const why = findChild(page, "issue:children[0].seen.reason_if_no")
        verify(why.visible, "the follow-up says what it needs")
        waitForRendering(page)
        // Where it sits in the step's content (whatever the scroll).
        const content = findChild(page, "formView").contentItem.contentItem
        const below = findChild(page, "field:children[0].spoken_to.answer")
        const y = below.mapToItem(content, 0, 0).y
        const input = findChild(page, "input:children[0].seen.reason_if_no")
        input.forceActiveFocus()
        typeText("SYNTHETIC: asleep")
        tryVerify(function() { return why.font.strikeout }, 3000, "answered: struck through")
        verify(why.visible)
        waitForRendering(page)
        compare(below.mapToItem(content, 0, 0).y, y, "nothing below moved")
    }
}
