import QtQuick
import QtTest
import Safeguard
import Safeguard.Ui
import Safeguard.Testing

// Screens do not move under the officer's finger between steps.
TestCase {
    name: "StepScroll"
    when: windowShown
    width: 390
    height: 844
    visible: true

    Component { id: pageComponent; RecordPage { width: 390; height: 844 } }

    // Each step opens at its top, whatever the last step's scroll position.
    function test_eachStepOpensAtItsTop() {
        verify(Harness.setUpStore())
        verify(Editor.startNew())
        Editor.setValue("incident.type", 1)
        Editor.addChild(false)
        Editor.editChild(0)
        const page = createTemporaryObject(pageComponent, this)
        waitForRendering(page)
        const flick = findChild(page, "formView").contentItem
        tryVerify(() => flick.contentHeight > flick.height + 200, 3000, "a long step")
        flick.contentY = flick.contentHeight - flick.height // the officer scrolled to the end
        // Typing the child's name there does not move the screen...
        Editor.setValue("children[0].identity.given_names", "Echo SYNTHETIC")
        verify(flick.contentY > 0)
        // ...but the next step starts at its top.
        mouseClick(findChild(page, "nextButton"))
        tryCompare(flick, "contentY", 0)
        Editor.close()
    }
}
