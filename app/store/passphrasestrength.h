#pragma once

#include "securebuffer.h"

#include <QString>
#include <QStringList>

namespace safeguard::store {

// How hard a passphrase is to guess, judged by Debian's libzxcvbn, which
// gives an entropy estimate in bits rather than zxcvbn's 0-4 score; the
// score is derived from guesses = 2^entropy with zxcvbn's own thresholds
// (1e3, 1e6, 1e8, 1e10). A new or changed passphrase needs kMinimumScore.
// The advice is plain words an officer can act on, and never repeats the
// passphrase.
struct PassphraseStrength
{
    static constexpr int kMinimumScore = 3;

    int score = 0; // 0 (guessed at once) .. 4 (very hard)
    double entropyBits = 0;
    QString advice; // empty when acceptable

    bool acceptable() const { return score >= kMinimumScore; }

    // The passphrase is read from secure memory; libzxcvbn copies nothing
    // out of the process. userWords (e.g. the officer's id) count as known.
    static PassphraseStrength judge(const SecureBuffer &passphraseUtf8,
                                    const QStringList &userWords = {});
};

} // namespace safeguard::store
