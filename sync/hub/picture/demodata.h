#pragma once

#include "protocol/riskchecklist.h"
#include "safeguard/v1/record.pb.h"

#include <QList>
#include <QString>

namespace safeguard::hub::picture {

// The picture's demonstration set (`safeguard-hub seed-demo`): obviously
// fake families whose reports, taken through the real ingest path, show
// everything the picture is for, and nothing it should not do:
// - repeated incidents to two siblings (green, amber, then red on the
//   Friday before half-term), an under-five at domestic abuse, a repeat
//   address and suspect, and their mother's escalation (three in a year);
// - one planted near-miss: a second officer spells a child "Poppie" for
//   "Poppy" (a proposal, never a link);
// - twins seen twice (each linked to herself, never to her sister), the
//   second time on a Saturday (the notice is due on Monday);
// - an unborn child at one incident and the same baby, born, at a later
//   one (linked through the pregnant mother);
// - the same suspect in a second family (a repeat suspect across families,
//   matched by his force identifier);
// - a child for whom no notice was made.
// Every date is fixed (2026), so deadlines and rules are the same on every
// run. What the picture should make of it is in expectedDemoPicture().
struct DemoRecord
{
    QString officerId;
    v1::IncidentRecord record; // device_id empty: the sending device sets it
};

QList<DemoRecord> demoRecords(const protocol::RiskChecklistRegistry &checklists);

// The picture the demo set should make, for the precision check.
struct DemoExpectation
{
    int children = 0;  // resolved
    int adults = 0;    // resolved
    int proposals = 0; // the planted near-misses only
    // Full names with the reports each should be linked across.
    QList<std::pair<QString, int>> reportsPerPerson;
};
DemoExpectation expectedDemoPicture();

} // namespace safeguard::hub::picture
