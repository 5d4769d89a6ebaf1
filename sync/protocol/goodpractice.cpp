#include "goodpractice.h"

#include "derivedfacts.h"

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

} // namespace

GoodPracticeValidator::GoodPracticeValidator(const RiskChecklistRegistry &checklists)
    : m_checklists(checklists)
{
}

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
    checkRisk(record, out);
    checkSharing(record.sharing(), out);
    return out;
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

    if (id.unborn()) {
        require(derived::toQDate(id.expected_due_date()).isValid(), out,
                p + QStringLiteral(".identity.expected_due_date"), kRequired,
                QStringLiteral("Enter the expected due date for the unborn child (an estimate is "
                               "fine)."));
    } else {
        require(!id.given_names().empty() || !id.family_name().empty(), out,
                p + QStringLiteral(".identity.given_names"), kRequired,
                QStringLiteral("Enter the child's name, or what they are known as."));
        require(derived::toQDate(id.date_of_birth()).isValid() || id.estimated_age_years() > 0,
                out, p + QStringLiteral(".identity.date_of_birth"), kRequired,
                QStringLiteral("Enter the child's date of birth, or an estimated age."));
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

        if (derived::isSchoolAge(id, on)) {
            const v1::Education &e = id.education();
            require(!e.establishment_name().empty() || e.not_known() || e.not_in_education(), out,
                    p + QStringLiteral(".identity.education"),
                    QStringLiteral("school_required"),
                    QStringLiteral("Enter the child's school or nursery, or mark it as not "
                                   "known."));
        }
    }

    require(c.grade() != v1::GRADE_UNSPECIFIED, out, p + QStringLiteral(".grade"), kRequired,
            QStringLiteral("Grade the risk to this child: red, amber or green."));
    require(!c.grade_rationale().empty(), out, p + QStringLiteral(".grade_rationale"),
            QStringLiteral("rationale_required"),
            QStringLiteral("Give the reason for the grade, in your own words."));

    const v1::ChildReferrals &r = c.referrals();
    require(r.public_protection_notice() || !r.not_referred_reason().empty(), out,
            p + QStringLiteral(".referrals.public_protection_notice"),
            QStringLiteral("notice_expected"),
            QStringLiteral("Every child needs a Public Protection Notice to the MASH, or a reason "
                           "why not."));
    if (derived::needsEncompassNotice(record, c)) {
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
        out.append({QStringLiteral("risk.checklist_version"),
                    QStringLiteral("unknown_checklist"),
                    QStringLiteral("Risk checklist %1 version %2 is not one this device knows.")
                        .arg(QString::fromStdString(risk.checklist_id()))
                        .arg(risk.checklist_version())});
        return;
    }
    if (risk.declined()) {
        require(!risk.declined_reason().empty(), out, QStringLiteral("risk.declined_reason"),
                kReasonRequired,
                QStringLiteral("Say why the risk checklist could not be completed."));
    } else {
        const RiskScore score = used->score(risk);
        for (const QString &q : score.unansweredQuestionIds) {
            out.append({QStringLiteral("risk.answers[%1]").arg(q),
                        QStringLiteral("answer_required"),
                        QStringLiteral("Answer risk question %1 (yes, no or not known).").arg(q)});
        }
        if (score.overrideProblem == QLatin1String("override_not_allowed")) {
            out.append({QStringLiteral("risk.judgement_level"), score.overrideProblem,
                        QStringLiteral("This checklist does not allow professional judgement to "
                                       "lower the scored level.")});
        } else if (score.overrideProblem == QLatin1String("rationale_required")) {
            out.append({QStringLiteral("risk.judgement_rationale"), score.overrideProblem,
                        QStringLiteral("Give the reason for changing the risk level by "
                                       "professional judgement.")});
        }
        if (score.finalLevel == v1::RISK_LEVEL_HIGH) {
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
