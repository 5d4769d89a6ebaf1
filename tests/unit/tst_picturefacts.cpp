// What the picture reads from a record: every child and adult with what
// matching knows of them and what the concern rules read, from both forms.
#include "picture/facts.h"
#include "protocol/derivedfacts.h"
#include "recordfixtures.h"

#include <QTest>

using namespace safeguard;
using namespace safeguard::hub::picture;

class TestPictureFacts : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();
    const QDateTime m_received{QDate(2026, 3, 11), QTime(9, 0), Qt::UTC};

private slots:
    // Withdrawn by the officer (started in error, a duplicate): kept at the
    // hub, but nobody in it joins a child's picture or gets an Encompass
    // deadline from it.
    void aWithdrawnRecordAddsNobodyToThePicture()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        QCOMPARE(extractPeople(r, m_received, m_checklists).size(), 3);
        r.mutable_withdrawal()->set_reason("Duplicate of SYN-CAD-2");
        QVERIFY(extractPeople(r, m_received, m_checklists).isEmpty());
        QVERIFY(!protocol::derived::isUrgent(r));
    }

    // The child's chronology carries the incident's risk as the device
    // scored it: on the version answered, with the trigger that set it;
    // "not safe to ask" and an instrument the hub does not know are said
    // as such, never scored as standard.
    void theRiskIsScoredAsTheDeviceScoresIt()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        const protocol::RiskChecklist *dash = m_checklists.forRecord(r);
        QCOMPARE(dash->version(), 2);
        const auto reportOf = [&](const v1::IncidentRecord &x) {
            return extractPeople(x, m_received, m_checklists).first().report;
        };
        QCOMPARE(reportOf(r).riskLevel, dash->scoreRecord(r).finalLevel);
        QVERIFY(reportOf(r).riskReasons.isEmpty());
        for (v1::RiskAnswer &a : *r.mutable_risk()->mutable_answers())
            if (a.question_id() == "strangulation")
                a.set_answer(v1::ANSWER_YES);
        const Report high = reportOf(r);
        QCOMPARE(high.riskLevel, v1::RISK_LEVEL_HIGH);
        QCOMPARE(high.riskReasons, dash->scoreRecord(r).reasons);
        QVERIFY(!high.riskReasons.isEmpty());

        v1::IncidentRecord unsafe = r;
        unsafe.mutable_risk()->set_not_safe_to_ask(true);
        unsafe.mutable_risk()->clear_answers();
        unsafe.mutable_risk()->set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        QCOMPARE(reportOf(unsafe).riskOutcome, QStringLiteral("not_safe_to_ask"));
        QCOMPARE(reportOf(unsafe).riskLevel, v1::RISK_LEVEL_MEDIUM);

        v1::IncidentRecord unknown = r;
        unknown.mutable_risk()->set_checklist_version(99);
        QCOMPARE(reportOf(unknown).riskOutcome, QStringLiteral("unknown_checklist"));
        QCOMPARE(reportOf(unknown).riskLevel, v1::RISK_LEVEL_UNSPECIFIED);
    }

    void aFormTwoRecordsChildAndAdults()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        r.mutable_incident()->mutable_address()->set_postcode("ZZ1 4AB");
        r.mutable_people(1)->set_force_identifier("SYN-PNC-000014");
        const QList<ExtractedPerson> people = extractPeople(r, m_received, m_checklists);
        QCOMPARE(people.size(), 3);

        const ExtractedPerson &alpha = people[0];
        QCOMPARE(alpha.kind, ExtractedPerson::Kind::Child);
        QCOMPARE(alpha.localId, QString::fromStdString(r.children(0).child_id()));
        QCOMPARE(alpha.facts.fullName(), QStringLiteral("Alpha SYNTHETIC Testfamily-SYNTHETIC"));
        QCOMPARE(alpha.facts.dateOfBirth, QDate(2017, 1, 15));
        QCOMPARE(alpha.facts.addressKey(), QStringLiteral("ZZ14AB|1"));
        QCOMPARE(alpha.facts.schoolUrn, QStringLiteral("100000"));
        QVERIFY(alpha.facts.household.contains(
            QStringLiteral("gamma synthetic otherfamily synthetic")));
        QVERIFY(!alpha.facts.household.contains(
            QStringLiteral("alpha synthetic testfamily synthetic")));
        QCOMPARE(alpha.parentLocalIds, QStringList{QString::fromLatin1(testing::kVictimId)});
        QCOMPARE(alpha.suspectLocalIds, QStringList{QString::fromLatin1(testing::kSuspectId)});

        const Report &rep = alpha.report;
        QCOMPARE(rep.recordId, QString::fromStdString(r.record_id()));
        QCOMPARE(rep.receivedUtc, m_received);
        QCOMPARE(rep.occurredUtc, QDateTime(QDate(2026, 3, 10), QTime(21, 30), Qt::UTC));
        QCOMPARE(rep.grade, v1::GRADE_AMBER);
        QCOMPARE(rep.ageYears, std::optional<int>(9));
        QCOMPARE(rep.presence, v1::PRESENCE_ELSEWHERE_IN_THE_HOME);
        QCOMPARE(rep.aceCategories, QSet<int>{v1::INDICATOR_DOMESTIC_ABUSE});
        QCOMPARE(rep.protectionNotice, v1::ANSWER_YES);
        QVERIFY(rep.encompassInScope);
        QCOMPARE(rep.addressKey, QStringLiteral("ZZ14AB|1"));

        const ExtractedPerson &victim = people[1];
        QCOMPARE(victim.kind, ExtractedPerson::Kind::Adult);
        QVERIFY(victim.victim && !victim.suspect);
        QCOMPARE(victim.facts.estimatedAgeYears, 34);
        const ExtractedPerson &suspect = people[2];
        QVERIFY(suspect.suspect);
        QCOMPARE(suspect.facts.dateOfBirth, QDate(1988, 6, 2));
        QCOMPARE(suspect.facts.forceIdentifier, QStringLiteral("SYN-PNC-000014"));
    }

    void aFormOneHouseholdIsReadByName()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        v1::HouseholdMember *m = r.mutable_children(0)->add_household();
        m->set_name("Epsilon Example SYNTHETIC");
        m->set_suspected_perpetrator(true);
        r.mutable_children(0)->add_indicators(v1::INDICATOR_NEGLECT);
        const QList<ExtractedPerson> people = extractPeople(r, m_received, m_checklists);
        QCOMPARE(people.size(), 2);
        QCOMPARE(people[1].kind, ExtractedPerson::Kind::Adult);
        QVERIFY(people[1].suspect);
        QCOMPARE(people[1].facts.givenNames, QStringLiteral("Epsilon Example"));
        QCOMPARE(people[1].facts.familyName, QStringLiteral("SYNTHETIC"));
        QCOMPARE(people[0].suspectLocalIds, QStringList{people[1].localId});
        QCOMPARE(people[0].report.aceCategories, QSet<int>{v1::INDICATOR_NEGLECT});
        QCOMPARE(people[0].report.protectionNotice, v1::ANSWER_YES);
        QCOMPARE(people[0].report.encompassNotice, v1::ANSWER_YES);
    }
};

QTEST_GUILESS_MAIN(TestPictureFacts)
#include "tst_picturefacts.moc"
