#include "protocol/clock.h"
#include "protocol/derivedfacts.h"
#include "protocol/recorddefaults.h"
#include "protocol/riskchecklist.h"

#include <QTest>

using namespace safeguard;
using namespace safeguard::protocol;

// What every record starts with, and which drafts may be deleted because
// nothing was recorded in them.
class TestRecordDefaults : public QObject
{
    Q_OBJECT

    ManualClock m_clock{QDateTime(QDate(2026, 12, 3), QTime(21, 40), Qt::UTC), 0};

private slots:
    void aNewDraftIsOnTheCurrentFormAndDatedNow()
    {
        const v1::IncidentRecord r = defaults::newDraft("SYN-REC-1", m_clock);
        QCOMPARE(r.version(), 1u);
        QCOMPARE(int(r.form_version()), derived::kCurrentFormVersion);
        QCOMPARE(r.created_at().unix_ms(), m_clock.nowMs());
        QCOMPARE(r.incident().occurred_at().unix_ms(), m_clock.nowMs());
        QVERIFY(defaults::hasNothingBeyondDefaults(r));
    }

    // DOMAIN: a PPN to the MASH for every child; "no" is the exception.
    void aNewChildHasTheProtectionNoticePreset()
    {
        v1::IncidentRecord r = defaults::newDraft("SYN-REC-1", m_clock);
        const v1::ChildObservation *c = defaults::addChild(&r, "SYN-CHILD-1", true);
        QCOMPARE(c->referrals().protection_notice().made(), v1::ANSWER_YES);
        QVERIFY(c->identity().unborn());
        QCOMPARE(r.children_size(), 1);
    }

    void relationshipsAndRiskAnswersAreLaidOutOnce()
    {
        v1::IncidentRecord r = defaults::newDraft("SYN-REC-1", m_clock);
        r.add_people()->set_person_id("P1");
        r.add_people()->set_person_id("P2");
        defaults::addChild(&r, "C1", false);
        QVERIFY(defaults::ensureRelationships(&r, 0));
        QCOMPARE(r.children(0).relationships_size(), 2);
        QVERIFY(!defaults::ensureRelationships(&r, 0));
        QVERIFY(!defaults::ensureRelationships(&r, 5)); // no such child

        const auto checklists = RiskChecklistRegistry::withBuiltIns();
        const RiskChecklist *dash = checklists.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        QVERIFY(dash);
        v1::IncidentRecord empty = defaults::newDraft("SYN-REC-2", m_clock);
        QVERIFY(defaults::ensureRiskAnswers(&empty, *dash));
        QCOMPARE(empty.risk().answers_size(), int(dash->questions().size()));
        // Laid out but unanswered: still nothing recorded.
        QVERIFY(defaults::hasNothingBeyondDefaults(empty));
        empty.mutable_risk()->mutable_answers(3)->set_answer(v1::ANSWER_YES);
        QVERIFY(!defaults::ensureRiskAnswers(&empty, *dash));
        QCOMPARE(empty.risk().answers(3).answer(), v1::ANSWER_YES);
        QVERIFY(!defaults::hasNothingBeyondDefaults(empty));
    }

    // Anything the officer did puts the draft beyond deleting.
    void anyAnswerIsMoreThanDefaults_data()
    {
        QTest::addColumn<int>("what");
        QTest::newRow("incident type") << 0;
        QTest::newRow("police reference") << 1;
        QTest::newRow("a child") << 2;
        QTest::newRow("a person") << 3;
        QTest::newRow("time of incident") << 4;
        QTest::newRow("risk declined") << 5;
        QTest::newRow("a risk note") << 6;
    }
    void anyAnswerIsMoreThanDefaults()
    {
        QFETCH(int, what);
        v1::IncidentRecord r = defaults::newDraft("SYN-REC-1", m_clock);
        switch (what) {
        case 0:
            r.mutable_incident()->set_type(v1::INCIDENT_TYPE_SCHOOL_LIAISON);
            break;
        case 1:
            r.mutable_incident()->set_police_reference("SYN-CAD-1");
            break;
        case 2:
            defaults::addChild(&r, "C1", false);
            break;
        case 3:
            r.add_people()->set_person_id("P1");
            break;
        case 4:
            r.mutable_incident()->mutable_occurred_at()->set_unix_ms(m_clock.nowMs() - 3600000);
            break;
        case 5:
            r.mutable_risk()->set_declined(true);
            break;
        case 6:
            r.mutable_risk()->add_answers()->set_note("synthetic note");
            break;
        }
        QVERIFY(!defaults::hasNothingBeyondDefaults(r));
        // The stamps a save or a submit adds are not answers.
        v1::IncidentRecord untouched = defaults::newDraft("SYN-REC-2", m_clock);
        untouched.mutable_updated_at()->set_unix_ms(m_clock.nowMs() + 60000);
        untouched.set_officer_id("SYN-OFFICER-0001");
        QVERIFY(defaults::hasNothingBeyondDefaults(untouched));
    }
};

QTEST_GUILESS_MAIN(TestRecordDefaults)
#include "tst_recorddefaults.moc"
