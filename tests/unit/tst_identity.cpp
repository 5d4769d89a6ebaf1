// Is this the same person? Names as officers spell them, and the picture's
// definition of a strong link, a proposal for a person to decide, and what
// is never linked automatically (different dates of birth, twins, siblings,
// two force identifiers).
#include "picture/identity.h"

#include <QTest>

using namespace safeguard::hub::picture;

namespace {

PersonFacts child(const char *given, const char *family, QDate dob = QDate(2017, 1, 15))
{
    PersonFacts p;
    p.givenNames = QString::fromUtf8(given);
    p.familyName = QString::fromUtf8(family);
    p.dateOfBirth = dob;
    p.seenOn = QDate(2026, 3, 10);
    return p;
}

PersonFacts at(PersonFacts p, const char *postcode, const char *address)
{
    p.postcode = QString::fromLatin1(postcode);
    p.address = QString::fromLatin1(address);
    return p;
}

} // namespace

class TestIdentity : public QObject
{
    Q_OBJECT

private slots:
    void namesNormalise()
    {
        QCOMPARE(names::normalise(QStringLiteral("  Zoë   Smith-Jones ")),
                 QStringLiteral("zoe smith jones"));
        QCOMPARE(names::compact(QStringLiteral("ZOE SMITH JONES")),
                 names::compact(QStringLiteral("Zoe Smithjones")));
        QCOMPARE(names::normalise(QStringLiteral("Łukasz Strauß")),
                 QStringLiteral("lukasz strauss"));
        QCOMPARE(names::normalise(QStringLiteral("Søren Ærø")), QStringLiteral("soren aero"));
        QCOMPARE(names::normalise(QStringLiteral("Siân O’Brien")), QStringLiteral("sian o brien"));
        QCOMPARE(names::compact(QStringLiteral("O'Brien")), QStringLiteral("obrien"));
        QCOMPARE(names::normalise(QStringLiteral("Müller (SYNTHETIC)")),
                 QStringLiteral("muller synthetic"));
    }

    void soundexCodes_data()
    {
        QTest::addColumn<QString>("word");
        QTest::addColumn<QString>("code");
        QTest::newRow("Robert") << "Robert"
                                << "r163";
        QTest::newRow("Rupert") << "Rupert"
                                << "r163";
        QTest::newRow("Tymczak") << "Tymczak"
                                 << "t522";
        QTest::newRow("Ashcraft") << "Ashcraft"
                                  << "a261";
        QTest::newRow("Pfister") << "Pfister"
                                 << "p236";
        QTest::newRow("Honeyman") << "Honeyman"
                                  << "h555";
        QTest::newRow("accented") << QString::fromUtf8("Zoë") << "z000";
        QTest::newRow("no letters") << "-"
                                    << "";
    }

    void soundexCodes()
    {
        QFETCH(QString, word);
        QFETCH(QString, code);
        QCOMPARE(names::soundex(word), code);
    }

    void givenNameVariants()
    {
        QVERIFY(names::areVariants(QStringLiteral("Bill"), QStringLiteral("William")));
        QVERIFY(names::areVariants(QStringLiteral("liz"), QStringLiteral("Elizabeth Anne")));
        QVERIFY(names::areVariants(QStringLiteral("Mohammed"), QStringLiteral("Muhammad")));
        QVERIFY(names::areVariants(QStringLiteral("Siân"), QStringLiteral("Sioned")));
        QVERIFY(!names::areVariants(QStringLiteral("Bill"), QStringLiteral("Robert")));
        QVERIFY(!names::areVariants(QString(), QString()));
        QVERIFY(names::areVariants(QStringLiteral("Kieran"), QStringLiteral("kieran"))); // itself
    }

    void strongNeedsNameDateOfBirthAndOneMore()
    {
        const PersonFacts a = at(child("Zoë", "Smith-Jones"), "ZZ1 4AB", "12 Example Road");
        PersonFacts b = at(child("ZOE", "SMITH JONES"), "zz14ab", "12, Example Rd");
        MatchResult m = compare(a, b);
        QCOMPARE(m.strength, MatchStrength::Strong);
        QVERIFY(m.reasons.contains(QStringLiteral("same address")));
        // The same name and date of birth alone: a person decides.
        b.postcode.clear();
        m = compare(a, b);
        QCOMPARE(m.strength, MatchStrength::Proposal);
        QCOMPARE(m.heldBack, QStringLiteral("no address, school or household in common"));
        // School, or a household member, is the one more just as well.
        b.schoolUrn = QStringLiteral("100001");
        PersonFacts a2 = a;
        a2.schoolUrn = QStringLiteral("100001");
        QCOMPARE(compare(a2, b).strength, MatchStrength::Strong);
        b.schoolUrn.clear();
        a2.household = {QStringLiteral("delta synthetic")};
        b.household = {QStringLiteral("delta synthetic")};
        QCOMPARE(compare(a2, b).strength, MatchStrength::Strong);
        // A different house at the same postcode is not the same address.
        PersonFacts c = at(child("Zoe", "Smith-Jones"), "ZZ1 4AB", "14 Example Road");
        QCOMPARE(compare(a, c).strength, MatchStrength::Proposal);
    }

    void anAliasIsTheName()
    {
        PersonFacts a = at(child("Kai", "Example-SYNTHETIC"), "ZZ1 4AB", "3 Example Road");
        PersonFacts b = at(child("Malakai", "Other-SYNTHETIC"), "ZZ1 4AB", "3 Example Road");
        QCOMPARE(compare(a, b).strength, MatchStrength::None);
        b.aliases = {QStringLiteral("Kai Example SYNTHETIC")};
        QCOMPARE(compare(a, b).strength, MatchStrength::Strong);
    }

    void nearMissesAreProposedNeverLinked_data()
    {
        QTest::addColumn<QString>("given");
        QTest::addColumn<QString>("family");
        QTest::newRow("a spelling") << "Jaden"
                                    << "Example-SYNTHETIC";
        QTest::newRow("a nickname") << "Bill"
                                    << "Example-SYNTHETIC";
        QTest::newRow("a sound-alike family name") << "Jayden"
                                                   << "Exampel-SYNTHETIC";
        QTest::newRow("names swapped") << "Example-SYNTHETIC"
                                       << "Jayden";
    }

    void nearMissesAreProposedNeverLinked()
    {
        QFETCH(QString, given);
        QFETCH(QString, family);
        PersonFacts a = at(child("Jayden", "Example-SYNTHETIC"), "ZZ1 4AB", "7 Example Road");
        if (given == QLatin1String("Bill"))
            a.givenNames = QStringLiteral("William");
        PersonFacts b = a;
        b.givenNames = given;
        b.familyName = family;
        const MatchResult m = compare(a, b);
        QCOMPARE(m.strength, MatchStrength::Proposal);
        QVERIFY(!m.heldBack.isEmpty());
    }

    void differentDatesOfBirthAreNeverLinkedAutomatically()
    {
        const PersonFacts a = at(child("Ava", "Example-SYNTHETIC"), "ZZ1 4AB", "9 Example Road");
        PersonFacts b = a;
        b.dateOfBirth = QDate(2017, 3, 2);
        MatchResult m = compare(a, b);
        QCOMPARE(m.strength, MatchStrength::Proposal);
        QCOMPARE(m.heldBack, QStringLiteral("dates of birth differ"));
        b.postcode.clear(); // and nothing else in common: not even proposed
        QCOMPARE(compare(a, b).strength, MatchStrength::None);
        // Day and month swapped: a likely typo, proposed.
        PersonFacts c = child("Ava", "Example-SYNTHETIC", QDate(2017, 3, 4));
        PersonFacts d = child("Ava", "Example-SYNTHETIC", QDate(2017, 4, 3));
        QCOMPARE(compare(c, d).strength, MatchStrength::Proposal);
    }

    void twinsAndSiblingsStayApart()
    {
        PersonFacts amy = at(child("Amy", "Example-SYNTHETIC"), "ZZ1 4AB", "5 Example Road");
        PersonFacts ben = at(child("Ben", "Example-SYNTHETIC"), "ZZ1 4AB", "5 Example Road");
        MatchResult m = compare(amy, ben);
        QCOMPARE(m.strength, MatchStrength::None);
        QVERIFY(m.heldBack.startsWith(QLatin1String("twins")));
        ben.dateOfBirth = QDate(2019, 6, 1);
        m = compare(amy, ben);
        QCOMPARE(m.strength, MatchStrength::None);
        QVERIFY(m.heldBack.startsWith(QLatin1String("siblings")));
        // By household rather than address, too.
        amy.postcode.clear();
        ben.postcode.clear();
        amy.household = ben.household = {QStringLiteral("delta example synthetic")};
        QCOMPARE(compare(amy, ben).strength, MatchStrength::None);
    }

    // Names in a script with no transliteration here have no Soundex, so
    // never "sound alike"; Cyrillic and Greek meet their Latin spelling.
    void otherScriptsAreTransliteratedOrNeverSoundAlike()
    {
        QCOMPARE(names::normalise(QStringLiteral("Дмитрий Иванов")),
                 QStringLiteral("dmitrii ivanov"));
        QCOMPARE(names::normalise(QStringLiteral("Олександр Шевченко")),
                 QStringLiteral("oleksandr shevchenko"));
        QCOMPARE(names::normalise(QStringLiteral("Νίκος Παπαδόπουλος")),
                 QStringLiteral("nikos papadopoulos"));
        QCOMPARE(names::soundex(QStringLiteral("Иванов")),
                 names::soundex(QStringLiteral("Ivanov")));
        // Typed once in Cyrillic and once in Latin: the same name.
        PersonFacts cyr =
            at(child("Дмитрий", "Иванов", QDate(2015, 3, 1)), "ZZ1 4AB", "5 Example Road");
        PersonFacts lat =
            at(child("Dmitrii", "Ivanov", QDate(2015, 3, 1)), "ZZ1 4AB", "5 Example Road");
        QCOMPARE(compare(cyr, lat).strength, MatchStrength::Strong);
        PersonFacts a = at(child("Олег", "Иванов"), "ZZ1 4AB", "5 Example Road");
        PersonFacts b = at(child("Ольга", "Петрова"), "ZZ1 4AB", "5 Example Road");
        QCOMPARE(compare(a, b).strength, MatchStrength::None);
        // No transliteration: no Soundex, so two different names in that
        // script at one address are never "similar".
        QCOMPARE(names::soundex(QStringLiteral("محمد")), QString());
        PersonFacts c = at(child("محمد", "حسن"), "ZZ1 4AB", "5 Example Road");
        PersonFacts d = at(child("أحمد", "علي"), "ZZ1 4AB", "5 Example Road");
        QVERIFY(compare(c, d).strength != MatchStrength::Strong);
        QVERIFY(!compare(c, d).reasons.contains(QStringLiteral("similar name")));
    }

    void estimatedAgesMustAgree()
    {
        PersonFacts a = at(child("Noah", "Example-SYNTHETIC"), "ZZ1 4AB", "2 Example Road");
        PersonFacts b = a;
        b.dateOfBirth = QDate();
        b.estimatedAgeYears = 9; // seen 2026: born about 2017
        QCOMPARE(compare(a, b).strength, MatchStrength::Proposal);
        b.estimatedAgeYears = 15;
        const MatchResult m = compare(a, b);
        QCOMPARE(m.strength, MatchStrength::None);
        QCOMPARE(m.heldBack, QStringLiteral("ages differ"));
    }

    void adultsByIdentifierOrByNameAndDateOfBirth()
    {
        PersonFacts a = child("Gamma", "Otherfamily-SYNTHETIC", QDate(1988, 6, 2));
        PersonFacts b = child("Gama", "Other-family SYNTHETIC", QDate(1988, 6, 3));
        a.forceIdentifier = QStringLiteral("SYN-PNC-000014");
        b.forceIdentifier = QStringLiteral("syn-pnc-000014");
        QCOMPARE(compare(a, b).strength, MatchStrength::Strong);
        // One identifier, two quite different names: a person decides.
        PersonFacts other = child("Zeta", "Unlike-SYNTHETIC", QDate(1970, 1, 1));
        other.forceIdentifier = a.forceIdentifier;
        QCOMPARE(compare(a, other).strength, MatchStrength::Proposal);
        b.forceIdentifier = QStringLiteral("SYN-PNC-000099");
        b.givenNames = a.givenNames;
        b.familyName = a.familyName;
        b.dateOfBirth = a.dateOfBirth;
        MatchResult m = compare(a, b);
        QCOMPARE(m.strength, MatchStrength::None);
        QCOMPARE(m.heldBack, QStringLiteral("different force identifiers"));
        b.forceIdentifier.clear();
        a = at(a, "ZZ2 1CD", "40 Example Lane");
        b = at(b, "ZZ2 1CD", "40 Example Lane");
        QCOMPARE(compare(a, b).strength, MatchStrength::Strong);
    }

    void anUnbornChildFollowsTheBaby()
    {
        PersonFacts unborn =
            at(child("", "Example-SYNTHETIC", QDate()), "ZZ1 4AB", "5 Example Road");
        unborn.unborn = true;
        unborn.dueDate = QDate(2026, 5, 1);
        unborn.pregnantPersonKey = QStringLiteral("adult-7");
        PersonFacts baby =
            at(child("Iris", "Example-SYNTHETIC", QDate(2026, 4, 20)), "ZZ9 9ZZ", "1 Far Road");
        baby.parentKeys = {QStringLiteral("adult-7")};
        MatchResult m = compareUnbornToBorn(unborn, baby);
        QCOMPARE(m.strength, MatchStrength::Strong);
        baby.parentKeys.clear();
        QCOMPARE(compareUnbornToBorn(unborn, baby).strength, MatchStrength::Proposal);
        baby.familyName = QStringLiteral("Unrelated-SYNTHETIC");
        QCOMPARE(compareUnbornToBorn(unborn, baby).strength, MatchStrength::None);
        // The parent link alone (another name, another address): proposed,
        // never linked (it could be another pregnancy).
        baby.parentKeys = {QStringLiteral("adult-7")};
        QCOMPARE(compareUnbornToBorn(unborn, baby).strength, MatchStrength::Proposal);
        baby.parentKeys = {QStringLiteral("adult-7")};
        baby.dateOfBirth = QDate(2026, 8, 1); // three months late: another pregnancy
        m = compareUnbornToBorn(unborn, baby);
        QCOMPARE(m.strength, MatchStrength::None);
        QCOMPARE(m.heldBack, QStringLiteral("born outside the due-date window"));
    }
};

QTEST_GUILESS_MAIN(TestIdentity)
#include "tst_identity.moc"
