import QtQuick
import QtQuick.Controls

// A passphrase entry: masked, never predicted or remembered by the keyboard.
TextField {
    echoMode: TextInput.Password
    inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
    font.pixelSize: 18
    implicitHeight: 56
}
