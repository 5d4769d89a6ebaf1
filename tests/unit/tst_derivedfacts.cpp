// Derived facts defined once for app, simulator and hub: age, school age,
// "needs an Operation Encompass notice" and "urgent".
#include "protocol/derivedfacts.h"
#include "recordfixtures.h"

#include <QTest>

using namespace safeguard;
namespace derived = protocol::derived;

namespace {

v1::ChildIdentity bornOn(int y, int m, int d)
{
    v1::ChildIdentity c;
    c.mutable_date_of_birth()->set_year(y);
    c.mutable_date_of_birth()->set_month(m);
    c.mutable_date_of_birth()->set_day(d);
    return c;
}

} // namespace

class TestDerivedFacts : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();

private slots:
    void ageTurnsOnTheBirthday()
    {
        const auto c = bornOn(2018, 6, 15);
        QCOMPARE(derived::ageInYears(c, QDate(2026, 6, 14)), std::optional<int>(7));
        QCOMPARE(derived::ageInYears(c, QDate(2026, 6, 15)), std::optional<int>(8));
        const auto leap = bornOn(2016, 2, 29);
        QCOMPARE(derived::ageInYears(leap, QDate(2026, 2, 28)), std::optional<int>(9));
        QCOMPARE(derived::ageInYears(leap, QDate(2026, 3, 1)), std::optional<int>(10));
    }

    void ageFromEstimateOrUnknown()
    {
        v1::ChildIdentity c;
        QVERIFY(!derived::ageInYears(c, QDate(2026, 1, 1)));
        c.set_estimated_age_years(6);
        QCOMPARE(derived::ageInYears(c, QDate(2026, 1, 1)), std::optional<int>(6));
        c.set_unborn(true);
        QVERIFY(!derived::ageInYears(c, QDate(2026, 1, 1)));
        QVERIFY(!derived::ageInYears(bornOn(2027, 1, 1), QDate(2026, 1, 1))); // born in the future
    }

    void schoolAgeBounds_data()
    {
        QTest::addColumn<int>("age");
        QTest::addColumn<bool>("schoolAge");
        QTest::newRow("3") << 3 << false;
        QTest::newRow("4 (reception)") << 4 << true;
        QTest::newRow("10") << 10 << true;
        QTest::newRow("17") << 17 << true;
        QTest::newRow("18") << 18 << false;
    }

    void schoolAgeBounds()
    {
        QFETCH(int, age);
        QFETCH(bool, schoolAge);
        const QDate on(2026, 9, 1);
        const QDate dob = on.addYears(-age);
        QCOMPARE(derived::isSchoolAge(bornOn(dob.year(), dob.month(), dob.day()), on), schoolAge);
        // The day before the birthday the child is a year younger.
        QCOMPARE(derived::isSchoolAge(bornOn(dob.year(), dob.month(), dob.day()), on.addDays(-1)),
                 age - 1 >= 4 && age - 1 <= derived::kSchoolAgeTo);
    }

    void incidentDateUsesTheLocalOffset()
    {
        v1::IncidentRecord r;
        // 23:30 UTC on 31 March is 00:30 on 1 April in British Summer Time.
        r.mutable_incident()->mutable_occurred_at()->set_unix_ms(
            QDateTime(QDate(2026, 3, 31), QTime(23, 30), Qt::UTC).toMSecsSinceEpoch());
        QCOMPARE(derived::incidentDate(r), QDate(2026, 3, 31));
        r.mutable_incident()->mutable_occurred_at()->set_utc_offset_minutes(60);
        QCOMPARE(derived::incidentDate(r), QDate(2026, 4, 1));
    }

    void encompassNotice()
    {
        auto r = testing::validDomesticAbuseRecord(m_checklists); // child aged 9
        QVERIFY(derived::needsEncompassNotice(r, r.children(0)));

        r.mutable_incident()->set_type(v1::INCIDENT_TYPE_WELFARE_CHECK);
        QVERIFY(!derived::needsEncompassNotice(r, r.children(0)));
        r.mutable_incident()->set_type(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);

        // A two-year-old at nursery: Encompass covers early years settings.
        auto *id = r.mutable_children(0)->mutable_identity();
        id->mutable_date_of_birth()->set_year(2024);
        QVERIFY(derived::needsEncompassNotice(r, r.children(0)));
        id->clear_education();
        QVERIFY(!derived::needsEncompassNotice(r, r.children(0)));

        id->set_unborn(true);
        id->mutable_education()->set_establishment_name("SYNTHETIC");
        QVERIFY(!derived::needsEncompassNotice(r, r.children(0)));
    }

    void urgentWhenRedOrEncompass()
    {
        auto r = testing::validDomesticAbuseRecord(m_checklists);
        QVERIFY(derived::isUrgent(r)); // school-age child at domestic abuse

        r.mutable_incident()->set_type(v1::INCIDENT_TYPE_SCHOOL_LIAISON);
        QVERIFY(!derived::isUrgent(r)); // amber, no Encompass

        auto *second = r.add_children();
        second->set_grade(v1::GRADE_RED);
        QVERIFY(derived::isUrgent(r));
        second->set_grade(v1::GRADE_GREEN);
        QVERIFY(!derived::isUrgent(r));
        // A grade from a newer form than this build knows counts as red.
        second->set_grade(v1::Grade(9));
        QVERIFY(derived::isUrgent(r));
        QCOMPARE(derived::effectiveGrade(v1::Grade(9)), v1::GRADE_RED);
        QCOMPARE(derived::effectiveRiskLevel(v1::RiskLevel(7)), v1::RISK_LEVEL_HIGH);
        QCOMPARE(derived::effectiveRiskLevel(v1::RISK_LEVEL_MEDIUM), v1::RISK_LEVEL_MEDIUM);
    }

    void receptionStartsTheFirstSeptemberOnOrAfterTheFourthBirthday()
    {
        QCOMPARE(derived::receptionStart(QDate(2021, 3, 5)), QDate(2025, 9, 1));
        QCOMPARE(derived::receptionStart(QDate(2021, 9, 1)), QDate(2025, 9, 1));
        QCOMPARE(derived::receptionStart(QDate(2021, 9, 2)), QDate(2026, 9, 1));
        QCOMPARE(derived::receptionStart(QDate(2020, 2, 29)), QDate(2024, 9, 1));
        QVERIFY(!derived::receptionStart(QDate()).isValid());
    }

    // The Encompass scope at each boundary, on a form-2 record (the child is
    // related to the victim, her mother).
    void encompassScopeBoundaries_data()
    {
        QTest::addColumn<QDate>("dob");
        QTest::addColumn<int>("setting");
        QTest::addColumn<bool>("earlyYearsNotified");
        QTest::addColumn<bool>("inScope");
        const QDate on(2026, 3, 10); // the fixture's incident date
        const int none = v1::SETTING_TYPE_UNSPECIFIED;
        const int nursery = v1::SETTING_TYPE_EARLY_YEARS;
        const int college = v1::SETTING_TYPE_FE_COLLEGE;
        QTest::newRow("3y11m at nursery")
            << on.addYears(-4).addMonths(1) << nursery << true << true;
        QTest::newRow("3y11m at nursery, early years not notified")
            << on.addYears(-4).addMonths(1) << nursery << false << false;
        QTest::newRow("3y11m, no setting") << on.addYears(-4).addMonths(1) << none << true << false;
        // 4 years old since January, reception from September: not yet.
        QTest::newRow("the August before reception, no setting")
            << QDate(2021, 12, 1) << none << true << false;
        QTest::newRow("the August before reception, at nursery")
            << QDate(2021, 12, 1) << nursery << true << true;
        QTest::newRow("reception age") << QDate(2021, 8, 31) << none << true << true;
        QTest::newRow("17 years 364 days")
            << on.addYears(-18).addDays(1) << college << true << true;
        QTest::newRow("18, at college") << on.addYears(-18) << college << true << false;
    }

    void encompassScopeBoundaries()
    {
        QFETCH(QDate, dob);
        QFETCH(int, setting);
        QFETCH(bool, earlyYearsNotified);
        QFETCH(bool, inScope);
        auto r = testing::validDomesticAbuseRecordForm2(m_checklists);
        auto *id = r.mutable_children(0)->mutable_identity();
        id->mutable_date_of_birth()->set_year(dob.year());
        id->mutable_date_of_birth()->set_month(dob.month());
        id->mutable_date_of_birth()->set_day(dob.day());
        id->mutable_education()->Clear();
        id->mutable_education()->set_setting_type(v1::SettingType(setting));
        derived::EncompassPolicy policy;
        policy.notifyEarlyYears = earlyYearsNotified;
        QCOMPARE(derived::inEncompassScope(r, r.children(0), policy), inScope);
    }

    // In scope whether or not the child was present; out of scope when
    // related to neither adult.
    void encompassScopeNeedsARelationNotPresence()
    {
        auto r = testing::validDomesticAbuseRecordForm2(m_checklists);
        auto *c = r.mutable_children(0);
        c->set_presence(v1::PRESENCE_LIVES_HERE_BUT_AWAY);
        c->set_heard_incident(v1::ANSWER_NO);
        QVERIFY(derived::needsEncompassNotice(r, *c));
        for (auto &rel : *c->mutable_relationships())
            rel.set_kind(v1::RELATIONSHIP_KIND_NOT_RELATED);
        QVERIFY(!derived::needsEncompassNotice(r, *c));
        // Related to the suspect only is enough.
        c->mutable_relationships(1)->set_kind(v1::RELATIONSHIP_KIND_STEP_PARENT);
        QVERIFY(derived::needsEncompassNotice(r, *c));
    }

    void encompassPolicyIsData()
    {
        QString error;
        auto p = derived::EncompassPolicy::fromJson(R"({"notify_early_years": false})", &error);
        QVERIFY(p);
        QVERIFY(!p->notifyEarlyYears);
        QVERIFY(derived::EncompassPolicy::fromJson("{}", &error)->notifyEarlyYears); // default
        QVERIFY(!derived::EncompassPolicy::fromJson(R"({"notify_early_yaers": false})", &error));
        QVERIFY(error.contains(QLatin1String("notify_early_yaers")));
        QVERIFY(!derived::EncompassPolicy::fromJson(R"({"notify_early_years": "no"})", &error));
        QVERIFY(!derived::EncompassPolicy::fromJson("[]", &error));
    }

    // Domestic Abuse Act 2021 s3: seeing, hearing or experiencing the
    // effects, and related to either party.
    void victimInTheirOwnRight()
    {
        auto r = testing::validDomesticAbuseRecordForm2(m_checklists);
        auto *c = r.mutable_children(0);
        c->set_heard_incident(v1::ANSWER_NO);
        c->set_saw_incident(v1::ANSWER_NO);
        QVERIFY(!derived::isVictimInOwnRight(r, *c));
        c->set_experienced_effects(v1::ANSWER_YES); // woken, the home damaged
        QVERIFY(derived::isVictimInOwnRight(r, *c));
        for (auto &rel : *c->mutable_relationships())
            rel.set_kind(v1::RELATIONSHIP_KIND_NOT_RELATED);
        QVERIFY(!derived::isVictimInOwnRight(r, *c));
        r.clear_victim_ids();
        r.add_victim_ids(c->child_id()); // a 16 or 17 year old victim
        QVERIFY(derived::isVictimInOwnRight(r, *c));
        r.mutable_incident()->set_type(v1::INCIDENT_TYPE_WELFARE_CHECK);
        QVERIFY(!derived::isVictimInOwnRight(r, *c));
    }
};

QTEST_GUILESS_MAIN(TestDerivedFacts)
#include "tst_derivedfacts.moc"
