#include "goodpractice.h"

#include "applicability.h"
#include "derivedfacts.h"

#include <QSet>
#include <algorithm>

namespace safeguard::protocol {

namespace {

const QString kRequired = QStringLiteral("required");
const QString kReasonRequired = QStringLiteral("reason_required");

void require(bool ok, RecordIssues &out, const QString &path, const QString &code,
             const QString &message)
{
    if (!ok)
        out.append({path, code, message});
}

// A yes/no question whose "no" needs a reason (seen, spoken to, alone).
void checkAnswerWithReason(const v1::AnswerWithReason &a, const QString &path,
                           const QString &question, RecordIssues &out)
{
    if (a.answer() != v1::ANSWER_YES && a.answer() != v1::ANSWER_NO) {
        out.append({path + QStringLiteral(".answer"), QStringLiteral("answer_required"),
                    QStringLiteral("Answer yes or no: %1").arg(question)});
    } else if (a.answer() == v1::ANSWER_NO && a.reason_if_no().empty()) {
        out.append({path + QStringLiteral(".reason_if_no"), kReasonRequired,
                    QStringLiteral("Say why not: %1").arg(question)});
    }
}

// A notice decision (form 2): made, or not made with its own reason.
void checkNotice(const v1::NoticeDecision &d, const QString &path, const QString &what,
                 RecordIssues &out)
{
    if (d.made() == v1::ANSWER_YES)
        return;
    if (d.made() != v1::ANSWER_NO) {
        out.append({path + QStringLiteral(".made"), QStringLiteral("notice_expected"),
                    QStringLiteral("Say whether %1 is made.").arg(what)});
    } else if (d.not_made_reason().empty()) {
        out.append({path + QStringLiteral(".not_made_reason"), kReasonRequired,
                    QStringLiteral("Say why %1 is not made.").arg(what)});
    }
}

const v1::Person *personById(const v1::IncidentRecord &record, const std::string &id)
{
    for (const v1::Person &p : record.people())
        if (p.person_id() == id)
            return &p;
    return nullptr;
}

} // namespace

GoodPracticeValidator::GoodPracticeValidator(const RiskChecklistRegistry &checklists)
    : m_checklists(checklists)
{}

RecordIssues GoodPracticeValidator::check(const v1::IncidentRecord &record) const
{
    RecordIssues out;
    checkIncident(record, out);
    if (record.children().empty()) {
        out.append({QStringLiteral("children"), kRequired,
                    QStringLiteral("Add every child involved, including any unborn child.")});
    }
    for (int i = 0; i < record.children_size(); ++i)
        checkChild(record, i, out);
    if (derived::formVersion(record) >= 2)
        checkPeople(record, out);
    checkRisk(record, out);
    checkSharing(record.sharing(), out);
    return out;
}

void GoodPracticeValidator::checkPeople(const v1::IncidentRecord &record, RecordIssues &out) const
{
    // A "repeat suspect" cannot be recognised without a date of birth or an
    // age: the one thing asked of every suspect.
    if (Applicability::appliesToIncident(u"suspect_ids", record.incident().type())) {
        for (int i = 0; i < record.suspect_ids_size(); ++i) {
            const v1::Person *p = personById(record, record.suspect_ids(i));
            if (!p)
                continue; // a child suspect, whose age is asked as a child's
            require(derived::toQDate(p->date_of_birth()).isValid() || p->estimated_age_years() > 0,
                    out, QStringLiteral("suspect_ids[%1]").arg(i),
                    QStringLiteral("suspect_age_required"),
                    QStringLiteral("Enter the suspect's date of birth, or an estimated age."));
        }
    }
    // Every reference names someone in the record.
    QSet<std::string> known;
    for (const v1::Person &p : record.people())
        known.insert(p.person_id());
    for (const v1::ChildObservation &c : record.children())
        known.insert(c.child_id());
    auto refer = [&](const std::string &id, const QString &path) {
        require(known.contains(id), out, path, QStringLiteral("unknown_person"),
                QStringLiteral("This refers to a person who is not in the record."));
    };
    for (int i = 0; i < record.victim_ids_size(); ++i)
        refer(record.victim_ids(i), QStringLiteral("victim_ids[%1]").arg(i));
    for (int i = 0; i < record.suspect_ids_size(); ++i)
        refer(record.suspect_ids(i), QStringLiteral("suspect_ids[%1]").arg(i));
    for (int c = 0; c < record.children_size(); ++c) {
        const v1::ChildObservation &child = record.children(c);
        for (int k = 0; k < child.relationships_size(); ++k)
            refer(child.relationships(k).person_id(),
                  QStringLiteral("children[%1].relationships[%2].person_id").arg(c).arg(k));
        if (child.identity().unborn() && !child.identity().pregnant_person_id().empty())
            refer(child.identity().pregnant_person_id(),
                  QStringLiteral("children[%1].identity.pregnant_person_id").arg(c));
    }
    for (int i = 0; i < record.people_size(); ++i) {
        const v1::Person &p = record.people(i);
        if (p.vulnerable_adult())
            checkNotice(
                p.protection_notice(), QStringLiteral("people[%1].protection_notice").arg(i),
                QStringLiteral("a Public Protection Notice for this vulnerable adult"), out);
    }
}

void GoodPracticeValidator::checkIncident(const v1::IncidentRecord &record, RecordIssues &out) const
{
    const v1::Incident &in = record.incident();
    require(in.type() != v1::INCIDENT_TYPE_UNSPECIFIED, out, QStringLiteral("incident.type"),
            kRequired, QStringLiteral("Choose the type of incident."));
    require(in.type() != v1::INCIDENT_TYPE_OTHER || !in.other_type_description().empty(), out,
            QStringLiteral("incident.other_type_description"), kRequired,
            QStringLiteral("Describe the type of incident."));
    require(!in.police_reference().empty(), out, QStringLiteral("incident.police_reference"),
            kRequired, QStringLiteral("Enter the police reference (CAD or log number)."));
    require(in.has_occurred_at() && in.occurred_at().unix_ms() > 0, out,
            QStringLiteral("incident.occurred_at"), kRequired,
            QStringLiteral("Enter the date and time of the incident."));
    require(!in.address().lines().empty() || !in.location_description().empty(), out,
            QStringLiteral("incident.location_description"), kRequired,
            QStringLiteral("Say where the incident happened: an address or a description."));
    require(!in.attending_officers().empty(), out, QStringLiteral("incident.attending_officers"),
            kRequired, QStringLiteral("List the officers who attended."));
}

void GoodPracticeValidator::checkChild(const v1::IncidentRecord &record, int index,
                                       RecordIssues &out) const
{
    const v1::ChildObservation &c = record.children(index);
    const v1::ChildIdentity &id = c.identity();
    const QString p = QStringLiteral("children[%1]").arg(index);
    const QDate on = derived::incidentDate(record);
    const v1::IncidentType type = record.incident().type();
    const ChildFacts facts = ChildFacts::of(record, c);
    const int form = derived::formVersion(record);
    const bool inScope = derived::needsEncompassNotice(record, c);

    if (id.unborn()) {
        require(derived::toQDate(id.expected_due_date()).isValid(), out,
                p + QStringLiteral(".identity.expected_due_date"), kRequired,
                QStringLiteral("Enter the expected due date for the unborn child (an estimate is "
                               "fine)."));
    } else {
        require(!id.given_names().empty() || !id.family_name().empty(), out,
                p + QStringLiteral(".identity.given_names"), kRequired,
                QStringLiteral("Enter the child's name, or what they are known as."));
        require(derived::toQDate(id.date_of_birth()).isValid() || id.estimated_age_years() > 0, out,
                p + QStringLiteral(".identity.date_of_birth"), kRequired,
                QStringLiteral("Enter the child's date of birth, or an estimated age."));
        if (Applicability::appliesToChild(u"presence", type, facts))
            require(c.presence() != v1::PRESENCE_UNSPECIFIED, out, p + QStringLiteral(".presence"),
                    kRequired,
                    QStringLiteral("Say where the child was: in the room, elsewhere in the home, "
                                   "lives here but away, or not known."));

        checkAnswerWithReason(c.seen(), p + QStringLiteral(".seen"),
                              QStringLiteral("was the child seen?"), out);
        checkAnswerWithReason(c.spoken_to(), p + QStringLiteral(".spoken_to"),
                              QStringLiteral("was the child spoken to?"), out);
        // A child not spoken to at all was not spoken to alone either; the
        // reason already given covers both.
        if (c.spoken_to().answer() != v1::ANSWER_NO) {
            checkAnswerWithReason(c.spoken_to_alone(), p + QStringLiteral(".spoken_to_alone"),
                                  QStringLiteral("was the child spoken to alone?"), out);
        }

        require(!c.voice().words_verbatim().empty() || !c.voice().not_recorded_reason().empty(),
                out, p + QStringLiteral(".voice.words_verbatim"),
                QStringLiteral("words_or_reason_required"),
                QStringLiteral("Record the child's own words, or say why they could not be "
                               "recorded."));
        require(!c.demeanour().empty(), out, p + QStringLiteral(".demeanour"), kRequired,
                QStringLiteral("Describe the child's demeanour."));

        const v1::Education &e = id.education();
        if (form < 2 && derived::isSchoolAge(id, on)) {
            require(!e.establishment_name().empty() || e.not_known() || e.not_in_education(), out,
                    p + QStringLiteral(".identity.education"), QStringLiteral("school_required"),
                    QStringLiteral("Enter the child's school or nursery, or mark it as not "
                                   "known."));
        } else if (form >= 2 && inScope) {
            // The notice is routed by the setting: its URN, or "not known",
            // or home education (the local authority is told).
            const bool routed = !e.urn().empty() || e.not_known() ||
                                e.setting_type() == v1::SETTING_TYPE_ELECTIVELY_HOME_EDUCATED ||
                                e.setting_type() == v1::SETTING_TYPE_NOT_IN_EDUCATION;
            require(routed, out, p + QStringLiteral(".identity.education.urn"),
                    QStringLiteral("setting_required"),
                    QStringLiteral("This child is in Operation Encompass scope: enter their "
                                   "school or nursery's URN, or mark it as not known."));
        }
    }
    if (form >= 2) {
        for (int k = 0; k < c.indicator_details_size(); ++k) {
            require(c.indicator_details(k).provenance() != v1::PROVENANCE_UNSPECIFIED, out,
                    p + QStringLiteral(".indicator_details[%1].provenance").arg(k),
                    QStringLiteral("provenance_required"),
                    QStringLiteral("Say how you know of this indicator: observed, disclosed, or "
                                   "from records."));
        }
    }

    if (form >= 2) {
        // The child's own risk questions, asked of the victim about this
        // child: whatever instrument the force uses, they are the child's.
        const auto answered = [](v1::Answer a) {
            return a == v1::ANSWER_YES || a == v1::ANSWER_NO || a == v1::ANSWER_NOT_KNOWN;
        };
        if (Applicability::appliesToChild(u"suspect_ever_hurt", type, facts))
            require(answered(c.suspect_ever_hurt()), out, p + QStringLiteral(".suspect_ever_hurt"),
                    QStringLiteral("answer_required"),
                    QStringLiteral("Say whether the suspect has ever hurt this child (or that it "
                                   "is not known)."));
        if (Applicability::appliesToChild(u"suspect_ever_threatened", type, facts))
            require(answered(c.suspect_ever_threatened()), out,
                    p + QStringLiteral(".suspect_ever_threatened"),
                    QStringLiteral("answer_required"),
                    QStringLiteral("Say whether the suspect has ever threatened to hurt or kill "
                                   "this child (or that it is not known)."));
    }

    require(c.grade() != v1::GRADE_UNSPECIFIED, out, p + QStringLiteral(".grade"), kRequired,
            QStringLiteral("Grade the risk to this child: red, amber or green."));
    require(!c.grade_rationale().empty(), out, p + QStringLiteral(".grade_rationale"),
            QStringLiteral("rationale_required"),
            QStringLiteral("Give the reason for the grade, in your own words."));

    const v1::ChildReferrals &r = c.referrals();
    if (form >= 2) {
        checkNotice(r.protection_notice(), p + QStringLiteral(".referrals.protection_notice"),
                    QStringLiteral("a Public Protection Notice to the MASH for this child"), out);
        if (inScope)
            checkNotice(r.encompass_notice(), p + QStringLiteral(".referrals.encompass_notice"),
                        QStringLiteral("an Operation Encompass notice for this child"), out);
        return;
    }
    require(r.public_protection_notice() || !r.not_referred_reason().empty(), out,
            p + QStringLiteral(".referrals.public_protection_notice"),
            QStringLiteral("notice_expected"),
            QStringLiteral("Every child needs a Public Protection Notice to the MASH, or a reason "
                           "why not."));
    if (inScope) {
        require(r.operation_encompass_notice() || !r.not_referred_reason().empty(), out,
                p + QStringLiteral(".referrals.operation_encompass_notice"),
                QStringLiteral("notice_expected"),
                QStringLiteral("This child needs an Operation Encompass notice to their school, "
                               "or a reason why not."));
    }
}

void GoodPracticeValidator::checkRisk(const v1::IncidentRecord &record, RecordIssues &out) const
{
    const v1::IncidentType type = record.incident().type();
    const RiskChecklist *current = m_checklists.currentFor(type);
    if (!current)
        return; // no checklist applies to this kind of incident
    const v1::RiskAssessment &risk = record.risk();
    if (risk.checklist_id().empty()) {
        out.append({QStringLiteral("risk.checklist_id"), kRequired,
                    QStringLiteral("Complete the %1.").arg(current->title())});
        return;
    }
    const RiskChecklist *used = m_checklists.find(QString::fromStdString(risk.checklist_id()),
                                                  int(risk.checklist_version()));
    if (!used || !used->appliesTo(type)) {
        out.append({QStringLiteral("risk.checklist_version"), QStringLiteral("unknown_checklist"),
                    QStringLiteral("Risk checklist %1 version %2 is not one this device knows.")
                        .arg(QString::fromStdString(risk.checklist_id()))
                        .arg(risk.checklist_version())});
        return;
    }
    if (used->format() >= 2) {
        // Whom the assessment is about: one of the record's victims.
        const std::string &victim = risk.victim_id();
        if (victim.empty()) {
            // (With no victim recorded there is no one to name; the
            // record's own rules ask for the people.)
            if (record.victim_ids_size() > 0)
                out.append({QStringLiteral("risk.victim_id"), kRequired,
                            QStringLiteral("Say whom the risk assessment is about.")});
        } else if (std::find(record.victim_ids().cbegin(), record.victim_ids().cend(), victim) ==
                   record.victim_ids().cend()) {
            out.append({QStringLiteral("risk.victim_id"), QStringLiteral("not_a_victim"),
                        QStringLiteral("The risk assessment must be about one of the victims.")});
        }
    }
    if (risk.declined() && risk.not_safe_to_ask()) {
        out.append({QStringLiteral("risk.not_safe_to_ask"), QStringLiteral("choose_one"),
                    QStringLiteral("Say either that the victim declined or that it was not "
                                   "safe to ask, not both.")});
    }
    if (risk.not_safe_to_ask()) {
        // The suspect was present: its own outcome, with what was done.
        require(!QString::fromStdString(risk.not_safe_reason()).trimmed().isEmpty(), out,
                QStringLiteral("risk.not_safe_reason"), kReasonRequired,
                QStringLiteral("Say why the questions could not be asked safely, and when they "
                               "will be."));
    } else if (risk.declined()) {
        require(!risk.declined_reason().empty(), out, QStringLiteral("risk.declined_reason"),
                kReasonRequired,
                QStringLiteral("Say why the risk checklist could not be completed."));
    } else {
        // Scored as the hub scores it: questions about the children read
        // from the children.
        const RiskScore score = used->scoreRecord(record);
        const bool childrenAsked = derived::formVersion(record) >= 2;
        const auto numbered = [used](const QString &id) {
            const RiskQuestion *q = used->question(id);
            if (!q)
                return id;
            if (q->number.isEmpty() && !q->parentId.isEmpty())
                if (const RiskQuestion *p = used->question(q->parentId))
                    return QStringLiteral("%1 (%2)").arg(p->number, q->text);
            return QStringLiteral("%1: %2").arg(q->number, q->text);
        };
        for (const QString &q : score.unansweredQuestionIds) {
            if (childrenAsked && score.fromChildrenIds.contains(q))
                continue; // each child's own question says what is missing
            out.append({QStringLiteral("risk.answers[%1]").arg(q),
                        QStringLiteral("answer_required"),
                        QStringLiteral("Answer risk question %1").arg(numbered(q))});
        }
        for (const QString &q : score.notKnownRefusedIds) {
            out.append({QStringLiteral("risk.answers[%1]").arg(q),
                        QStringLiteral("not_known_not_allowed"),
                        QStringLiteral("\"Not known\" is not an answer to risk question %1")
                            .arg(numbered(q))});
        }
        for (const QString &q : score.invalidAnswerIds) {
            out.append({QStringLiteral("risk.answers[%1]").arg(q), QStringLiteral("invalid_answer"),
                        QStringLiteral("The answer to risk question %1 is not one it offers")
                            .arg(numbered(q))});
        }
        if (score.rationaleMissing) {
            out.append({QStringLiteral("risk.rationale"), kRequired,
                        QStringLiteral("Say why the risk is at this level.")});
        }
        if (score.overrideProblem == QLatin1String("judgement_required")) {
            out.append({QStringLiteral("risk.judgement_level"), score.overrideProblem,
                        QStringLiteral("Grade the risk: this checklist is graded by "
                                       "professional judgement.")});
        } else if (score.overrideProblem == QLatin1String("override_not_allowed")) {
            out.append({QStringLiteral("risk.judgement_level"), score.overrideProblem,
                        QStringLiteral("This checklist does not allow professional judgement to "
                                       "lower the scored level.")});
        } else if (score.overrideProblem == QLatin1String("rationale_required")) {
            out.append({QStringLiteral("risk.judgement_rationale"), score.overrideProblem,
                        QStringLiteral("Give the reason for changing the risk level by "
                                       "professional judgement.")});
        }
        if (derived::effectiveRiskLevel(score.finalLevel) == v1::RISK_LEVEL_HIGH) {
            const v1::ReferralDecisions &ref = record.referrals();
            require(ref.marac_referral() || !ref.marac_not_referred_reason().empty(), out,
                    QStringLiteral("referrals.marac_referral"), QStringLiteral("marac_expected"),
                    QStringLiteral("Risk is high: refer to MARAC, or say why not."));
        }
    }
}

void GoodPracticeValidator::checkSharing(const v1::InformationSharing &s, RecordIssues &out) const
{
    if (s.consent_sought() != v1::ANSWER_YES && s.consent_sought() != v1::ANSWER_NO) {
        out.append({QStringLiteral("sharing.consent_sought"), QStringLiteral("answer_required"),
                    QStringLiteral("Say whether consent to share information was sought.")});
        return;
    }
    if (s.consent_sought() == v1::ANSWER_NO) {
        require(!s.consent_not_sought_reason().empty(), out,
                QStringLiteral("sharing.consent_not_sought_reason"), kReasonRequired,
                QStringLiteral("Say why consent was not sought."));
    } else if (s.consent_given() != v1::ANSWER_YES && s.consent_given() != v1::ANSWER_NO) {
        out.append({QStringLiteral("sharing.consent_given"), QStringLiteral("answer_required"),
                    QStringLiteral("Say whether consent was given.")});
        return;
    }
    const bool withoutConsent = s.consent_given() != v1::ANSWER_YES;
    if (withoutConsent) {
        require(s.lawful_basis() != v1::LAWFUL_BASIS_UNSPECIFIED, out,
                QStringLiteral("sharing.lawful_basis"), QStringLiteral("lawful_basis_required"),
                QStringLiteral("Information is shared without consent: choose the lawful basis."));
        require(!s.reason_without_consent().empty(), out,
                QStringLiteral("sharing.reason_without_consent"), kReasonRequired,
                QStringLiteral("Say why information is shared without consent."));
    }
}

} // namespace safeguard::protocol
