#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <optional>

namespace safeguard::protocol {
Q_NAMESPACE

// The one status model for a record, used by the app, the device simulator
// and the hub's statistics. Its JSON keys (toKey) are snake_case everywhere.
// Each status belongs to one record version; canChange() says which moves
// are allowed (an amendment is a new version, starting again as a draft).
enum class RecordStatus
{
    // Being written on the device; autosaved, editable, never sent.
    Draft,
    // Submitted and frozen; waiting in the outbox to reach the hub.
    Queued,
    // The hub has confirmed it holds this exact version (ACCEPTED or DUPLICATE).
    Acknowledged,
    // The hub refused it as broken or over limits; the officer must amend it.
    NeedsCorrection,
    // The hub already holds this id and version with other content
    // (CONFLICT): it kept this copy aside and alerted its staff. Sent, not
    // resent, and nothing for the officer to fix.
    HeldAtHub,
    // Content removed from the device after acknowledgement; a receipt remains.
    Purged,
};
Q_ENUM_NS(RecordStatus)

inline constexpr RecordStatus kAllRecordStatuses[] = {
    RecordStatus::Draft,           RecordStatus::Queued,    RecordStatus::Acknowledged,
    RecordStatus::NeedsCorrection, RecordStatus::HeldAtHub, RecordStatus::Purged,
};

// "draft", "queued", "acknowledged", "needs_correction", "held_at_hub", "purged".
QString toKey(RecordStatus status);
std::optional<RecordStatus> recordStatusFromKey(const QString &key);

// What an officer reads on the home screen, e.g. "Waiting to send".
QString displayName(RecordStatus status);

// Whether one record version may go from one status to another: submit
// (Draft -> Queued), the hub's verdict (Queued -> Acknowledged,
// NeedsCorrection or HeldAtHub; only a queued version takes one, so a late
// answer never undoes an earlier verdict) and purge (Acknowledged ->
// Purged). Every other move, and staying put, is not a change.
bool canChange(RecordStatus from, RecordStatus to);

// The hub has answered for this version, whatever it said: it is no longer
// waiting to send.
bool isSettled(RecordStatus status);

// What the officer may do with a record whose latest version has this
// status. Only a draft is edited and submitted. Its content is on the
// device, to be read, until it is purged (a receipt remains). A submitted
// version is corrected by amending it (a new version with a reason): once
// sent, or when the hub asked for a correction; a version held at the hub
// (a conflict) is for the hub's staff, not the officer.
bool canEdit(RecordStatus status);
bool canSubmit(RecordStatus status);
bool canOpen(RecordStatus status);
bool canAmend(RecordStatus status);

// {"records": total, "draft": n, "queued": n, ...} with every status present.
QJsonObject statusCountsToJson(const QHash<RecordStatus, int> &counts);

} // namespace safeguard::protocol
