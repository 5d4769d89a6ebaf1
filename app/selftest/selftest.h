#pragma once

#include "protocol/clock.h"

#include <QString>

namespace safeguard::ui {

// `safeguard --self-test`: in a private temporary store with synthetic
// records, loads Main.qml and walks it through every state (first run,
// unlocked home, locked, wiped), failing on any QML warning or error.
// Returns the process exit code.
// With screenshotDir set, also saves each screen there as PNG at phone and
// tablet size.
int runSelfTest(const QString &screenshotDir = QString());

// A well-formed enrolment code for tests and screenshots, pointing nowhere.
QString syntheticEnrolmentCode(const protocol::Clock &clock);

} // namespace safeguard::ui
