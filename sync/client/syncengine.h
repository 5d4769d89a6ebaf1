#pragma once

#include "enrolmentclient.h"
#include "hubconnection.h"
#include "protocol/clock.h"
#include "protocol/limits.h"
#include "protocol/riskchecklist.h"
#include "receiptreader.h"
#include "recordsource.h"
#include "replypolicy.h"
#include "sealedoutbox.h"
#include "storebridge.h"
#include "syncbackoff.h"
#include "syncerror.h"
#include "synclane.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>

class QNetworkReply;

namespace safeguard::v1 {
class DevicePolicy;
}

namespace safeguard::syncwire {
class SealingSession;
} // namespace safeguard::syncwire

namespace safeguard::platform {
class Connectivity;
class CredentialStore;
} // namespace safeguard::platform

namespace safeguard::syncclient {

// The counters the simulator and the benchmark print.
struct SyncStats
{
    qint64 requests = 0;
    qint64 sent = 0; // envelopes put on the wire (a resend counts again)
    qint64 acknowledged = 0;
    qint64 needsCorrection = 0;
    qint64 conflicts = 0;
    qint64 splits = 0;        // 413 answers (or cut uploads) that made a batch smaller
    qint64 parked = 0;        // entries set aside after failing alone
    qint64 networkErrors = 0; // requests that got no answer (not counting pin mismatches)
    qint64 bytesOnWire = 0;
    qint64 illegalTransitions = 0; // state changes outside the table: bugs
    qint64 checkIns = 0;           // GET /v1/device/status sent
};

// The app's sync engine: drains the sealed outbox (SealedOutbox) to the hub
// so that every submitted record version reaches it exactly once (the hub is
// idempotent per id, version and hash; the device resends until a receipt
// says so), whether the app is unlocked, locked, or wiped. The device never
// makes a final verdict on a record by itself: only a receipt's per-record
// answer does. What an answer means is ReplyPolicy's (pure, unit-tested);
// whether a body is this batch's receipt is ReceiptReader's.
//
// Two lanes, each with its own requests, failures, backoff and halt:
// urgent entries (red grade, Operation Encompass) go in small batches
// (Options::urgentMaxRecords, urgentMaxBytes) with their own request slots,
// so they never wait behind a normal batch, a big urgent one, or the normal
// lane's backoff; normal entries go in batches bounded by Limits and by what
// the hub last said it takes (DevicePolicy, kept in the sealed outbox).
//
// A lane's failures: any answer that is not a receipt (503, 429, 5xx, a
// status no hub gives, a redirect, a portal's 200, a network error) backs
// the lane off for max(Retry-After, 1 s, the exponential step) plus up to
// half again as jitter, at most an hour (SyncBackoff), timed on the injected
// Clock: wake() sends what is due, and a timer calls it. A newly submitted
// urgent entry may go once through its lane's backoff; nothing else does.
// The hub calling a request a bug (400, 404, 405, 415) halts that lane
// (Error) until "sync now" or, every Options::errorRetryMs, the timer. Four
// failures in a row halve the lane's batches, so an entry that breaks its
// batch is soon sent alone; one sent alone that fails (an answer that may be
// about it, a 413 not from the hub's receipt) five times or over 24 hours is
// parked (ParkRule): the rest of the lane goes, it is retried every 6 hours
// and at "sync now", and a parked urgent entry shows on the home banner.
//
// A 413 (the hub's states its limits; a proxy's may not) or an upload cut
// part way never ends a record: the batch is halved at once, the smallest
// refused body size is remembered (an hour) with the largest accepted since,
// and later batches grow only halfway between the two, so a proxy's limit
// costs a few refusals, not a halve-and-double cycle.
//
// State (a NOTIFY property) is the headline of both lanes: Revoked or
// ReenrolmentNeeded (engine-wide stops) > Sending (a request out) > Error
// (a lane halted, or the enrolment changed outside the app) >
// WaitingForNetwork (the OS says offline) > BackingOff > Idle.
// ReenrolmentNeeded (401: every record kept); Revoked (403 with a wipe order
// over a trusted connection: the store is crypto-shredded through the wipe
// handler, once; when the 403 is also this batch's receipt its verdicts are
// recorded before the wipe and the engine keeps sending what the sealed
// outbox still holds, entering Revoked only when nothing is pending; a 403
// that is not this batch's receipt revokes at once, the sealed outbox kept).
//
// A receipt's verdicts are recorded in one outbox transaction (ACCEPTED and
// DUPLICATE acknowledged, REJECTED needs correction with the hub's reasons,
// CONFLICT a fault that is not resent) and, while a store is attached,
// copied to the store in one store transaction (a CONFLICT as "held at
// hub"). Receipts that arrive while locked reach the store at the next
// unlock(). Repair (a submission the outbox lacks after a crash between the
// two files) reads only the store's entries not yet handed over, at unlock
// and on the periodic timer while unlocked, and compares hashes; purge
// follows each record's latest version's acknowledgement; final entries past
// retention (and Dependencies::compactBefore) are compacted away.
//
// Sealing: records are sealed with one syncwire::SealingSession (one X25519
// key agreement per session, the key only in locked memory), opened at the
// first seal while a store is attached, rotated after
// SealingSession::kMaxRecords records or kMaxAgeMs on the injected clock or
// when the hub key changes, and ended (key wiped) at locked(), at a wipe
// order, and after sealSubmissions() when no store was attached before.
//
// Triggers: start(), unlock, recordSubmitted(), connectivity regained, the
// timers (wake()), syncNow(); where no connectivity backend reports, a
// failed network sends the engine probing the hub's /healthz (hub id
// checked) until it answers. Logs hold ids and counts only.
class SyncEngine : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(int waitingCount READ waitingCount NOTIFY countsChanged)
    Q_PROPERTY(int urgentWaitingCount READ urgentWaitingCount NOTIFY countsChanged)
    Q_PROPERTY(int needsCorrectionCount READ needsCorrectionCount NOTIFY countsChanged)
    Q_PROPERTY(int conflictCount READ conflictCount NOTIFY countsChanged)
    Q_PROPERTY(int parkedCount READ parkedCount NOTIFY countsChanged)
    Q_PROPERTY(int urgentParkedCount READ urgentParkedCount NOTIFY countsChanged)
    Q_PROPERTY(
        QDateTime lastSuccessfulSync READ lastSuccessfulSync NOTIFY lastSuccessfulSyncChanged)
    Q_PROPERTY(bool enrolled READ isEnrolled NOTIFY enrolledChanged)

public:
    enum class State
    {
        Idle,
        WaitingForNetwork,
        Sending,
        BackingOff,
        ReenrolmentNeeded,
        Revoked,
        Error,
    };
    Q_ENUM(State)

    // The state machine's edges: every change setState() may make. Any
    // other change is a bug: it is logged as critical and counted in
    // stats().illegalTransitions, and still made (refusing it could leave
    // records unsent). Tests assert that none happens and that each edge is
    // taken somewhere.
    static bool isAllowedTransition(State from, State to);
    // Failures of a lane in a row before its next batch is halved (to find
    // an entry that breaks its batch, or a proxy that resets large bodies).
    static constexpr int kFailuresBeforeSplit = SyncLane::kFailuresBeforeSplit;
    // How long a refused body size is remembered.
    static constexpr qint64 kRefusalMemoryMs = SyncLane::kRefusalMemoryMs;
    static QList<std::pair<State, State>> allowedTransitions();

    struct Options
    {
        int maxBatchRecords = protocol::Limits::kMaxBatchRecords;
        // Leave room for the batch's own fields and framing.
        qint64 maxBatchBytes = protocol::Limits::kMaxBatchBytes - 64 * 1024;
        int normalRequestsInFlight = 2;
        int urgentRequestsInFlight = 2;
        // The urgent lane has one full-size batch out at a time (an urgent
        // backlog drains at full speed); its other requests are small and
        // take the newest urgent entries first, so a new urgent record never
        // waits behind a big batch in flight.
        int urgentMaxRecords = 16;
        qint64 urgentMaxBytes = 256 * 1024;
        int transferTimeoutMs = 30000;
        int periodicSyncMs = 5 * 60 * 1000;
        // A lane halted in Error tries again this often.
        qint64 errorRetryMs = 15 * 60 * 1000;
        // How often an enrolled device checks in, with or without anything
        // to send, locked or not (a revoked device learns its wipe order).
        qint64 checkInMs = 15 * 60 * 1000;
        int healthProbeMs = 15000;
        SyncBackoff backoff;
        ParkRule park;
        QString deviceName;
    };

    // Called on a trusted wipe order, after the engine has let go of the
    // store: destroy the data key and the store (KeyVault::wipe()).
    // Destroys the store's key; false when that failed (tried again at the
    // next wipe order).
    using WipeHandler = std::function<bool()>;

    // Wrong passphrases and lockouts since the store's vault was made.
    struct UnlockCounts
    {
        quint32 failedUnlocks = 0;
        quint32 lockouts = 0;
    };
    struct Dependencies
    {
        const protocol::Clock *clock = nullptr;
        platform::CredentialStore *credentials = nullptr;
        NetworkAccessFactory networkAccess;             // default: a plain QNetworkAccessManager
        platform::Connectivity *connectivity = nullptr; // optional: none means "unknown"
        RandomSource random;                            // default: the system's
        WipeHandler onWipeOrder;
        // Final entries decided before this moment (Clock ms) may be
        // compacted away; default: the retention cutoff. The hub-at-scale
        // backup watermark will narrow it (a hub restored from a backup asks
        // again for what it lost).
        std::function<qint64()> compactBefore;
        // The lock screen's totals since the vault was made (KeyVault::
        // Status), reported at each check-in; default: none reported.
        std::function<UnlockCounts()> unlockCounts;
    };

    // Where the enrolment's secrets live in the platform key store (see
    // EnrolmentClient).
    static QString credentialName() { return EnrolmentClient::credentialName(); }
    static QString pendingCodeName() { return EnrolmentClient::pendingCodeName(); }
    static QString enrolmentDigestName() { return EnrolmentClient::enrolmentDigestName(); }
    static QByteArray enrolmentDigest(const Enrolment &e)
    {
        return EnrolmentClient::enrolmentDigest(e);
    }
    static QString pendingCredentialName() { return EnrolmentClient::pendingCredentialName(); }
    // A pending code's retries: the first after this, doubling, capped.
    static constexpr qint64 kEnrolRetryMinMs = 30 * 1000;
    static constexpr qint64 kEnrolRetryMaxMs = 15 * 60 * 1000;

    SyncEngine(QString deviceDir, Dependencies deps, Options options, QObject *parent = nullptr);
    SyncEngine(QString deviceDir, Dependencies deps, QObject *parent = nullptr);
    ~SyncEngine() override;

    // Opens the sealed outbox and, when enrolled, starts sending (the app-start
    // trigger). Works without the officer's key.
    SyncError start();

    // Exchanges a one-line enrolment code with its hub over the pinned
    // connection; enrolmentFinished() reports the outcome.
    void enrol(const QString &codeText);
    // True while a code waits to be exchanged with the hub.
    bool hasPendingEnrolment() const;
    // True while an enrolment request is out (posted synchronously by enrol()).
    bool isEnrolling() const { return m_enrolling; }

    // The officer unlocked: copies receipts that arrived while locked into
    // the store, seals submissions the outbox lacks (one bounded step now,
    // the rest in further steps from the event loop, so a large backlog
    // never holds the screen), purges expired content, then sends. The store
    // must outlive the engine's use (until locked()).
    SyncError unlocked(RecordSource *store);
    // The store is going away: ends the sealing session (its key is wiped).
    void locked();
    // The sealing session in use; null while none is open (tests).
    const syncwire::SealingSession *sealingSession() const { return m_bridge.session(); }
    // Whether an unlocked store is attached (unlocked() until locked()).
    bool storeAttached() const { return m_bridge.store() != nullptr; }

    // Seals every submission the outbox lacks without sending (a batch
    // submit, e.g. the simulator's submit-all); needs the store.
    SyncError sealSubmissions(RecordSource *store);

    // A record was just submitted: seal its exact bytes into the outbox and
    // send (an urgent one at once).
    SyncError recordSubmitted(const protocol::Submission &submission);

    // "Sync now": skips any backoff wait, leaves Error, and tries parked
    // entries again.
    void syncNow();
    // What the timers do: re-reads the clock, sends what is due, and on the
    // periodic tick repairs, purges and compacts. Tests move the injected
    // clock and call it instead of sleeping.
    void wake();
    // The periodic work (repair, purge, compaction) and wake().
    void periodic();
    // The check-in (GET /v1/device/status): at start, at unlock, when the
    // network returns and every Options::checkInMs; a revoked device is
    // wiped at it even with nothing to send.
    void checkIn();
    bool isCheckingIn() const { return m_checkingIn; }
    // The hub's max_offline_days has passed since it last answered this
    // enrolled device: the store must be wiped before any unlock attempt.
    bool offlineTooLong() const;

    // Purges acknowledged records' content older than the retention period
    // (needs the store); returns how many records were purged.
    int purgeExpired(SyncError *error = nullptr);

    State state() const { return m_state; }
    int waitingCount() const { return m_counts.pending; }
    int urgentWaitingCount() const { return m_counts.urgentPending; }
    int needsCorrectionCount() const { return m_counts.needsCorrection; }
    int conflictCount() const { return m_counts.conflicts; }
    int parkedCount() const { return m_counts.parked; }
    int urgentParkedCount() const { return m_counts.urgentParked; }
    QDateTime lastSuccessfulSync() const;
    bool isEnrolled() const { return m_enrolment.isValid() && !m_credential.isEmpty(); }
    QString deviceId() const { return m_enrolment.deviceId; }
    QString officerId() const { return m_enrolment.officerId; }

    // Nothing in flight and nothing that could be sent now.
    bool isQuiescent() const;
    int requestsInFlight() const;
    // One lane as the tests and the simulator see it.
    struct LaneStatus
    {
        int inFlight = 0;
        int failures = 0;     // in a row
        qint64 delayMs = 0;   // the current wait; 0 when not backing off
        qint64 retryAtMs = 0; // when it ends (Clock ms)
        bool halted = false;  // Error: the hub called a request a bug
        qint64 haltedUntilMs = 0;
        int batchLimit = 0;      // records in the next batch at most
        qint64 refusedBytes = 0; // the smallest body refused as too large (0: none)
    };
    LaneStatus laneStatus(bool urgent) const;
    // The normal lane's wait (the urgent lane's when only it waits); 0 when
    // not backing off.
    qint64 backoffDelayMs() const;
    qint64 nextAttemptAtMs() const;
    int consecutiveFailures() const;
    const SyncStats &stats() const { return m_stats; }
    SealedOutbox *outbox() const { return m_outbox.get(); }
    // The hub this device is enrolled with (invalid before enrolment).
    const Enrolment &enrolment() const { return m_enrolment; }
    // The risk instruments for the officer's store and form: the built-in
    // ones and those this device's hub handed it (each read from the outbox
    // and checked against the hub's signature again, so call it when
    // riskChecklistsChanged says, not per frame), the hub's current one
    // offered for new records, the others kept for the records answered on
    // them; the built-in DASH when the hub has none.
    protocol::RiskChecklistRegistry riskChecklists() const;

signals:
    void stateChanged(safeguard::syncclient::SyncEngine::State state);
    void countsChanged();
    void lastSuccessfulSyncChanged();
    void enrolledChanged();
    void enrolmentFinished(const safeguard::syncclient::SyncError &error);
    // Verdicts just recorded from a receipt.
    void entriesDecided(const QList<safeguard::syncclient::EntryResult> &results);
    void faultReported(safeguard::syncclient::SyncFault fault, const QString &detail);
    // Everything sendable has been answered (or the engine cannot go on).
    void quiescent();
    // The hub put another risk instrument in force, or withdrew its own:
    // riskChecklists() says what now.
    void riskChecklistsChanged();

private:
    bool m_enrolling = false;
    qint64 m_nextEnrolAttemptMs = 0;
    qint64 m_enrolRetryDelayMs = kEnrolRetryMinMs;

    struct Batch
    {
        QString batchId;
        QList<SealedEntry> entries;
        SyncLane *lane = nullptr;
        QList<qint64> ids; // the outbox entries it carries
        bool big = false;  // the urgent lane's one full-size batch
        qint64 bodyBytes = 0;
        // Body bytes handed to the network when the reply finished.
        std::shared_ptr<qint64> uploaded = std::make_shared<qint64>(0);
    };

    SyncError load();
    void retryPendingEnrolment();
    void adoptEnrolment(const EnrolmentClient::Result &result);
    // The outbox's enrolment against the attached store's trusted copy,
    // which wins (EnrolmentRestored).
    SyncError checkTrustedEnrolment();
    void setState(State s);
    void refreshCounts();
    void pump();
    bool sendNext(SyncLane &lane);
    void onSyncReply(QNetworkReply *reply, const Batch &batch);
    // Records a read receipt's verdicts; false when the outbox write failed.
    bool recordReceipt(const ReceiptReading &receipt, const QByteArray &body);
    void laneFailed(SyncLane &lane, const Batch &batch, const ReplyAction &action);
    void haltLane(SyncLane &lane);
    BatchCaps caps() const;
    void armWakeTimer();
    void halt(State s);
    void settle();
    State headline() const;
    // What the hub said it takes (0: not said; keep what was heard before).
    void learnHubLimits(const v1::DevicePolicy &policy, bool replace);
    int batchRecordCap() const;
    qint64 batchByteCap() const;
    // Performs a trusted wipe order: the handler runs at most once.
    SyncError repair();
    SyncError repairStep();
    void wipeOnce();
    void onConnectivity();
    void probeHealth();
    void checkInAnswered(QNetworkReply *reply);
    void learnOfflineLimit(const v1::DevicePolicy &policy);
    void learnRiskInstrument(const v1::DevicePolicy &policy);
    // The hash of the current instrument when its kept copy checks out.
    QByteArray heldRiskInstrument() const;
    static constexpr int kMaxKeptRiskInstruments = 16;
    QByteArray m_refusedInstrument; // this run's, so it is not fetched again
    void ensureConnection();
    void resetLanes();
    QByteArray authorization() const;
    // Seals submissions from the store into entries (not yet in the outbox).
    // The open session to seal the next record with (a new one when due).

    QString m_dir;
    Dependencies m_deps;
    Options m_options;
    std::unique_ptr<SealedOutbox> m_outbox;
    std::unique_ptr<HubConnection> m_connection;
    Enrolment m_enrolment;
    QByteArray m_credential;
    State m_state = State::Idle;
    // An engine-wide stop (ReenrolmentNeeded, Revoked) or Error for an
    // enrolment changed outside the app; Idle when none.
    State m_stop = State::Idle;
    OutboxCounts m_counts;
    HubLimits m_hubLimits;
    SyncStats m_stats;
    SyncLane m_urgent;
    SyncLane m_normal;
    QTimer m_wakeTimer;
    QTimer m_periodicTimer;
    QTimer m_probeTimer;
    QTimer m_repairTimer; // the repair's next bounded step
    // The officer's store while unlocked, and the sealing session with it.
    StoreBridge m_bridge;
    bool m_probing = false;
    bool m_checkingIn = false;
    qint64 m_lastCheckInMs = 0;              // Clock ms; 0: never
    bool m_wiped = false;                    // the wipe handler has run; draining, then Revoked
    bool m_enrolmentChangedReported = false; // the fault is emitted once
};

} // namespace safeguard::syncclient
