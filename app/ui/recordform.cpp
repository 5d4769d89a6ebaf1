#include "recordform.h"

#include <QCoreApplication>

namespace safeguard::ui {

namespace {

QString tr(const char *s)
{
    return QCoreApplication::translate("RecordForm", s);
}

using T = v1::IncidentType;

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

FormField menu(const char *key, const char *label, QList<FormChoice> choices, const char *help = "")
{
    FormField f = choice(key, label, std::move(choices), help);
    f.kind = FieldKind::Menu;
    return f;
}

FormField flags(const char *key, const char *label, QList<FormChoice> choices,
                const char *help = "")
{
    FormField f = choice(key, label, std::move(choices), help);
    f.kind = FieldKind::Flags;
    return f;
}

QList<FormChoice> sexes()
{
    return {{v1::SEX_FEMALE, tr("Female")},
            {v1::SEX_MALE, tr("Male")},
            {v1::SEX_NOT_KNOWN, tr("Not known")}};
}

QList<FormChoice> grades()
{
    return {{v1::GRADE_RED, tr("Red: high")},
            {v1::GRADE_AMBER, tr("Amber: medium")},
            {v1::GRADE_GREEN, tr("Green: low")}};
}

QList<FormChoice> languages()
{
    return {{v1::SERVICE_LANGUAGE_ENGLISH, tr("English")},
            {v1::SERVICE_LANGUAGE_WELSH, tr("Welsh (Cymraeg)")}};
}

// Self-defined: the 16+1 census categories; perceived: the 6+1 IC codes.
QList<FormChoice> selfDefinedEthnicities()
{
    return {{v1::SELF_DEFINED_ETHNICITY_W1_WHITE_BRITISH, tr("W1 White: British")},
            {v1::SELF_DEFINED_ETHNICITY_W2_WHITE_IRISH, tr("W2 White: Irish")},
            {v1::SELF_DEFINED_ETHNICITY_W9_ANY_OTHER_WHITE, tr("W9 White: any other")},
            {v1::SELF_DEFINED_ETHNICITY_M1_WHITE_AND_BLACK_CARIBBEAN,
             tr("M1 Mixed: White and Black Caribbean")},
            {v1::SELF_DEFINED_ETHNICITY_M2_WHITE_AND_BLACK_AFRICAN,
             tr("M2 Mixed: White and Black African")},
            {v1::SELF_DEFINED_ETHNICITY_M3_WHITE_AND_ASIAN, tr("M3 Mixed: White and Asian")},
            {v1::SELF_DEFINED_ETHNICITY_M9_ANY_OTHER_MIXED, tr("M9 Mixed: any other")},
            {v1::SELF_DEFINED_ETHNICITY_A1_INDIAN, tr("A1 Asian: Indian")},
            {v1::SELF_DEFINED_ETHNICITY_A2_PAKISTANI, tr("A2 Asian: Pakistani")},
            {v1::SELF_DEFINED_ETHNICITY_A3_BANGLADESHI, tr("A3 Asian: Bangladeshi")},
            {v1::SELF_DEFINED_ETHNICITY_A9_ANY_OTHER_ASIAN, tr("A9 Asian: any other")},
            {v1::SELF_DEFINED_ETHNICITY_B1_CARIBBEAN, tr("B1 Black: Caribbean")},
            {v1::SELF_DEFINED_ETHNICITY_B2_AFRICAN, tr("B2 Black: African")},
            {v1::SELF_DEFINED_ETHNICITY_B9_ANY_OTHER_BLACK, tr("B9 Black: any other")},
            {v1::SELF_DEFINED_ETHNICITY_O1_CHINESE, tr("O1 Other: Chinese")},
            {v1::SELF_DEFINED_ETHNICITY_O9_ANY_OTHER, tr("O9 Other: any other")},
            {v1::SELF_DEFINED_ETHNICITY_NS_NOT_STATED, tr("NS Not stated")}};
}

QList<FormChoice> perceivedEthnicities()
{
    return {{v1::PERCEIVED_ETHNICITY_IC1_WHITE_NORTH_EUROPEAN, tr("IC1 White, north European")},
            {v1::PERCEIVED_ETHNICITY_IC2_WHITE_SOUTH_EUROPEAN, tr("IC2 White, south European")},
            {v1::PERCEIVED_ETHNICITY_IC3_BLACK, tr("IC3 Black")},
            {v1::PERCEIVED_ETHNICITY_IC4_ASIAN, tr("IC4 Asian")},
            {v1::PERCEIVED_ETHNICITY_IC5_CHINESE_JAPANESE_SOUTH_EAST_ASIAN,
             tr("IC5 Chinese, Japanese, south-east Asian")},
            {v1::PERCEIVED_ETHNICITY_IC6_ARAB_NORTH_AFRICAN, tr("IC6 Arab, north African")},
            {v1::PERCEIVED_ETHNICITY_IC0_NOT_KNOWN, tr("IC0 Not known")}};
}

// A notice decision: made, or not made with its own reason.
QList<FormField> notice(const char *key, const char *question, const char *help = "")
{
    const QString k = QString::fromLatin1(key);
    FormField made = choice("", question, yesNo(), help);
    made.key = k + QStringLiteral(".made");
    FormField reason = text("", "Why not?", FieldKind::LongText);
    reason.key = k + QStringLiteral(".not_made_reason");
    reason.whenKey = made.key;
    reason.whenIn = {v1::ANSWER_NO};
    return {made, reason};
}

// The person's part in the incident, by membership of victim_ids and
// suspect_ids (a 16 or 17 year old child can be either).
FormField roles()
{
    FormField f = text("@roles", "In this incident", FieldKind::PersonRoles);
    f.sensitive = false;
    f.choices = {{0, tr("Victim")}, {1, tr("Suspect")}};
    return f;
}

FormField when(FormField f, const char *key, QVariantList values)
{
    f.whenKey = QString::fromLatin1(key);
    f.whenIn = std::move(values);
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

// The same field in other words at some incident types; an empty help
// keeps the usual one.
FormField worded(FormField f, QList<int> types, const char *label, const char *help = "")
{
    f.wordings.append({std::move(types), *label ? tr(label) : QString(), tr(help)});
    return f;
}

const FormWording *wordingAt(const QList<FormWording> &wordings, int type)
{
    for (const FormWording &w : wordings)
        if (w.types.contains(type))
            return &w;
    return nullptr;
}

} // namespace

QString FormField::labelAt(int incidentType) const
{
    const FormWording *w = wordingAt(wordings, incidentType);
    return w && !w->label.isEmpty() ? w->label : label;
}

QString FormField::helpAt(int incidentType) const
{
    const FormWording *w = wordingAt(wordings, incidentType);
    return w && !w->help.isEmpty() ? w->help : help;
}

QString FormSection::titleAt(int incidentType) const
{
    const FormWording *w = wordingAt(wordings, incidentType);
    return w && !w->label.isEmpty() ? w->label : title;
}

QString RecordForm::incidentTypeLabel(int type)
{
    for (const FormSection &s : incidentSections())
        for (const FormField &f : s.fields)
            if (f.key == QLatin1String("incident.type"))
                for (const FormChoice &c : f.choices)
                    if (c.value == type)
                        return c.label;
    return QString();
}

QString RecordForm::childChoiceLabel(const QString &key, int value)
{
    for (const FormSection &s : childSections())
        for (const FormField &f : s.fields)
            if (f.key == key)
                for (const FormChoice &c : f.choices)
                    if (c.value == value)
                        return c.label;
    return QString();
}

const FormField *RecordForm::keyedField(const QString &listKey)
{
    for (const FormSection &s : childSections())
        for (const FormField &f : s.fields)
            if (f.key == listKey && !f.keyField.isEmpty())
                return &f;
    return nullptr;
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
            text("incident.occurred_at", "Date and time", FieldKind::DateTime,
                 "dd/mm/yyyy hh:mm, or Now"),
            worded(text("incident.address.lines", "Address", FieldKind::Lines, "One line each"),
                   {v1::INCIDENT_TYPE_SCHOOL_LIAISON}, "Address of the school or setting"),
            text("incident.address.town", "Town"),
            text("incident.address.postcode", "Postcode"),
            worded(text("incident.location_description", "Where, in words", FieldKind::LongText,
                        "When there is no address, or to add detail"),
                   {v1::INCIDENT_TYPE_SCHOOL_LIAISON}, "", "e.g. the head's office"),
            [] {
                FormField f = text("incident.attending_officers", "Attending officers",
                                   FieldKind::ListHeader);
                f.itemFields = {text("collar_number", "Collar number"), text("name", "Name"),
                                text("role", "Role")};
                return f;
            }(),
            // Encompass notices follow domestic abuse only.
            worded(text("incident.circumstances", "Brief circumstances", FieldKind::LongText,
                        "Facts only: what was reported and what you found"),
                   {v1::INCIDENT_TYPE_DOMESTIC_ABUSE}, "",
                   "Shared with the school in an Encompass notice: facts only, never the "
                   "parents' view"),
            choice("family_language", "Language the family is served in", languages()),
            choice("notice_language", "Language of notices to schools and partners", languages()),
        };

        // The adults, once per incident; each child's relationship to each
        // is asked on the child's own step.
        FormSection people;
        people.id = QStringLiteral("people");
        people.title = tr("People");
        FormField list =
            text("people", "Adults involved, living there or present", FieldKind::ListHeader,
                 "Parents, carers and every other adult there. Children come next.");
        list = worded(list, {v1::INCIDENT_TYPE_DOMESTIC_ABUSE}, "",
                      "The victim, the suspect and every other adult. Children come next.");
        list = worded(list, {v1::INCIDENT_TYPE_SCHOOL_LIAISON}, "Adults involved",
                      "The child's parents or carers, and anyone the concern is about. "
                      "Children come next.");
        list.sensitive = false;
        list.itemFields = {
            text("given_names", "Given names"),
            text("family_name", "Family name"),
            text("date_of_birth", "Date of birth", FieldKind::Date, "dd/mm/yyyy"),
            text("estimated_age_years", "Estimated age in years", FieldKind::Number,
                 "Only if the date of birth is not known"),
            choice("sex", "Sex", sexes()),
            menu("ethnicity.self_defined", "Ethnicity, as they define it",
                 selfDefinedEthnicities()),
            menu("ethnicity.officer_perceived", "Ethnicity, as you perceive it",
                 perceivedEthnicities()),
            text("force_identifier", "PNC or local reference", FieldKind::Text, "If known"),
            boolean("lives_at_incident_address", "Lives at the incident address"),
            when(text("address.lines", "Their address", FieldKind::Lines, "One line each"),
                 "lives_at_incident_address", {false}),
            when(text("address.postcode", "Postcode"), "lives_at_incident_address", {false}),
            worded(boolean("present_at_incident", "Present"), {v1::INCIDENT_TYPE_SCHOOL_LIAISON},
                   "Present at the visit"),
            flags("carer_capacity", "Able to care for the children now?",
                  {{v1::CARER_CAPACITY_NO_CONCERN, tr("No concern")},
                   {v1::CARER_CAPACITY_INTOXICATED_ALCOHOL, tr("Intoxicated: alcohol")},
                   {v1::CARER_CAPACITY_INTOXICATED_DRUGS, tr("Intoxicated: drugs")},
                   {v1::CARER_CAPACITY_MENTAL_HEALTH_CRISIS, tr("Mental health crisis")},
                   {v1::CARER_CAPACITY_INJURED, tr("Injured")},
                   {v1::CARER_CAPACITY_ARRESTED, tr("Arrested")},
                   {v1::CARER_CAPACITY_OTHER, tr("Other")}},
                  "Tick all that apply"),
            text("carer_capacity_detail", "Details"),
            boolean("vulnerable_adult", "Vulnerable adult", "Needs care and support"),
            when(text("vulnerability", "Their vulnerability", FieldKind::LongText),
                 "vulnerable_adult", {true}),
        };
        for (FormField f : notice("protection_notice", "Public Protection Notice for them")) {
            if (f.whenKey.isEmpty()) {
                f.whenKey = QStringLiteral("vulnerable_adult");
                f.whenIn = {true};
            }
            list.itemFields << f;
        }
        list.itemFields.prepend(roles());
        people.fields = {list};
        return QList<FormSection>{s, people};
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
            when(text("identity.date_of_birth", "Date of birth", FieldKind::Date, "dd/mm/yyyy"),
                 "identity.unborn", {false}),
            when(text("identity.estimated_age_years", "Estimated age in years", FieldKind::Number,
                      "Only if the date of birth is not known"),
                 "identity.unborn", {false}),
            [] {
                FormField f = roles();
                f.withOlderChildren = true;
                return f;
            }(),
            when(text("identity.expected_due_date", "Expected due date", FieldKind::Date,
                      "dd/mm/yyyy; an estimate is fine"),
                 "identity.unborn", {true}),
            [] {
                FormField f = text("identity.pregnant_person_id", "Who is pregnant",
                                   FieldKind::PersonChoice, "Add them at the People step");
                f.withOlderChildren = true;
                f.sensitive = false;
                return f;
            }(),
            text("identity.gestation_weeks", "Weeks pregnant", FieldKind::Number,
                 "Leave empty if not known"),
            when(choice("identity.sex", "Sex", sexes()), "identity.unborn", {false}),
            menu("identity.ethnicity.self_defined", "Ethnicity, as the family defines it",
                 selfDefinedEthnicities()),
            menu("identity.ethnicity.officer_perceived", "Ethnicity, as you perceive it",
                 perceivedEthnicities()),
            when(text("identity.first_language", "First language"), "identity.unborn", {false}),
            when(text("identity.needs_or_disability", "Needs or disability", FieldKind::LongText),
                 "identity.unborn", {false}),
            text("identity.education.establishment_name", "School, college or nursery"),
            menu("identity.education.setting_type", "Type of setting",
                 {{v1::SETTING_TYPE_EARLY_YEARS, tr("Early years: nursery, pre-school")},
                  {v1::SETTING_TYPE_PRIMARY, tr("Primary school")},
                  {v1::SETTING_TYPE_SECONDARY, tr("Secondary school")},
                  {v1::SETTING_TYPE_SPECIAL_SCHOOL, tr("Special school")},
                  {v1::SETTING_TYPE_INDEPENDENT, tr("Independent school")},
                  {v1::SETTING_TYPE_PUPIL_REFERRAL_UNIT, tr("Pupil referral unit")},
                  {v1::SETTING_TYPE_FE_COLLEGE, tr("Further education college")},
                  {v1::SETTING_TYPE_SIXTEEN_TO_NINETEEN_ACADEMY, tr("16-19 academy")},
                  {v1::SETTING_TYPE_ELECTIVELY_HOME_EDUCATED,
                   tr("Electively home educated (the local authority is told)")},
                  {v1::SETTING_TYPE_NOT_IN_EDUCATION, tr("Not in education")}}),
            [] {
                FormField f = text("identity.education.urn", "URN", FieldKind::Number,
                                   "The setting's six-digit reference, so the notice reaches it");
                f.sensitive = false;
                return f;
            }(),
            boolean("identity.education.not_known", "Setting not known"),
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
            choice("experienced_effects", "Did the child experience its effects?", yesNoNotKnown(),
                   "Woken, frightened, the home damaged, a parent hurt"),
            choice("hurt_in_incident", "Was the child hurt?", yesNoNotKnown()),
            // The child's own risk questions: asked of the victim, about this
            // child, whatever risk instrument the force uses.
            choice("suspect_ever_hurt", "Has the suspect ever hurt this child?", yesNoNotKnown(),
                   "Ask the victim. Not only tonight: ever"),
            choice("suspect_ever_threatened",
                   "Has the suspect ever threatened to hurt or kill this child?", yesNoNotKnown(),
                   "Ask the victim"),
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
            text("voice.question_asked", "The question they were answering", FieldKind::Text,
                 "e.g. \"what happened tonight?\""),
            text("voice.spoken_at", "When they said it", FieldKind::DateTime,
                 "dd/mm/yyyy hh:mm, or Now"),
            text("voice.others_present", "Who else was there"),
            text("voice.wishes_and_feelings", "Wishes and feelings", FieldKind::LongText),
            text("voice.not_recorded_reason", "If no words were recorded, why",
                 FieldKind::LongText),
        };
        list << presence;

        FormSection demeanour;
        demeanour.id = QStringLiteral("demeanour");
        demeanour.title = tr("Demeanour and home");
        // No home is seen on a school visit: only "other observations" is asked.
        demeanour.wordings = {{{v1::INCIDENT_TYPE_SCHOOL_LIAISON}, tr("Demeanour"), {}}};
        demeanour.perChild = true;
        demeanour.bornKey = QStringLiteral("identity.unborn");
        demeanour.fields = {
            text("demeanour", "Demeanour", FieldKind::LongText, "How the child presented"),
            worded(text("interaction_with_carers", "Interaction with carers", FieldKind::LongText),
                   {v1::INCIDENT_TYPE_SCHOOL_LIAISON}, "Interaction with carers or staff"),
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

        FormSection relationships;
        relationships.id = QStringLiteral("relationships");
        relationships.title = tr("Relationships");
        relationships.perChild = true;
        relationships.fields = {
            [] {
                FormField f =
                    text("relationships", "Relationship to each adult", FieldKind::Heading);
                f.perPerson = true;
                f.sensitive = false;
                f.itemFields = {
                    menu("kind", "How they are related",
                         {{v1::RELATIONSHIP_KIND_PARENT, tr("Parent")},
                          {v1::RELATIONSHIP_KIND_STEP_PARENT, tr("Step-parent")},
                          {v1::RELATIONSHIP_KIND_PARENTS_PARTNER, tr("Parent's partner")},
                          {v1::RELATIONSHIP_KIND_SIBLING, tr("Sibling")},
                          {v1::RELATIONSHIP_KIND_GRANDPARENT, tr("Grandparent")},
                          {v1::RELATIONSHIP_KIND_OTHER_RELATIVE, tr("Other relative")},
                          {v1::RELATIONSHIP_KIND_FOSTER_OR_KINSHIP_CARER,
                           tr("Foster or kinship carer")},
                          {v1::RELATIONSHIP_KIND_GUARDIAN, tr("Guardian")},
                          {v1::RELATIONSHIP_KIND_NOT_RELATED, tr("Not related (lodger, visitor)")},
                          {v1::RELATIONSHIP_KIND_OTHER, tr("Other")}}),
                    text("detail", "In words", FieldKind::Text,
                         "e.g. mother's partner of two years"),
                    choice("parental_responsibility", "Parental responsibility", yesNoNotKnown()),
                    boolean("lives_with_child", "Lives with the child"),
                };
                return f;
            }(),
        };
        list << relationships;

        FormSection actions;
        actions.id = QStringLiteral("actions");
        actions.title = tr("Indicators and actions");
        actions.perChild = true;
        actions.fields = {
            [] {
                FormField f = text(
                    "indicator_details", "Indicators", FieldKind::Heading,
                    "Adverse childhood experiences: for each one, how you know (records: police "
                    "or partner records)");
                f.sensitive = false;
                f.keyField = QStringLiteral("indicator");
                f.valueField = QStringLiteral("provenance");
                f.itemChoices = {{v1::PROVENANCE_OBSERVED, tr("Observed")},
                                 {v1::PROVENANCE_DISCLOSED, tr("Disclosed")},
                                 // Short enough for the three to sit on one line on a phone.
                                 {v1::PROVENANCE_FROM_RECORDS, tr("Records")}};
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
            boolean("immediate_actions.police_protection_s46", "Police protection used",
                    "Children Act 1989 s46"),
            text("immediate_actions.left_with_name", "Left with"),
            text("immediate_actions.left_with_relationship", "Their relationship to the child"),
            text("immediate_actions.checks_made_on_carer", "Checks made on them",
                 FieldKind::LongText),
            text("immediate_actions.other_actions", "Other actions", FieldKind::LongText),
            choice("grade", "Your grade of the risk to this child", grades()),
            text("grade_rationale", "Why this grade", FieldKind::LongText, "In your own words"),
        };
        actions.fields +=
            notice("referrals.protection_notice", "Public Protection Notice to the MASH");
        actions.fields +=
            notice("referrals.encompass_notice", "Operation Encompass notice to the school",
                   "Before the next school day, for a child of reception age to 17 "
                   "related to the victim or suspect, present or not");
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
        // Whom it is about and whether it could be asked come first; the
        // questions (FormRows) go between these and the rationale.
        risk.fields = {
            [] {
                FormField f = text("risk.victim_id", "Whom the risk assessment is about",
                                   FieldKind::PersonChoice, "One of the victims");
                f.sensitive = false;
                return f;
            }(),
            boolean("risk.not_safe_to_ask", "It was not safe to ask now (the suspect is present)"),
            when(
                text("risk.not_safe_reason", "Why, and when it will be asked", FieldKind::LongText),
                "risk.not_safe_to_ask", {true}),
            boolean("risk.declined", "The victim declined to answer"),
            when(text("risk.declined_reason", "Why", FieldKind::LongText), "risk.declined", {true}),
            text("risk.rationale", "Why the risk is at this level", FieldKind::LongText,
                 "In your own words: what you saw and were told, and what it means"),
            choice("risk.judgement_level", "Professional judgement: risk level", levels,
                   "Only if your judgement differs from the score"),
            text("risk.judgement_rationale", "Reason for your judgement", FieldKind::LongText),
        };

        FormSection evidence;
        evidence.id = QStringLiteral("evidence");
        evidence.title = tr("Evidence and history");
        evidence.fields = {
            [] {
                FormField f = text("evidence.body_worn_video_references",
                                   "Body-worn video references", FieldKind::Lines, "One per line");
                f.sensitive = false;
                return f;
            }(),
            choice("evidence.photographs_taken", "Photographs taken?", yesNo()),
            when(text("evidence.photographs_detail", "What was photographed", FieldKind::LongText),
                 "evidence.photographs_taken", {v1::ANSWER_YES}),
            choice("history.prior_incidents_known", "Previous incidents known?", yesNoNotKnown()),
            when(text("history.prior_incidents_count", "How many", FieldKind::Number),
                 "history.prior_incidents_known", {v1::ANSWER_YES}),
            when(choice("history.previous_grade", "Grade of the most recent", grades()),
                 "history.prior_incidents_known", {v1::ANSWER_YES}),
            choice("history.marac_in_last_12_months", "Heard at MARAC in the last 12 months?",
                   yesNoNotKnown()),
            flags("history.checks_made", "Checks made",
                  {{v1::HISTORY_CHECK_PNC, tr("PNC")},
                   {v1::HISTORY_CHECK_LOCAL_SYSTEMS, tr("Local systems")},
                   {v1::HISTORY_CHECK_INTELLIGENCE, tr("Intelligence")},
                   {v1::HISTORY_CHECK_CHILDRENS_SERVICES, tr("Children's services")},
                   {v1::HISTORY_CHECK_OTHER, tr("Other")}}),
            text("history.notes", "What the checks found", FieldKind::LongText),
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
            when(choice("referrals.marac_trigger", "Why refer",
                        {{v1::MARAC_TRIGGER_HIGH_RISK, tr("High risk")},
                         {v1::MARAC_TRIGGER_PROFESSIONAL_JUDGEMENT, tr("Professional judgement")},
                         {v1::MARAC_TRIGGER_ESCALATION, tr("Escalation: 3+ in 12 months")},
                         {v1::MARAC_TRIGGER_REPEAT, tr("Repeat case")}}),
                 "referrals.marac_referral", {true}),
            text("referrals.marac_not_referred_reason", "If high risk and not referred, why",
                 FieldKind::LongText),
            text("referrals.other_referrals", "Other referrals", FieldKind::LongText),
        };
        return QList<FormSection>{evidence, risk, sharing};
    }();
    return sections;
}

} // namespace safeguard::ui
