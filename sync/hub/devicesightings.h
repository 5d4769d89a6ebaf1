#pragma once

#include "hubstore.h"

#include <QHash>
#include <QString>
#include <mutex>
#include <optional>

namespace safeguard::hub {

// What a device reports at its check-in about its own lock screen: totals
// since its vault was made (so a lost check-in loses no count).
struct UnlockReport
{
    quint32 failedUnlocks = 0;
    quint32 lockouts = 0;
};

// When each device was last seen, held in memory and written to the store
// at most once per device per interval (never an fsynced row per request: a
// fleet checking in every 15 minutes would otherwise cost the hub a durable
// write per check-in). A new unlock report is written, and alerted, at once.
// Also bounds the audit of a revoked device that keeps calling: one row per
// device per interval. Thread-safe.
class DeviceSightings
{
public:
    static constexpr qint64 kWriteIntervalMs = 15 * 60 * 1000;

    explicit DeviceSightings(HubStore &store);

    // An authenticated request from the device. With a report whose totals
    // rose, raises an "unlock_failures" alert (and logs it) before returning.
    void seen(const QString &deviceId, const QString &officerId, qint64 nowMs,
              const std::optional<UnlockReport> &report = std::nullopt);
    // Whether a revoked device's refusal should be audited now: true at most
    // once per device per interval.
    bool auditRevoked(const QString &deviceId, qint64 nowMs);
    // The in-memory last-seen time (0: not seen by this process).
    qint64 lastSeenMs(const QString &deviceId) const;
    // How many sightings were written to the store (for tests and stats).
    qint64 writes() const;
    // Writes every sighting not yet written (at shutdown).
    void flush();

private:
    struct Entry
    {
        qint64 lastSeenMs = 0;
        qint64 writtenMs = 0; // when the store last got this entry
        bool dirty = false;
        UnlockReport reported;
        qint64 revokedAuditMs = 0;
        bool loaded = false;
    };

    HubStore &m_store;
    mutable std::mutex m_mutex;
    QHash<QString, Entry> m_entries;
    qint64 m_writes = 0;
};

} // namespace safeguard::hub
