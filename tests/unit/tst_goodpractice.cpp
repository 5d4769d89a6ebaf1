// Good-practice validation: each rule with a record that breaks it (the
// expected issue appears, at the right field path) and a record that meets
// it (no issue). Starts from a valid record and changes one thing at a time.
#include "protocol/goodpractice.h"
#include "protocol/limits.h"
#include "protocol/syntheticrecords.h"
#include "recordfixtures.h"

#include <QSet>
#include <QTest>
#include <functional>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

using namespace safeguard;

namespace {

using Mutation = std::function<void(v1::IncidentRecord &)>;

struct RuleCase
{
    const char *name;
    Mutation breakRule; // makes the record miss the item
    Mutation meetRule;  // applied after breakRule: meets the rule another way
    const char *path;   // where the issue must point
    const char *code;
};

v1::ChildObservation &child(v1::IncidentRecord &r)
{
    return *r.mutable_children(0);
}

const QList<RuleCase> &cases()
{
    static const QList<RuleCase> c = {
        {"seen unanswered", [](auto &r) { child(r).mutable_seen()->clear_answer(); },
         [](auto &r) { child(r).mutable_seen()->set_answer(v1::ANSWER_YES); },
         "children[0].seen.answer", "answer_required"},
        {"not seen without a reason",
         [](auto &r) { child(r).mutable_seen()->set_answer(v1::ANSWER_NO); },
         [](auto &r) {
             child(r).mutable_seen()->set_reason_if_no("SYNTHETIC: asleep, carer declined");
         },
         "children[0].seen.reason_if_no", "reason_required"},
        {"spoken to unanswered", [](auto &r) { child(r).mutable_spoken_to()->clear_answer(); },
         [](auto &r) { child(r).mutable_spoken_to()->set_answer(v1::ANSWER_YES); },
         "children[0].spoken_to.answer", "answer_required"},
        {"not spoken to without a reason",
         [](auto &r) { child(r).mutable_spoken_to()->set_answer(v1::ANSWER_NO); },
         [](auto &r) { child(r).mutable_spoken_to()->set_reason_if_no("SYNTHETIC: pre-verbal"); },
         "children[0].spoken_to.reason_if_no", "reason_required"},
        {"spoken to alone unanswered",
         [](auto &r) { child(r).mutable_spoken_to_alone()->clear_answer(); },
         [](auto &r) { child(r).mutable_spoken_to_alone()->set_answer(v1::ANSWER_YES); },
         "children[0].spoken_to_alone.answer", "answer_required"},
        {"not spoken to alone without a reason",
         [](auto &r) { child(r).mutable_spoken_to_alone()->set_answer(v1::ANSWER_NO); },
         [](auto &r) {
             child(r).mutable_spoken_to_alone()->set_reason_if_no(
                 "SYNTHETIC: would not leave mother");
         },
         "children[0].spoken_to_alone.reason_if_no", "reason_required"},
        {"yes/no question answered not known",
         [](auto &r) { child(r).mutable_seen()->set_answer(v1::ANSWER_NOT_KNOWN); },
         [](auto &r) { child(r).mutable_seen()->set_answer(v1::ANSWER_YES); },
         "children[0].seen.answer", "answer_required"},
        {"no words and no reason",
         [](auto &r) { child(r).mutable_voice()->clear_words_verbatim(); },
         [](auto &r) { child(r).mutable_voice()->set_not_recorded_reason("SYNTHETIC: asleep"); },
         "children[0].voice.words_verbatim", "words_or_reason_required"},
        {"no demeanour", [](auto &r) { child(r).clear_demeanour(); },
         [](auto &r) { child(r).set_demeanour("SYNTHETIC: tearful"); }, "children[0].demeanour",
         "required"},
        {"no grade", [](auto &r) { child(r).clear_grade(); },
         [](auto &r) { child(r).set_grade(v1::GRADE_GREEN); }, "children[0].grade", "required"},
        {"grade without rationale", [](auto &r) { child(r).clear_grade_rationale(); },
         [](auto &r) { child(r).set_grade_rationale("SYNTHETIC: first report, child settled"); },
         "children[0].grade_rationale", "rationale_required"},
        {"school-age child without a school",
         [](auto &r) { child(r).mutable_identity()->clear_education(); },
         [](auto &r) { child(r).mutable_identity()->mutable_education()->set_not_known(true); },
         "children[0].identity.education", "school_required"},
        {"school-age child not in education",
         [](auto &r) { child(r).mutable_identity()->clear_education(); },
         [](auto &r) {
             child(r).mutable_identity()->mutable_education()->set_not_in_education(true);
         },
         "children[0].identity.education", "school_required"},
        {"shared without consent, no lawful basis",
         [](auto &r) {
             r.mutable_sharing()->set_consent_given(v1::ANSWER_NO);
             r.mutable_sharing()->set_reason_without_consent("SYNTHETIC: child at risk");
         },
         [](auto &r) {
             r.mutable_sharing()->set_lawful_basis(v1::LAWFUL_BASIS_SAFEGUARDING_CHILDREN);
         },
         "sharing.lawful_basis", "lawful_basis_required"},
        {"shared without consent, no reason",
         [](auto &r) {
             r.mutable_sharing()->set_consent_given(v1::ANSWER_NO);
             r.mutable_sharing()->set_lawful_basis(v1::LAWFUL_BASIS_SAFEGUARDING_CHILDREN);
         },
         [](auto &r) {
             r.mutable_sharing()->set_reason_without_consent("SYNTHETIC: child at risk");
         },
         "sharing.reason_without_consent", "reason_required"},
        {"consent not sought, no reason",
         [](auto &r) {
             r.mutable_sharing()->set_consent_sought(v1::ANSWER_NO);
             r.mutable_sharing()->clear_consent_given();
             r.mutable_sharing()->set_lawful_basis(v1::LAWFUL_BASIS_SAFEGUARDING_CHILDREN);
             r.mutable_sharing()->set_reason_without_consent("SYNTHETIC: risk of harm");
         },
         [](auto &r) {
             r.mutable_sharing()->set_consent_not_sought_reason("SYNTHETIC: would increase risk");
         },
         "sharing.consent_not_sought_reason", "reason_required"},
        {"consent question unanswered",
         [](auto &r) { r.mutable_sharing()->clear_consent_sought(); },
         [](auto &r) { r.mutable_sharing()->set_consent_sought(v1::ANSWER_YES); },
         "sharing.consent_sought", "answer_required"},
        {"domestic abuse without a risk checklist", [](auto &r) { r.clear_risk(); },
         [](auto &r) {
             r.mutable_risk()->set_checklist_id("dash-2009");
             r.mutable_risk()->set_checklist_version(1);
             r.mutable_risk()->set_declined(true);
             r.mutable_risk()->set_declined_reason("SYNTHETIC: victim declined to answer");
         },
         "risk.checklist_id", "required"},
        {"risk checklist with an unanswered question",
         [](auto &r) { r.mutable_risk()->mutable_answers(4)->clear_answer(); },
         [](auto &r) { r.mutable_risk()->mutable_answers(4)->set_answer(v1::ANSWER_NOT_KNOWN); },
         "risk.answers[q05]", "answer_required"},
        {"risk checklist declined without a reason",
         [](auto &r) { r.mutable_risk()->set_declined(true); },
         [](auto &r) { r.mutable_risk()->set_declined_reason("SYNTHETIC: victim declined"); },
         "risk.declined_reason", "reason_required"},
        {"unknown risk checklist version",
         [](auto &r) { r.mutable_risk()->set_checklist_version(42); },
         [](auto &r) { r.mutable_risk()->set_checklist_version(1); }, "risk.checklist_version",
         "unknown_checklist"},
        {"judgement raises risk without rationale",
         [](auto &r) { r.mutable_risk()->set_judgement_level(v1::RISK_LEVEL_MEDIUM); },
         [](auto &r) {
             r.mutable_risk()->set_judgement_rationale("SYNTHETIC: escalating pattern");
         },
         "risk.judgement_rationale", "rationale_required"},
        {"high risk without MARAC decision",
         [](auto &r) {
             r.mutable_risk()->set_judgement_level(v1::RISK_LEVEL_HIGH);
             r.mutable_risk()->set_judgement_rationale("SYNTHETIC: strangulation disclosed");
         },
         [](auto &r) { r.mutable_referrals()->set_marac_referral(true); },
         "referrals.marac_referral", "marac_expected"},
        {"no Public Protection Notice",
         [](auto &r) { child(r).mutable_referrals()->set_public_protection_notice(false); },
         [](auto &r) { child(r).mutable_referrals()->set_public_protection_notice(true); },
         "children[0].referrals.public_protection_notice", "notice_expected"},
        {"school-age child at domestic abuse without Encompass notice",
         [](auto &r) { child(r).mutable_referrals()->set_operation_encompass_notice(false); },
         [](auto &r) { child(r).mutable_referrals()->set_operation_encompass_notice(true); },
         "children[0].referrals.operation_encompass_notice", "notice_expected"},
        {"no presence", [](auto &r) { child(r).clear_presence(); },
         [](auto &r) { child(r).set_presence(v1::PRESENCE_NOT_KNOWN); }, "children[0].presence",
         "required"},
        {"no date of birth or age",
         [](auto &r) { child(r).mutable_identity()->clear_date_of_birth(); },
         [](auto &r) { child(r).mutable_identity()->set_estimated_age_years(9); },
         "children[0].identity.date_of_birth", "required"},
        {"no police reference", [](auto &r) { r.mutable_incident()->clear_police_reference(); },
         [](auto &r) { r.mutable_incident()->set_police_reference("SYN-CAD-000002"); },
         "incident.police_reference", "required"},
        {"no incident type", [](auto &r) { r.mutable_incident()->clear_type(); },
         [](auto &r) { r.mutable_incident()->set_type(v1::INCIDENT_TYPE_DOMESTIC_ABUSE); },
         "incident.type", "required"},
        {"no children", [](auto &r) { r.clear_children(); },
         [](auto &r) {
             *r.add_children() =
                 testing::validDomesticAbuseRecord(protocol::RiskChecklistRegistry::withBuiltIns())
                     .children(0);
         },
         "children", "required"},
        {"unborn child without due date",
         [](auto &r) {
             child(r).Clear();
             child(r).set_child_id("11111111-2222-4333-8444-555555555555");
             child(r).mutable_identity()->set_unborn(true);
             child(r).set_grade(v1::GRADE_AMBER);
             child(r).set_grade_rationale("SYNTHETIC: pregnancy, 30 weeks");
             child(r).mutable_referrals()->set_public_protection_notice(true);
         },
         [](auto &r) {
             auto *d = child(r).mutable_identity()->mutable_expected_due_date();
             d->set_year(2026);
             d->set_month(5);
             d->set_day(20);
         },
         "children[0].identity.expected_due_date", "required"},
    };
    return c;
}

bool hasIssue(const protocol::RecordIssues &issues, const QString &path, const QString &code)
{
    for (const auto &i : issues) {
        if (i.path == path && i.code == code)
            return !i.message.isEmpty();
    }
    return false;
}

v1::Person &person(v1::IncidentRecord &r, int i)
{
    return *r.mutable_people(i);
}

// Form 2's rules, on the form-2 record; each also shows the field is asked
// only of form 2 (a form-1 record never has these fields).
const QList<RuleCase> &form2Cases()
{
    static const QList<RuleCase> c = {
        {"suspect without date of birth or age",
         [](auto &r) { person(r, 1).clear_date_of_birth(); },
         [](auto &r) { person(r, 1).set_estimated_age_years(40); }, "suspect_ids[0]",
         "suspect_age_required"},
        {"child in scope without a setting identifier",
         [](auto &r) { child(r).mutable_identity()->mutable_education()->clear_urn(); },
         [](auto &r) { child(r).mutable_identity()->mutable_education()->set_not_known(true); },
         "children[0].identity.education.urn", "setting_required"},
        {"home-educated child needs no URN",
         [](auto &r) {
             child(r).mutable_identity()->mutable_education()->clear_urn();
             child(r).mutable_identity()->mutable_education()->set_setting_type(
                 v1::SETTING_TYPE_PRIMARY);
         },
         [](auto &r) {
             child(r).mutable_identity()->mutable_education()->set_setting_type(
                 v1::SETTING_TYPE_ELECTIVELY_HOME_EDUCATED);
         },
         "children[0].identity.education.urn", "setting_required"},
        {"vulnerable adult without a PPN decision",
         [](auto &r) { person(r, 0).set_vulnerable_adult(true); },
         [](auto &r) { person(r, 0).mutable_protection_notice()->set_made(v1::ANSWER_YES); },
         "people[0].protection_notice.made", "notice_expected"},
        {"vulnerable adult's PPN not made without a reason",
         [](auto &r) {
             person(r, 0).set_vulnerable_adult(true);
             person(r, 0).mutable_protection_notice()->set_made(v1::ANSWER_NO);
         },
         [](auto &r) {
             person(r, 0).mutable_protection_notice()->set_not_made_reason(
                 "SYNTHETIC: already known to adult services today");
         },
         "people[0].protection_notice.not_made_reason", "reason_required"},
        {"ACE indicator without provenance",
         [](auto &r) { child(r).mutable_indicator_details(0)->clear_provenance(); },
         [](auto &r) {
             child(r).mutable_indicator_details(0)->set_provenance(v1::PROVENANCE_DISCLOSED);
         },
         "children[0].indicator_details[0].provenance", "provenance_required"},
        {"child's PPN undecided",
         [](auto &r) { child(r).mutable_referrals()->clear_protection_notice(); },
         [](auto &r) {
             child(r).mutable_referrals()->mutable_protection_notice()->set_made(v1::ANSWER_YES);
         },
         "children[0].referrals.protection_notice.made", "notice_expected"},
        // The Encompass notice's reason is its own: the PPN's reason does
        // not answer for it.
        {"Encompass notice not made, reason given only for the PPN",
         [](auto &r) {
             auto *ref = child(r).mutable_referrals();
             ref->mutable_protection_notice()->set_made(v1::ANSWER_NO);
             ref->mutable_protection_notice()->set_not_made_reason("SYNTHETIC: MASH already aware");
             ref->mutable_encompass_notice()->set_made(v1::ANSWER_NO);
         },
         [](auto &r) {
             child(r).mutable_referrals()->mutable_encompass_notice()->set_not_made_reason(
                 "SYNTHETIC: school closed for good, child moving");
         },
         "children[0].referrals.encompass_notice.not_made_reason", "reason_required"},
        {"a suspect who is not in the record",
         [](auto &r) { r.set_suspect_ids(0, "3d4e5f60-7182-4930-a4b5-c6d7e8f90123"); },
         [](auto &r) { r.set_suspect_ids(0, testing::kSuspectId); }, "suspect_ids[0]",
         "unknown_person"},
    };
    return c;
}

QString describe(const protocol::RecordIssues &issues)
{
    QStringList s;
    for (const auto &i : issues)
        s << i.path + QLatin1Char('/') + i.code;
    return s.join(QStringLiteral(", "));
}

} // namespace

class TestGoodPractice : public QObject
{
    Q_OBJECT

    const protocol::RiskChecklistRegistry m_checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();

    // Breaking the rule raises its issue at its path; meeting it another way
    // leaves the record with no issue at all.
    void checkRule(const RuleCase &c, v1::IncidentRecord r)
    {
        const protocol::GoodPracticeValidator validator(m_checklists);
        c.breakRule(r);
        const auto failing = validator.check(r);
        QVERIFY2(
            hasIssue(failing, QLatin1String(c.path), QLatin1String(c.code)),
            qPrintable(QStringLiteral("expected %1/%2, got: %3")
                           .arg(QLatin1String(c.path), QLatin1String(c.code), describe(failing))));
        c.meetRule(r);
        const auto passing = validator.check(r);
        QVERIFY2(passing.isEmpty(), qPrintable(describe(passing)));
    }

private slots:
    void validRecordHasNoIssues()
    {
        const auto issues = protocol::GoodPracticeValidator(m_checklists)
                                .check(testing::validDomesticAbuseRecord(m_checklists));
        QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
    }

    void eachRule_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < cases().size(); ++i)
            QTest::newRow(cases()[i].name) << i;
    }

    void eachRule()
    {
        QFETCH(int, index);
        checkRule(cases()[index], testing::validDomesticAbuseRecord(m_checklists));
    }

    void form2RecordHasNoIssues()
    {
        const auto issues = protocol::GoodPracticeValidator(m_checklists)
                                .check(testing::validDomesticAbuseRecordForm2(m_checklists));
        QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
    }

    void eachForm2Rule_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < form2Cases().size(); ++i)
            QTest::newRow(form2Cases()[i].name) << i;
    }

    void eachForm2Rule()
    {
        QFETCH(int, index);
        checkRule(form2Cases()[index], testing::validDomesticAbuseRecordForm2(m_checklists));
    }

    // A form-1 record is judged as of form 1: no flag for a suspect's age, a
    // URN, a provenance or a per-notice decision, which its form never had.
    void formOneRecordIsNotFlaggedForFormTwoFields()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        QCOMPARE(r.form_version(), 0u);
        QVERIFY(r.people().empty());
        child(r).add_indicators(v1::INDICATOR_DOMESTIC_ABUSE); // form 1: no provenance
        const auto issues = protocol::GoodPracticeValidator(m_checklists).check(r);
        QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
        // The same content marked form 2 is asked for what form 2 asks.
        r.set_form_version(2);
        QVERIFY(!protocol::GoodPracticeValidator(m_checklists).check(r).isEmpty());
    }

    // The bug that made a school liaison visit impossible to submit: "where
    // was the child" is not asked at a school, so it is not required there,
    // on either form; at home it still is.
    void schoolLiaisonVisitDoesNotAskWhereTheChildWas()
    {
        for (bool form2 : {false, true}) {
            v1::IncidentRecord r = form2 ? testing::validDomesticAbuseRecordForm2(m_checklists)
                                         : testing::validDomesticAbuseRecord(m_checklists);
            child(r).clear_presence();
            const auto atHome = protocol::GoodPracticeValidator(m_checklists).check(r);
            QVERIFY(
                hasIssue(atHome, QLatin1String("children[0].presence"), QLatin1String("required")));
            r.mutable_incident()->set_type(v1::INCIDENT_TYPE_SCHOOL_LIAISON);
            r.clear_risk();
            r.clear_victim_ids();
            r.clear_suspect_ids();
            const auto atSchool = protocol::GoodPracticeValidator(m_checklists).check(r);
            QVERIFY2(atSchool.isEmpty(), qPrintable(describe(atSchool)));
        }
    }

    void notSpokenToCoversSpokenToAlone()
    {
        // One reason for "not spoken to" is enough: the officer is not asked
        // to repeat it for "alone".
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        child(r).mutable_spoken_to()->set_answer(v1::ANSWER_NO);
        child(r).mutable_spoken_to()->set_reason_if_no("SYNTHETIC: pre-verbal");
        child(r).clear_spoken_to_alone();
        const auto issues = protocol::GoodPracticeValidator(m_checklists).check(r);
        QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
    }

    void checklistOnlyForDomesticAbuse()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        r.mutable_incident()->set_type(v1::INCIDENT_TYPE_SCHOOL_LIAISON);
        r.clear_risk();
        child(r).mutable_referrals()->set_operation_encompass_notice(false);
        const auto issues = protocol::GoodPracticeValidator(m_checklists).check(r);
        QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
    }

    void youngChildNeedsNoSchool()
    {
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(m_checklists);
        auto *dob = child(r).mutable_identity()->mutable_date_of_birth();
        dob->set_year(2024); // two on the incident date
        child(r).mutable_identity()->clear_education();
        child(r).mutable_referrals()->set_operation_encompass_notice(false);
        const auto issues = protocol::GoodPracticeValidator(m_checklists).check(r);
        QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
    }

    void syntheticRecordsAreValid()
    {
        protocol::ManualClock clock;
        protocol::SyntheticRecordFactory factory(42, clock, m_checklists);
        const protocol::GoodPracticeValidator validator(m_checklists);
        for (int i = 0; i < 200; ++i) {
            const v1::IncidentRecord r = factory.next();
            const auto issues = validator.check(r);
            QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
            QVERIFY(r.DebugString().find("SYNTHETIC") != std::string::npos);
        }
    }

    // Form-2 synthetic records pass every rule, and across a few hundred of
    // them every field form 2 added is filled at least once (so tests,
    // benchmarks and screenshots exercise all of it).
    void syntheticFormTwoRecordsAreValidAndFillEveryNewField()
    {
        protocol::ManualClock clock;
        protocol::SyntheticRecordFactory factory(43, clock, m_checklists);
        factory.setFormVersion(2);
        const protocol::GoodPracticeValidator validator(m_checklists);
        QSet<QString> seen;
        std::function<void(const google::protobuf::Message &)> collect =
            [&](const google::protobuf::Message &m) {
                std::vector<const google::protobuf::FieldDescriptor *> fields;
                m.GetReflection()->ListFields(m, &fields);
                for (const auto *f : fields) {
                    seen.insert(QString::fromStdString(f->full_name()));
                    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)
                        continue;
                    if (f->is_repeated()) {
                        for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i)
                            collect(m.GetReflection()->GetRepeatedMessage(m, f, i));
                    } else {
                        collect(m.GetReflection()->GetMessage(m, f));
                    }
                }
            };
        for (int i = 0; i < 300; ++i) {
            const v1::IncidentRecord r = factory.next();
            QCOMPARE(r.form_version(), 2u);
            const auto issues = validator.check(r);
            QVERIFY2(issues.isEmpty(), qPrintable(describe(issues)));
            QVERIFY(protocol::checkStructure(r).isEmpty());
            collect(r);
        }
        const QStringList formTwo{
            "IncidentRecord.form_version",
            "IncidentRecord.people",
            "IncidentRecord.victim_ids",
            "IncidentRecord.suspect_ids",
            "IncidentRecord.evidence",
            "IncidentRecord.history",
            "IncidentRecord.family_language",
            "IncidentRecord.notice_language",
            "ReferralDecisions.marac_trigger",
            "ChildIdentity.ethnicity",
            "Education.urn",
            "Education.setting_type",
            "ChildVoice.question_asked",
            "ChildVoice.spoken_at",
            "ChildVoice.others_present",
            "ChildReferrals.protection_notice",
            "ChildReferrals.encompass_notice",
            "ChildObservation.relationships",
            "ChildObservation.experienced_effects",
            "ChildObservation.indicator_details",
            "ChildObservation.suspect_ever_hurt",
            "ChildObservation.suspect_ever_threatened",
            "RiskAssessment.victim_id",
            "RiskAssessment.rationale",
            "RiskAnswer.choices",
            "RiskAnswer.text",
            "NoticeDecision.made",
            "NoticeDecision.not_made_reason",
            "ChildIdentity.pregnant_person_id",
            "ChildIdentity.gestation_weeks",
        };
        QStringList missing;
        for (const QString &f : formTwo)
            if (!seen.contains(QStringLiteral("safeguard.v1.") + f))
                missing << f;
        for (const auto *d : {v1::Person::descriptor(), v1::Relationship::descriptor(),
                              v1::Evidence::descriptor(), v1::HistoryChecks::descriptor(),
                              v1::IndicatorObservation::descriptor(), v1::Ethnicity::descriptor()})
            for (int i = 0; i < d->field_count(); ++i)
                if (!seen.contains(QString::fromStdString(d->field(i)->full_name())))
                    missing << QString::fromStdString(d->field(i)->full_name());
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
    }

    void issuesSerializeToSnakeCaseJson()
    {
        const protocol::RecordIssue i{QStringLiteral("children[0].demeanour"),
                                      QStringLiteral("required"),
                                      QStringLiteral("Describe the child's demeanour.")};
        const QJsonObject o = i.toJson();
        QCOMPARE(o.keys(), (QStringList{QStringLiteral("code"), QStringLiteral("message"),
                                        QStringLiteral("path")}));
    }
};

QTEST_GUILESS_MAIN(TestGoodPractice)
#include "tst_goodpractice.moc"
