#include "recorddefaults.h"

#include "derivedfacts.h"

#include <QHash>

namespace safeguard::protocol::defaults {

v1::LocalTimestamp now(const Clock &clock)
{
    v1::LocalTimestamp t;
    t.set_unix_ms(clock.nowMs());
    t.set_utc_offset_minutes(clock.utcOffsetMinutes());
    return t;
}

v1::IncidentRecord newDraft(const std::string &recordId, const Clock &clock)
{
    v1::IncidentRecord r;
    r.set_record_id(recordId);
    r.set_version(1);
    r.set_form_version(uint32_t(derived::kCurrentFormVersion));
    // One reading of the clock: "occurred when started" is how an untouched
    // draft is recognised (hasNothingBeyondDefaults).
    const v1::LocalTimestamp started = now(clock);
    *r.mutable_created_at() = started;
    *r.mutable_updated_at() = started;
    *r.mutable_incident()->mutable_occurred_at() = started;
    return r;
}

v1::ChildObservation *addChild(v1::IncidentRecord *record, const std::string &childId, bool unborn)
{
    v1::ChildObservation *c = record->add_children();
    c->set_child_id(childId);
    c->mutable_identity()->set_unborn(unborn);
    // Every child gets a Public Protection Notice unless the officer says why not.
    c->mutable_referrals()->mutable_protection_notice()->set_made(v1::ANSWER_YES);
    return c;
}

bool ensureRelationships(v1::IncidentRecord *record, int child)
{
    if (child < 0 || child >= record->children_size())
        return false;
    v1::ChildObservation *c = record->mutable_children(child);
    bool added = false;
    for (const v1::Person &p : record->people()) {
        bool found = false;
        for (const v1::Relationship &r : c->relationships())
            found = found || r.person_id() == p.person_id();
        if (!found) {
            c->add_relationships()->set_person_id(p.person_id());
            added = true;
        }
    }
    return added;
}

bool ensureRiskAnswers(v1::IncidentRecord *record, const RiskChecklist &checklist)
{
    v1::RiskAssessment *risk = record->mutable_risk();
    const std::string before = risk->SerializeAsString();
    const std::string id = checklist.id().toStdString();
    if (risk->checklist_id() != id || int(risk->checklist_version()) != checklist.version()) {
        // A different checklist (or none yet): start its answers afresh.
        risk->set_checklist_id(id);
        risk->set_checklist_version(quint32(checklist.version()));
        risk->clear_answers();
    }
    // One answer per question, in the checklist's order, each kept whole
    // (its choices, frequency, text and note as well as yes / no).
    bool laidOut = risk->answers_size() == checklist.questions().size();
    for (int q = 0; laidOut && q < checklist.questions().size(); ++q)
        laidOut = risk->answers(q).question_id() == checklist.questions()[q].id.toStdString();
    if (!laidOut) {
        QHash<std::string, v1::RiskAnswer> old;
        for (const auto &a : risk->answers())
            old.insert(a.question_id(), a);
        risk->clear_answers();
        for (const RiskQuestion &q : checklist.questions()) {
            v1::RiskAnswer *a = risk->add_answers();
            *a = old.value(q.id.toStdString());
            a->set_question_id(q.id.toStdString());
        }
    }
    if (checklist.format() >= 2) {
        // About the victim, when there is only one to be about.
        if (risk->victim_id().empty() && record->victim_ids_size() == 1)
            risk->set_victim_id(record->victim_ids(0));
        // A question about the children says what the children's say.
        if (RiskChecklist::hasBornChildren(*record)) {
            for (int q = 0; q < checklist.questions().size(); ++q)
                if (!checklist.questions()[q].onChild.isEmpty())
                    risk->mutable_answers(q)->set_answer(
                        RiskChecklist::childrensAnswer(*record, checklist.questions()[q].onChild));
        }
    }
    return risk->SerializeAsString() != before;
}

bool hasNothingBeyondDefaults(const v1::IncidentRecord &record)
{
    v1::IncidentRecord r = record;
    r.clear_record_id();
    r.clear_version();
    r.clear_form_version();
    // The time of the incident as the draft began, not as the officer set it.
    if (r.incident().occurred_at().SerializeAsString() == r.created_at().SerializeAsString())
        r.mutable_incident()->clear_occurred_at();
    r.clear_created_at();
    r.clear_updated_at();
    r.clear_officer_id();
    r.clear_device_id();
    if (r.incident().ByteSizeLong() == 0)
        r.clear_incident();
    // The checklist laid out with nothing answered is still nothing.
    v1::RiskAssessment *risk = r.mutable_risk();
    bool answered = false;
    for (const v1::RiskAnswer &a : risk->answers())
        answered = answered || a.answer() != v1::ANSWER_UNSPECIFIED || !a.note().empty() ||
                   a.choices_size() > 0 || a.frequency() != v1::RISK_FREQUENCY_UNSPECIFIED ||
                   !a.text().empty();
    if (!answered) {
        risk->clear_answers();
        risk->clear_checklist_id();
        risk->clear_checklist_version();
        risk->clear_victim_id(); // filled in for the sole victim, not by the officer
    }
    if (risk->ByteSizeLong() == 0)
        r.clear_risk();
    return r.ByteSizeLong() == 0;
}

} // namespace safeguard::protocol::defaults
