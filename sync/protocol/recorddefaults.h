#pragma once

#include "clock.h"
#include "riskchecklist.h"
#include "safeguard/v1/record.pb.h"

#include <string>

namespace safeguard::protocol {

// What a record starts with before the officer answers anything, shared by
// the app's editor and every tool that makes records: a new draft on the
// current form, dated now; a new child with the Public Protection Notice
// preset to "yes" (DOMAIN: a PPN to the MASH for every child, so "no" is
// the exception that needs its reason); one relationship entry per adult;
// one unanswered entry per question of the current risk checklist.
namespace defaults {

v1::LocalTimestamp now(const Clock &clock);

// Version 1 of a new record: id, current form version, created, updated
// and occurred "now" (the officer corrects the time of the incident).
v1::IncidentRecord newDraft(const std::string &recordId, const Clock &clock);

// Appends a child with its preset referral decisions; returns it.
v1::ChildObservation *addChild(v1::IncidentRecord *record, const std::string &childId, bool unborn);

// One relationship entry per adult of the incident, in the People order,
// so each is asked of this child. True when it added any.
bool ensureRelationships(v1::IncidentRecord *record, int child);

// Lays out checklist's questions as unanswered entries, keeping answers
// already given to the same question; a different checklist starts afresh.
// Format 2: names the sole victim, and copies the children's answers into
// the questions about them (RiskQuestion::onChild). True when it changed
// anything.
bool ensureRiskAnswers(v1::IncidentRecord *record, const RiskChecklist &checklist);

// Nothing in the record beyond what the lines above put there: no child,
// no person, no answer. Only such a draft may be deleted from the device;
// any other is withdrawn (and still reaches the hub).
bool hasNothingBeyondDefaults(const v1::IncidentRecord &record);

} // namespace defaults
} // namespace safeguard::protocol
