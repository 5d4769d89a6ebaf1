#pragma once

#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "safeguard/v1/record.pb.h"

namespace safeguard::testing {

// A complete, valid domestic abuse record with one school-age child (aged 9
// on the incident date), every good-practice item answered: the starting
// point each validation test breaks in exactly one way.
v1::IncidentRecord validDomesticAbuseRecord(const protocol::RiskChecklistRegistry &checklists);

// The same incident on form 2: a victim (the child's mother) and a suspect
// (her partner, with a date of birth) in `people`, the child's relationship
// to each, the school with its URN and type, notices each with its own
// decision, an ACE indicator with its provenance.
v1::IncidentRecord validDomesticAbuseRecordForm2(const protocol::RiskChecklistRegistry &checklists);
inline constexpr char kVictimId[] = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9";
inline constexpr char kSuspectId[] = "2c3d4e5f-6071-4829-93a4-b5c6d7e8f901";

// Sets every field of the message (recursively, two entries per repeated
// field) to a distinct non-default value. Returns how many fields it set, so
// a test can prove nothing was skipped.
int fillEveryField(google::protobuf::Message *message, int depth = 0);

// Answers every question of the checklist: `yes` of them yes, the rest no.
void answerChecklist(v1::RiskAssessment *risk, const protocol::RiskChecklist &checklist, int yes);

} // namespace safeguard::testing
