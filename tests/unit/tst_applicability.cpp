// The applicability table: which question applies to which incident type
// and child, and that the validator, the clearing of hidden answers and the
// "what would a type change discard" question all read it.
#include "protocol/applicability.h"
#include "protocol/goodpractice.h"
#include "recordfixtures.h"

#include <QTest>
#include <google/protobuf/descriptor.h>

using namespace safeguard;
using protocol::Applicability;
using protocol::ChildFacts;

namespace {

namespace gp = google::protobuf;

// True when a dotted path names a field of the message type.
bool namesAField(const gp::Descriptor *d, const QString &path)
{
    const QStringList parts = path.split(QLatin1Char('.'));
    for (int i = 0; i < parts.size(); ++i) {
        const gp::FieldDescriptor *f = d->FindFieldByName(parts[i].toStdString());
        if (!f)
            return false;
        if (i + 1 < parts.size()) {
            if (!f->message_type())
                return false;
            d = f->message_type();
        }
    }
    return true;
}

} // namespace

class TestApplicability : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();

private slots:
    void everyKeyNamesARealField()
    {
        for (const QString &k : Applicability::incidentKeys())
            QVERIFY2(namesAField(v1::IncidentRecord::descriptor(), k), qPrintable(k));
        for (const QString &k : Applicability::childKeys())
            QVERIFY2(namesAField(v1::ChildObservation::descriptor(), k), qPrintable(k));
    }

    void whereTheChildWasIsAskedOnlyWhereSomethingHappenedAtHome()
    {
        const ChildFacts born;
        QVERIFY(Applicability::appliesToChild(u"presence", v1::INCIDENT_TYPE_DOMESTIC_ABUSE, born));
        QVERIFY(Applicability::appliesToChild(u"presence", v1::INCIDENT_TYPE_WELFARE_CHECK, born));
        QVERIFY(
            !Applicability::appliesToChild(u"presence", v1::INCIDENT_TYPE_SCHOOL_LIAISON, born));
        // Seen and spoken to: everywhere.
        QVERIFY(
            Applicability::appliesToChild(u"seen.answer", v1::INCIDENT_TYPE_SCHOOL_LIAISON, born));
        // A nested key follows its listed prefix.
        QVERIFY(Applicability::appliesToChild(u"voice.words_verbatim",
                                              v1::INCIDENT_TYPE_SCHOOL_LIAISON, born));
        QVERIFY(!Applicability::appliesToChild(u"home_conditions.hazards",
                                               v1::INCIDENT_TYPE_SCHOOL_LIAISON, born));
        QVERIFY(Applicability::appliesToChild(u"home_conditions.other_observations",
                                              v1::INCIDENT_TYPE_SCHOOL_LIAISON, born));
        // A key the table does not name applies everywhere.
        QVERIFY(Applicability::appliesToChild(u"grade", v1::INCIDENT_TYPE_SCHOOL_LIAISON, born));
    }

    void unbornChildrenAreAskedWhatFitsThem()
    {
        ChildFacts unborn;
        unborn.unborn = true;
        const auto da = v1::INCIDENT_TYPE_DOMESTIC_ABUSE;
        QVERIFY(!Applicability::appliesToChild(u"presence", da, unborn));
        QVERIFY(!Applicability::appliesToChild(u"spoken_to", da, unborn));
        QVERIFY(!Applicability::appliesToChild(u"referrals.encompass_notice", da, unborn));
        QVERIFY(Applicability::appliesToChild(u"identity.expected_due_date", da, unborn));
        QVERIFY(Applicability::appliesToChild(u"identity.gestation_weeks", da, unborn));
        QVERIFY(Applicability::appliesToChild(u"grade", da, unborn));
        QVERIFY(!Applicability::appliesToChild(u"identity.gestation_weeks", da, ChildFacts{}));
    }

    void incidentLevelQuestions()
    {
        QVERIFY(Applicability::appliesToIncident(u"risk", v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        QVERIFY(!Applicability::appliesToIncident(u"risk", v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QVERIFY(Applicability::appliesToIncident(u"incident.visit_reason",
                                                 v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QVERIFY(!Applicability::appliesToIncident(u"incident.visit_reason",
                                                  v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        QVERIFY(!Applicability::appliesToIncident(u"suspect_ids", v1::INCIDENT_TYPE_WELFARE_CHECK));
        QVERIFY(Applicability::appliesToIncident(u"incident.police_reference",
                                                 v1::INCIDENT_TYPE_WELFARE_CHECK));
    }

    // Nothing hidden is submitted: answers that no longer apply are cleared,
    // and a type change says first what it would discard.
    void hiddenAnswersAreClearedAndATypeChangeSaysWhatGoes()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(m_checklists);
        r.mutable_children(0)->set_experienced_effects(v1::ANSWER_YES);
        QVERIFY(Applicability::clearInapplicable(r).isEmpty()); // all of it applies

        const QStringList lostToWelfare =
            Applicability::answersLostByTypeChange(r, v1::INCIDENT_TYPE_WELFARE_CHECK);
        QVERIFY2(lostToWelfare.contains(QStringLiteral("risk")),
                 qPrintable(lostToWelfare.join(',')));
        QVERIFY(lostToWelfare.contains(QStringLiteral("victim_ids")));
        QVERIFY(lostToWelfare.contains(QStringLiteral("children[0].experienced_effects")));
        QVERIFY(!lostToWelfare.contains(QStringLiteral("children[0].presence")));

        const QStringList lostToSchool =
            Applicability::answersLostByTypeChange(r, v1::INCIDENT_TYPE_SCHOOL_LIAISON);
        QVERIFY(lostToSchool.contains(QStringLiteral("children[0].presence")));
        QVERIFY(lostToSchool.contains(QStringLiteral("children[0].heard_incident")));
        QVERIFY(lostToSchool.contains(QStringLiteral("children[0].referrals.encompass_notice")));
        // A list's entries are governed as the list: the victim lives at the
        // incident's address, which on a visit is the school's.
        QVERIFY2(lostToSchool.contains(QStringLiteral("people[0].lives_at_incident_address")),
                 qPrintable(lostToSchool.join(',')));
        QVERIFY(!lostToWelfare.contains(QStringLiteral("people[0].lives_at_incident_address")));
        QVERIFY(!Applicability::appliesToIncident(u"people[3].lives_at_incident_address",
                                                  v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QVERIFY(r.children(0).presence() != v1::PRESENCE_UNSPECIFIED); // only asked, not done

        r.mutable_incident()->set_type(v1::INCIDENT_TYPE_SCHOOL_LIAISON);
        const QStringList cleared = Applicability::clearInapplicable(r);
        QCOMPARE(cleared, lostToSchool);
        QCOMPARE(r.children(0).presence(), v1::PRESENCE_UNSPECIFIED);
        QVERIFY(!r.people(0).lives_at_incident_address());
        QVERIFY(!r.has_risk());
        QVERIFY(!r.children(0).referrals().has_encompass_notice());
        QVERIFY(r.children(0).referrals().has_protection_notice()); // applies everywhere
        QVERIFY(r.children(0).seen().answer() == v1::ANSWER_YES);
        // And the cleared record is one the validator accepts as a visit.
        const auto issues = protocol::GoodPracticeValidator(m_checklists).check(r);
        QVERIFY2(issues.isEmpty(), qPrintable(issues.isEmpty() ? QString() : issues.first().path));

        // A checklist laid out but not answered is nothing to lose.
        v1::IncidentRecord fresh;
        fresh.mutable_incident()->set_type(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        testing::answerChecklist(fresh.mutable_risk(),
                                 *m_checklists.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE), 0);
        for (auto &a : *fresh.mutable_risk()->mutable_answers())
            a.clear_answer();
        QVERIFY(Applicability::answersLostByTypeChange(fresh, v1::INCIDENT_TYPE_WELFARE_CHECK)
                    .isEmpty());
        fresh.mutable_risk()->mutable_answers(3)->set_answer(v1::ANSWER_NO);
        QCOMPARE(Applicability::answersLostByTypeChange(fresh, v1::INCIDENT_TYPE_WELFARE_CHECK),
                 QStringList{QStringLiteral("risk")});
        // Cleared either way when the type no longer asks it.
        fresh.mutable_risk()->mutable_answers(3)->clear_answer();
        fresh.mutable_incident()->set_type(v1::INCIDENT_TYPE_WELFARE_CHECK);
        QVERIFY(Applicability::clearInapplicable(fresh).isEmpty());
        QVERIFY(!fresh.has_risk());

        // An unborn child loses what only a born child is asked.
        v1::IncidentRecord u = testing::validDomesticAbuseRecordForm2(m_checklists);
        u.mutable_children(0)->mutable_identity()->set_unborn(true);
        const QStringList unbornCleared = Applicability::clearInapplicable(u);
        QVERIFY(unbornCleared.contains(QStringLiteral("children[0].presence")));
        QVERIFY(unbornCleared.contains(QStringLiteral("children[0].voice")));
        QVERIFY(unbornCleared.contains(QStringLiteral("children[0].identity.date_of_birth")));
    }
};

QTEST_GUILESS_MAIN(TestApplicability)
#include "tst_applicability.moc"
