import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Every control on every step of a complete record is a target a gloved
// finger can hit on a phone: at least 48 x 48 px, and 8 px clear of any
// other target (a mis-tap on scene is a wrong answer in a child's record).
TestCase {
    name: "TouchTargets"
    when: windowShown
    width: 390
    height: 9000
    visible: true

    // Tall enough that a whole step is laid out at once: every row is a
    // delegate, none is left out for being off screen.
    Component { id: pageComponent; RecordPage { width: 390; height: 9000 } }

    function problemsOn(page, where) {
        const targets = Harness.touchTargets(page)
        const problems = []
        for (const t of targets)
            if (t.width < 48 || t.height < 48)
                problems.push(where + ": " + (t.name || t.type) + " is " + Math.round(t.width)
                              + "x" + Math.round(t.height))
        for (let i = 0; i < targets.length; ++i) {
            for (let j = i + 1; j < targets.length; ++j) {
                const a = targets[i], b = targets[j]
                const contains = (p, q) => p.x <= q.x + 0.5 && p.y <= q.y + 0.5
                                 && p.x + p.width >= q.x + q.width - 0.5
                                 && p.y + p.height >= q.y + q.height - 0.5
                if (contains(a, b) || contains(b, a))
                    continue
                const dx = Math.max(b.x - (a.x + a.width), a.x - (b.x + b.width))
                const dy = Math.max(b.y - (a.y + a.height), a.y - (b.y + b.height))
                const gap = Math.max(dx, dy)
                if (gap < 7.5)
                    problems.push(where + ": " + (a.name || a.type) + " and " + (b.name || b.type)
                                  + (gap < 0 ? " overlap" : " are " + Math.round(gap) + " px apart"))
            }
        }
        return problems
    }

    function walkEveryStep(recordId) {
        verify(recordId.length > 0)
        verify(Editor.open(recordId))
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        const flick = findChild(page, "formView").contentItem
        let problems = []
        let steps = 0
        let targets = 0
        for (let s = 0; s < Editor.stepCount; ++s) {
            Editor.goToStep(s)
            compare(Editor.stepIndex, s)
            waitForRendering(page)
            verify(flick.contentHeight <= flick.height,
                   Editor.stepTitle + " is longer than the test's page: " + flick.contentHeight)
            problems = problems.concat(problemsOn(page, Editor.stepTitle))
            targets += Harness.touchTargets(page).length
            ++steps
        }
        verify(steps >= 6, "walked " + steps + " steps")
        verify(targets >= 100, "looked at " + targets + " targets")
        Editor.close()
        return problems
    }

    function initTestCase() {
        verify(Harness.setUpStore())
    }

    Component { id: homeComponent; HomePage { width: 390; height: 9000 } }

    // Home, with drafts and records of every state to open.
    function test_home() {
        Harness.addDrafts(3)
        Harness.addSubmitted("acknowledged")
        Harness.addSubmitted("needs_correction", "incident.police_reference: text_too_long: SYNTHETIC")
        Harness.addSubmitted("queued")
        const page = createTemporaryObject(homeComponent, this)
        waitForRendering(page)
        verify(Harness.touchTargets(page).length >= 6)
        const problems = problemsOn(page, "Home")
        for (const p of problems) console.log("TARGET " + p)
        compare(problems.length, 0, "\n" + problems.join("\n"))
    }

    function test_domesticAbuse() {
        const problems = walkEveryStep(Harness.addCompleteDraft(1, 2))
        for (const p of problems) console.log("TARGET " + p)
        compare(problems.length, 0, "\n" + problems.join("\n"))
    }

    function test_schoolVisit() {
        const problems = walkEveryStep(Harness.addCompleteDraft(2, 1))
        for (const p of problems) console.log("TARGET " + p)
        compare(problems.length, 0, "\n" + problems.join("\n"))
    }

    Component { id: syncComponent; SyncPage { width: 390; height: 9000 } }

    // The sync page, with records waiting.
    function test_syncPage() {
        Harness.addSubmitted("queued")
        const page = createTemporaryObject(syncComponent, this)
        waitForRendering(page)
        verify(Harness.touchTargets(page).length >= 1)
        const problems = problemsOn(page, "Sync")
        for (const p of problems) console.log("TARGET " + p)
        compare(problems.length, 0, "\n" + problems.join("\n"))
    }
}
