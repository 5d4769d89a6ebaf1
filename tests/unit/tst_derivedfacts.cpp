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
    }
};

QTEST_GUILESS_MAIN(TestDerivedFacts)
#include "tst_derivedfacts.moc"
