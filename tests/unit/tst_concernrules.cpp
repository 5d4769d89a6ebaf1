// Cumulative concern: each default rule fires on a child's (or an adult
// victim's) whole history with the reports behind it, and not just below
// its threshold; the rules are a versioned file, and a changed file
// changes what fires.
#include "picture/concern.h"

#include <QTest>

using namespace safeguard;
using namespace safeguard::hub::picture;

namespace {

const QDateTime kStart(QDate(2026, 1, 5), QTime(20, 0), Qt::UTC);

Report report(const char *id, int day, v1::Grade grade = v1::GRADE_GREEN)
{
    Report r;
    r.recordId = QString::fromLatin1(id);
    r.occurredUtc = kStart.addDays(day);
    r.receivedUtc = r.occurredUtc.addSecs(3600);
    r.type = v1::INCIDENT_TYPE_DOMESTIC_ABUSE;
    r.grade = grade;
    r.ageYears = 9;
    r.presence = v1::PRESENCE_ELSEWHERE_IN_THE_HOME;
    r.seen = r.spokenTo = r.spokenToAlone = v1::ANSWER_YES;
    r.protectionNotice = v1::ANSWER_YES;
    return r;
}

// By value: the list it searches is often a temporary.
std::optional<TriggeredRule> find(const QList<TriggeredRule> &fired, const char *rule)
{
    for (const TriggeredRule &t : fired)
        if (t.rule == QLatin1String(rule))
            return t;
    return std::nullopt;
}

QStringList evidence(std::initializer_list<const char *> ids)
{
    QStringList out;
    for (const char *id : ids)
        out << QStringLiteral("%1 v1").arg(QLatin1String(id));
    return out;
}

QList<TriggeredRule> child(const QList<Report> &h, const Neighbourhood &n = {})
{
    return ConcernRules::builtIn().evaluateChild(h, n);
}

} // namespace

class TestConcernRules : public QObject
{
    Q_OBJECT

private slots:
    void redOrAmberOrThreeInNinetyDays()
    {
        QVERIFY(!find(child({report("a", 0), report("b", 30)}), "grade_or_frequency"));
        auto t =
            find(child({report("a", 0), report("b", 10, v1::GRADE_AMBER)}), "grade_or_frequency");
        QVERIFY(t);
        QCOMPARE(t->evidence, evidence({"b"}));
        QCOMPARE(t->rulesVersion, QStringLiteral("default-2026-12"));
        // Three greens in 90 days, in any order given.
        t = find(child({report("c", 90), report("a", 0), report("b", 45)}), "grade_or_frequency");
        QVERIFY(t);
        QCOMPARE(t->evidence, evidence({"a", "b", "c"}));
        QVERIFY(t->explanation.contains(QLatin1String("3 reports within 90 days")));
        // ...but not over 91.
        QVERIFY(
            !find(child({report("a", 0), report("b", 45), report("c", 91)}), "grade_or_frequency"));
        // A grade this build does not know counts as red (derived facts).
        QVERIFY(find(child({report("a", 0, v1::GRADE_RED)}), "grade_or_frequency"));
    }

    void underFivePresentAtDomesticAbuse()
    {
        Report r = report("a", 0);
        r.ageYears = 4;
        QCOMPARE(find(child({r}), "under_five_at_domestic_abuse")->evidence, evidence({"a"}));
        r.ageYears = 5;
        QVERIFY(!find(child({r}), "under_five_at_domestic_abuse"));
        r.ageYears = 4;
        r.presence = v1::PRESENCE_LIVES_HERE_BUT_AWAY;
        QVERIFY(!find(child({r}), "under_five_at_domestic_abuse"));
        r.presence = v1::PRESENCE_IN_THE_ROOM;
        r.type = v1::INCIDENT_TYPE_WELFARE_CHECK;
        QVERIFY(!find(child({r}), "under_five_at_domestic_abuse"));
    }

    void notSeenNotSpokenToNeverAlone()
    {
        Report a = report("a", 0);
        Report b = report("b", 20);
        QVERIFY(!find(child({a, b}), "not_seen_or_not_spoken_to"));
        b.seen = v1::ANSWER_NO;
        QCOMPARE(find(child({a, b}), "not_seen_or_not_spoken_to")->evidence, evidence({"b"}));

        a.spokenToAlone = b.spokenToAlone = v1::ANSWER_NO;
        QVERIFY(!find(child({a}), "never_spoken_to_alone")); // one report is not "never"
        QCOMPARE(find(child({a, b}), "never_spoken_to_alone")->evidence, evidence({"a", "b"}));
        b.spokenToAlone = v1::ANSWER_YES;
        QVERIFY(!find(child({a, b}), "never_spoken_to_alone"));
        // An unborn child is never "not seen".
        Report u = report("u", 0);
        u.unborn = true;
        u.seen = u.spokenTo = v1::ANSWER_UNSPECIFIED;
        QVERIFY(!find(child({u}), "not_seen_or_not_spoken_to"));
    }

    void repeatAddressAndSuspectAcrossFamilies()
    {
        Report a = report("a", 0);
        a.addressKey = QStringLiteral("ZZ14AB|12");
        a.suspectKeys = {QStringLiteral("adult-1")};
        Neighbourhood n;
        n.reportsAtAddress[a.addressKey] = {a.evidence()};
        n.reportsWithSuspect[QStringLiteral("adult-1")] = {a.evidence()};
        QVERIFY(!find(child({a}, n), "repeat_address"));
        QVERIFY(!find(child({a}, n), "repeat_suspect"));
        // Another family's report at the same address, and naming the same
        // suspect: this child's history alone would never show it.
        n.reportsAtAddress[a.addressKey].insert(QStringLiteral("other-family v1"));
        n.reportsWithSuspect[QStringLiteral("adult-1")].insert(QStringLiteral("another v2"));
        const auto fired = child({a}, n);
        QCOMPARE(find(fired, "repeat_address")->evidence,
                 (QStringList{QStringLiteral("a v1"), QStringLiteral("other-family v1")}));
        QCOMPARE(find(fired, "repeat_suspect")->evidence,
                 (QStringList{QStringLiteral("a v1"), QStringLiteral("another v2")}));
    }

    void victimEscalation()
    {
        const ConcernRules &rules = ConcernRules::builtIn();
        QVERIFY(rules.evaluateVictim({report("a", 0), report("b", 100)}).isEmpty());
        QVERIFY(
            rules.evaluateVictim({report("a", 0), report("b", 100), report("c", 366)}).isEmpty());
        const auto fired =
            rules.evaluateVictim({report("a", 0), report("b", 100), report("c", 365)});
        QCOMPARE(fired.size(), 1);
        QCOMPARE(fired[0].evidence, evidence({"a", "b", "c"}));
        // Not domestic abuse: not counted.
        Report welfare = report("c", 200);
        welfare.type = v1::INCIDENT_TYPE_WELFARE_CHECK;
        QVERIFY(rules.evaluateVictim({report("a", 0), report("b", 100), welfare}).isEmpty());
    }

    void risingAcesThenEachNewOne()
    {
        Report a = report("a", 0);
        a.aceCategories = {v1::INDICATOR_DOMESTIC_ABUSE, v1::INDICATOR_ALCOHOL_MISUSE};
        Report b = report("b", 200);
        b.aceCategories = {v1::INDICATOR_NEGLECT};
        QVERIFY(!find(child({a, b}), "rising_aces"));
        Report c = report("c", 400);
        c.aceCategories = {v1::INDICATOR_DOMESTIC_ABUSE, v1::INDICATOR_DRUG_MISUSE};
        Report d = report("d", 500);
        d.aceCategories = {v1::INDICATOR_MENTAL_ILLNESS};
        Report e = report("e", 600);
        e.aceCategories = {v1::INDICATOR_NEGLECT}; // nothing new
        QList<TriggeredRule> aces;
        for (const TriggeredRule &t : child({e, d, c, b, a}))
            if (t.rule == QLatin1String("rising_aces"))
                aces << t;
        QCOMPARE(aces.size(), 2);
        QCOMPARE(aces[0].evidence, evidence({"a", "b", "c"}));
        QVERIFY(aces[0].explanation.contains(QLatin1String("4 distinct")));
        QVERIFY(aces[0].explanation.contains(QLatin1String("drug_misuse")));
        QCOMPARE(aces[1].evidence, evidence({"d"}));
        QVERIFY(aces[1].explanation.contains(QLatin1String("5 distinct")));
    }

    void noNoticeAfterADay()
    {
        Report r = report("a", 0);
        r.protectionNotice = v1::ANSWER_NO;
        r.receivedUtc = r.occurredUtc.addSecs(23 * 3600);
        QVERIFY(!find(child({r}), "no_notice")); // still in time to make one
        r.receivedUtc = r.occurredUtc.addSecs(25 * 3600);
        QCOMPARE(find(child({r}), "no_notice")->evidence, evidence({"a"}));
        r.protectionNotice = v1::ANSWER_YES;
        QVERIFY(!find(child({r}), "no_notice"));
        r.encompassInScope = true;
        QVERIFY(find(child({r}), "no_notice")); // in scope, no Encompass notice
        r.encompassNotice = v1::ANSWER_YES;
        QVERIFY(!find(child({r}), "no_notice"));
    }

    // The file decides: a changed threshold changes what fires, the new
    // version is recorded, and a rule left out is off.
    void aChangedRulesFileReEvaluates()
    {
        const QList<Report> history{report("a", 0), report("b", 45), report("c", 90)};
        QVERIFY(find(child(history), "grade_or_frequency"));
        QString error;
        const auto stricter = ConcernRules::fromJson(R"({"format": 1, "version": "force-2027-01",
            "rules": {"grade_or_frequency": {"grades": ["red"], "reports": 4, "within_days": 90},
                      "never_spoken_to_alone": {"reports": 3}}})",
                                                     &error);
        QVERIFY2(stricter, qPrintable(error));
        QCOMPARE(stricter->version(), QStringLiteral("force-2027-01"));
        QVERIFY(stricter->evaluateChild(history, {}).isEmpty());
        QList<Report> four = history;
        four << report("d", 60);
        for (Report &r : four)
            r.spokenToAlone = v1::ANSWER_NO;
        const auto fired = stricter->evaluateChild(four, {});
        QCOMPARE(fired.size(), 2);
        for (const TriggeredRule &t : fired)
            QCOMPARE(t.rulesVersion, QStringLiteral("force-2027-01"));
        QVERIFY(!find(fired, "not_seen_or_not_spoken_to"));
    }

    void aMisspeltRulesFileIsRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("says");
        QTest::newRow("unknown rule")
            << QByteArray(R"({"format":1,"version":"v","rules":{"repeat_adress":{}}})")
            << "unknown rule";
        QTest::newRow("unknown parameter")
            << QByteArray(R"({"format":1,"version":"v","rules":{"repeat_address":{"report":2}}})")
            << "unknown parameter";
        QTest::newRow("zero")
            << QByteArray(R"({"format":1,"version":"v","rules":{"repeat_address":{"reports":0}}})")
            << "at least 1";
        QTest::newRow("bad grade")
            << QByteArray(
                   R"({"format":1,"version":"v","rules":{"grade_or_frequency":{"grades":["purple"]}}})")
            << "red, amber or green";
        QTest::newRow("no version") << QByteArray(R"({"format":1,"rules":{}})") << "version";
        QTest::newRow("wrong format")
            << QByteArray(R"({"format":2,"version":"v","rules":{}})") << "format";
        QTest::newRow("not json") << QByteArray("[") << "not a JSON object";
    }

    void aMisspeltRulesFileIsRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, says);
        QString error;
        QVERIFY(!ConcernRules::fromJson(json, &error));
        QVERIFY2(error.contains(says), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestConcernRules)
#include "tst_concernrules.moc"
