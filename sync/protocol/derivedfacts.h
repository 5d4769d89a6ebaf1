#pragma once

#include "safeguard/v1/record.pb.h"

#include <QByteArray>
#include <QDate>
#include <QString>
#include <optional>

namespace safeguard::protocol {

// Facts derived from a record, defined once so the app, the device simulator
// and the hub never disagree about them.
namespace derived {

// The upper bound of Operation Encompass's age scope: every child to 17.
inline constexpr int kSchoolAgeTo = 17;

// The form the officer filled in (IncidentRecord.form_version; 0 means 1).
inline constexpr int kCurrentFormVersion = 2;
int formVersion(const v1::IncidentRecord &record);

// The force's Operation Encompass scope (force policy, with the statutory
// default): a child related to the victim or the suspect, of reception age
// (from the 1 September on or after their 4th birthday) to 17 on the
// incident date, or attending a listed setting. Whether early-years
// settings are notified is a force's choice, on by default.
struct EncompassPolicy
{
    bool notifyEarlyYears = true;
    // A force's policy file: {"notify_early_years": true}. Unknown keys are
    // refused so a misspelt switch is not silently ignored.
    static std::optional<EncompassPolicy> fromJson(const QByteArray &json, QString *error);
};

// The first 1 September on or after the 4th birthday: when a child starts
// reception.
QDate receptionStart(QDate dateOfBirth);

// The incident's local calendar date (occurred_at plus its offset); invalid
// when the record has no incident time.
QDate incidentDate(const v1::IncidentRecord &record);

// Whole years on a date, from the date of birth, else the estimate; nullopt
// when neither is known or the child is unborn.
std::optional<int> ageInYears(const v1::ChildIdentity &child, QDate on);

// Of reception age to 17 on the date: from the date of birth (see
// receptionStart), else from an estimated age of 4 to 17.
bool isSchoolAge(const v1::ChildIdentity &child, QDate on);

// The child attends a setting that is told under the policy: any school,
// PRU, college or 16-19 academy, an early-years setting when the policy
// says so, or (the local authority is told) home education. A form-1
// record names only the establishment.
bool attendsListedSetting(const v1::ChildIdentity &child, const EncompassPolicy &policy);

// Related to the victim or the suspect (form 2: a relationship, other than
// "not related", to one of victim_ids or suspect_ids). A form-1 record does
// not say, so every child in it counts as related.
bool relatedToVictimOrSuspect(const v1::IncidentRecord &record, const v1::ChildObservation &child);

// In Operation Encompass scope: a born child at a domestic abuse incident,
// related to either adult, at most 17, and of reception age or attending a
// listed setting; present or not.
bool inEncompassScope(const v1::IncidentRecord &record, const v1::ChildObservation &child,
                      const EncompassPolicy &policy = {});

// An Operation Encompass notice is needed: inEncompassScope with the
// default policy.
bool needsEncompassNotice(const v1::IncidentRecord &record, const v1::ChildObservation &child);

// A victim of domestic abuse in their own right (Domestic Abuse Act 2021
// s3): a born child at a domestic abuse incident who saw, heard or
// experienced the effects of it and is related to the victim or the suspect.
bool isVictimInOwnRight(const v1::IncidentRecord &record, const v1::ChildObservation &child);

// A grade this build knows, or red: an unknown value (from a newer form)
// is never treated as less than the worst.
v1::Grade effectiveGrade(v1::Grade grade);
// The same for a risk level: unknown counts as high.
v1::RiskLevel effectiveRiskLevel(v1::RiskLevel level);

// Urgent records go first and alone (the sync engine's urgent lane): any
// child graded red (or with a grade this build does not know), or any child
// needing an Encompass notice (schools must be told before the next school
// day).
bool isUrgent(const v1::IncidentRecord &record);

// QDate from the schema's CalendarDate (invalid if unset or impossible).
QDate toQDate(const v1::CalendarDate &d);

} // namespace derived
} // namespace safeguard::protocol
