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
            Label {
                text: qsTr("Safeguard")
                font.pixelSize: 20
                font.bold: true
                color: Theme.textOnPrimary
                Layout.fillWidth: true
            }
            ToolButton {
                objectName: "lockButton"
                text: qsTr("Lock")
                font.pixelSize: 16
                Material.foreground: Theme.textOnPrimary
                implicitHeight: 56
                onClicked: Session.lock()
            }
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
            default: return Editor.active ? "pages/RecordPage.qml" : "pages/HomePage.qml"
            }
        }
    }
}
