#pragma once

#include <QByteArray>
#include <QDate>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

namespace safeguard::hub::picture {

// Names as matching reads them. Officers spell one child several ways
// across reports ("Zoë Smith-Jones", "ZOE SMITH JONES", "Zoe Smithjones");
// these make those one key without ever touching the record itself.
namespace names {

// Lower case, accents and ligatures folded (ß ss, æ ae, ø o, ł l, đ d, þ th),
// hyphens and apostrophes as spaces, punctuation dropped, spaces single.
QString normalise(const QString &name);
// The same without spaces: "smith jones" and "smithjones" are one.
QString compact(const QString &name);
// American Soundex of one word ("r163" for Robert and Rupert): a phonetic
// code for candidate search and for "sounds the same". Empty for a word
// with no letters.
QString soundex(const QString &word);

// Given-name variants and nicknames (data/name-variants.json, force data
// may add more): the keys of every group the name belongs to, or the name
// itself when it belongs to none.
QSet<QString> variantKeys(const QString &givenName);
bool areVariants(const QString &a, const QString &b);

} // namespace names

// What matching knows of one person as one report recorded them: a child,
// or an adult (victim, suspect, household member). Built from a record by
// the picture's job; names raw as the officer typed them.
struct PersonFacts
{
    QString givenNames;
    QString familyName;
    QStringList aliases; // whole names
    QDate dateOfBirth;
    int estimatedAgeYears = 0; // 0: not known
    QDate seenOn;              // the incident date (for an estimated age)
    QString postcode;
    QString address; // the first address line, for the house number
    QString schoolUrn;
    QString forceIdentifier; // adults: PNC or local reference
    // Normalised full names of the people around them in that report
    // (household, the other children): "the household around the person".
    QSet<QString> household;
    // Unborn: the due date and the resolved key of the pregnant person.
    bool unborn = false;
    QDate dueDate;
    QString pregnantPersonKey;
    // Born: the resolved keys of their parents in that report.
    QSet<QString> parentKeys;

    QString fullName() const;
    // Normalised postcode plus house number ("ZZ14AB|12"), or "" without a
    // postcode.
    QString addressKey() const;
};

enum class MatchStrength
{
    None,     // not the same person, or no reason to think so
    Proposal, // a person confirms or rejects, with a reason
    Strong,   // linked automatically
};

struct MatchResult
{
    MatchStrength strength = MatchStrength::None;
    // Why, in words staff read ("same name", "same date of birth", "same
    // address"), and what kept it from being stronger.
    QStringList reasons;
    QString heldBack;
};

// Whether two reports' people are one person, by the picture's definition:
// - strong: the same normalised name (or an alias of one is the other's
//   name), the same date of birth, and one more of address, school or a
//   household member; for adults, the same force identifier;
// - a proposal: a near name (a variant, the same sound, the names swapped)
//   with a consistent age and a shared address, school or household; or a
//   strong case held back by differing dates of birth;
// - never automatic: different dates of birth; twins (same household and
//   date of birth, different names); siblings (same household, different
//   given names); two different force identifiers.
MatchResult compare(const PersonFacts &a, const PersonFacts &b);

// An unborn child of one report and a born child of a later one: the same
// child when the birth is within the window of the due date (ten weeks
// early to four weeks late) and the born child's parent is the pregnant
// person (strong), or shares the family name and address (a proposal).
MatchResult compareUnbornToBorn(const PersonFacts &unborn, const PersonFacts &born);

} // namespace safeguard::hub::picture
