#pragma once

#include "safeguard/v1/record.pb.h"

#include <QDate>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

namespace safeguard::protocol {

// What about one child decides which questions are put about them.
struct ChildFacts
{
    bool unborn = false;
    // Of reception age to 17, or attending a setting: see derived::encompassScope.
    bool schoolAge = false;

    static ChildFacts of(const v1::IncidentRecord &record, const v1::ChildObservation &child);
};

// Which question applies to which incident type and which child: one table
// read by the app's form (what it shows), the app's good-practice check
// (what it asks for before submit) and the hub's flags (the same
// validator), so the three cannot disagree. Keys are the schema's own
// snake_case paths: incident-level ones from IncidentRecord
// ("incident.visit_reason", "risk", "victim_ids"), child-level ones from
// ChildObservation ("presence", "voice.words_verbatim"). A key the table
// does not name applies everywhere; a nested key ("home_conditions.hazards")
// is governed by its longest listed prefix.
class Applicability
{
public:
    static bool appliesToIncident(QStringView key, v1::IncidentType type);
    static bool appliesToChild(QStringView key, v1::IncidentType type, const ChildFacts &child);

    // Clears every answer that does not apply to the record's incident type
    // and each child as they now are, so nothing hidden from the officer is
    // submitted. Returns the paths of the answers it cleared
    // ("children[1].presence"); an unanswered layout (a checklist's question
    // ids) is cleared too but not listed.
    static QStringList clearInapplicable(v1::IncidentRecord &record);

    // The answered fields (paths as above) that a change of incident type to
    // newType would discard: the app asks before it changes the type.
    static QStringList answersLostByTypeChange(const v1::IncidentRecord &record,
                                               v1::IncidentType newType);

    // Every key the table names, for tests and the form's consistency check.
    static QStringList incidentKeys();
    static QStringList childKeys();
};

} // namespace safeguard::protocol
