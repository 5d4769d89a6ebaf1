// Operation Encompass: the setting's safeguarding lead is told before the
// start of the next school day. Who is told, by when (weekends, bank
// holidays of each nation, term ends, half-terms, both clock changes) and
// what, as pure logic on the shipped synthetic directory.
#include "picture/encompass.h"
#include "picture/ukclock.h"
#include "recordfixtures.h"

#include <QTest>
#include <QTimeZone>

using namespace safeguard;
using namespace safeguard::hub::picture;

namespace {

QDateTime uk(const char *date, const char *time)
{
    return ukclock::toUtc(QDate::fromString(QString::fromLatin1(date), Qt::ISODate),
                          QTime::fromString(QString::fromLatin1(time), QStringLiteral("HH:mm")));
}

QDateTime utc(const char *date, const char *time)
{
    return QDateTime(QDate::fromString(QString::fromLatin1(date), Qt::ISODate),
                     QTime::fromString(QString::fromLatin1(time), QStringLiteral("HH:mm")),
                     Qt::UTC);
}

const EncompassDirectory &dir()
{
    return EncompassDirectory::builtIn();
}

Deadline dueAt(const QString &urnOrAuthority, const QDateTime &incidentUtc)
{
    const Setting *s = dir().setting(urnOrAuthority);
    const LocalAuthority *la =
        s ? dir().authority(s->localAuthority) : dir().authority(urnOrAuthority);
    Q_ASSERT(la);
    const SchoolCalendar &calendar = s ? s->calendar : la->calendar;
    return nextSchoolDayStart(
        calendar, dir().bankHolidays(la->nation),
        [&](int y) { return dir().coversYear(la->nation, y); }, incidentUtc);
}

const QString kEngland = QStringLiteral("SYN-LA-ENG-01");
const QString kWales = QStringLiteral("SYN-LA-WAL-01");
const QString kNursery = QStringLiteral("100003"); // open all year, 07:30

} // namespace

class TestEncompassDeadline : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();

private slots:
    // ---------------------------------------------------------- UK time

    void ukTimeFollowsTheSummerTimeOrder()
    {
        QCOMPARE(ukclock::lastSunday(2026, 3), QDate(2026, 3, 29));
        QCOMPARE(ukclock::lastSunday(2026, 10), QDate(2026, 10, 25));
        QCOMPARE(ukclock::lastSunday(2027, 3), QDate(2027, 3, 28));
        QCOMPARE(ukclock::offsetMinutesAt(utc("2026-03-29", "00:59")), 0);
        QCOMPARE(ukclock::offsetMinutesAt(utc("2026-03-29", "01:00")), 60);
        QCOMPARE(ukclock::offsetMinutesAt(utc("2026-10-25", "00:59")), 60);
        QCOMPARE(ukclock::offsetMinutesAt(utc("2026-10-25", "01:00")), 0);
        QCOMPARE(uk("2026-07-01", "08:45"), utc("2026-07-01", "07:45"));
        QCOMPARE(uk("2026-12-01", "08:45"), utc("2026-12-01", "08:45"));
        // The spring gap does not exist: the instant the clocks jumped.
        QCOMPARE(uk("2026-03-29", "01:30"), utc("2026-03-29", "01:00"));
        // The autumn overlap: its first occurrence (still BST).
        QCOMPARE(uk("2026-10-25", "01:30"), utc("2026-10-25", "00:30"));
        const ukclock::WallClock w = ukclock::toLocal(utc("2026-07-01", "23:30"));
        QCOMPARE(w.date, QDate(2026, 7, 2));
        QCOMPARE(w.time, QTime(0, 30));
        QCOMPARE(w.offsetMinutes, 60);
    }

    // The law and the machine's zone files agree, where the machine has them.
    void ukTimeAgreesWithTheZoneDatabase()
    {
        const QTimeZone london("Europe/London");
        if (!london.isValid())
            QSKIP("no time-zone data on this machine; the rule above is the law itself");
        for (QDateTime t = utc("2025-01-01", "00:00"); t < utc("2028-01-01", "00:00");
             t = t.addSecs(3600 * 7)) {
            QCOMPARE(ukclock::offsetMinutesAt(t), london.offsetFromUtc(t) / 60);
        }
    }

    // ---------------------------------------------------------- deadlines

    void deadlines_data()
    {
        QTest::addColumn<QString>("calendar");
        QTest::addColumn<QDateTime>("incident");
        QTest::addColumn<QDate>("schoolDay");
        QTest::addColumn<QDateTime>("due");
        QTest::newRow("before the start of a school day: that day")
            << kEngland << uk("2026-03-10", "07:00") << QDate(2026, 3, 10)
            << utc("2026-03-10", "08:45");
        QTest::newRow("after the start: the next day")
            << kEngland << uk("2026-03-10", "10:00") << QDate(2026, 3, 11)
            << utc("2026-03-11", "08:45");
        QTest::newRow("at the start exactly: the next day")
            << kEngland << uk("2026-03-10", "08:45") << QDate(2026, 3, 11)
            << utc("2026-03-11", "08:45");
        QTest::newRow("friday night: monday") << kEngland << uk("2026-03-06", "21:30")
                                              << QDate(2026, 3, 9) << utc("2026-03-09", "08:45");
        QTest::newRow("half-term: the monday after")
            << kEngland << uk("2026-02-13", "20:00") << QDate(2026, 2, 23)
            << utc("2026-02-23", "08:45");
        QTest::newRow("end of term, over easter and into summer time")
            << kEngland << uk("2026-03-27", "18:00") << QDate(2026, 4, 13)
            << utc("2026-04-13", "07:45");
        QTest::newRow("a bank holiday in term") << kEngland << uk("2026-05-01", "20:00")
                                                << QDate(2026, 5, 5) << utc("2026-05-05", "07:45");
        QTest::newRow("christmas into the new year")
            << kEngland << uk("2026-12-18", "16:00") << QDate(2027, 1, 4)
            << utc("2027-01-04", "08:45");
        QTest::newRow("a setting's own start time")
            << QStringLiteral("100001") << uk("2026-03-10", "08:42") << QDate(2026, 3, 11)
            << utc("2026-03-11", "08:40");
        QTest::newRow("spring clock change: the saturday night before")
            << kNursery << uk("2026-03-28", "22:00") << QDate(2026, 3, 30)
            << utc("2026-03-30", "06:30");
        QTest::newRow("autumn clock change: the saturday night before")
            << kNursery << uk("2026-10-24", "22:00") << QDate(2026, 10, 26)
            << utc("2026-10-26", "07:30");
        QTest::newRow("autumn clock change: in the repeated hour")
            << kNursery << uk("2026-10-25", "01:30") << QDate(2026, 10, 26)
            << utc("2026-10-26", "07:30");
        QTest::newRow("a year-round nursery on a school holiday weekday")
            << kNursery << uk("2026-08-04", "20:00") << QDate(2026, 8, 5)
            << utc("2026-08-05", "06:30");
        QTest::newRow("england: the summer term ends on the 22nd")
            << kEngland << uk("2026-07-20", "18:00") << QDate(2026, 7, 21)
            << utc("2026-07-21", "07:45");
        QTest::newRow("wales: the summer term ended on the 20th")
            << kWales << uk("2026-07-20", "18:00") << QDate(2026, 9, 3)
            << utc("2026-09-03", "07:50");
    }

    void deadlines()
    {
        QFETCH(QString, calendar);
        QFETCH(QDateTime, incident);
        QFETCH(QDate, schoolDay);
        QFETCH(QDateTime, due);
        const Deadline d = dueAt(calendar, incident);
        QVERIFY2(d.ok(), qPrintable(d.error));
        QCOMPARE(d.schoolDay, schoolDay);
        QCOMPARE(d.dueUtc, due);
    }

    // England and Wales have had the same bank holidays; the directory keeps
    // one list per nation, so a Welsh-only day (force data) is Wales's alone.
    void eachNationHasItsOwnBankHolidays()
    {
        QByteArray json = R"({"version": 1, "default_local_authority": "E",
          "bank_holidays": {"england": ["2026-01-01"], "wales": ["2026-01-01", "2026-03-02"]},
          "local_authorities": [
            {"id": "E", "name": "E SYNTHETIC", "nation": "england"},
            {"id": "W", "name": "W SYNTHETIC", "nation": "wales"}]})";
        QString error;
        const auto d = EncompassDirectory::fromJson(json, &error);
        QVERIFY2(d, qPrintable(error));
        auto due = [&](const char *id) {
            const LocalAuthority *la = d->authority(QString::fromLatin1(id));
            return nextSchoolDayStart(
                la->calendar, d->bankHolidays(la->nation),
                [&](int y) { return d->coversYear(la->nation, y); }, uk("2026-02-27", "20:00"));
        };
        QCOMPARE(due("E").schoolDay, QDate(2026, 3, 2));
        QCOMPARE(due("W").schoolDay, QDate(2026, 3, 3));
    }

    // Past the data, staff are told to check: never a guessed deadline.
    void noGuessPastTheCalendarData()
    {
        Deadline d = dueAt(kEngland, uk("2027-07-21", "10:00"));
        QVERIFY(!d.ok());
        QVERIFY(d.error.contains(QLatin1String("term dates end on 2027-07-21")));
        QVERIFY(!d.dueUtc.isValid());
        d = dueAt(kNursery, uk("2027-12-31", "08:00"));
        QVERIFY(!d.ok());
        QVERIFY(d.error.contains(QLatin1String("2028")));
        d = dueAt(kNursery, uk("2027-12-30", "20:00"));
        QVERIFY2(d.ok(), qPrintable(d.error));
        QCOMPARE(d.schoolDay, QDate(2027, 12, 31));
    }

    void aMisspeltDirectoryIsRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("says");
        const QByteArray ok = R"({"version": 1, "default_local_authority": "E",
          "bank_holidays": {"england": [], "wales": []},
          "local_authorities": [{"id": "E", "nation": "england"}]})";
        QTest::newRow("a known good one") << ok << QString();
        QByteArray j = ok;
        QTest::newRow("unknown key")
            << j.replace("\"version\"", "\"verison\": 1, \"version\"") << "unknown key";
        j = ok;
        QTest::newRow("bad term") << j.replace(
                                         "\"nation\": \"england\"",
                                         "\"nation\": \"england\", \"terms\": [[\"2026-09-02\"]]")
                                  << "a term is";
        j = ok;
        QTest::newRow("bad start") << j.replace("\"nation\": \"england\"",
                                                "\"nation\": \"england\", \"day_starts\": \"9am\"")
                                   << "day_starts";
        j = ok;
        QTest::newRow("bad nation") << j.replace("\"england\"}", "\"scotland\"}") << "nation";
        j = ok;
        QTest::newRow("no default")
            << j.replace("\"default_local_authority\": \"E\"", "\"default_local_authority\": \"X\"")
            << "default_local_authority";
        j = ok;
        QTest::newRow("setting of no authority")
            << j.replace("]}", "], \"settings\": [{\"urn\": \"1\", \"local_authority\": \"X\"}]}")
            << "known local_authority";
        QTest::newRow("not json") << QByteArray("{") << "not a JSON object";
    }

    void aMisspeltDirectoryIsRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, says);
        QString error;
        const auto d = EncompassDirectory::fromJson(json, &error);
        if (says.isEmpty()) {
            QVERIFY2(d, qPrintable(error));
            return;
        }
        QVERIFY(!d);
        QVERIFY2(error.contains(says), qPrintable(error));
    }

    // ------------------------------------------------------ who is told

    void eachChildInScopeIsRoutedToTheirSetting()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        r.mutable_incident()->mutable_address()->set_postcode("ZZ1 4AB");
        v1::Education *e = r.mutable_children(0)->mutable_identity()->mutable_education();

        // A URN the directory does not hold: the authority, and staff told why.
        QList<EncompassDue> due = encompassNoticesFor(r, dir());
        QCOMPARE(due.size(), 1);
        QCOMPARE(due[0].to, EncompassDue::To::LocalAuthority);
        QCOMPARE(due[0].recipientId, kEngland);
        QVERIFY(due[0].routingNote.contains(QLatin1String("100000 is not in the directory")));

        // A known setting: its name, its start time, its language.
        e->set_urn("100001");
        due = encompassNoticesFor(r, dir());
        QCOMPARE(due[0].to, EncompassDue::To::Setting);
        QCOMPARE(due[0].recipientName, QStringLiteral("Example Primary School SYNTHETIC"));
        QCOMPARE(due[0].language, NoticeLanguage::English);
        // 2026-03-10 21:30 UTC, a Tuesday: Wednesday at 08:40.
        QCOMPARE(due[0].deadline.dueUtc, utc("2026-03-11", "08:40"));

        // A Welsh-medium school is told in Welsh; an English-medium one in
        // Wales in English, whatever the officer chose.
        e->set_urn("100004");
        due = encompassNoticesFor(r, dir());
        QCOMPARE(due[0].language, NoticeLanguage::Welsh);
        QCOMPARE(due[0].deadline.dueUtc, utc("2026-03-11", "08:50"));
        e->set_urn("100005");
        r.set_notice_language(v1::SERVICE_LANGUAGE_WELSH);
        QCOMPARE(encompassNoticesFor(r, dir())[0].language, NoticeLanguage::English);

        // Electively home educated: the local authority where the child lives.
        e->clear_urn();
        e->set_setting_type(v1::SETTING_TYPE_ELECTIVELY_HOME_EDUCATED);
        r.mutable_incident()->mutable_address()->set_postcode("zz9 1aa");
        due = encompassNoticesFor(r, dir());
        QCOMPARE(due[0].to, EncompassDue::To::LocalAuthority);
        QCOMPARE(due[0].recipientId, kWales);
        QCOMPARE(due[0].language, NoticeLanguage::Welsh);
        QCOMPARE(due[0].routingNote, QStringLiteral("electively home educated"));

        // Not related to either adult: not in scope, no notice.
        r.mutable_children(0)->clear_relationships();
        QVERIFY(encompassNoticesFor(r, dir()).isEmpty());
    }

    // Exactly what the guidance lists, never more: no adult's name, no risk
    // answers, no grade, nothing of the parents' account.
    void theNoticeSaysWhatTheGuidanceListsAndNoMore()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        v1::ChildObservation *c = r.mutable_children(0);
        c->mutable_identity()->mutable_education()->set_urn("100001");
        c->set_presence_detail("SYNTHETIC: asleep upstairs");
        c->mutable_voice()->set_others_present("SYNTHETIC: a neighbour");
        c->set_grade_rationale("SYNTHETIC-GRADE-RATIONALE");
        r.mutable_referrals()->set_other_referrals("SYNTHETIC-OTHER-REFERRALS");
        const QList<EncompassDue> due = encompassNoticesFor(r, dir());
        QCOMPARE(due.size(), 1);
        const QString text = due[0].notice.text(NoticeLanguage::English);
        for (const char *expected :
             {"Child: Alpha SYNTHETIC Testfamily-SYNTHETIC",
              "Date of birth: Sunday 15 January 2017", "Police reference: SYN-CAD-000001",
              "When: Tuesday 10 March 2026, 21:30", "Where: 1 Example Street (SYNTHETIC)",
              "Was the child present: Yes, elsewhere in the home (SYNTHETIC: asleep upstairs)",
              "Was the child spoken to: Yes",
              "What the child said: SYNTHETIC: \"I heard shouting.\"",
              "Another adult there when the child spoke: SYNTHETIC: a neighbour",
              "Brief circumstances: SYNTHETIC: raised voices reported by a neighbour.",
              "Do not contact the parents or carers"})
            QVERIFY2(text.contains(QString::fromUtf8(expected)), expected);
        for (const char *never : {"Beta SYNTHETIC", "Gamma SYNTHETIC", "SYNTHETIC-GRADE-RATIONALE",
                                  "SYNTHETIC-OTHER-REFERRALS", "AMBER", "Amber"})
            QVERIFY2(!text.contains(QString::fromUtf8(never)), never);

        const QString welsh = due[0].notice.text(NoticeLanguage::Welsh);
        QVERIFY(welsh.contains(QStringLiteral("Dyddiad geni: Dydd Sul 15 Ionawr 2017")));
        QVERIFY(welsh.contains(QStringLiteral("Pryd: Dydd Mawrth 10 Mawrth 2026, 21:30")));
        QVERIFY(welsh.contains(QStringLiteral("Peidiwch â chysylltu")));
        // Summer time shows as the time on the clock.
        r.mutable_incident()->mutable_occurred_at()->set_unix_ms(
            utc("2026-07-01", "20:15").toMSecsSinceEpoch());
        QVERIFY(encompassNoticesFor(r, dir())[0]
                    .notice.text(NoticeLanguage::English)
                    .contains(QStringLiteral("When: Wednesday 1 July 2026, 21:15")));
    }
};

QTEST_GUILESS_MAIN(TestEncompassDeadline)
#include "tst_encompassdeadline.moc"
