#include "recordstatus.h"

namespace safeguard::protocol {

QString toKey(RecordStatus status)
{
    switch (status) {
    case RecordStatus::Draft:
        return QStringLiteral("draft");
    case RecordStatus::Queued:
        return QStringLiteral("queued");
    case RecordStatus::Acknowledged:
        return QStringLiteral("acknowledged");
    case RecordStatus::NeedsCorrection:
        return QStringLiteral("needs_correction");
    case RecordStatus::HeldAtHub:
        return QStringLiteral("held_at_hub");
    case RecordStatus::Purged:
        return QStringLiteral("purged");
    }
    Q_UNREACHABLE();
}

std::optional<RecordStatus> recordStatusFromKey(const QString &key)
{
    for (RecordStatus s : kAllRecordStatuses) {
        if (toKey(s) == key)
            return s;
    }
    return std::nullopt;
}

QString displayName(RecordStatus status)
{
    switch (status) {
    case RecordStatus::Draft:
        return QStringLiteral("Draft");
    case RecordStatus::Queued:
        return QStringLiteral("Waiting to send");
    case RecordStatus::Acknowledged:
        return QStringLiteral("On the hub");
    case RecordStatus::NeedsCorrection:
        return QStringLiteral("Needs correction");
    case RecordStatus::HeldAtHub:
        // The hub has it and its staff are on it: nothing to resend or amend.
        return QStringLiteral("Sent · hub is checking");
    case RecordStatus::Purged:
        return QStringLiteral("On the hub (removed from device)");
    }
    Q_UNREACHABLE();
}

bool canChange(RecordStatus from, RecordStatus to)
{
    switch (from) {
    case RecordStatus::Draft:
        return to == RecordStatus::Queued;
    case RecordStatus::Queued:
        return to == RecordStatus::Acknowledged || to == RecordStatus::NeedsCorrection ||
               to == RecordStatus::HeldAtHub;
    case RecordStatus::Acknowledged:
        return to == RecordStatus::Purged;
    case RecordStatus::NeedsCorrection:
    case RecordStatus::HeldAtHub:
    case RecordStatus::Purged:
        return false;
    }
    return false;
}

bool isSettled(RecordStatus status)
{
    return status != RecordStatus::Draft && status != RecordStatus::Queued;
}

bool canEdit(RecordStatus status)
{
    return status == RecordStatus::Draft;
}

bool canSubmit(RecordStatus status)
{
    return status == RecordStatus::Draft;
}

bool canOpen(RecordStatus status)
{
    return status != RecordStatus::Purged;
}

bool canAmend(RecordStatus status)
{
    return status == RecordStatus::Queued || status == RecordStatus::Acknowledged ||
           status == RecordStatus::NeedsCorrection;
}

QJsonObject statusCountsToJson(const QHash<RecordStatus, int> &counts)
{
    QJsonObject o;
    int total = 0;
    for (RecordStatus s : kAllRecordStatuses) {
        const int n = counts.value(s, 0);
        total += n;
        o.insert(toKey(s), n);
    }
    o.insert(QStringLiteral("records"), total);
    return o;
}

} // namespace safeguard::protocol
