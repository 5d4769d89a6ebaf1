#include "syntheticrecords.h"

#include "applicability.h"
#include "derivedfacts.h"

#include <QUuid>

namespace safeguard::protocol {

namespace {

std::string s(const QString &q)
{
    return q.toStdString();
}

std::string newUuid()
{
    return s(QUuid::createUuid().toString(QUuid::WithoutBraces));
}

} // namespace

SyntheticRecordFactory::SyntheticRecordFactory(quint32 seed, const Clock &clock,
                                               const RiskChecklistRegistry &checklists)
    : m_random(seed)
    , m_clock(clock)
    , m_checklists(checklists)
{}

QString SyntheticRecordFactory::pick(const QStringList &options)
{
    return options.at(int(m_random.bounded(quint32(options.size()))));
}

v1::LocalTimestamp SyntheticRecordFactory::now() const
{
    v1::LocalTimestamp t;
    t.set_unix_ms(m_clock.nowMs());
    t.set_utc_offset_minutes(m_clock.utcOffsetMinutes());
    return t;
}

v1::IncidentRecord SyntheticRecordFactory::next(const QString &officerId, const QString &deviceId)
{
    ++m_serial;
    v1::IncidentRecord r;
    r.set_record_id(newUuid());
    r.set_version(1);
    r.set_parent_version(0);
    *r.mutable_created_at() = now();
    *r.mutable_updated_at() = now();
    r.set_officer_id(s(officerId));
    r.set_device_id(s(deviceId));

    v1::Incident *in = r.mutable_incident();
    const quint32 roll = m_random.bounded(100u);
    const v1::IncidentType type = roll < 60   ? v1::INCIDENT_TYPE_DOMESTIC_ABUSE
                                  : roll < 75 ? v1::INCIDENT_TYPE_SCHOOL_LIAISON
                                  : roll < 90 ? v1::INCIDENT_TYPE_WELFARE_CHECK
                                  : roll < 95 ? v1::INCIDENT_TYPE_MISSING_CHILD
                                              : v1::INCIDENT_TYPE_OTHER;
    in->set_type(type);
    if (type == v1::INCIDENT_TYPE_OTHER)
        in->set_other_type_description("SYNTHETIC concern reported by a neighbour");
    if (type == v1::INCIDENT_TYPE_SCHOOL_LIAISON)
        in->set_visit_reason(
            "SYNTHETIC: school reported the child arriving hungry on several days");
    in->set_police_reference(
        s(QStringLiteral("SYN-CAD-%1").arg(m_serial, 6, 10, QLatin1Char('0'))));
    v1::LocalTimestamp occurred = now();
    occurred.set_unix_ms(occurred.unix_ms() - qint64(m_random.bounded(3600u)) * 1000);
    *in->mutable_occurred_at() = occurred;
    in->mutable_address()->add_lines(
        s(QStringLiteral("%1 Example Street (SYNTHETIC)").arg(m_random.bounded(1u, 200u))));
    in->mutable_address()->set_town("Testtown SYNTHETIC");
    in->mutable_address()->set_postcode(
        s(QStringLiteral("ZZ%1 1ZZ").arg(m_random.bounded(1u, 99u))));
    in->set_location_description("SYNTHETIC ground-floor flat, entrance at the rear");
    v1::AttendingOfficer *o = in->add_attending_officers();
    o->set_collar_number("PC 0001-SYN");
    o->set_name("Officer SYNTHETIC One");
    o->set_role("response");
    o = in->add_attending_officers();
    o->set_collar_number("PC 0002-SYN");
    o->set_name("Officer SYNTHETIC Two");
    o->set_role("response");
    in->set_circumstances(s(pick({
        QStringLiteral("SYNTHETIC: raised voices reported by a neighbour; one adult left before "
                       "police arrived."),
        QStringLiteral("SYNTHETIC: call from a carer about an argument; property damage seen."),
        QStringLiteral("SYNTHETIC: planned visit following concerns raised by the school."),
    })));

    const int children = int(m_random.bounded(1u, 5u));
    for (int i = 0; i < children; ++i)
        *r.add_children() = makeChild(r, i);

    if (m_formVersion < 2)
        fillRisk(r);

    v1::InformationSharing *sh = r.mutable_sharing();
    sh->set_consent_sought(v1::ANSWER_YES);
    sh->set_consent_given(m_random.bounded(2u) ? v1::ANSWER_YES : v1::ANSWER_NO);
    sh->set_consent_not_sought_reason("SYNTHETIC: not applicable, consent was sought");
    sh->set_lawful_basis(v1::LAWFUL_BASIS_SAFEGUARDING_CHILDREN);
    sh->set_reason_without_consent(
        "SYNTHETIC: children present at a domestic incident; sharing needed to safeguard them");

    v1::ReferralDecisions *ref = r.mutable_referrals();
    ref->set_other_referrals("SYNTHETIC: health visitor informed");
    ref->set_marac_not_referred_reason("SYNTHETIC: risk assessed as below the MARAC threshold");
    if (m_formVersion >= 2) {
        toFormTwo(r);
        fillRisk(r); // about the victim, and reading the children, of form 2
    }
    return r;
}

void SyntheticRecordFactory::toFormTwo(v1::IncidentRecord &r)
{
    r.set_form_version(2);
    const bool domestic = r.incident().type() == v1::INCIDENT_TYPE_DOMESTIC_ABUSE;
    const QDate on = derived::incidentDate(r);
    auto date = [](v1::CalendarDate *d, QDate q) {
        d->set_year(q.year());
        d->set_month(q.month());
        d->set_day(q.day());
    };
    auto ethnicity = [this](v1::Ethnicity *e) {
        e->set_self_defined(v1::SelfDefinedEthnicity(m_random.bounded(1u, 18u)));
        e->set_officer_perceived(v1::PerceivedEthnicity(m_random.bounded(1u, 8u)));
    };

    // The household, once: the children's mother (the victim at a domestic
    // incident), her partner (the suspect), sometimes a grandparent who is a
    // vulnerable adult.
    v1::Person *mother = r.add_people();
    mother->set_person_id(newUuid());
    mother->set_given_names("Parent SYNTHETIC One");
    mother->set_family_name(s(QStringLiteral("Testfamily-SYNTHETIC-%1").arg(m_serial)));
    mother->add_aliases("P. SYNTHETIC");
    date(mother->mutable_date_of_birth(), on.addYears(-int(m_random.bounded(22u, 45u))));
    mother->set_sex(v1::SEX_FEMALE);
    ethnicity(mother->mutable_ethnicity());
    mother->mutable_address()->add_lines("1 Example Street (SYNTHETIC)");
    mother->mutable_address()->set_postcode("ZZ1 1ZZ");
    mother->set_lives_at_incident_address(true);
    mother->set_present_at_incident(true);
    mother->add_carer_capacity(v1::CARER_CAPACITY_NO_CONCERN);
    mother->set_carer_capacity_detail("SYNTHETIC: sober, engaged");
    v1::Person *partner = r.add_people();
    partner->set_person_id(newUuid());
    partner->set_given_names("Adult SYNTHETIC Two");
    partner->set_family_name("Otherfamily-SYNTHETIC");
    if (m_random.bounded(2u))
        date(partner->mutable_date_of_birth(), on.addYears(-int(m_random.bounded(20u, 55u))));
    else
        partner->set_estimated_age_years(m_random.bounded(20u, 55u));
    partner->set_sex(v1::SEX_MALE);
    ethnicity(partner->mutable_ethnicity());
    partner->set_force_identifier(
        s(QStringLiteral("SYN-PNC-%1").arg(m_serial, 6, 10, QLatin1Char('0'))));
    partner->set_lives_at_incident_address(m_random.bounded(2u));
    partner->set_present_at_incident(false);
    partner->add_carer_capacity(v1::CARER_CAPACITY_INTOXICATED_ALCOHOL);
    partner->add_carer_capacity(v1::CARER_CAPACITY_ARRESTED);
    partner->set_carer_capacity_detail("SYNTHETIC: arrested at the scene, had been drinking");
    if (m_random.bounded(3u) == 0) {
        v1::Person *nan = r.add_people();
        nan->set_person_id(newUuid());
        nan->set_given_names("Grandparent SYNTHETIC");
        nan->set_estimated_age_years(78);
        nan->set_present_at_incident(true);
        nan->set_vulnerable_adult(true);
        nan->set_vulnerability("SYNTHETIC: memory loss, relies on the family for care");
        const bool made = m_random.bounded(2u);
        nan->mutable_protection_notice()->set_made(made ? v1::ANSWER_YES : v1::ANSWER_NO);
        if (!made)
            nan->mutable_protection_notice()->set_not_made_reason(
                "SYNTHETIC: already open to adult services, informed tonight");
    }
    if (domestic) {
        r.add_victim_ids(mother->person_id());
        r.add_suspect_ids(partner->person_id());
    }
    const std::string motherId = mother->person_id(), partnerId = partner->person_id();

    for (int i = 0; i < r.children_size(); ++i) {
        v1::ChildObservation &c = *r.mutable_children(i);
        c.clear_household();
        v1::Relationship *toMother = c.add_relationships();
        toMother->set_person_id(motherId);
        toMother->set_kind(v1::RELATIONSHIP_KIND_PARENT);
        toMother->set_detail("SYNTHETIC: birth mother");
        toMother->set_parental_responsibility(v1::ANSWER_YES);
        toMother->set_lives_with_child(true);
        v1::Relationship *toPartner = c.add_relationships();
        toPartner->set_person_id(partnerId);
        toPartner->set_kind(m_random.bounded(2u) ? v1::RELATIONSHIP_KIND_PARENTS_PARTNER
                                                 : v1::RELATIONSHIP_KIND_STEP_PARENT);
        toPartner->set_parental_responsibility(v1::ANSWER_NO);
        toPartner->set_lives_with_child(partner->lives_at_incident_address());

        v1::ChildIdentity *id = c.mutable_identity();
        ethnicity(id->mutable_ethnicity());
        const auto age = derived::ageInYears(*id, on);
        v1::Education *e = id->mutable_education();
        if (!age || *age < 2) {
            e->Clear();
        } else {
            e->set_establishment_name(*age < 4    ? "Example Nursery SYNTHETIC"
                                      : *age < 11 ? "Example Primary SYNTHETIC"
                                      : *age < 16 ? "Example Secondary SYNTHETIC"
                                                  : "Example College SYNTHETIC");
            e->set_setting_type(*age < 4    ? v1::SETTING_TYPE_EARLY_YEARS
                                : *age < 11 ? v1::SETTING_TYPE_PRIMARY
                                : *age < 16 ? v1::SETTING_TYPE_SECONDARY
                                            : v1::SETTING_TYPE_FE_COLLEGE);
            e->set_urn(s(QString::number(100000 + m_random.bounded(899999u))));
        }

        if (domestic) {
            c.set_experienced_effects(v1::ANSWER_YES);
            const quint32 hurt = m_random.bounded(10u);
            c.set_suspect_ever_hurt(hurt < 2   ? v1::ANSWER_YES
                                    : hurt < 8 ? v1::ANSWER_NO
                                               : v1::ANSWER_NOT_KNOWN);
            c.set_suspect_ever_threatened(m_random.bounded(4u) ? v1::ANSWER_NO : v1::ANSWER_YES);
        }
        if (!c.voice().words_verbatim().empty()) {
            c.mutable_voice()->set_question_asked(
                "SYNTHETIC: \"Can you tell me what happened tonight?\"");
            *c.mutable_voice()->mutable_spoken_at() = now();
            c.mutable_voice()->set_others_present(
                "SYNTHETIC: no one, in the kitchen with PC 0002-SYN");
        }
        c.clear_indicators();
        v1::IndicatorObservation *ace = c.add_indicator_details();
        ace->set_indicator(v1::INDICATOR_DOMESTIC_ABUSE);
        ace->set_provenance(v1::PROVENANCE_OBSERVED);
        ace = c.add_indicator_details();
        ace->set_indicator(v1::INDICATOR_ALCOHOL_MISUSE);
        ace->set_provenance(m_random.bounded(2u) ? v1::PROVENANCE_DISCLOSED
                                                 : v1::PROVENANCE_FROM_RECORDS);

        v1::ChildReferrals *ref = c.mutable_referrals();
        ref->Clear();
        ref->mutable_protection_notice()->set_made(v1::ANSWER_YES);
        if (derived::needsEncompassNotice(r, c)) {
            const bool made = m_random.bounded(10u) != 0;
            ref->mutable_encompass_notice()->set_made(made ? v1::ANSWER_YES : v1::ANSWER_NO);
            if (!made)
                ref->mutable_encompass_notice()->set_not_made_reason(
                    "SYNTHETIC: school closed permanently, child moving out of area");
        }
    }

    // Sometimes the mother is pregnant: an unborn child of her own.
    if (m_random.bounded(4u) == 0 && r.children_size() < 4) {
        v1::ChildObservation *u = r.add_children();
        u->set_child_id(newUuid());
        v1::ChildIdentity *id = u->mutable_identity();
        id->set_unborn(true);
        id->set_family_name(mother->family_name());
        date(id->mutable_expected_due_date(), on.addDays(m_random.bounded(20u, 250u)));
        id->set_pregnant_person_id(motherId);
        id->set_gestation_weeks(m_random.bounded(8u, 38u));
        v1::Relationship *toMother = u->add_relationships();
        toMother->set_person_id(motherId);
        toMother->set_kind(v1::RELATIONSHIP_KIND_PARENT);
        u->set_grade(v1::GRADE_AMBER);
        u->set_grade_rationale("SYNTHETIC: pregnancy with domestic abuse in the household");
        u->mutable_referrals()->mutable_protection_notice()->set_made(v1::ANSWER_YES);
    }

    v1::Evidence *ev = r.mutable_evidence();
    ev->add_body_worn_video_references(s(QStringLiteral("SYN-BWV-%1").arg(m_serial)));
    ev->set_photographs_taken(m_random.bounded(2u) ? v1::ANSWER_YES : v1::ANSWER_NO);
    ev->set_photographs_detail("SYNTHETIC: damage to the kitchen door");
    v1::HistoryChecks *h = r.mutable_history();
    h->set_prior_incidents_known(v1::ANSWER_YES);
    h->set_prior_incidents_count(m_random.bounded(0u, 5u));
    h->set_previous_grade(v1::GRADE_AMBER);
    h->set_marac_in_last_12_months(v1::ANSWER_NO);
    h->add_checks_made(v1::HISTORY_CHECK_PNC);
    h->add_checks_made(v1::HISTORY_CHECK_LOCAL_SYSTEMS);
    h->set_notes("SYNTHETIC: two earlier calls to this address this year");
    r.set_family_language(m_random.bounded(5u) ? v1::SERVICE_LANGUAGE_ENGLISH
                                               : v1::SERVICE_LANGUAGE_WELSH);
    r.set_notice_language(r.family_language());
    if (r.referrals().marac_referral())
        r.mutable_referrals()->set_marac_trigger(v1::MARAC_TRIGGER_HIGH_RISK);
    // As the app submits: nothing the form would not ask for this type.
    Applicability::clearInapplicable(r);
}

v1::ChildObservation SyntheticRecordFactory::makeChild(const v1::IncidentRecord &record, int index)
{
    static const QStringList given = {
        QStringLiteral("Alpha"), QStringLiteral("Bravo"), QStringLiteral("Charlie"),
        QStringLiteral("Delta"), QStringLiteral("Echo"),  QStringLiteral("Foxtrot"),
        QStringLiteral("Golf"),  QStringLiteral("Hotel"), QStringLiteral("India"),
    };
    v1::ChildObservation c;
    c.set_child_id(newUuid());
    v1::ChildIdentity *id = c.mutable_identity();
    const QDate on = derived::incidentDate(record);
    const int age = int(m_random.bounded(0u, 17u));
    const QDate dob = on.addYears(-age).addDays(-qint64(m_random.bounded(1u, 360u)));
    id->set_given_names(s(pick(given) + QStringLiteral(" SYNTHETIC")));
    id->set_family_name(s(QStringLiteral("Testfamily-SYNTHETIC-%1").arg(m_serial)));
    id->add_aliases(s(pick(given).left(3) + QStringLiteral(" SYNTHETIC")));
    id->mutable_date_of_birth()->set_year(dob.year());
    id->mutable_date_of_birth()->set_month(dob.month());
    id->mutable_date_of_birth()->set_day(dob.day());
    id->set_estimated_age_years(0);
    id->set_sex(m_random.bounded(2u) ? v1::SEX_FEMALE : v1::SEX_MALE);
    id->set_first_language("English");
    id->set_needs_or_disability("SYNTHETIC: none known");
    if (derived::isSchoolAge(*id, on) || age >= 2)
        id->mutable_education()->set_establishment_name("Example Primary SYNTHETIC");
    id->set_gp_or_health_visitor("Example Surgery SYNTHETIC");
    id->mutable_address_if_different()->add_lines("2 Sample Road (SYNTHETIC)");
    id->mutable_address_if_different()->set_postcode("ZZ1 2ZZ");

    const bool inRoom = m_random.bounded(3u) != 0;
    c.set_presence(inRoom ? v1::PRESENCE_IN_THE_ROOM : v1::PRESENCE_ELSEWHERE_IN_THE_HOME);
    c.set_presence_detail(inRoom ? "SYNTHETIC: on the sofa in the living room"
                                 : "SYNTHETIC: asleep in the back bedroom");
    c.set_saw_incident(inRoom ? v1::ANSWER_YES : v1::ANSWER_NO);
    c.set_heard_incident(v1::ANSWER_YES);
    c.set_hurt_in_incident(v1::ANSWER_NO);

    c.mutable_seen()->set_answer(v1::ANSWER_YES);
    const bool verbal = age >= 3;
    c.mutable_spoken_to()->set_answer(verbal ? v1::ANSWER_YES : v1::ANSWER_NO);
    if (!verbal)
        c.mutable_spoken_to()->set_reason_if_no(
            s(QStringLiteral("SYNTHETIC: pre-verbal, aged %1").arg(age)));
    c.mutable_spoken_to_alone()->set_answer(verbal ? v1::ANSWER_YES : v1::ANSWER_NO);
    if (!verbal)
        c.mutable_spoken_to_alone()->set_reason_if_no("SYNTHETIC: pre-verbal");

    if (verbal) {
        c.mutable_voice()->set_words_verbatim(s(pick({
            QStringLiteral("SYNTHETIC: \"I was in my room and I heard shouting.\""),
            QStringLiteral("SYNTHETIC: \"I want my nan to come.\""),
            QStringLiteral("SYNTHETIC: \"It happens when he drinks.\""),
        })));
        c.mutable_voice()->set_wishes_and_feelings("SYNTHETIC: wants to stay with mum tonight");
    } else {
        c.mutable_voice()->set_not_recorded_reason("SYNTHETIC: pre-verbal child");
    }
    c.set_demeanour(s(pick({QStringLiteral("SYNTHETIC: quiet and watchful"),
                            QStringLiteral("SYNTHETIC: tearful, calmed when reassured"),
                            QStringLiteral("SYNTHETIC: chatty, appeared unaffected")})));
    c.set_interaction_with_carers("SYNTHETIC: sought comfort from mother");

    v1::Injury *inj = c.add_injuries();
    inj->set_description("SYNTHETIC: small graze on left knee, child says from playground");
    inj->set_medical_attention(v1::ANSWER_NO);
    inj->set_medical_attention_detail("SYNTHETIC: not needed");

    v1::HomeConditions *h = c.mutable_home_conditions();
    h->set_hazards("SYNTHETIC: broken glass in the kitchen");
    h->set_food_and_supplies("SYNTHETIC: food in the fridge, home warm");
    h->set_where_child_sleeps("SYNTHETIC: own bed, shared room with sibling");
    h->set_other_observations("SYNTHETIC: none");

    v1::HouseholdMember *m = c.add_household();
    m->set_name("Parent SYNTHETIC One");
    m->set_relationship_to_child("mother");
    m->set_lives_with_child(true);
    m->set_present_at_incident(true);
    m->set_parental_responsibility(v1::ANSWER_YES);
    m->set_carer_capacity(v1::CARER_CAPACITY_NO_CONCERN);
    m->set_carer_capacity_detail("SYNTHETIC: sober, engaged");
    m = c.add_household();
    m->set_name("Adult SYNTHETIC Two");
    m->set_relationship_to_child("mother's partner");
    m->set_lives_with_child(true);
    m->set_present_at_incident(false);
    m->set_parental_responsibility(v1::ANSWER_NO);
    m->set_carer_capacity(v1::CARER_CAPACITY_INTOXICATED_ALCOHOL);
    m->set_carer_capacity_detail("SYNTHETIC: had left before police arrived");
    m->set_suspected_perpetrator(true);

    c.add_indicators(v1::INDICATOR_DOMESTIC_ABUSE);
    c.add_indicators(v1::INDICATOR_ALCOHOL_MISUSE);

    v1::ImmediateActions *a = c.mutable_immediate_actions();
    a->set_police_protection_s46(false);
    a->set_left_with_name("Parent SYNTHETIC One");
    a->set_left_with_relationship("mother");
    a->set_checks_made_on_carer("SYNTHETIC: PNC and local checks, no trace");
    a->set_other_actions("SYNTHETIC: safety advice given");

    const quint32 g = m_random.bounded(100u);
    c.set_grade(g < 15 ? v1::GRADE_RED : g < 50 ? v1::GRADE_AMBER : v1::GRADE_GREEN);
    c.set_grade_rationale("SYNTHETIC: rationale for the grade in the officer's words");

    v1::ChildReferrals *ref = c.mutable_referrals();
    ref->set_public_protection_notice(true);
    ref->set_operation_encompass_notice(derived::needsEncompassNotice(record, c));
    ref->set_not_referred_reason("SYNTHETIC: not applicable");
    (void)index;
    return c;
}

void SyntheticRecordFactory::fillRisk(v1::IncidentRecord &record)
{
    const RiskChecklist *c = m_checklists.currentFor(record.incident().type());
    if (c && c->format() >= 2 && derived::formVersion(record) < 2)
        c = m_checklists.find(c->id(), 1); // a form-1 record predates format 2
    if (!c)
        return;
    v1::RiskAssessment *risk = record.mutable_risk();
    risk->Clear();
    risk->set_checklist_id(s(c->id()));
    risk->set_checklist_version(quint32(c->version()));
    if (c->format() >= 2 && record.victim_ids_size() > 0)
        risk->set_victim_id(record.victim_ids(0));
    const quint32 pYes = m_random.bounded(10u, 60u);
    // Laid out as the device lays it out (one entry per question, in
    // order); in the order asked, a follow-up is answered only once asked.
    for (const RiskQuestion &q : c->questions()) {
        v1::RiskAnswer *a = risk->add_answers();
        a->set_question_id(s(q.id));
        if (!c->isAsked(q, *risk))
            continue;
        const quint32 roll = m_random.bounded(100u);
        switch (q.type) {
        case RiskAnswerType::YesNo:
            a->set_answer(roll < pYes                       ? v1::ANSWER_YES
                          : roll < 95 || !q.notKnownAllowed ? v1::ANSWER_NO
                                                            : v1::ANSWER_NOT_KNOWN);
            if (!q.onChild.isEmpty() && RiskChecklist::hasBornChildren(record))
                a->set_answer(RiskChecklist::childrensAnswer(record, q.onChild));
            break;
        case RiskAnswerType::Choices:
            a->add_choices(s(q.options[int(roll % quint32(q.options.size()))].key));
            break;
        case RiskAnswerType::Frequency:
            a->set_frequency(v1::RiskFrequency(
                v1::RISK_FREQUENCY_NEVER +
                int(roll % quint32(v1::RISK_FREQUENCY_OFTEN - v1::RISK_FREQUENCY_NEVER + 1))));
            break;
        case RiskAnswerType::Text:
            a->set_text(s(QStringLiteral("SYNTHETIC: in the victim's words").left(q.maxLength)));
            break;
        }
    }
    if (c->format() >= 2)
        risk->set_rationale("SYNTHETIC: why the risk is at this level, in the officer's words");
    if (c->scoring() == RiskScoring::Judgement) {
        const v1::RiskLevel scored = c->scoreRecord(record).scoredLevel;
        const auto judged = v1::RiskLevel(v1::RISK_LEVEL_STANDARD + int(m_random.bounded(3u)));
        risk->set_judgement_level(std::max(scored, judged));
        risk->set_judgement_rationale("SYNTHETIC: the officer's judgement, with the reason");
    }
    if (c->scoreRecord(record).finalLevel == v1::RISK_LEVEL_HIGH) {
        record.mutable_referrals()->set_marac_referral(true);
        if (derived::formVersion(record) >= 2)
            record.mutable_referrals()->set_marac_trigger(v1::MARAC_TRIGGER_HIGH_RISK);
    }
}

} // namespace safeguard::protocol
