#pragma once

#include <QString>

namespace safeguard::ui {

// `safeguard --self-test`: in a private temporary store with synthetic
// records, loads Main.qml and walks it through every state (first run,
// unlocked home, locked, wiped), failing on any QML warning or error.
// Returns the process exit code.
// With screenshotDir set, also saves each screen there as PNG at phone and
// tablet size.
int runSelfTest(const QString &screenshotDir = QString());

// The enrolment code's format check for the first-run screen; empty when the
// code looks like one the hub issues, else why not.
QString checkEnrolmentCode(const QString &code);

} // namespace safeguard::ui
