import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// How much work the record flow is: a domestic abuse incident with two
// children (a complete synthetic record of the current form, the same each
// run) entered through the screens by objectName, as an officer would,
// counting taps, typed entries and scrolls. Two passes: the minimal one
// answers only what good practice asks of the record (what issue 15 counted
// by hand: about 150 taps, 45 scrolls and 35 entries), the full one every
// answer the reference holds. Later issues re-run this test. A target off
// screen costs a scroll per 80% of a screen moved (the header and footer
// never scroll); a menu costs two taps; a typed field is one tap and one
// entry. The ceilings are the figures of the day: the flow must not get
// more laborious.
TestCase {
    name: "TapCount"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; RecordPage { width: 390; height: 844 } }

    property var page: null
    property int taps: 0
    property int entries: 0
    property int scrolls: 0

    function view() {
        const name = Editor.stepKind === StepKind.Children ? "childrenView"
                   : Editor.stepKind === StepKind.Review ? "reviewView" : "formView"
        return findChild(page, name).contentItem
    }
    // Scrolls, as the officer would, until the item is on screen.
    function inside(item, ancestor) {
        for (let p = item; p; p = p.parent)
            if (p === ancestor)
                return true
        return false
    }
    function reveal(item) {
        const f = view()
        // The header and footer (Next, Back) never scroll.
        if (!inside(item, f.contentItem))
            return
        const y = item.mapToItem(f.contentItem, 0, 0).y
        if (y >= f.contentY && y + item.height <= f.contentY + f.height)
            return
        const top = Math.max(0, Math.min(y - 24, f.contentHeight - f.height))
        scrolls += Math.max(1, Math.ceil(Math.abs(top - f.contentY) / (0.8 * f.height)))
        f.contentY = top
        waitForRendering(page)
    }
    function tap(item, what) {
        verify(item, "no target: " + what)
        reveal(item)
        mouseClick(item)
        taps++
        waitForRendering(page)
    }
    function type(item, text, what) {
        tap(item, what)
        for (let i = 0; i < text.length; ++i) {
            if (text[i] === "\n")
                keyClick(Qt.Key_Return)
            else
                keyClick(text[i])
        }
        entries++
    }
    function empty(v) { return v === undefined || v === null || v === "" || v === 0 || v === false
                               || (Array.isArray(v) && v.length === 0) }

    // The minimal pass answers only what good practice still asks.
    property bool minimal: false
    function fillRow(d) {
        const path = d.path
        if (minimal) {
            const required = Harness.requiredRows()
            if (required.indexOf(path) < 0 && required.indexOf(d.listPath) < 0)
                return
        }
        const want = Harness.referenceValue(path)
        switch (d.kind) {
        case FieldKind.Text: case FieldKind.LongText: case FieldKind.ChildWords:
        case FieldKind.Number: case FieldKind.Date: case FieldKind.DateTime:
            if (!empty(want) && String(d.value) !== String(want)) {
                const input = findChild(d, "input:" + path)
                type(input, String(want), path)
            }
            return
        case FieldKind.Lines:
            if (!empty(want) && String(d.value) !== String(want))
                type(findChild(d, "input:" + path), want.join("\n"), path)
            return
        case FieldKind.Bool:
            if (!!want !== (d.value === true))
                tap(findChild(d, "input:" + path), path)
            return
        case FieldKind.Choice: case FieldKind.PersonChoice:
            if (!empty(want) && d.value !== want)
                tap(findChild(d, "choice:" + path + ":" + want), path + "=" + want)
            return
        case FieldKind.Menu: {
            if (empty(want) || d.value === want)
                return
            // Two taps: one opens the menu, one picks the option. (Chosen
            // through the ComboBox's own signal: its popup's closing
            // animation would swallow the next click offscreen.)
            const combo = findChild(d, "input:" + path)
            verify(combo, path)
            reveal(combo)
            combo.currentIndex = combo.indexOfValue(want)
            combo.activated(combo.currentIndex)
            taps += 2
            waitForRendering(page)
            return
        }
        case FieldKind.Flags:
            for (const v of (want || []))
                if (!d.value || d.value.indexOf(v) < 0)
                    tap(findChild(d, "flag:" + path + ":" + v), path + "+" + v)
            return
        case FieldKind.Options:
            for (const v of (want || []))
                if (!d.value || d.value.indexOf(v) < 0)
                    tap(findChild(d, "option:" + path + ":" + v), path + "+" + v)
            return
        case FieldKind.PersonRoles:
            for (const v of Harness.referenceRoles(path))
                if (!d.value || d.value.indexOf(v) < 0)
                    tap(findChild(d, "role:" + path + ":" + v), path + " role " + v)
            return
        case FieldKind.ListHeader:
            if (d.value === 0 && Harness.referenceCount(d.listPath) > 0)
                tap(findChild(d, "add:" + d.listPath), "add " + d.listPath)
            return
        case FieldKind.ListAdd:
            if (Harness.editorCount(d.listPath) < Harness.referenceCount(d.listPath))
                tap(findChild(d, "addAnother:" + d.listPath), "add another " + d.listPath)
            return
        default:
            return
        }
    }

    function init() {
        taps = 0
        entries = 0
        scrolls = 0
        minimal = false
    }

    // Enters the reference through the screens; returns the step count.
    function enterRecord() {
        const ref = Harness.makeReference()
        compare(ref.children, 2)
        page = createTemporaryObject(pageComponent, this)
        verify(Editor.startNew())
        taps++ // "New record" on home
        waitForRendering(page)
        let guard = 0
        while (Editor.stepKind !== StepKind.Review && guard++ < 60) {
            if (Editor.stepKind === StepKind.Children) {
                while (Editor.children.count < ref.children)
                    tap(findChild(page, "addChildButton"), "add child")
            } else {
                const rows = findChild(page, "formFields")
                for (let i = 0; i < rows.count; ++i) {
                    const d = rows.itemAt(i)
                    if (d)
                        fillRow(d)
                }
            }
            console.log("TAPSTEP " + Editor.stepTitle + " #" + Editor.stepChild + " taps=" + taps
                        + " scrolls=" + scrolls + " height=" + Math.round(view().contentHeight))
            tap(findChild(page, "nextButton"), "next")
        }
        compare(Editor.stepKind, StepKind.Review)
        // Everything good practice asks for was entered through the screens.
        const issues = Editor.issues.map(i => i.path + ": " + i.message)
        compare(issues.length, 0, issues.join("; "))
        console.log("TAPCOUNT " + (minimal ? "minimal" : "full") + " taps=" + taps
                    + " entries=" + entries + " scrolls=" + scrolls + " steps=" + Editor.stepCount)
    }

    // Only what good practice asks of this record: what issue 15 counted by
    // hand (about 150 taps, 45 scrolls, 35 entries), to be at most halved.
    function initTestCase() {
        verify(Harness.setUpStore())
    }

    function test_minimalTwoChildDomesticAbuseRecord() {
        minimal = true
        enterRecord()
        // 73 taps on the partner-order checklist (2026-12-03); the police
        // DASH (issue 16) asks its sub-answers and the child's own two risk
        // questions on each child: 86 taps, 13 entries, 30 scrolls.
        verify(taps <= 88, "taps " + taps)
        verify(scrolls <= 32, "scrolls " + scrolls)
        verify(entries <= 35, "entries " + entries)
        Editor.close()
    }

    function test_twoChildDomesticAbuseRecord() {
        enterRecord()
        // Ceilings: the figures of 2026-12-03 (docs/PERFORMANCE.md). This
        // record answers every question the synthetic factory answers, far
        // more than the minimum issue 15 counted by hand.
        // 2026-12-04, police DASH: 242 taps, 91 entries, 67 scrolls.
        verify(taps <= 245, "taps " + taps)
        verify(entries <= 93, "entries " + entries)
        verify(scrolls <= 70, "scrolls " + scrolls)
        Editor.close()
    }
}
