import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Safeguard.Ui
import Safeguard

// The window: one page at a time, chosen by the session's state. A lock
// action sits in the header of every unlocked screen.
ApplicationWindow {
    id: window
    objectName: "mainWindow"
    width: 390
    height: 844
    visible: true
    title: qsTr("Safeguard")

    Material.theme: Material.Light
    Material.primary: Theme.primary
    Material.accent: Theme.action

    // Drafts that would be left unsubmitted: an untouched new record is
    // discarded on closing, so it does not count.
    function unsubmitted() {
        return Math.max(0, Home.draftCount - (Editor.canDelete ? 1 : 0))
    }
    property bool quitConfirmed: false
    onClosing: function (close) {
        if (Session.state === Session.Unlocked && unsubmitted() > 0 && !quitConfirmed) {
            close.accepted = false
            quitDialog.open()
        }
    }

    onVisibilityChanged: function (v) {
        if (v === Window.Hidden || v === Window.Minimized)
            Locker.windowHidden()
    }

    header: ToolBar {
        objectName: "appHeader"
        visible: Session.state === Session.Unlocked
        Material.foreground: Theme.textOnPrimary
        background: Rectangle { color: Theme.primary }
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 16
            ColumnLayout {
                spacing: 0
                Layout.fillWidth: true
                Label {
                    text: qsTr("Safeguard")
                    font.pixelSize: 20
                    font.bold: true
                    color: Theme.textOnPrimary
                    // Fills the row, so Lock sits at its end at every width.
                    Layout.fillWidth: true
                }
                Label {
                    objectName: "signedInAs"
                    visible: Home.signedInAs.length > 0
                    text: qsTr("Signed in as %1").arg(Home.signedInAs)
                    font.pixelSize: 13
                    color: Theme.textOnPrimary
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
            ToolButton {
                objectName: "syncPageButton"
                // From home: what sync is doing, the hub, Sync now.
                visible: !Editor.active && !Sync.showing && !FirstRun.showing
                text: qsTr("Sync")
                font.pixelSize: 16
                Material.foreground: Theme.textOnPrimary
                implicitHeight: 56
                onClicked: Sync.open()
            }
            ToolButton {
                objectName: "lockButton"
                text: qsTr("Lock")
                font.pixelSize: 16
                Material.foreground: Theme.textOnPrimary
                implicitHeight: 56
                onClicked: window.unsubmitted() > 0 ? lockDialog.open() : Session.lock()
            }
        }
    }

    // The last seconds before an inactivity lock: say so, and what would be
    // left unsubmitted; any touch keeps the app open.
    Rectangle {
        objectName: "autoLockWarning"
        visible: Locker.secondsUntilLock >= 0 && Session.state === Session.Unlocked
        z: 10
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        height: warningText.implicitHeight + 24
        color: Theme.warningSurface
        border.color: Theme.warning
        Label {
            id: warningText
            anchors.fill: parent
            anchors.margins: 12
            text: qsTr("Locking in %1 s.").arg(Locker.secondsUntilLock)
                  + (window.unsubmitted() > 0 ? " " + qsTr("%n record(s) not submitted.", "", window.unsubmitted()) : "")
                  + " " + qsTr("Touch the screen to keep working.")
            wrapMode: Text.Wrap
            font.pixelSize: 16
            font.bold: true
            color: Theme.warning
        }
    }

    ConfirmDialog {
        id: lockDialog
        objectName: "lockDialog"
        title: qsTr("Lock with work not submitted?")
        message: qsTr("%n record(s) not submitted. Drafts stay on this device, encrypted, and go nowhere until you submit them.", "", window.unsubmitted())
        keepText: qsTr("Keep working")
        actText: qsTr("Lock")
        onActed: Session.lock()
    }
    ConfirmDialog {
        id: quitDialog
        objectName: "quitDialog"
        title: qsTr("Quit with work not submitted?")
        message: qsTr("%n record(s) not submitted. Drafts stay on this device, encrypted, and go nowhere until you submit them.", "", window.unsubmitted())
        keepText: qsTr("Keep working")
        actText: qsTr("Quit")
        onActed: {
            window.quitConfirmed = true
            window.close()
        }
    }

    Loader {
        id: pageLoader
        objectName: "pageLoader"
        anchors.fill: parent
        source: {
            switch (Session.state) {
            case Session.NeedsSetup: return "pages/FirstRunPage.qml"
            case Session.Locked: return "pages/UnlockPage.qml"
            case Session.Wiped: return "pages/WipedPage.qml"
            // Set-up stays until the hub has answered the code.
            default: return FirstRun.showing ? "pages/FirstRunPage.qml"
                          : Editor.active ? "pages/RecordPage.qml"
                          : Sync.showing ? "pages/SyncPage.qml" : "pages/HomePage.qml"
            }
        }
    }
}
