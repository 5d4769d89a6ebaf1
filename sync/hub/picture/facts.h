#pragma once

#include "concern.h"
#include "identity.h"
#include "protocol/riskchecklist.h"
#include "safeguard/v1/record.pb.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace safeguard::hub::picture {

// One person of one record as the picture reads them: what matching knows
// (facts) and what the concern rules read (report). Local ids are the
// record's own (child_id, person_id); the picture's job maps them to
// resolved people. Both forms are read: a form-1 household member is an
// adult known by name only.
struct ExtractedPerson
{
    enum class Kind
    {
        Child,
        Adult,
    };
    Kind kind = Kind::Child;
    QString localId;
    PersonFacts facts;
    Report report;
    bool victim = false;
    bool suspect = false;
    // Local ids of the people this child's record names as their parents
    // (resolved into facts.parentKeys by the job), and for an unborn child
    // the pregnant person's (into facts.pregnantPersonKey).
    QStringList parentLocalIds;
    QString pregnantLocalId;
    // Local ids of the record's suspects (resolved into report.suspectKeys).
    QStringList suspectLocalIds;
};

// Everyone in a record, children first in the record's order, then adults;
// nobody for a record the officer withdrew (kept at the hub and listed
// with its reason, but never part of a child's picture). receivedUtc is when the hub committed it
// (the "no notice" rule's clock).
// checklists: the risk instruments the hub knows (built-in and policy).
QList<ExtractedPerson> extractPeople(const v1::IncidentRecord &record, const QDateTime &receivedUtc,
                                     const protocol::RiskChecklistRegistry &checklists);

} // namespace safeguard::hub::picture
