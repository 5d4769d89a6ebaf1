#pragma once

#include "hubconnection.h"
#include "protocol/clock.h"
#include "protocol/limits.h"
#include "sealedoutbox.h"
#include "syncbackoff.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>
#include <memory>

class QNetworkReply;

namespace safeguard::v1 {
class DevicePolicy;
}

namespace safeguard::store {
class RecordStore;
struct Submission;
} // namespace safeguard::store

namespace safeguard::syncwire {
class SealingSession;
} // namespace safeguard::syncwire

namespace safeguard::platform {
class Connectivity;
class CredentialStore;
} // namespace safeguard::platform

namespace safeguard::syncclient {

enum class SyncErrorKind
{
    None,
    NotEnrolled,      // no hub yet: enrol with a code first
    InvalidCode,      // the enrolment code cannot be read or has expired
    CodeRefused,      // the hub refused the code (unknown, used or expired)
    Outbox,           // the sealed outbox could not be read or written
    Store,            // the officer's store refused a read or write
    Credential,       // the platform key store failed
    Transport,        // the hub could not be reached or could not be trusted
    UnexpectedAnswer, // the hub (or something pretending) answered nonsense
    Sealing,          // no sealing session could be opened (a bad hub key, no secure memory)
    EnrolmentChanged, // outbox.db names another hub than the key store remembers: nothing is sent
};

struct SyncError
{
    SyncErrorKind kind = SyncErrorKind::None;
    QString message; // ids and counts only
    bool ok() const { return kind == SyncErrorKind::None; }
    explicit operator bool() const { return !ok(); }
};

// A problem the engine reports for logs and administrators, never for the
// officer to fix: ids and counts only.
enum class SyncFault
{
    Conflict,         // the hub holds this id and version with another hash
    Redirect,         // a 3xx: a portal or a misconfigured proxy; nothing sent
    NotAReceipt,      // a 2xx that is not this batch's receipt from this hub
    PinMismatch,      // TLS with a key that matches neither pin
    ClientBug,        // 400, 404, 405, 415: the same bytes are not retried
    Unauthorised,     // 401
    WipeOrdered,      // 403 with a wipe order over a trusted connection
    OutboxUnreadable, // the sealed outbox could not be read: nothing can be sent
    EnrolmentChanged, // outbox.db's hub, pins or sealing key differ from the enrolment
};

// The counters the simulator and the benchmark print.
struct SyncStats
{
    qint64 requests = 0;
    qint64 sent = 0; // envelopes put on the wire (a resend counts again)
    qint64 acknowledged = 0;
    qint64 needsCorrection = 0;
    qint64 conflicts = 0;
    qint64 splits = 0;        // 413 answers that halved a batch
    qint64 networkErrors = 0; // requests that got no answer (not counting pin mismatches)
    qint64 bytesOnWire = 0;
    qint64 illegalTransitions = 0; // state changes outside the table: bugs
};

// The app's sync engine: drains the sealed outbox (SealedOutbox) to the hub
// so that every submitted record version reaches it exactly once (the hub is
// idempotent per id, version and hash; the device resends until a receipt
// says so), whether the app is unlocked, locked, or wiped.
//
// State machine (State, with a NOTIFY property): Idle; WaitingForNetwork
// (the OS says offline); Sending; BackingOff (503 honouring Retry-After,
// network errors and untrusted answers, exponential with full jitter and a
// cap, timed from the injected Clock and RandomSource); ReenrolmentNeeded
// (401: every record kept); Revoked (403 with a wipe order over a trusted
// connection: the store is crypto-shredded through the wipe handler, once;
// when the 403 is also this batch's receipt, its verdicts are recorded
// before the wipe and the engine keeps sending what the sealed outbox still
// holds, every answer another 403 with a receipt, and enters Revoked only
// when nothing is pending; a 403 that is not this batch's receipt revokes at
// once, the sealed outbox kept); Error (the hub called our request a bug: 400/404/
// 405/415; "sync now" retries).
//
// Two lanes: urgent entries (red grade, Operation Encompass) have their own
// request slot, so they go at once in their own request and never wait
// behind a normal batch in flight; normal entries go in batches bounded by
// Limits (500 records, 8 MiB) and by what the hub last said it takes
// (DevicePolicy in the enrolment answer and every receipt, kept in the
// sealed outbox), with a few requests in flight. A 413 (which the hub lets
// the device read, and which may state the hub's limits) halves the batch
// size down to one record; a single record refused as too large is marked
// for correction, so the queue never blocks on one record. An upload cut
// part way (a proxy with a smaller limit) halves the batch too.
//
// A 2xx counts only when its body is the SyncReceipt for this batch id from
// this hub id with one known result per envelope in order; then verdicts
// are recorded in one outbox transaction (ACCEPTED/DUPLICATE acknowledged,
// REJECTED needs correction with the hub's reasons, CONFLICT a fault that
// is not resent) and, while a store is attached, copied to the store in
// one store transaction (a CONFLICT as "held at hub": sent, and the hub's
// staff's to resolve, never left waiting to send). Receipts that arrive while locked reach the
// store at the next unlock(), which also seals any submission that never reached the outbox (a
// crash between the two files) and purges acknowledged content older than the hub's retention.
//
// Sealing: records are sealed with one syncwire::SealingSession (one X25519
// key agreement per session, the key only in locked memory), opened at the
// first seal while a store is attached, rotated after
// SealingSession::kMaxRecords records or kMaxAgeMs on the injected clock or
// when the hub key changes, and ended (key wiped) at locked(), at a wipe
// order, and after sealSubmissions() when no store was attached before.
//
// Triggers: start(), unlock, recordSubmitted(), connectivity regained, a
// periodic timer, syncNow(); where no connectivity backend reports, a
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
    // Network errors in a row, each after the whole body was handed over,
    // before the next batch is halved anyway (see onSyncReply).
    static constexpr int kNetworkErrorsBeforeSplit = 4;
    static QList<std::pair<State, State>> allowedTransitions();

    struct Options
    {
        int maxBatchRecords = protocol::Limits::kMaxBatchRecords;
        // Leave room for the batch's own fields and framing.
        qint64 maxBatchBytes = protocol::Limits::kMaxBatchBytes - 64 * 1024;
        int normalRequestsInFlight = 2;
        int urgentRequestsInFlight = 1;
        int transferTimeoutMs = 30000;
        int periodicSyncMs = 5 * 60 * 1000;
        int healthProbeMs = 15000;
        SyncBackoff backoff;
        QString deviceName;
    };

    // Called on a trusted wipe order, after the engine has let go of the
    // store: destroy the data key and the store (KeyVault::wipe()).
    // Destroys the store's key; false when that failed (tried again at the
    // next wipe order).
    using WipeHandler = std::function<bool()>;

    struct Dependencies
    {
        const protocol::Clock *clock = nullptr;
        platform::CredentialStore *credentials = nullptr;
        NetworkAccessFactory networkAccess;             // default: a plain QNetworkAccessManager
        platform::Connectivity *connectivity = nullptr; // optional: none means "unknown"
        RandomSource random;                            // default: the system's
        WipeHandler onWipeOrder;
    };

    static QString credentialName() { return QStringLiteral("device-credential"); }
    // An enrolment code that could not reach the hub yet (it holds a secret,
    // so it lives in the credential store). Retried on every trigger until
    // the hub answers for it; the first retry waits kEnrolRetryMinMs.
    static QString pendingCodeName() { return QStringLiteral("pending-enrolment-code"); }
    // A digest of the enrolment (hub URL and id, device, officer, pins,
    // sealing key), kept in the platform key store beside the credential.
    // outbox.db is a plain file: whoever can write it could point the device
    // at another hub, pins and sealing key, and have its records "acknowledged"
    // there and purged. At every load the outbox's enrolment must match this,
    // or nothing is sealed or sent (SyncErrorKind::EnrolmentChanged).
    static QString enrolmentDigestName() { return QStringLiteral("enrolment-digest"); }
    static QByteArray enrolmentDigest(const Enrolment &e);
    // The credential this device chose for the pending code, kept with it
    // until the enrolment is written down: a retry after a lost reply or a
    // crash sends the same pair and the hub answers with the same device.
    static QString pendingCredentialName() { return QStringLiteral("pending-device-credential"); }
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

    // The officer unlocked: copies receipts that arrived while locked into
    // the store, seals submissions the outbox lacks, purges expired content,
    // then sends. The store must outlive the engine's use (until locked()).
    SyncError unlocked(store::RecordStore *store);
    // The store is going away: ends the sealing session (its key is wiped).
    void locked();
    // The sealing session in use; null while none is open (tests).
    const syncwire::SealingSession *sealingSession() const { return m_session.get(); }

    // Seals every submission the outbox lacks without sending (a batch
    // submit, e.g. the simulator's submit-all); needs the store.
    SyncError sealSubmissions(store::RecordStore *store);

    // A record was just submitted: seal its exact bytes into the outbox and
    // send (an urgent one at once).
    SyncError recordSubmitted(const store::Submission &submission);

    // "Sync now": skips any backoff wait, and leaves Error to try again.
    void syncNow();

    // Purges acknowledged records' content older than the retention period
    // (needs the store); returns how many records were purged.
    int purgeExpired(SyncError *error = nullptr);

    State state() const { return m_state; }
    int waitingCount() const { return m_counts.pending; }
    int urgentWaitingCount() const { return m_counts.urgentPending; }
    int needsCorrectionCount() const { return m_counts.needsCorrection; }
    int conflictCount() const { return m_counts.conflicts; }
    QDateTime lastSuccessfulSync() const;
    bool isEnrolled() const { return m_enrolment.isValid() && !m_credential.isEmpty(); }
    QString deviceId() const { return m_enrolment.deviceId; }
    QString officerId() const { return m_enrolment.officerId; }

    // Nothing in flight and nothing that could be sent now.
    bool isQuiescent() const;
    int requestsInFlight() const;
    // The current wait and when it ends (Clock ms); 0 when not backing off.
    qint64 backoffDelayMs() const { return m_backoffDelayMs; }
    qint64 nextAttemptAtMs() const { return m_nextAttemptAtMs; }
    int consecutiveFailures() const { return m_failures; }
    const SyncStats &stats() const { return m_stats; }
    SealedOutbox *outbox() const { return m_outbox.get(); }

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

private:
    bool m_enrolling = false;
    qint64 m_nextEnrolAttemptMs = 0;
    qint64 m_enrolRetryDelayMs = kEnrolRetryMinMs;

    struct Lane
    {
        bool urgent = false;
        int maxInFlight = 1;
        int inFlight = 0;
        int batchLimit = protocol::Limits::kMaxBatchRecords;
        qint64 cursor = 0;
        QSet<qint64> inFlightIds;
    };
    struct Batch
    {
        QString batchId;
        QList<SealedEntry> entries;
        Lane *lane = nullptr;
        qint64 bodyBytes = 0;
        // Body bytes handed to the network when the reply finished.
        std::shared_ptr<qint64> uploaded = std::make_shared<qint64>(0);
    };

    SyncError load();
    void retryPendingEnrolment();
    void setState(State s);
    void refreshCounts();
    void pump();
    bool sendNext(Lane &lane);
    void onSyncReply(QNetworkReply *reply, const Batch &batch);
    bool applyReceipt(const QByteArray &body, const Batch &batch, QString *why);
    void backOff(int retryAfterSeconds, bool networkFailure);
    void halt(State s);
    void settle();
    void applyVerdictsToStore();
    // What the hub said it takes (0: not said; keep what was heard before).
    void learnHubLimits(const v1::DevicePolicy &policy, bool replace);
    int batchRecordCap() const;
    qint64 batchByteCap() const;
    SyncError reconcile();
    // Performs a trusted wipe order: the handler runs at most once.
    void wipeOnce();
    void onConnectivity();
    void probeHealth();
    void ensureConnection();
    QByteArray authorization() const;
    // Seals submissions from the store into entries (not yet in the outbox).
    SyncError sealEntries(const QList<store::Submission> &subs, QList<SealedEntry> &entries);
    SyncError sealAndAdd(const QList<store::Submission> &subs);
    // The open session to seal the next record with (a new one when due).
    SyncError ensureSession();
    void endSession();

    QString m_dir;
    Dependencies m_deps;
    Options m_options;
    std::unique_ptr<SealedOutbox> m_outbox;
    std::unique_ptr<HubConnection> m_connection;
    Enrolment m_enrolment;
    QByteArray m_credential;
    store::RecordStore *m_store = nullptr;
    std::unique_ptr<syncwire::SealingSession> m_session; // only while m_store is attached
    State m_state = State::Idle;
    OutboxCounts m_counts;
    HubLimits m_hubLimits;
    SyncStats m_stats;
    Lane m_urgent;
    Lane m_normal;
    int m_failures = 0;
    bool m_lastFailureWasNetwork = false;
    qint64 m_backoffDelayMs = 0;
    qint64 m_nextAttemptAtMs = 0;
    QTimer m_backoffTimer;
    QTimer m_periodicTimer;
    QTimer m_probeTimer;
    bool m_probing = false;
    bool m_wiped = false;                    // the wipe handler has run; draining, then Revoked
    bool m_enrolmentChangedReported = false; // the fault is emitted once
};

} // namespace safeguard::syncclient
