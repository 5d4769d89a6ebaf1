#include "recordform.h"

#include <QCoreApplication>

namespace safeguard::ui {

namespace {

QString tr(const char *s)
{
    return QCoreApplication::translate("RecordForm", s);
}

using T = v1::IncidentType;
// Only for the form-1 household list, which the applicability table does not
// name; everything else follows the table (protocol::Applicability).
const QList<T> kDomestic{v1::INCIDENT_TYPE_DOMESTIC_ABUSE};

QList<FormChoice> yesNo()
{
    return {{v1::ANSWER_YES, tr("Yes")}, {v1::ANSWER_NO, tr("No")}};
}

QList<FormChoice> yesNoNotKnown()
{
    return {{v1::ANSWER_YES, tr("Yes")},
            {v1::ANSWER_NO, tr("No")},
            {v1::ANSWER_NOT_KNOWN, tr("Not known")}};
}

FormField text(const char *key, const char *label, FieldKind kind = FieldKind::Text,
               const char *help = "")
{
    FormField f;
    f.key = QString::fromLatin1(key);
    f.kind = kind;
    f.label = tr(label);
    f.help = tr(help);
    return f;
}

FormField choice(const char *key, const char *label, QList<FormChoice> choices,
                 const char *help = "")
{
    FormField f = text(key, label, FieldKind::Choice, help);
    f.choices = std::move(choices);
    f.sensitive = false;
    return f;
}

FormField boolean(const char *key, const char *label, const char *help = "")
{
    FormField f = text(key, label, FieldKind::Bool, help);
    f.sensitive = false;
    return f;
}

FormField when(FormField f, const char *key, QVariantList values)
{
    f.whenKey = QString::fromLatin1(key);
    f.whenIn = std::move(values);
    return f;
}

FormField only(FormField f, QList<T> types)
{
    f.onlyFor = std::move(types);
    return f;
}

// "Was the child seen?" and the reason that a "no" requires.
QList<FormField> answerWithReason(const char *key, const char *question, const char *reasonHelp)
{
    const QString k = QString::fromLatin1(key);
    FormField answer = choice("", question, yesNo());
    answer.key = k + QStringLiteral(".answer");
    FormField reason = text("", "Why not?", FieldKind::LongText, reasonHelp);
    reason.key = k + QStringLiteral(".reason_if_no");
    reason.whenKey = answer.key;
    reason.whenIn = {v1::ANSWER_NO};
    return {answer, reason};
}

} // namespace

bool RecordForm::applies(const QList<v1::IncidentType> &onlyFor, v1::IncidentType type)
{
    return onlyFor.isEmpty() || onlyFor.contains(type);
}

const QList<FormSection> &RecordForm::incidentSections()
{
    static const QList<FormSection> sections = [] {
        FormSection s;
        s.id = QStringLiteral("incident");
        s.title = tr("Incident");
        s.fields = {
            choice("incident.type", "Type of incident",
                   {{v1::INCIDENT_TYPE_DOMESTIC_ABUSE, tr("Domestic abuse")},
                    {v1::INCIDENT_TYPE_SCHOOL_LIAISON, tr("School liaison visit")},
                    {v1::INCIDENT_TYPE_WELFARE_CHECK, tr("Welfare check")},
                    {v1::INCIDENT_TYPE_MISSING_CHILD, tr("Missing child")},
                    {v1::INCIDENT_TYPE_OTHER, tr("Other")}}),
            text("incident.other_type_description", "What kind of incident"),
            text("incident.visit_reason", "Reason for the visit", FieldKind::LongText,
                 "The concern the school raised"),
            text("incident.police_reference", "Police reference", FieldKind::Text,
                 "CAD or log number"),
            text("incident.occurred_at", "Date and time", FieldKind::DateTime, "yyyy-mm-dd hh:mm"),
            text("incident.address.lines", "Address", FieldKind::Lines, "One line each"),
            text("incident.address.town", "Town"),
            text("incident.address.postcode", "Postcode"),
            text("incident.location_description", "Where, in words", FieldKind::LongText,
                 "When there is no address, or to add detail"),
            [] {
                FormField f = text("incident.attending_officers", "Attending officers",
                                   FieldKind::ListHeader);
                f.itemFields = {text("collar_number", "Collar number"), text("name", "Name"),
                                text("role", "Role")};
                return f;
            }(),
            text("incident.circumstances", "Brief circumstances", FieldKind::LongText,
                 "Shared with the school in an Encompass notice: facts only, never the parents' "
                 "view"),
        };
        return QList<FormSection>{s};
    }();
    return sections;
}

const QList<FormSection> &RecordForm::childSections()
{
    static const QList<FormSection> sections = [] {
        QList<FormSection> list;

        FormSection who;
        who.id = QStringLiteral("identity");
        who.title = tr("Who");
        who.perChild = true;
        who.fields = {
            boolean("identity.unborn", "Unborn child", "Pregnancy is a risk factor"),
            text("identity.given_names", "Given names"),
            text("identity.family_name", "Family name"),
            when(text("identity.aliases", "Other names or spellings", FieldKind::Lines),
                 "identity.unborn", {false}),
            when(text("identity.date_of_birth", "Date of birth", FieldKind::Date, "yyyy-mm-dd"),
                 "identity.unborn", {false}),
            when(text("identity.estimated_age_years", "Estimated age in years", FieldKind::Number,
                      "Only if the date of birth is not known"),
                 "identity.unborn", {false}),
            when(text("identity.expected_due_date", "Expected due date", FieldKind::Date,
                      "yyyy-mm-dd; an estimate is fine"),
                 "identity.unborn", {true}),
            when(choice("identity.sex", "Sex",
                        {{v1::SEX_FEMALE, tr("Female")},
                         {v1::SEX_MALE, tr("Male")},
                         {v1::SEX_NOT_KNOWN, tr("Not known")}}),
                 "identity.unborn", {false}),
            when(text("identity.first_language", "First language"), "identity.unborn", {false}),
            when(text("identity.needs_or_disability", "Needs or disability", FieldKind::LongText),
                 "identity.unborn", {false}),
            when(text("identity.education.establishment_name", "School or nursery"),
                 "identity.unborn", {false}),
            when(boolean("identity.education.not_known", "School not known"), "identity.unborn",
                 {false}),
            when(boolean("identity.education.not_in_education", "Not in education"),
                 "identity.unborn", {false}),
            text("identity.gp_or_health_visitor", "GP or health visitor"),
            text("identity.address_if_different.lines", "Address, if different", FieldKind::Lines),
            text("identity.address_if_different.postcode", "Postcode, if different"),
        };
        list << who;

        FormSection presence;
        presence.id = QStringLiteral("presence");
        presence.title = tr("Seen and heard");
        presence.perChild = true;
        presence.bornKey = QStringLiteral("identity.unborn");
        presence.fields = {
            choice("presence", "Where was the child?",
                   {{v1::PRESENCE_IN_THE_ROOM, tr("In the room")},
                    {v1::PRESENCE_ELSEWHERE_IN_THE_HOME,
                     tr("Elsewhere in the home (e.g. asleep upstairs)")},
                    {v1::PRESENCE_LIVES_HERE_BUT_AWAY, tr("Lives here but away")},
                    {v1::PRESENCE_NOT_KNOWN, tr("Not known")}}),
            text("presence_detail", "Where exactly", FieldKind::Text,
                 "e.g. asleep in the back bedroom"),
            choice("saw_incident", "Did the child see it?", yesNoNotKnown()),
            choice("heard_incident", "Did the child hear it?", yesNoNotKnown()),
            choice("hurt_in_incident", "Was the child hurt?", yesNoNotKnown()),
        };
        presence.fields +=
            answerWithReason("seen", "Was the child seen?", "e.g. asleep, carer refused");
        presence.fields +=
            answerWithReason("spoken_to", "Was the child spoken to?", "e.g. pre-verbal, aged 1");
        for (FormField f : answerWithReason("spoken_to_alone", "Spoken to alone, away from carers?",
                                            "e.g. would not leave their mother")) {
            if (f.whenKey.isEmpty()) {
                // Not asked when the child was not spoken to at all.
                f.whenKey = QStringLiteral("spoken_to.answer");
                f.whenIn = {v1::ANSWER_UNSPECIFIED, v1::ANSWER_YES};
            }
            presence.fields << f;
        }
        presence.fields += {
            text("voice.words_verbatim", "The child's own words", FieldKind::ChildWords,
                 "Exactly what the child said, not a summary"),
            text("voice.wishes_and_feelings", "Wishes and feelings", FieldKind::LongText),
            text("voice.not_recorded_reason", "If no words were recorded, why",
                 FieldKind::LongText),
        };
        list << presence;

        FormSection demeanour;
        demeanour.id = QStringLiteral("demeanour");
        demeanour.title = tr("Demeanour and home");
        demeanour.perChild = true;
        demeanour.bornKey = QStringLiteral("identity.unborn");
        demeanour.fields = {
            text("demeanour", "Demeanour", FieldKind::LongText, "How the child presented"),
            text("interaction_with_carers", "Interaction with carers", FieldKind::LongText),
            [] {
                FormField f = text("injuries", "Injuries", FieldKind::ListHeader);
                f.itemFields = {text("description", "What and where", FieldKind::LongText),
                                choice("medical_attention", "Medical attention?", yesNo()),
                                text("medical_attention_detail", "Details")};
                return f;
            }(),
            text("home_conditions.hazards", "Hazards", FieldKind::LongText),
            text("home_conditions.food_and_supplies", "Food, heating, hygiene",
                 FieldKind::LongText),
            text("home_conditions.where_child_sleeps", "Where the child sleeps",
                 FieldKind::LongText),
            text("home_conditions.other_observations", "Other observations", FieldKind::LongText),
        };
        list << demeanour;

        FormSection household;
        household.id = QStringLiteral("household");
        household.title = tr("Household");
        household.perChild = true;
        household.fields = {
            [] {
                FormField f =
                    text("household", "People in the household or present", FieldKind::ListHeader);
                f.itemFields = {
                    text("name", "Name"),
                    text("relationship_to_child", "Relationship to the child"),
                    boolean("lives_with_child", "Lives with the child"),
                    boolean("present_at_incident", "Present"),
                    choice("parental_responsibility", "Parental responsibility", yesNoNotKnown()),
                    choice("carer_capacity", "Able to care for the child now?",
                           {{v1::CARER_CAPACITY_NO_CONCERN, tr("No concern")},
                            {v1::CARER_CAPACITY_INTOXICATED_ALCOHOL, tr("Intoxicated: alcohol")},
                            {v1::CARER_CAPACITY_INTOXICATED_DRUGS, tr("Intoxicated: drugs")},
                            {v1::CARER_CAPACITY_MENTAL_HEALTH_CRISIS, tr("Mental health crisis")},
                            {v1::CARER_CAPACITY_INJURED, tr("Injured")},
                            {v1::CARER_CAPACITY_ARRESTED, tr("Arrested")},
                            {v1::CARER_CAPACITY_OTHER, tr("Other")}}),
                    text("carer_capacity_detail", "Details"),
                    only(boolean("suspected_perpetrator", "Suspected of causing harm"), kDomestic),
                };
                return f;
            }(),
        };
        list << household;

        FormSection actions;
        actions.id = QStringLiteral("actions");
        actions.title = tr("Indicators and actions");
        actions.perChild = true;
        actions.fields = {
            [] {
                FormField f = text("indicators", "Indicators", FieldKind::Flags,
                                   "Adverse childhood experiences seen or disclosed");
                f.sensitive = false;
                f.choices = {{v1::INDICATOR_PHYSICAL_ABUSE, tr("Physical abuse")},
                             {v1::INDICATOR_SEXUAL_ABUSE, tr("Sexual abuse")},
                             {v1::INDICATOR_EMOTIONAL_ABUSE, tr("Emotional or verbal abuse")},
                             {v1::INDICATOR_NEGLECT, tr("Neglect")},
                             {v1::INDICATOR_DOMESTIC_ABUSE, tr("Domestic abuse in the household")},
                             {v1::INDICATOR_PARENTAL_SEPARATION, tr("Parental separation")},
                             {v1::INDICATOR_MENTAL_ILLNESS, tr("Household mental illness")},
                             {v1::INDICATOR_ALCOHOL_MISUSE, tr("Alcohol misuse")},
                             {v1::INDICATOR_DRUG_MISUSE, tr("Drug misuse")},
                             {v1::INDICATOR_INCARCERATION, tr("Household member in prison")}};
                return f;
            }(),
            boolean("immediate_actions.police_protection_s46",
                    "Police protection (Children Act 1989 s46)"),
            text("immediate_actions.left_with_name", "Left with"),
            text("immediate_actions.left_with_relationship", "Their relationship to the child"),
            text("immediate_actions.checks_made_on_carer", "Checks made on them",
                 FieldKind::LongText),
            text("immediate_actions.other_actions", "Other actions", FieldKind::LongText),
            choice("grade", "Your grade of the risk to this child",
                   {{v1::GRADE_RED, tr("Red: high")},
                    {v1::GRADE_AMBER, tr("Amber: medium")},
                    {v1::GRADE_GREEN, tr("Green: low")}}),
            text("grade_rationale", "Why this grade", FieldKind::LongText, "In your own words"),
            boolean("referrals.public_protection_notice", "Public Protection Notice to the MASH"),
            boolean("referrals.operation_encompass_notice",
                    "Operation Encompass notice to the school"),
            text("referrals.not_referred_reason", "If a notice is not made, why",
                 FieldKind::LongText),
        };
        list << actions;
        return list;
    }();
    return sections;
}

QList<FormChoice> RecordForm::riskAnswerChoices()
{
    return yesNoNotKnown();
}

const QList<FormSection> &RecordForm::closingSections()
{
    static const QList<FormSection> sections = [] {
        FormSection risk;
        risk.id = QStringLiteral("risk");
        risk.title = tr("Risk checklist");
        risk.tableKey = QStringLiteral("risk");
        const QList<FormChoice> levels{{v1::RISK_LEVEL_STANDARD, tr("Standard")},
                                       {v1::RISK_LEVEL_MEDIUM, tr("Medium")},
                                       {v1::RISK_LEVEL_HIGH, tr("High")}};
        risk.fields = {
            boolean("risk.declined", "The victim declined to answer"),
            when(text("risk.declined_reason", "Why", FieldKind::LongText), "risk.declined", {true}),
            choice("risk.judgement_level", "Professional judgement: risk level", levels,
                   "Only if your judgement differs from the score"),
            text("risk.judgement_rationale", "Reason for your judgement", FieldKind::LongText),
        };

        FormSection sharing;
        sharing.id = QStringLiteral("sharing");
        sharing.title = tr("Sharing and referrals");
        sharing.fields = {
            choice("sharing.consent_sought", "Was consent to share sought?", yesNo()),
            when(text("sharing.consent_not_sought_reason", "Why not", FieldKind::LongText),
                 "sharing.consent_sought", {v1::ANSWER_NO}),
            when(choice("sharing.consent_given", "Was consent given?", yesNo()),
                 "sharing.consent_sought", {v1::ANSWER_YES}),
            choice("sharing.lawful_basis", "Lawful basis, if shared without consent",
                   {{v1::LAWFUL_BASIS_SAFEGUARDING_CHILDREN, tr("Safeguarding children")},
                    {v1::LAWFUL_BASIS_PREVENTION_OF_CRIME, tr("Prevention of crime")},
                    {v1::LAWFUL_BASIS_VITAL_INTERESTS, tr("Vital interests")},
                    {v1::LAWFUL_BASIS_OTHER_STATUTORY, tr("Other statutory basis")}}),
            text("sharing.reason_without_consent", "Why share without consent",
                 FieldKind::LongText),
            boolean("referrals.marac_referral", "Referral to MARAC"),
            text("referrals.marac_not_referred_reason", "If high risk and not referred, why",
                 FieldKind::LongText),
            text("referrals.other_referrals", "Other referrals", FieldKind::LongText),
        };
        return QList<FormSection>{risk, sharing};
    }();
    return sections;
}

} // namespace safeguard::ui
