#include "devicesightings.h"

#include "hublog.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace safeguard::hub {

DeviceSightings::DeviceSightings(HubStore &store)
    : m_store(store)
{}

void DeviceSightings::seen(const QString &deviceId, const QString &officerId, qint64 nowMs,
                           const std::optional<UnlockReport> &report)
{
    if (deviceId.isEmpty())
        return;
    std::lock_guard lock(m_mutex);
    Entry &e = m_entries[deviceId];
    if (!e.loaded) {
        // The totals the device reported before this process started.
        if (const auto stored = m_store.findSighting(deviceId)) {
            e.reported = {stored->failedUnlocks, stored->lockouts};
            e.writtenMs = stored->lastSeenMs;
        }
        e.loaded = true;
    }
    e.lastSeenMs = std::max(e.lastSeenMs, nowMs);
    e.dirty = true;
    bool writeNow = nowMs - e.writtenMs >= kWriteIntervalMs;
    if (report && (report->failedUnlocks != e.reported.failedUnlocks ||
                   report->lockouts != e.reported.lockouts)) {
        // Totals that fell mean the device was set up again (a new vault):
        // taken as the new base, with nothing to alert.
        const bool rose = report->failedUnlocks > e.reported.failedUnlocks ||
                          report->lockouts > e.reported.lockouts;
        if (rose) {
            const qint64 failed = qint64(report->failedUnlocks) -
                                  qint64(std::min(e.reported.failedUnlocks, report->failedUnlocks));
            const qint64 lockouts =
                qint64(report->lockouts) - qint64(std::min(e.reported.lockouts, report->lockouts));
            const QJsonObject detail{
                {QStringLiteral("failed_unlocks"), failed},
                {QStringLiteral("lockouts"), lockouts},
                {QStringLiteral("failed_unlocks_total"), qint64(report->failedUnlocks)},
                {QStringLiteral("lockouts_total"), qint64(report->lockouts)}};
            m_store.raiseDeviceAlert(
                nowMs, QStringLiteral("unlock_failures"), deviceId, officerId,
                QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact)));
            HubLog::event("device_unlock_failures", {{QStringLiteral("device_id"), deviceId},
                                                     {QStringLiteral("failed_unlocks"), failed},
                                                     {QStringLiteral("lockouts"), lockouts}});
        }
        e.reported = *report;
        writeNow = true;
    }
    if (!writeNow)
        return;
    if (m_store
            .recordSighting({deviceId, e.lastSeenMs, e.reported.failedUnlocks, e.reported.lockouts})
            .ok()) {
        e.writtenMs = nowMs;
        e.dirty = false;
        ++m_writes;
    }
}

bool DeviceSightings::auditRevoked(const QString &deviceId, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    Entry &e = m_entries[deviceId];
    if (e.revokedAuditMs != 0 && nowMs - e.revokedAuditMs < kWriteIntervalMs)
        return false;
    e.revokedAuditMs = nowMs;
    return true;
}

qint64 DeviceSightings::lastSeenMs(const QString &deviceId) const
{
    std::lock_guard lock(m_mutex);
    return m_entries.value(deviceId).lastSeenMs;
}

qint64 DeviceSightings::writes() const
{
    std::lock_guard lock(m_mutex);
    return m_writes;
}

void DeviceSightings::flush()
{
    std::lock_guard lock(m_mutex);
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        Entry &e = it.value();
        if (!e.dirty)
            continue;
        if (m_store
                .recordSighting(
                    {it.key(), e.lastSeenMs, e.reported.failedUnlocks, e.reported.lockouts})
                .ok()) {
            e.dirty = false;
            ++m_writes;
        }
    }
}

} // namespace safeguard::hub
