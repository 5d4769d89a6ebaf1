#pragma once

#include "recordissue.h"
#include "riskchecklist.h"

namespace safeguard::protocol {

// The good-practice rules an officer's record must meet before it is
// submitted: each child seen, spoken to and spoken to alone or a reason why
// not; the child's own words or why not; demeanour; a grade with its
// rationale; a school (or "not known") for a school-age child; the lawful
// basis when shared without consent; a complete risk checklist at a domestic
// abuse incident; and the referral decisions the rules expect.
//
// The app blocks submit on these. The hub runs the same rules on what it
// receives and stores the result as flags for its staff, never as a
// rejection: an officer may be off shift for days.
class GoodPracticeValidator
{
public:
    explicit GoodPracticeValidator(const RiskChecklistRegistry &checklists);

    // Everything missing, in form order; empty when the record may be submitted.
    RecordIssues check(const v1::IncidentRecord &record) const;

private:
    void checkIncident(const v1::IncidentRecord &record, RecordIssues &out) const;
    void checkChild(const v1::IncidentRecord &record, int index, RecordIssues &out) const;
    void checkSharing(const v1::InformationSharing &sharing, RecordIssues &out) const;
    void checkPeople(const v1::IncidentRecord &record, RecordIssues &out) const;
    void checkRisk(const v1::IncidentRecord &record, RecordIssues &out) const;

    const RiskChecklistRegistry &m_checklists;
};

} // namespace safeguard::protocol
