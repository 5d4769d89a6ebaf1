#include "syntheticrecords.h"

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
{
}

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
        in->set_visit_reason("SYNTHETIC: school reported the child arriving hungry on several days");
    in->set_police_reference(s(QStringLiteral("SYN-CAD-%1").arg(m_serial, 6, 10, QLatin1Char('0'))));
    v1::LocalTimestamp occurred = now();
    occurred.set_unix_ms(occurred.unix_ms() - qint64(m_random.bounded(3600u)) * 1000);
    *in->mutable_occurred_at() = occurred;
    in->mutable_address()->add_lines(
        s(QStringLiteral("%1 Example Street (SYNTHETIC)").arg(m_random.bounded(1u, 200u))));
    in->mutable_address()->set_town("Testtown SYNTHETIC");
    in->mutable_address()->set_postcode(s(QStringLiteral("ZZ%1 1ZZ").arg(m_random.bounded(1u, 99u))));
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
    return r;
}

v1::ChildObservation SyntheticRecordFactory::makeChild(const v1::IncidentRecord &record, int index)
{
    static const QStringList given = {
        QStringLiteral("Alpha"), QStringLiteral("Bravo"),  QStringLiteral("Charlie"),
        QStringLiteral("Delta"), QStringLiteral("Echo"),   QStringLiteral("Foxtrot"),
        QStringLiteral("Golf"),  QStringLiteral("Hotel"),  QStringLiteral("India"),
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
        c.mutable_spoken_to()->set_reason_if_no(s(QStringLiteral("SYNTHETIC: pre-verbal, aged %1").arg(age)));
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
    if (!c)
        return;
    v1::RiskAssessment *risk = record.mutable_risk();
    risk->set_checklist_id(s(c->id()));
    risk->set_checklist_version(quint32(c->version()));
    const quint32 pYes = m_random.bounded(10u, 60u);
    for (const RiskQuestion &q : c->questions()) {
        v1::RiskAnswer *a = risk->add_answers();
        a->set_question_id(s(q.id));
        const quint32 roll = m_random.bounded(100u);
        a->set_answer(roll < pYes ? v1::ANSWER_YES : roll < 95 ? v1::ANSWER_NO : v1::ANSWER_NOT_KNOWN);
    }
    const RiskScore score = c->score(*risk);
    if (score.finalLevel == v1::RISK_LEVEL_HIGH)
        record.mutable_referrals()->set_marac_referral(true);
}

} // namespace safeguard::protocol
