#pragma once

#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "safeguard/v1/record.pb.h"

namespace safeguard::testing {

// A complete, valid domestic abuse record with one school-age child (aged 9
// on the incident date), every good-practice item answered: the starting
// point each validation test breaks in exactly one way.
v1::IncidentRecord validDomesticAbuseRecord(const protocol::RiskChecklistRegistry &checklists);

// Sets every field of the message (recursively, two entries per repeated
// field) to a distinct non-default value. Returns how many fields it set, so
// a test can prove nothing was skipped.
int fillEveryField(google::protobuf::Message *message, int depth = 0);

// Answers every question of the checklist: `yes` of them yes, the rest no.
void answerChecklist(v1::RiskAssessment *risk, const protocol::RiskChecklist &checklist, int yes);

} // namespace safeguard::testing
