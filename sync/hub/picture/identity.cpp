#include "identity.h"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace safeguard::hub::picture {

namespace names {

namespace {

// Letters that decomposition leaves whole.
const QHash<QChar, QString> &folds()
{
    static const QHash<QChar, QString> all = [] {
        QHash<QChar, QString> f{
            {QChar(0x00DF), QStringLiteral("ss")}, {QChar(0x00E6), QStringLiteral("ae")},
            {QChar(0x0153), QStringLiteral("oe")}, {QChar(0x00F8), QStringLiteral("o")},
            {QChar(0x0142), QStringLiteral("l")},  {QChar(0x0111), QStringLiteral("d")},
            {QChar(0x00FE), QStringLiteral("th")}, {QChar(0x00F0), QStringLiteral("d")},
            {QChar(0x0131), QStringLiteral("i")},
        };
        // Cyrillic and Greek to Latin (after accents are taken off), so a
        // name typed in either script meets its Latin spelling: simplified
        // BGN/PCGN and ELOT 743 forms, the ones UK records most often use.
        static const char *const cyrillic[] = {"a",  "b",    "v", "g", "d", "e",  "zh", "z",
                                               "i",  "i",    "k", "l", "m", "n",  "o",  "p",
                                               "r",  "s",    "t", "u", "f", "kh", "ts", "ch",
                                               "sh", "shch", "",  "y", "",  "e",  "yu", "ya"};
        for (int i = 0; i < 32; ++i) // а..я
            f.insert(QChar(0x0430 + i), QString::fromLatin1(cyrillic[i]));
        f.insert(QChar(0x0451), QStringLiteral("e"));  // ё
        f.insert(QChar(0x0454), QStringLiteral("ye")); // є
        f.insert(QChar(0x0456), QStringLiteral("i"));  // і
        f.insert(QChar(0x0457), QStringLiteral("yi")); // ї
        f.insert(QChar(0x0491), QStringLiteral("g"));  // ґ
        static const char *const greek[] = {"a", "v", "g", "d", "e",  "z",  "i", "th", "i",
                                            "k", "l", "m", "n", "x",  "o",  "p", "r",  "s",
                                            "s", "t", "y", "f", "ch", "ps", "o"};
        for (int i = 0; i < 25; ++i) // α..ω (with final ς)
            f.insert(QChar(0x03B1 + i), QString::fromLatin1(greek[i]));
        return f;
    }();
    return all;
}

QString firstWord(const QString &s)
{
    const QString n = normalise(s);
    const qsizetype space = n.indexOf(QLatin1Char(' '));
    return space < 0 ? n : n.left(space);
}

struct Variants
{
    QHash<QString, QSet<QString>> keysOf;
};

const Variants &variants()
{
    static const Variants v = [] {
        Variants out;
        QFile f(QStringLiteral(":/safeguard/picture/name-variants.json"));
        if (!f.open(QIODevice::ReadOnly))
            return out; // tested: the shipped file is always there
        const QJsonArray groups =
            QJsonDocument::fromJson(f.readAll()).object().value(QLatin1String("groups")).toArray();
        for (const QJsonValue &g : groups) {
            const QJsonArray names = g.toArray();
            if (names.isEmpty())
                continue;
            const QString key = normalise(names.first().toString());
            for (const QJsonValue &n : names)
                out.keysOf[normalise(n.toString())].insert(key);
        }
        return out;
    }();
    return v;
}

} // namespace

QString normalise(const QString &name)
{
    // Matching normalises the same few names again and again (every
    // candidate against every person): remembered per thread, bounded.
    thread_local QHash<QString, QString> seen;
    if (const auto it = seen.constFind(name); it != seen.cend())
        return *it;
    if (seen.size() > 20000)
        seen.clear();
    // Accents off first (so an accented Greek or Cyrillic letter is its
    // plain one), then the folds and transliteration.
    QString bare;
    for (const QChar c : name.toLower().normalized(QString::NormalizationForm_KD))
        if (c.category() != QChar::Mark_NonSpacing)
            bare += c;
    QString folded;
    folded.reserve(bare.size());
    for (qsizetype i = 0; i < bare.size(); ++i) {
        const QChar c = bare.at(i);
        // Greek "ου" is one sound: "ou" (Papadopoulos), not "oy".
        if (c == QChar(0x03BF) && i + 1 < bare.size() && bare.at(i + 1) == QChar(0x03C5)) {
            folded += QLatin1String("ou");
            ++i;
            continue;
        }
        const auto it = folds().constFind(c);
        folded += it == folds().cend() ? QString(c) : *it;
    }
    QString out;
    for (const QChar c : folded) {
        if (c.isLetterOrNumber())
            out += c;
        else if (c.isSpace() || c == QLatin1Char('-') || c == QLatin1Char('\'') ||
                 c == QChar(0x2019) || c == QLatin1Char('.'))
            out += QLatin1Char(' ');
    }
    out = out.simplified();
    seen.insert(name, out);
    return out;
}

QString compact(const QString &name)
{
    return normalise(name).remove(QLatin1Char(' '));
}

QString soundex(const QString &word)
{
    static const char kCodes[] = "01230120022455012623010202"; // a..z
    QString letters;
    for (const QChar c : compact(word))
        if (c >= QLatin1Char('a') && c <= QLatin1Char('z'))
            letters += c;
    if (letters.isEmpty())
        return QString();
    QString out(letters.at(0));
    char last = kCodes[letters.at(0).unicode() - 'a'];
    for (qsizetype i = 1; i < letters.size() && out.size() < 4; ++i) {
        const QChar c = letters.at(i);
        const char code = kCodes[c.unicode() - 'a'];
        if (c == QLatin1Char('h') || c == QLatin1Char('w'))
            continue; // they do not separate two letters of one code
        if (code == '0') {
            last = '0';
            continue;
        }
        if (code != last)
            out += QLatin1Char(code);
        last = code;
    }
    while (out.size() < 4)
        out += QLatin1Char('0');
    return out;
}

QSet<QString> variantKeys(const QString &givenName)
{
    const QString n = firstWord(givenName);
    const auto it = variants().keysOf.constFind(n);
    return it == variants().keysOf.cend() ? QSet<QString>{n} : *it;
}

bool areVariants(const QString &a, const QString &b)
{
    if (firstWord(a).isEmpty() || firstWord(b).isEmpty())
        return false;
    return variantKeys(a).intersects(variantKeys(b));
}

} // namespace names

QString PersonFacts::fullName() const
{
    return QStringLiteral("%1 %2").arg(givenNames, familyName).simplified();
}

QString PersonFacts::addressKey() const
{
    const QString p = postcode.toUpper().removeIf([](QChar c) { return c.isSpace(); });
    if (p.isEmpty())
        return QString();
    static const QRegularExpression number(QStringLiteral("\\b(\\d+[a-z]?)\\b"),
                                           QRegularExpression::CaseInsensitiveOption);
    const auto m = number.match(address);
    return p + QLatin1Char('|') + (m.hasMatch() ? m.captured(1).toLower() : QString());
}

namespace {

// Birth year from a date of birth, else from an estimated age on a date.
std::optional<int> birthYear(const PersonFacts &p)
{
    if (p.dateOfBirth.isValid())
        return p.dateOfBirth.year();
    if (p.estimatedAgeYears > 0 && p.seenOn.isValid())
        return p.seenOn.year() - p.estimatedAgeYears;
    return std::nullopt;
}

bool namedAs(const PersonFacts &p, const QString &compactName)
{
    if (compactName.isEmpty())
        return false;
    if (names::compact(p.fullName()) == compactName)
        return true;
    for (const QString &alias : p.aliases)
        if (names::compact(alias) == compactName)
            return true;
    return false;
}

} // namespace

MatchResult compare(const PersonFacts &a, const PersonFacts &b)
{
    MatchResult out;
    const bool exactName =
        namedAs(b, names::compact(a.fullName())) || namedAs(a, names::compact(b.fullName()));
    const QString familyA = names::compact(a.familyName);
    const QString familyB = names::compact(b.familyName);
    const bool sameFamily = !familyA.isEmpty() && familyA == familyB;
    // A name with no a-z letters has no Soundex: never "sounds the same".
    const bool familySound =
        !names::soundex(familyA).isEmpty() && names::soundex(familyA) == names::soundex(familyB);
    const QString givenA = names::compact(a.givenNames.section(QLatin1Char(' '), 0, 0));
    const QString givenB = names::compact(b.givenNames.section(QLatin1Char(' '), 0, 0));
    const bool givenSame = !givenA.isEmpty() && givenA == givenB;
    const bool givenVariant = names::areVariants(a.givenNames, b.givenNames);
    const bool givenSound =
        !names::soundex(givenA).isEmpty() && names::soundex(givenA) == names::soundex(givenB);
    const bool swapped = !givenA.isEmpty() && givenA == familyB && familyA == givenB;
    const bool nearName =
        ((sameFamily || familySound) && (givenSame || givenVariant || givenSound)) || swapped;

    // Adults with a force identifier: it decides, when the name agrees too
    // (an identifier typed against the wrong person is a person's to judge).
    if (!a.forceIdentifier.isEmpty() && !b.forceIdentifier.isEmpty()) {
        if (names::compact(a.forceIdentifier) != names::compact(b.forceIdentifier)) {
            out.heldBack = QStringLiteral("different force identifiers");
            return out;
        }
        out.reasons << QStringLiteral("same force identifier");
        if (exactName || nearName) {
            out.strength = MatchStrength::Strong;
        } else {
            out.strength = MatchStrength::Proposal;
            out.heldBack = QStringLiteral("the names are not the same");
        }
        return out;
    }
    const bool bothDob = a.dateOfBirth.isValid() && b.dateOfBirth.isValid();
    const bool sameDob = bothDob && a.dateOfBirth == b.dateOfBirth;
    const bool dayMonthSwapped = bothDob && !sameDob &&
                                 a.dateOfBirth.year() == b.dateOfBirth.year() &&
                                 a.dateOfBirth.day() == b.dateOfBirth.month() &&
                                 a.dateOfBirth.month() == b.dateOfBirth.day();
    const auto yearA = birthYear(a);
    const auto yearB = birthYear(b);
    const bool ageInconsistent = (bothDob && !sameDob && !dayMonthSwapped) ||
                                 (!bothDob && yearA && yearB && std::abs(*yearA - *yearB) > 1);

    const bool sameAddress = !a.addressKey().isEmpty() && a.addressKey() == b.addressKey();
    const bool sameSchool =
        !a.schoolUrn.isEmpty() && a.schoolUrn.trimmed() == b.schoolUrn.trimmed();
    const bool sharedHousehold = a.household.intersects(b.household);
    const bool context = sameAddress || sameSchool || sharedHousehold;

    if (exactName)
        out.reasons << QStringLiteral("same name");
    else if (swapped)
        out.reasons << QStringLiteral("given and family names swapped");
    else if (nearName)
        out.reasons << QStringLiteral("similar name");
    if (sameDob)
        out.reasons << QStringLiteral("same date of birth");
    else if (dayMonthSwapped)
        out.reasons << QStringLiteral("date of birth with day and month swapped");
    if (sameAddress)
        out.reasons << QStringLiteral("same address");
    if (sameSchool)
        out.reasons << QStringLiteral("same school");
    if (sharedHousehold)
        out.reasons << QStringLiteral("a household member in common");

    // Two children of one household with different given names are
    // siblings, or twins when born the same day: never one child.
    if (!exactName && (sameAddress || sharedHousehold) && !givenSame && !givenVariant &&
        !givenSound && !swapped) {
        out.reasons.clear();
        out.heldBack = sameDob ? QStringLiteral("twins: same household and date of birth, "
                                                "different names")
                               : QStringLiteral("siblings: same household, different names");
        return out;
    }
    if (exactName && sameDob && context) {
        out.strength = MatchStrength::Strong;
        return out;
    }
    if (!exactName && !nearName) {
        out.reasons.clear();
        return out;
    }
    if (ageInconsistent) {
        // Two recorded dates of birth for one name where they live or learn:
        // perhaps a typo, never linked automatically; a person decides. An
        // estimate years out is more likely a parent and child of one name.
        if (exactName && context && bothDob) {
            out.strength = MatchStrength::Proposal;
            out.heldBack = QStringLiteral("dates of birth differ");
            return out;
        }
        out.reasons.clear();
        out.heldBack = QStringLiteral("ages differ");
        return out;
    }
    if (context || sameDob || dayMonthSwapped) {
        out.strength = MatchStrength::Proposal;
        out.heldBack = !exactName ? QStringLiteral("the names are not the same")
                       : sameDob  ? QStringLiteral("no address, school or household in common")
                       : dayMonthSwapped ? QStringLiteral("the dates of birth differ by a swap")
                                         : QStringLiteral("no date of birth in both reports");
        return out;
    }
    out.reasons.clear();
    return out;
}

MatchResult compareUnbornToBorn(const PersonFacts &unborn, const PersonFacts &born)
{
    MatchResult out;
    if (!unborn.unborn || born.unborn || !unborn.dueDate.isValid() || !born.dateOfBirth.isValid())
        return out;
    const qint64 days = unborn.dueDate.daysTo(born.dateOfBirth);
    if (days < -70 || days > 28) {
        out.heldBack = QStringLiteral("born outside the due-date window");
        return out;
    }
    out.reasons << QStringLiteral("born %1 days from the due date").arg(days);
    const QString family = names::compact(unborn.familyName);
    const bool sameFamily = !family.isEmpty() && family == names::compact(born.familyName);
    const bool sameAddress =
        !unborn.addressKey().isEmpty() && unborn.addressKey() == born.addressKey();
    // Strong only with the family name or the address agreeing too: the
    // parent link alone could be another pregnancy of the same person.
    const bool parentLink =
        !unborn.pregnantPersonKey.isEmpty() && born.parentKeys.contains(unborn.pregnantPersonKey);
    if (parentLink && (sameFamily || sameAddress)) {
        out.strength = MatchStrength::Strong;
        out.reasons << QStringLiteral("the pregnant person is the child's parent");
        return out;
    }
    if (parentLink || sameFamily || sameAddress) {
        out.strength = MatchStrength::Proposal;
        out.reasons << (parentLink    ? QStringLiteral("the pregnant person is the child's parent")
                        : sameAddress ? QStringLiteral("same address")
                                      : QStringLiteral("same family name"));
        out.heldBack = parentLink
                           ? QStringLiteral("neither the family name nor the address agrees")
                           : QStringLiteral("the pregnant person is not known to be the parent");
        return out;
    }
    out.reasons.clear();
    return out;
}

} // namespace safeguard::hub::picture
