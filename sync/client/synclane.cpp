#include "synclane.h"

#include <algorithm>

namespace safeguard::syncclient {

SyncLane::SyncLane(bool urgent, int maxInFlight, int maxBatchRecords)
    : m_urgent(urgent)
    , m_maxInFlight(std::max(1, maxInFlight))
    , m_maxBatchRecords(std::max(1, maxBatchRecords))
    , m_batchLimit(m_maxBatchRecords)
{}

void SyncLane::reset()
{
    clearWaits();
    m_batchLimit = m_maxBatchRecords;
    m_cursor = 0;
    m_failures = 0;
    m_lastFailureNoAnswer = false;
    m_bypassOnce = false;
    m_refusedBytes = m_acceptedBytes = m_refusedAtMs = 0;
}

void SyncLane::clearWaits()
{
    m_halted = false;
    m_haltedUntilMs = 0;
    m_retryAtMs = 0;
    m_delayMs = 0;
    m_serverAskedWait = false;
}

bool SyncLane::mayStart(qint64 now, bool *leftError)
{
    if (m_halted && now >= m_haltedUntilMs) {
        m_halted = false;
        if (leftError)
            *leftError = true;
    }
    if (m_halted)
        return false;
    return m_retryAtMs <= now || m_bypassOnce;
}

int SyncLane::recordCap(const BatchCaps &caps, bool small) const
{
    int cap = std::min(m_batchLimit, caps.records);
    if (small)
        cap = std::min(cap, std::max(1, caps.smallRecords));
    return std::max(1, cap);
}

qint64 SyncLane::byteCap(const BatchCaps &caps, bool small, qint64 now)
{
    if (m_refusedBytes > 0 && now - m_refusedAtMs >= kRefusalMemoryMs) {
        // Whatever refused it may have been fixed: the full size is tried again.
        m_refusedBytes = m_acceptedBytes = m_refusedAtMs = 0;
    }
    qint64 cap = caps.bytes;
    if (small)
        cap = std::min(cap, std::max<qint64>(1, caps.smallBytes));
    if (m_refusedBytes > 0) {
        // Halfway between the largest body accepted since and the smallest
        // refused; once they are close, the accepted size.
        const qint64 lo = m_acceptedBytes;
        const qint64 hi = m_refusedBytes;
        const qint64 probe =
            hi - lo <= std::max<qint64>(16 * 1024, hi / 8) ? lo : lo + (hi - lo) / 2;
        cap = std::min(cap, std::max<qint64>(1, probe > 0 ? probe : hi / 2));
    }
    return cap;
}

void SyncLane::sent(const QList<qint64> &entryIds, bool big)
{
    for (qint64 id : entryIds)
        m_inFlightIds.insert(id);
    ++m_inFlight;
    if (big)
        ++m_bigInFlight;
}

void SyncLane::answered(const QList<qint64> &entryIds, bool big)
{
    for (qint64 id : entryIds)
        m_inFlightIds.remove(id);
    m_inFlight = std::max(0, m_inFlight - 1);
    if (big)
        m_bigInFlight = std::max(0, m_bigInFlight - 1);
}

void SyncLane::succeeded(qint64 bodyBytes)
{
    m_failures = 0;
    m_lastFailureNoAnswer = false;
    // The hub answered: a wait it did not ask for is over.
    if (!m_serverAskedWait) {
        m_retryAtMs = 0;
        m_delayMs = 0;
    }
    if (m_refusedBytes > 0)
        m_acceptedBytes = std::max(m_acceptedBytes, bodyBytes);
    if (m_batchLimit < m_maxBatchRecords)
        m_batchLimit = std::min(m_maxBatchRecords, m_batchLimit * 2);
}

int SyncLane::tooLarge(qint64 bodyBytes, int entries, qint64 now)
{
    if (m_refusedBytes == 0 || bodyBytes < m_refusedBytes) {
        m_refusedBytes = bodyBytes;
        if (m_acceptedBytes >= m_refusedBytes)
            m_acceptedBytes = 0; // what passed before does not pass now
    }
    m_refusedAtMs = now;
    if (entries > 1)
        m_batchLimit = std::max(1, entries / 2);
    return m_batchLimit;
}

bool SyncLane::failed(const ReplyAction &action, int entries, qint64 now,
                      const SyncBackoff &backoff, const RandomSource &random)
{
    ++m_failures;
    m_lastFailureNoAnswer = action.noAnswer;
    // Several failures in a row: one entry may be breaking its batch, or a
    // proxy may reset large bodies. Send fewer at once.
    bool split = false;
    if (m_failures >= kFailuresBeforeSplit && entries > 1) {
        m_batchLimit = std::max(1, entries / 2);
        split = true;
    }
    const qint64 delay = backoff.delayMs(m_failures, action.retryAfterMs, random);
    const qint64 at = now + delay;
    // A later failure never shortens a wait already promised to the hub.
    if (m_retryAtMs <= now || at > m_retryAtMs) {
        m_delayMs = delay;
        m_retryAtMs = at;
        m_serverAskedWait = action.retryAfterMs >= 0;
    }
    return split;
}

void SyncLane::networkBack()
{
    if (m_lastFailureNoAnswer && !m_serverAskedWait) {
        m_retryAtMs = 0;
        m_delayMs = 0;
    }
}

void SyncLane::forgetInFlight()
{
    m_inFlight = 0;
    m_bigInFlight = 0;
    m_inFlightIds.clear();
    m_cursor = 0;
}

void SyncLane::entryParked()
{
    m_failures = 0;
    m_retryAtMs = 0;
    m_delayMs = 0;
    m_serverAskedWait = false;
}

void SyncLane::halt(qint64 now, qint64 retryMs)
{
    m_halted = true;
    m_haltedUntilMs = now + retryMs;
}

qint64 SyncLane::nextDeadline(qint64 now) const
{
    qint64 next = 0;
    auto consider = [&next, now](qint64 at) {
        if (at > now && (next == 0 || at < next))
            next = at;
    };
    consider(m_retryAtMs);
    if (m_halted)
        consider(m_haltedUntilMs);
    return next;
}

} // namespace safeguard::syncclient
