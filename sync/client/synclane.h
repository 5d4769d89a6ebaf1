#pragma once

#include "replypolicy.h"
#include "syncbackoff.h"

#include <QSet>
#include <QtGlobal>

namespace safeguard::syncclient {

// The caps a lane's batches must fit, whatever the lane has learnt.
struct BatchCaps
{
    int records = 500;      // ours and the hub's, whichever is smaller
    qint64 bytes = 8 << 20; // likewise, for the request body
    int smallRecords = 16;  // the urgent lane's second request
    qint64 smallBytes = 256 << 10;
};

// One lane of the sync engine (urgent or normal): what it has in flight,
// its failures and backoff, its Error halt, and the body sizes it learnt
// were refused. Pure rules on the injected clock's milliseconds, with no
// network, outbox or timer, so each is unit-tested (tst_synclane); the
// engine asks it what to send and tells it how each request ended.
class SyncLane
{
public:
    static constexpr int kFailuresBeforeSplit = 4;
    static constexpr qint64 kRefusalMemoryMs = 60 * 60 * 1000;

    SyncLane(bool urgent, int maxInFlight, int maxBatchRecords);

    bool urgent() const { return m_urgent; }
    // A new enrolment: nothing learnt from another hub or device holds.
    void reset();
    // "Sync now": every wait and halt ends; what was learnt about sizes stays.
    void clearWaits();

    // May the lane send at `now`? Leaves Error once its retry time came
    // (*leftError says so), and a newly submitted urgent entry goes through
    // a backoff once.
    bool mayStart(qint64 now, bool *leftError = nullptr);
    bool hasRoom() const { return !m_halted && m_inFlight < m_maxInFlight; }
    void bypassBackoffOnce() { m_bypassOnce = true; }
    void endBypass() { m_bypassOnce = false; }

    // The urgent lane keeps at most one full-size batch out; its other
    // request is small and takes the newest first.
    bool nextIsSmall() const { return m_urgent && m_bigInFlight > 0; }
    int recordCap(const BatchCaps &caps, bool small) const;
    // Body bytes: halfway between the largest accepted and the smallest
    // refused while a refusal is remembered (an hour), then the full size.
    qint64 byteCap(const BatchCaps &caps, bool small, qint64 now);

    qint64 cursor() const { return m_cursor; }
    void setCursor(qint64 id) { m_cursor = id; }
    void rewind() { m_cursor = 0; }
    bool isInFlight(qint64 entryId) const { return m_inFlightIds.contains(entryId); }
    int inFlightEntries() const { return int(m_inFlightIds.size()); }
    void sent(const QList<qint64> &entryIds, bool big);
    void answered(const QList<qint64> &entryIds, bool big);
    int inFlight() const { return m_inFlight; }

    // The hub answered with a receipt.
    void succeeded(qint64 bodyBytes);
    // A 413 or an upload cut part way: the body size is remembered, and a
    // batch of several records is halved. Returns the new record limit.
    int tooLarge(qint64 bodyBytes, int entries, qint64 now);
    // Any other failure: backs off max(Retry-After, floor, step) + jitter,
    // never shortening a wait the hub asked for; several in a row halve
    // the batches. Returns true when the batches were made smaller.
    bool failed(const ReplyAction &action, int entries, qint64 now, const SyncBackoff &backoff,
                const RandomSource &random);
    // The network is back (or the hub answered a probe): a wait only the
    // network caused is over; one the hub asked for is not.
    void networkBack();
    // The requests out belong to a connection that is gone: their entries
    // are still pending and go again (the hub is idempotent).
    void forgetInFlight();
    // The entry that failed alone was set aside: the rest goes at once.
    void entryParked();
    // Error: the hub called a request a bug; tried again at now + retryMs.
    void halt(qint64 now, qint64 retryMs);

    bool halted() const { return m_halted; }
    qint64 haltedUntilMs() const { return m_haltedUntilMs; }
    int failures() const { return m_failures; }
    bool lastFailureNoAnswer() const { return m_lastFailureNoAnswer; }
    qint64 delayMs() const { return m_delayMs; }
    qint64 retryAtMs() const { return m_retryAtMs; }
    bool backingOff(qint64 now) const { return m_retryAtMs > now; }
    int batchLimit() const { return m_batchLimit; }
    qint64 refusedBytes() const { return m_refusedBytes; }
    // When something becomes due again (0: nothing).
    qint64 nextDeadline(qint64 now) const;

private:
    bool m_urgent;
    int m_maxInFlight;
    int m_maxBatchRecords;
    int m_inFlight = 0;
    int m_bigInFlight = 0; // urgent lane: full-size batches out (at most one)
    int m_batchLimit;
    qint64 m_cursor = 0;
    QSet<qint64> m_inFlightIds;
    int m_failures = 0; // in a row, this lane only
    bool m_lastFailureNoAnswer = false;
    qint64 m_delayMs = 0;
    qint64 m_retryAtMs = 0;         // backing off until; 0: not
    bool m_serverAskedWait = false; // a Retry-After: another success does not cut it
    bool m_halted = false;          // Error
    qint64 m_haltedUntilMs = 0;
    bool m_bypassOnce = false;
    qint64 m_refusedBytes = 0;  // smallest body refused as too large; 0: none remembered
    qint64 m_acceptedBytes = 0; // largest body accepted since
    qint64 m_refusedAtMs = 0;
};

} // namespace safeguard::syncclient
