#pragma once

#include "safeguard/v1/record.pb.h"

#include <QDate>

#include <optional>

namespace safeguard::protocol {

// Facts derived from a record, defined once so the app, the device simulator
// and the hub never disagree about them.
namespace derived {

// School age here is 4 to 17 years inclusive on the incident date: reception
// class to the end of post-16 education (Operation Encompass covers every
// child in education). The bounds are constants so a force can review them.
inline constexpr int kSchoolAgeFrom = 4;
inline constexpr int kSchoolAgeTo = 17;

// The incident's local calendar date (occurred_at plus its offset); invalid
// when the record has no incident time.
QDate incidentDate(const v1::IncidentRecord &record);

// Whole years on a date, from the date of birth, else the estimate; nullopt
// when neither is known or the child is unborn.
std::optional<int> ageInYears(const v1::ChildIdentity &child, QDate on);

bool isSchoolAge(const v1::ChildIdentity &child, QDate on);

// An Operation Encompass notice is needed for a child, born, at a domestic
// abuse incident, who is of school age or is recorded as attending a school
// or nursery.
bool needsEncompassNotice(const v1::IncidentRecord &record, const v1::ChildObservation &child);

// Urgent records go first and alone (the sync engine's urgent lane): any
// child graded red, or any child needing an Encompass notice (schools must
// be told before the next school day).
bool isUrgent(const v1::IncidentRecord &record);

// QDate from the schema's CalendarDate (invalid if unset or impossible).
QDate toQDate(const v1::CalendarDate &d);

} // namespace derived
} // namespace safeguard::protocol
