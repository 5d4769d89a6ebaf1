import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// The record flow: incident details, children (add, unborn, reorder,
// remove), a child's sections with reasons appearing for "no", sensitive
// text fields, and the form adapting to the incident type.
TestCase {
    name: "RecordFlow"
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

    function field(page, path) {
        return findChild(page, "input:" + path)
    }

    function test_flow() {
        verify(Editor.startNew())
        const page = createTemporaryObject(pageComponent, this)
        compare(Editor.stepTitle, "Incident")
        waitForRendering(page)

        mouseClick(findChild(page, "choice:incident.type:" + 1)) // domestic abuse
        tryCompare(findChild(page, "choice:incident.type:" + 1), "checked", true)
        const reference = field(page, "incident.police_reference")
        verify(reference)
        reference.forceActiveFocus()
        typeText("SYN-CAD-42")
        compare(Editor.record === undefined, true) // the record itself never reaches QML
        verify(field(page, "incident.occurred_at").text.length === 16, "date and time default to now")

        // The adults, once for the incident: a suspect's age is asked.
        mouseClick(findChild(page, "nextButton"))
        waitForRendering(page)
        compare(Editor.stepTitle, "People")
        mouseClick(findChild(page, "add:people"))
        tryVerify(function() { return field(page, "people[0].given_names") !== null })
        const adult = field(page, "people[0].given_names")
        adult.forceActiveFocus()
        typeText("Adult SYNTHETIC")
        verify(adult.inputMethodHints & Qt.ImhSensitiveData)
        mouseClick(findChild(page, "role:people[0].@roles:1")) // suspect
        tryVerify(function() { return findChild(page, "issue:people[0].date_of_birth").visible },
                  5000, "the suspect's date of birth or age is asked")

        mouseClick(findChild(page, "nextButton"))
        waitForRendering(page)
        compare(Editor.stepKind, StepKind.Children)
        waitForRendering(page)
        mouseClick(findChild(page, "addChildButton"))
        mouseClick(findChild(page, "addUnbornButton"))
        compare(Editor.children.count, 2)
        tryVerify(function() { return findChild(page, "childUp:1") !== null })
        mouseClick(findChild(page, "childUp:1"))
        tryVerify(function() { return findChild(page, "child:0").name === "Unborn child" })
        mouseClick(findChild(page, "childUp:1"))

        waitForRendering(page)
        mouseClick(findChild(page, "childEdit:0"))
        compare(Editor.stepTitle, "Who")
        const given = field(page, "children[0].identity.given_names")
        given.forceActiveFocus()
        typeText("Alpha SYNTHETIC")
        verify(given.inputMethodHints & Qt.ImhSensitiveData)
        verify(given.inputMethodHints & Qt.ImhNoPredictiveText)

        mouseClick(findChild(page, "nextButton"))
        waitForRendering(page)
        compare(Editor.stepTitle, "Seen and heard")
        compare(Editor.stepSubtitle, "Alpha SYNTHETIC")
        verify(findChild(page, "field:children[0].presence"), "asked at a domestic incident")
        verify(!field(page, "children[0].seen.reason_if_no"))
        mouseClick(findChild(page, "choice:children[0].seen.answer:2")) // no
        tryVerify(function() { return field(page, "children[0].seen.reason_if_no") !== null })
        verify(findChild(page, "issue:children[0].seen.reason_if_no").visible)

        const words = field(page, "children[0].voice.words_verbatim")
        verify(words.height >= 200, "the child's words get the largest area")
        verify(words.inputMethodHints & Qt.ImhSensitiveData)
        words.forceActiveFocus()
        typeText("I was upstairs")
        Editor.saveNow()

        // A school liaison visit does not ask where the child was at home.
        Editor.goToStep(0)
        waitForRendering(page)
        mouseClick(findChild(page, "choice:incident.type:" + 2))
        // The answers only a domestic incident asks would go: asked first.
        tryVerify(function() { return findChild(page, "typeChangeDialog").visible })
        const change = findChild(page, "changeTypeButton")
        tryVerify(function() { return change.visible && change.width > 0 })
        waitForRendering(page)
        mouseClick(change)
        tryVerify(function() { return field(page, "incident.visit_reason") !== null })
        Editor.editChild(0)
        waitForRendering(page)
        mouseClick(findChild(page, "nextButton"))
        waitForRendering(page)
        compare(Editor.stepTitle, "Seen and heard")
        verify(!findChild(page, "field:children[0].presence"))
        Editor.close()
    }

    function test_reviewListsWhatIsMissing() {
        verify(Editor.startNew())
        const page = createTemporaryObject(pageComponent, this)
        Editor.goToStep(Editor.stepCount - 1)
        compare(Editor.stepKind, StepKind.Review)
        verify(Editor.issues.length > 0)
        verify(!findChild(page, "submitButton").enabled)
        const first = findChild(page, "issueRow:0")
        verify(first)
        mouseClick(first)
        verify(Editor.stepIndex < Editor.stepCount - 1, "an issue leads to its step")
        Editor.close()
    }
}
