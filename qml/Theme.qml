pragma Singleton
import QtQuick
import Safeguard.Ui

// Every colour the app uses, by what it means rather than what it looks
// like, so a status reads the same on every screen and contrast is checked
// in one place (each text colour here is at least 4.5:1 on its surface).
QtObject {
    // The force's navy: header, chosen options.
    readonly property color primary: "#1d3557"
    // Primary actions (BigButton), and the same pressed.
    readonly property color action: "#2a6f97"
    readonly property color actionPressed: "#1d4f6e"
    readonly property color disabled: "#c9ced6"
    readonly property color textOnPrimary: "#ffffff"

    // An unchosen option.
    readonly property color option: "#f1f4f8"
    readonly property color optionPressed: "#dde4ee"
    readonly property color optionBorder: "#9aa8bb"

    // Pages and cards.
    readonly property color page: "#eef2f7"
    readonly property color surface: "#ffffff"
    readonly property color outline: "#c4c7c5"
    readonly property color scrim: "#99000000"

    // Something is wrong or urgent: a refused value, needs correction.
    readonly property color error: "#b3261e"
    readonly property color errorText: "#8a1c12"
    readonly property color errorSurface: "#fdecea"
    // Not finished: a draft, a record still only on this device.
    readonly property color warning: "#8a5300"
    readonly property color warningSurface: "#fff4e5"
    // On the hub: nothing left for the officer.
    readonly property color success: "#1b5e20"
    readonly property color successSurface: "#e8f5e9"
    // Sent, and with the hub's staff (held at the hub).
    readonly property color info: "#0b4f8a"

    // A record status's colour: unfinished work never looks done.
    function statusColor(status: int): color {
        switch (status) {
        case RecordStatus.Draft:
        case RecordStatus.Queued:
            return warning
        case RecordStatus.NeedsCorrection:
            return error
        case RecordStatus.HeldAtHub:
            return info
        default:
            return success
        }
    }
    // Whether a status asks for the officer's attention (shown bold).
    function statusNeedsAttention(status: int): bool {
        return status === RecordStatus.Draft || status === RecordStatus.Queued
            || status === RecordStatus.NeedsCorrection
    }
}
