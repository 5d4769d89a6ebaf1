#include "passphrasestrength.h"

#include <QStringList>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>
#include <zxcvbn.h>

namespace safeguard::store {

PassphraseStrength PassphraseStrength::judge(const SecureBuffer &passphraseUtf8,
                                             const QStringList &userWords)
{
    PassphraseStrength s;
    // libzxcvbn wants a NUL-terminated string: copy into secure memory.
    SecureBuffer z(passphraseUtf8.size() + 1);
    if (z.isNull()) {
        s.advice = QStringLiteral("The passphrase could not be checked. Try again.");
        return s;
    }
    if (passphraseUtf8.size())
        std::memcpy(z.data(), passphraseUtf8.data(), passphraseUtf8.size());

    std::vector<std::string> words;
    for (const QString &w : userWords)
        words.push_back(w.toStdString());
    std::vector<const char *> dict;
    for (const std::string &w : words)
        dict.push_back(w.c_str());
    dict.push_back(nullptr);

    s.entropyBits = ZxcvbnMatch(reinterpret_cast<const char *>(z.data()), dict.data(), nullptr);
    const double log10Guesses = s.entropyBits * std::log10(2.0);
    s.score = log10Guesses < 3    ? 0
              : log10Guesses < 6  ? 1
              : log10Guesses < 8  ? 2
              : log10Guesses < 10 ? 3
                                  : 4;
    if (!s.acceptable()) {
        s.advice = QStringLiteral(
            "This passphrase would be guessed too quickly. Use at least four unrelated words, "
            "or a longer sentence only you would think of. Avoid names, dates, your collar "
            "number and words from songs or films.");
    }
    return s;
}

} // namespace safeguard::store
