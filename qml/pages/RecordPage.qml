import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// The record flow, one step at a time: the incident, the children, each
// child's sections, the risk checklist and sharing, then review and submit.
// Every edit is autosaved by the editor.
Page {
    id: page
    objectName: "recordPage"

    // The step, whose it is and where in the record, then whether the draft
    // is saved: it says "draft" until it is submitted, never "done".
    header: Pane {
        Material.background: Theme.page
        padding: 12
        ColumnLayout {
            anchors.left: parent.left
            anchors.right: parent.right
            spacing: 2
            RowLayout {
                Layout.fillWidth: true
                spacing: 8
                Label {
                    objectName: "stepTitle"
                    text: Editor.stepTitle
                    font.pixelSize: 21
                    font.bold: true
                    wrapMode: Text.Wrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                Button {
                    objectName: "closeRecordButton"
                    text: Editor.readOnly ? qsTr("Close") : qsTr("Save draft")
                    flat: true
                    font.pixelSize: 16
                    font.capitalization: Font.MixedCase
                    implicitHeight: 52
                    onClicked: Editor.close()
                }
            }
            // Where in the record first (always visible), then whose step it is.
            Label {
                objectName: "stepSubtitle"
                text: qsTr("Step %1 of %2").arg(Editor.stepIndex + 1).arg(Editor.stepCount)
                      + (Editor.stepSubtitle.length > 0 ? "  ·  " + Editor.stepSubtitle : "")
                font.pixelSize: 14
                opacity: 0.8
                Layout.fillWidth: true
                elide: Text.ElideRight
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: 8
                Label {
                    objectName: "saveState"
                    // Never "saved" over a value that was not. A submitted
                    // record says where it is instead.
                    readonly property bool bad: Editor.saveError.length > 0 || Editor.unreadableCount > 0
                    text: Editor.readOnly ? Editor.stateNotice
                          : Editor.saveError.length > 0 ? Editor.saveError
                          : Editor.unreadableCount > 0 ? qsTr("Not saved: %n answer(s) could not be read", "", Editor.unreadableCount)
                          : Editor.savePending ? qsTr("Saving…")
                          : Editor.isAmendment ? qsTr("Amendment saved on this device, not yet submitted")
                          : qsTr("Draft saved on this device")
                    color: Editor.readOnly ? Theme.statusColor(Editor.status) : bad ? Theme.error : Theme.warning
                    font.pixelSize: 13
                    font.bold: bad
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
            }
        }
    }

    // Each step opens at its top, never at the previous step's scroll
    // position (often the bottom, under the officer's finger).
    property int shownStep: -1
    Connections {
        target: Editor
        function onStepChanged() {
            if (Editor.stepIndex === page.shownStep)
                return // the same step (a name typed): stay where the officer is
            page.shownStep = Editor.stepIndex
            formView.contentItem.contentY = 0
            childrenView.contentItem.contentY = 0
            reviewView.contentItem.contentY = 0
        }
    }
    Component.onCompleted: shownStep = Editor.stepIndex

    // The hub's reasons for refusing a version: on its review, and while
    // its correction is written, each on the step where it is answered.
    component HubReasons: Frame {
        id: reasonsBox
        property var reasons: []
        visible: reasons.length > 0
        Layout.fillWidth: true
        background: Rectangle {
            color: Theme.errorSurface
            border.color: Theme.error
            radius: 6
        }
        ColumnLayout {
            anchors.left: parent.left
            anchors.right: parent.right
            spacing: 4
            Label {
                text: Editor.readOnly ? qsTr("The hub could not accept this version:")
                                      : qsTr("Correcting what the hub refused:")
                font.pixelSize: 16
                font.bold: true
                color: Theme.errorText
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Repeater {
                model: reasonsBox.reasons
                delegate: ItemDelegate {
                    id: reasonRow
                    required property var modelData
                    required property int index
                    objectName: "hubReason:" + index
                    Layout.fillWidth: true
                    implicitHeight: Math.max(48, reasonText.implicitHeight + 12)
                    enabled: modelData.step >= 0 && modelData.step !== Editor.stepIndex
                    onClicked: Editor.goToStep(modelData.step)
                    contentItem: Label {
                        id: reasonText
                        text: "\u2022 " + reasonRow.modelData.message
                        color: Theme.errorText
                        font.pixelSize: 15
                        wrapMode: Text.Wrap
                    }
                }
            }
        }
    }

    StackLayout {
        anchors.fill: parent
        currentIndex: Editor.stepKind === StepKind.Children ? 1
                      : Editor.stepKind === StepKind.Review ? 2 : 0

        // A form step: the fields that apply here.
        CenteredColumn {
            id: formView
            objectName: "formView"
            HubReasons {
                objectName: "stepHubReasons"
                reasons: Editor.hubReasons.filter(function (r) { return r.step === Editor.stepIndex })
            }
            Label {
                objectName: "riskScore"
                visible: Editor.stepId === "risk" && text.length > 0
                text: Editor.riskSummary
                font.pixelSize: 17
                font.bold: true
                wrapMode: Text.Wrap // the triggers that set the level, in full
                Layout.fillWidth: true
            }
            Repeater {
                objectName: "formFields"
                model: Editor.fields
                delegate: FormFieldDelegate {}
            }
            Item { Layout.preferredHeight: 24 }
        }

        // The children: add (an unborn child too), remove, reorder, edit.
        CenteredColumn {
            id: childrenView
            objectName: "childrenView"
            Label {
                visible: !Editor.readOnly
                text: qsTr("Add every child who lives here or was present, including any unborn child.")
                wrapMode: Text.Wrap
                font.pixelSize: 16
                Layout.fillWidth: true
            }
            Repeater {
                model: Editor.children
                delegate: Frame {
                    id: childRow
                    required property int index
                    required property string name
                    required property string detail
                    objectName: "child:" + index
                    Layout.fillWidth: true
                    ColumnLayout {
                        anchors.left: parent.left
                        anchors.right: parent.right
                        Label { text: childRow.name; font.pixelSize: 17; font.bold: true; wrapMode: Text.Wrap; Layout.fillWidth: true }
                        Label { text: childRow.detail; font.pixelSize: 14; opacity: 0.7; visible: text.length > 0 }
                        Flow {
                            spacing: 8
                            Layout.fillWidth: true
                            ChoiceButton {
                                objectName: "childEdit:" + childRow.index
                                text: Editor.readOnly ? qsTr("Open") : qsTr("Edit")
                                checkable: false
                                onClicked: Editor.editChild(childRow.index)
                            }
                            ChoiceButton {
                                objectName: "childUp:" + childRow.index
                                text: qsTr("↑ Up")
                                visible: !Editor.readOnly
                                checkable: false
                                enabled: childRow.index > 0
                                opacity: enabled ? 1 : 0.4
                                onClicked: Editor.moveChild(childRow.index, childRow.index - 1)
                            }
                            ChoiceButton {
                                objectName: "childDown:" + childRow.index
                                text: qsTr("↓ Down")
                                visible: !Editor.readOnly
                                checkable: false
                                enabled: childRow.index < Editor.children.count - 1
                                opacity: enabled ? 1 : 0.4
                                onClicked: Editor.moveChild(childRow.index, childRow.index + 1)
                            }
                            Button {
                                objectName: "childRemove:" + childRow.index
                                text: qsTr("Remove")
                                visible: !Editor.readOnly
                                flat: true
                                font.capitalization: Font.MixedCase
                                implicitHeight: 52
                                // Asked first: the next child's buttons land under the finger.
                                onClicked: Editor.askToRemove("children", childRow.index)
                            }
                        }
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                visible: !Editor.readOnly
                spacing: 12
                BigButton {
                    objectName: "addChildButton"
                    text: qsTr("Add child")
                    onClicked: Editor.addChild(false)
                }
                ChoiceButton {
                    objectName: "addUnbornButton"
                    text: qsTr("Add unborn child")
                    checkable: false
                    implicitHeight: 64
                    Layout.fillWidth: true
                    onClicked: Editor.addChild(true)
                }
            }
        }

        // Review: what is still missing, each a step away; then submit.
        CenteredColumn {
            id: reviewView
            objectName: "reviewView"
            HubReasons {
                objectName: "reviewHubReasons"
                reasons: Editor.hubReasons
            }
            Label {
                objectName: "amendmentReason"
                visible: Editor.isAmendment
                text: qsTr("Amendment: version %1, replacing version %2 on the hub. Your reason: %3")
                      .arg(Editor.version).arg(Editor.version - 1).arg(Editor.amendmentReason)
                font.pixelSize: 15
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            // The read-back: each child as the hub will see them; a line
            // is a tap away from where it is answered.
            Repeater {
                objectName: "reviewChildren"
                model: Editor.reviewSummary
                delegate: ColumnLayout {
                    id: childCard
                    required property var modelData
                    required property int index
                    objectName: "reviewChild:" + index
                    spacing: 8 // each line is a target: 8 px between them
                    Layout.fillWidth: true
                    Label {
                        text: childCard.modelData.name
                              + (childCard.modelData.age.length > 0 ? ", " + childCard.modelData.age : "")
                        font.pixelSize: 18
                        font.bold: true
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    Repeater {
                        model: childCard.modelData.lines
                        delegate: ItemDelegate {
                            id: reviewLine
                            required property var modelData
                            required property int index
                            objectName: "reviewLine:" + childCard.index + ":" + index
                            Layout.fillWidth: true
                            implicitHeight: Math.max(48, lineText.implicitHeight + 12)
                            enabled: modelData.step >= 0
                            onClicked: Editor.goToStep(modelData.step)
                            contentItem: RowLayout {
                                spacing: 8
                                Label {
                                    text: reviewLine.modelData.label
                                    font.pixelSize: 15
                                    opacity: 0.75
                                    Layout.preferredWidth: 120
                                    wrapMode: Text.Wrap
                                }
                                Label {
                                    id: lineText
                                    text: reviewLine.modelData.value
                                    font.pixelSize: 15
                                    // Missing is a thing to fix only in a draft.
                                    readonly property bool flagged: reviewLine.modelData.missing && !Editor.readOnly
                                    font.bold: flagged
                                    color: flagged ? Theme.errorText : Theme.primary
                                    wrapMode: Text.Wrap
                                    Layout.fillWidth: true
                                }
                            }
                        }
                    }
                }
            }
            Label {
                objectName: "riskSummary"
                text: Editor.riskSummary
                visible: text.length > 0
                font.pixelSize: 16
                font.bold: true
                wrapMode: Text.Wrap // the triggers that set the level, in full
                Layout.fillWidth: true
            }
            Label {
                visible: !Editor.readOnly
                text: Editor.issues.length === 0
                      ? qsTr("Everything good practice asks for is recorded.")
                      : qsTr("Still needed before submitting:")
                font.pixelSize: 17
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Repeater {
                model: Editor.issues
                delegate: ItemDelegate {
                    id: issueRow
                    required property var modelData
                    required property int index
                    objectName: "issueRow:" + index
                    text: modelData.message
                    font.pixelSize: 15
                    Layout.fillWidth: true
                    enabled: modelData.step >= 0
                    onClicked: Editor.goToStep(modelData.step)
                    contentItem: Label {
                        text: "• " + issueRow.modelData.message
                        wrapMode: Text.Wrap
                        color: Theme.errorText
                        font.pixelSize: 15
                    }
                }
            }
            Label {
                objectName: "submitError"
                text: Editor.submitError
                visible: text.length > 0
                color: Theme.error
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            BigButton {
                objectName: "submitButton"
                visible: !Editor.readOnly
                text: Editor.isAmendment ? qsTr("Submit the amendment") : qsTr("Submit to the hub")
                enabled: Editor.issues.length === 0
                onClicked: submitDialog.open()
            }
            // A submitted record: corrected by a new version, with a reason.
            BigButton {
                objectName: "amendButton"
                visible: Editor.canAmend
                text: Editor.status === RecordStatus.NeedsCorrection ? qsTr("Correct and send again…")
                                                                     : qsTr("Amend this record…")
                onClicked: amendDialog.open()
            }
            // Not going ahead with it: an empty record is deleted; anything
            // recorded is withdrawn, and still reaches the hub, marked; an
            // amendment is discarded (the versions sent stay as they are).
            Button {
                objectName: Editor.isAmendment ? "discardAmendmentButton"
                            : Editor.canDelete ? "deleteDraftButton" : "withdrawButton"
                visible: !Editor.readOnly
                text: Editor.isAmendment ? qsTr("Discard this amendment…")
                      : Editor.canDelete ? qsTr("Delete this empty record")
                      : qsTr("Withdraw this record…")
                flat: true
                font.pixelSize: 16
                font.capitalization: Font.MixedCase
                implicitHeight: 52
                Layout.topMargin: 24
                Layout.alignment: Qt.AlignHCenter
                onClicked: Editor.isAmendment ? discardDialog.open()
                           : Editor.canDelete ? Editor.deleteDraft() : withdrawDialog.open()
            }
        }
    }

    footer: Pane {
        padding: 8
        RowLayout {
            anchors.left: parent.left
            anchors.right: parent.right
            spacing: 12
            Button {
                objectName: "backButton"
                text: qsTr("Back")
                enabled: Editor.stepIndex > 0
                font.pixelSize: 17
                implicitHeight: 60
                Layout.preferredWidth: 120
                onClicked: Editor.back()
            }
            BigButton {
                objectName: "nextButton"
                text: qsTr("Next")
                enabled: Editor.stepIndex < Editor.stepCount - 1
                onClicked: Editor.next()
            }
        }
    }

    // What submitting does, in the system's own terms, before it is done.
    ConfirmDialog {
        id: submitDialog
        objectName: "submitDialog"
        title: qsTr("Submit this record?")
        message: Editor.submitConsequences
        keepText: qsTr("Not yet")
        actText: qsTr("Submit")
        onActed: Editor.submit()
    }

    ConfirmDialog {
        id: amendDialog
        objectName: "amendDialog"
        title: Editor.status === RecordStatus.NeedsCorrection ? qsTr("Correct this record?")
                                                              : qsTr("Amend this record?")
        message: qsTr("You write a new version; the one sent stays on the hub as it was. The new version is submitted like a draft, with your reason.")
        needsReason: true
        reasonLabel: qsTr("Why is it being amended? (for example: the hub's reason, a detail added)")
        keepText: qsTr("Not now")
        actText: qsTr("Amend")
        onActed: function (reason) { Editor.amend(reason) }
    }

    ConfirmDialog {
        id: discardDialog
        objectName: "discardDialog"
        title: qsTr("Discard this amendment?")
        message: qsTr("Your changes since version %1 are removed from this device. Version %1 stays on the hub as it was sent.").arg(Editor.version - 1)
        keepText: qsTr("Keep the amendment")
        actText: qsTr("Discard")
        onActed: Editor.discardAmendment()
    }

    ConfirmDialog {
        id: withdrawDialog
        objectName: "withdrawDialog"
        title: qsTr("Withdraw this record?")
        message: qsTr("It will not be finished. It is still sent to the hub as it stands, marked withdrawn with your reason: anything relevant to an investigation is kept.")
        needsReason: true
        reasonLabel: qsTr("Why is it withdrawn? (for example: started in error, a duplicate of another record)")
        keepText: qsTr("Keep the record")
        actText: qsTr("Withdraw")
        onActed: function (reason) { Editor.withdraw(reason) }
    }

    // A new incident type that does not ask some questions already answered:
    // say which answers would go before anything is discarded.
    Dialog {
        id: typeChangeDialog
        objectName: "typeChangeDialog"
        visible: Editor.typeChangePending
        modal: true
        anchors.centerIn: Overlay.overlay
        width: Math.min(page.width - 32, 480)
        title: qsTr("Change the type of incident?")
        closePolicy: Popup.NoAutoClose
        // Shown at once: it answers a tap and must not be tapped through.
        enter: Transition {}
        exit: Transition {}
        height: Math.min(implicitHeight, page.height - 48)
        // Plain, without the elevation layer: it reads the same on every
        // device and in the rendered screenshots.
        background: Rectangle {
            color: Theme.surface
            radius: 8
            border.color: Theme.outline
        }
        Overlay.modal: Rectangle {
            color: Theme.scrim
        }
        contentItem: ColumnLayout {
            spacing: 8
            Label {
                text: qsTr("This type does not ask these questions. Your answers to them will be removed:")
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            ListView {
                objectName: "typeChangeLosses"
                model: Editor.typeChangeLosses
                clip: true
                spacing: 6
                Layout.fillWidth: true
                Layout.fillHeight: true
                implicitHeight: Math.min(contentHeight, 360)
                ScrollIndicator.vertical: ScrollIndicator {}
                delegate: Label {
                    required property string modelData
                    width: ListView.view.width
                    text: "\u2022 " + modelData
                    wrapMode: Text.Wrap
                }
            }
        }
        footer: DialogButtonBox {
            Button {
                objectName: "keepTypeButton"
                text: qsTr("Keep the type")
                implicitHeight: 56
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "changeTypeButton"
                text: qsTr("Change and remove")
                implicitHeight: 56
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
        }
        onAccepted: Editor.confirmTypeChange()
        onRejected: Editor.cancelTypeChange()
    }

    // Removing an entry (an adult takes their part and relationships with
    // them) is asked first: the next entry's button lands under the finger.
    Dialog {
        id: removalDialog
        objectName: "removalDialog"
        visible: Editor.removalQuestion.length > 0
        modal: true
        anchors.centerIn: Overlay.overlay
        width: Math.min(page.width - 32, 480)
        title: qsTr("Remove this entry?")
        closePolicy: Popup.NoAutoClose
        enter: Transition {}
        exit: Transition {}
        background: Rectangle {
            color: Theme.surface
            radius: 8
            border.color: Theme.outline
        }
        Overlay.modal: Rectangle {
            color: Theme.scrim
        }
        contentItem: Label {
            objectName: "removalQuestion"
            text: Editor.removalQuestion
            wrapMode: Text.Wrap
        }
        footer: DialogButtonBox {
            Button {
                objectName: "keepEntryButton"
                text: qsTr("Keep")
                implicitHeight: 56
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "removeEntryButton"
                text: qsTr("Remove")
                implicitHeight: 56
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
        }
        onAccepted: Editor.confirmRemoval()
        onRejected: Editor.cancelRemoval()
    }
}
