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
enum class RecordStatus {
    // Being written on the device; autosaved, editable, never sent.
    Draft,
    // Submitted and frozen; waiting in the outbox to reach the hub.
    Queued,
    // The hub has confirmed it holds this exact version (ACCEPTED or DUPLICATE).
    Acknowledged,
    // The hub refused it as broken or over limits; the officer must amend it.
    NeedsCorrection,
    // Content removed from the device after acknowledgement; a receipt remains.
    Purged,
};
Q_ENUM_NS(RecordStatus)

inline constexpr RecordStatus kAllRecordStatuses[] = {
    RecordStatus::Draft,        RecordStatus::Queued, RecordStatus::Acknowledged,
    RecordStatus::NeedsCorrection, RecordStatus::Purged,
};

// "draft", "queued", "acknowledged", "needs_correction", "purged".
QString toKey(RecordStatus status);
std::optional<RecordStatus> recordStatusFromKey(const QString &key);

// What an officer reads on the home screen, e.g. "Waiting to send".
QString displayName(RecordStatus status);

// {"records": total, "draft": n, "queued": n, ...} with every status present.
QJsonObject statusCountsToJson(const QHash<RecordStatus, int> &counts);

} // namespace safeguard::protocol
