#include "recordfixtures.h"

#include <QDateTime>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

namespace safeguard::testing {

namespace gp = google::protobuf;

v1::IncidentRecord validDomesticAbuseRecord(const protocol::RiskChecklistRegistry &checklists)
{
    v1::IncidentRecord r;
    r.set_record_id("0f3c2a9e-1b7d-4c55-9a0e-5b1f6d2c8e47");
    r.set_version(1);
    r.set_officer_id("SYN-OFFICER-0001");
    const qint64 at = QDateTime(QDate(2026, 3, 10), QTime(21, 30), Qt::UTC).toMSecsSinceEpoch();
    r.mutable_created_at()->set_unix_ms(at);

    v1::Incident *in = r.mutable_incident();
    in->set_type(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
    in->set_police_reference("SYN-CAD-000001");
    in->mutable_occurred_at()->set_unix_ms(at);
    in->mutable_address()->add_lines("1 Example Street (SYNTHETIC)");
    in->add_attending_officers()->set_collar_number("PC 0001-SYN");
    in->set_circumstances("SYNTHETIC: raised voices reported by a neighbour.");

    v1::ChildObservation *c = r.add_children();
    c->set_child_id("7a1d4e2b-3c5f-4a6b-8d9e-0f1a2b3c4d5e");
    v1::ChildIdentity *id = c->mutable_identity();
    id->set_given_names("Alpha SYNTHETIC");
    id->set_family_name("Testfamily-SYNTHETIC");
    id->mutable_date_of_birth()->set_year(2017);
    id->mutable_date_of_birth()->set_month(1);
    id->mutable_date_of_birth()->set_day(15);
    id->mutable_education()->set_establishment_name("Example Primary SYNTHETIC");
    c->set_presence(v1::PRESENCE_ELSEWHERE_IN_THE_HOME);
    c->mutable_seen()->set_answer(v1::ANSWER_YES);
    c->mutable_spoken_to()->set_answer(v1::ANSWER_YES);
    c->mutable_spoken_to_alone()->set_answer(v1::ANSWER_YES);
    c->mutable_voice()->set_words_verbatim("SYNTHETIC: \"I heard shouting.\"");
    c->set_demeanour("SYNTHETIC: quiet and watchful");
    c->set_grade(v1::GRADE_AMBER);
    c->set_grade_rationale("SYNTHETIC: second incident this year");
    c->mutable_referrals()->set_public_protection_notice(true);
    c->mutable_referrals()->set_operation_encompass_notice(true);

    // Form 1 predates the police-order DASH: answered on version 1.
    const protocol::RiskChecklist *dash = checklists.find(QStringLiteral("dash-2009"), 1);
    answerChecklist(r.mutable_risk(), *dash, 3);

    r.mutable_sharing()->set_consent_sought(v1::ANSWER_YES);
    r.mutable_sharing()->set_consent_given(v1::ANSWER_YES);
    return r;
}

v1::IncidentRecord validDomesticAbuseRecordForm2(const protocol::RiskChecklistRegistry &checklists)
{
    v1::IncidentRecord r = validDomesticAbuseRecord(checklists);
    r.set_form_version(2);
    v1::Person *victim = r.add_people();
    victim->set_person_id(kVictimId);
    victim->set_given_names("Beta SYNTHETIC");
    victim->set_family_name("Testfamily-SYNTHETIC");
    victim->set_estimated_age_years(34);
    victim->set_lives_at_incident_address(true);
    victim->set_present_at_incident(true);
    v1::Person *suspect = r.add_people();
    suspect->set_person_id(kSuspectId);
    suspect->set_given_names("Gamma SYNTHETIC");
    suspect->set_family_name("Otherfamily-SYNTHETIC");
    suspect->mutable_date_of_birth()->set_year(1988);
    suspect->mutable_date_of_birth()->set_month(6);
    suspect->mutable_date_of_birth()->set_day(2);
    suspect->add_carer_capacity(v1::CARER_CAPACITY_ARRESTED);
    suspect->add_carer_capacity(v1::CARER_CAPACITY_INTOXICATED_ALCOHOL);
    r.add_victim_ids(kVictimId);
    r.add_suspect_ids(kSuspectId);

    v1::ChildObservation *c = r.mutable_children(0);
    v1::Relationship *mother = c->add_relationships();
    mother->set_person_id(kVictimId);
    mother->set_kind(v1::RELATIONSHIP_KIND_PARENT);
    mother->set_parental_responsibility(v1::ANSWER_YES);
    mother->set_lives_with_child(true);
    v1::Relationship *partner = c->add_relationships();
    partner->set_person_id(kSuspectId);
    partner->set_kind(v1::RELATIONSHIP_KIND_PARENTS_PARTNER);
    c->mutable_identity()->mutable_education()->set_urn("100000");
    c->mutable_identity()->mutable_education()->set_setting_type(v1::SETTING_TYPE_PRIMARY);
    c->set_heard_incident(v1::ANSWER_YES);
    c->clear_referrals();
    c->mutable_referrals()->mutable_protection_notice()->set_made(v1::ANSWER_YES);
    c->mutable_referrals()->mutable_encompass_notice()->set_made(v1::ANSWER_YES);
    v1::IndicatorObservation *ace = c->add_indicator_details();
    ace->set_indicator(v1::INDICATOR_DOMESTIC_ABUSE);
    ace->set_provenance(v1::PROVENANCE_OBSERVED);
    c->set_suspect_ever_hurt(v1::ANSWER_NO);
    c->set_suspect_ever_threatened(v1::ANSWER_NOT_KNOWN);
    // Answered on the current checklist, about the victim.
    answerChecklist(r.mutable_risk(), *checklists.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE), 3);
    r.mutable_risk()->set_victim_id(kVictimId);
    if (checklists.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->rationaleRequired())
        r.mutable_risk()->set_rationale("SYNTHETIC: three factors, no trigger: standard");
    return r;
}

void answerChecklist(v1::RiskAssessment *risk, const protocol::RiskChecklist &checklist, int yes)
{
    risk->set_checklist_id(checklist.id().toStdString());
    risk->set_checklist_version(quint32(checklist.version()));
    risk->clear_answers();
    // In the order asked: the first `yes` yes / no questions yes, the rest
    // no; a follow-up or sub-answer only once asked, by its type.
    int i = 0;
    for (const protocol::RiskQuestion &q : checklist.questions()) {
        if (!checklist.isAsked(q, *risk))
            continue;
        v1::RiskAnswer *a = risk->add_answers();
        a->set_question_id(q.id.toStdString());
        switch (q.type) {
        case protocol::RiskAnswerType::YesNo:
            a->set_answer(i++ < yes ? v1::ANSWER_YES : v1::ANSWER_NO);
            break;
        case protocol::RiskAnswerType::Choices:
            a->add_choices(q.options.first().key.toStdString());
            break;
        case protocol::RiskAnswerType::Frequency:
            a->set_frequency(v1::RISK_FREQUENCY_NEVER);
            break;
        case protocol::RiskAnswerType::Text:
            a->set_text("SYNTHETIC");
            break;
        }
    }
}

int fillEveryField(gp::Message *m, int depth)
{
    const gp::Descriptor *d = m->GetDescriptor();
    const gp::Reflection *r = m->GetReflection();
    int set = 0;
    for (int i = 0; i < d->field_count(); ++i) {
        const gp::FieldDescriptor *f = d->field(i);
        const int copies = f->is_repeated() ? 2 : 1;
        for (int k = 0; k < copies; ++k) {
            const int seed = depth * 1000 + f->number() * 10 + k + 1;
            switch (f->cpp_type()) {
            case gp::FieldDescriptor::CPPTYPE_INT32:
                f->is_repeated() ? r->AddInt32(m, f, seed) : r->SetInt32(m, f, -seed);
                break;
            case gp::FieldDescriptor::CPPTYPE_INT64:
                f->is_repeated() ? r->AddInt64(m, f, seed)
                                 : r->SetInt64(m, f, 1700000000000LL + seed);
                break;
            case gp::FieldDescriptor::CPPTYPE_UINT32:
                f->is_repeated() ? r->AddUInt32(m, f, seed) : r->SetUInt32(m, f, seed);
                break;
            case gp::FieldDescriptor::CPPTYPE_UINT64:
                f->is_repeated() ? r->AddUInt64(m, f, seed) : r->SetUInt64(m, f, seed);
                break;
            case gp::FieldDescriptor::CPPTYPE_DOUBLE:
                f->is_repeated() ? r->AddDouble(m, f, seed + 0.5) : r->SetDouble(m, f, seed + 0.5);
                break;
            case gp::FieldDescriptor::CPPTYPE_FLOAT:
                f->is_repeated() ? r->AddFloat(m, f, seed + 0.5f) : r->SetFloat(m, f, seed + 0.5f);
                break;
            case gp::FieldDescriptor::CPPTYPE_BOOL:
                f->is_repeated() ? r->AddBool(m, f, true) : r->SetBool(m, f, true);
                break;
            case gp::FieldDescriptor::CPPTYPE_ENUM: {
                const gp::EnumDescriptor *e = f->enum_type();
                const int v = e->value(1 + (seed % (e->value_count() - 1)))->number();
                f->is_repeated() ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
                break;
            }
            case gp::FieldDescriptor::CPPTYPE_STRING: {
                const std::string v = "SYNTHETIC " + f->name() + " é " + std::to_string(seed);
                f->is_repeated() ? r->AddString(m, f, v) : r->SetString(m, f, v);
                break;
            }
            case gp::FieldDescriptor::CPPTYPE_MESSAGE: {
                gp::Message *sub = f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
                set += fillEveryField(sub, depth + 1);
                break;
            }
            }
        }
        ++set;
    }
    return set;
}

} // namespace safeguard::testing
