#pragma once

#include "safeguard/v1/sync.pb.h"
#include "sqlite/sqldatabase.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <limits>
#include <memory>
#include <optional>

namespace safeguard::syncclient {

enum class OutboxErrorKind
{
    None,
    Io,      // the file cannot be opened, written or made private
    Corrupt, // the file is damaged
    Internal,
};

struct OutboxError
{
    OutboxErrorKind kind = OutboxErrorKind::None;
    QString message; // SQLite's text or ours; never record content
    bool ok() const { return kind == OutboxErrorKind::None; }
    static OutboxError fromSql(const sql::SqlError &e, const char *during);
};

// Where one entry stands. Pending entries are sent; the others are final.
enum class EntryState
{
    Pending,
    Acknowledged,    // ACCEPTED or DUPLICATE: on the hub
    NeedsCorrection, // REJECTED, with the hub's reasons
    Conflict,        // the hub holds this id and version with another hash: a fault
};

QString toKey(EntryState s);
std::optional<EntryState> entryStateFromKey(const QString &key);

// One submitted record version, sealed to the hub at submit time.
struct SealedEntry
{
    qint64 id = 0;
    QString recordId;
    int version = 0;
    bool urgent = false;
    QByteArray sha256;
    qint64 size = 0;   // of the plaintext record
    QByteArray sealed; // the record sealed to the hub; empty once final
    // How sealed was sealed (schema 1 entries were all crypto_box_seal).
    v1::SealScheme scheme = v1::SEAL_SCHEME_SESSION_XCHACHA20;
    // The sealing session's signature by the device key (64 bytes).
    QByteArray sessionSignature;
};

// The hub's verdict on one entry, as written by the engine.
struct EntryResult
{
    QString recordId;
    int version = 0;
    EntryState state = EntryState::Pending;
    QString reasons; // "code: message" lines for NeedsCorrection/Conflict; no content
    // The entry's row (SealedEntry::id) when the caller knows it: record()
    // then finds it by rowid instead of through the (record_id, version)
    // index; 0 finds it by record id and version alone.
    qint64 entryId = 0;
};

// A final verdict not yet copied into the officer's encrypted store.
struct UnappliedResult
{
    QString recordId;
    int version = 0;
    EntryState state = EntryState::Pending;
    QString reasons;
    qint64 decidedMs = 0;
    // The serialized, signed SyncReceipt that decided it (shared between
    // the entries of one receipt); empty when the outbox holds none. What
    // the fields above say is only the outbox's word: the store believes
    // the receipt, once its signature and hash are checked.
    QByteArray receipt;
    // The bytes the verdict is about (from the checked receipt).
    QByteArray sha256;
    // Decided before this outbox kept receipts (schema 4): no receipt can
    // back it, and none is missing. Sent for again without an alarm.
    bool beforeSignedReceipts = false;
};

// What the device learnt at enrolment that is not secret: where the hub is,
// how to recognise it, and whom to seal to. The credential is elsewhere
// (platform::CredentialStore).
struct Enrolment
{
    QString hubUrl;
    QString hubId;
    QString deviceId;
    QString officerId;
    QString tlsPin;    // base64 SHA-256 of the SPKI
    QString backupPin; // the same for the backup key
    QByteArray sealingPublicKey;
    QByteArray hubSigningKey; // Ed25519: signs the hub's receipts
    bool isValid() const
    {
        return !hubUrl.isEmpty() && !deviceId.isEmpty() && sealingPublicKey.size() == 32 &&
               hubSigningKey.size() == 32;
    }
    bool operator==(const Enrolment &) const = default;
};

// What the hub last said it takes in one POST /v1/sync (DevicePolicy);
// 0 where it has said nothing.
struct HubLimits
{
    qint64 maxBodyBytes = 0;
    int maxBatchRecords = 0;
    bool operator==(const HubLimits &) const = default;
};

struct OutboxCounts
{
    int pending = 0;
    int urgentPending = 0;
    int needsCorrection = 0;
    int conflicts = 0;
    int acknowledged = 0;
    int parked = 0; // pending entries set aside after failing alone
    int urgentParked = 0;
};

// When an entry that keeps failing alone is set aside, and for how long.
struct ParkRule
{
    int afterFailures = 5;
    qint64 afterMs = 24 * 3600 * 1000;     // failing since this long ago
    qint64 retryEveryMs = 6 * 3600 * 1000; // tried again this often
};

// The sealed outbox: a plain SQLite file (outbox.db, 0600, in the 0700 store
// directory) beside the officer's encrypted store, opened through the
// SQLCipher build WITHOUT a key so the app, the simulator and tests link one
// engine. It holds only what sending needs (record id, version, priority,
// SHA-256, size, the record sealed to the hub's public key and how it was
// sealed) plus each
// entry's state and the hub's reasons, so it can be read and drained while
// the app is locked, and it survives a wipe of the key and the store:
// nothing on the device can open a sealed entry. Sealed bytes are dropped
// once the hub has answered for them. Enrolment details and device policy
// (retention, the hub's request limits) live here too. Every change is one
// durable transaction (WAL, synchronous=FULL). Entries are keyed by (record
// id, version), so adding one twice changes nothing. The schema is versioned
// (PRAGMA user_version) and upgraded step by step at open, each step in one
// transaction; a file from a newer app is refused. Not thread-safe.
class SealedOutbox
{
public:
    static QString fileName() { return QStringLiteral("outbox.db"); }
    static constexpr int kDefaultRetentionHours = 24;
    // The schema this build writes (PRAGMA user_version of outbox.db).
    static constexpr int kSchemaVersion = 4;

    static std::unique_ptr<SealedOutbox> open(const QString &dir, OutboxError *error);
    ~SealedOutbox();

    // Inserts entries not already present, in one transaction; *inserted
    // (optional) counts the new ones.
    OutboxError add(const QList<SealedEntry> &entries, qint64 nowMs, int *inserted = nullptr);
    bool contains(const QString &recordId, int version);
    // The SHA-256 this outbox holds for one version; nullopt when none.
    std::optional<QByteArray> sha256Of(const QString &recordId, int version);

    // Pending entries of one lane in id order after afterId, at most
    // maxRecords and (after the first) at most maxBytes of sealed data;
    // entries parked past nowMs are left out.
    // newestFirst: in descending id order instead (afterId is then ignored).
    QList<SealedEntry> pending(bool urgent, qint64 afterId, int maxRecords, qint64 maxBytes,
                               OutboxError *error = nullptr,
                               qint64 nowMs = std::numeric_limits<qint64>::max(),
                               bool newestFirst = false);

    // One more failure of a pending entry sent alone; parks it (pending()
    // skips it until nowMs + rule.retryEveryMs) after rule.afterFailures in
    // a row or rule.afterMs since the first. True when it was parked now;
    // nullopt when it is no longer pending or the write failed (*error).
    std::optional<bool> noteFailure(qint64 entryId, qint64 nowMs, const ParkRule &rule,
                                    OutboxError *error = nullptr);
    // Every parked entry goes again now ("sync now", a new enrolment).
    OutboxError unparkAll();
    // Deletes final entries decided before beforeMs that nothing needs any
    // more (copied to the store; acknowledged ones purged there) and gives
    // the file's space back; returns how many went.
    int compact(qint64 beforeMs, OutboxError *error = nullptr);

    // Records the hub's verdicts from one receipt in one transaction, with
    // the receipt's bytes (receipt, the signed SyncReceipt as received),
    // which the store checks before it takes any verdict; the sealed bytes
    // of every final entry are dropped, and nowMs becomes the last
    // successful sync.
    OutboxError record(const QList<EntryResult> &results, const QByteArray &receipt, qint64 nowMs);

    // Where every version held here stands, in one read.
    struct EntryStatus
    {
        EntryState state = EntryState::Pending;
        bool applied = false;
        QByteArray sha256;
    };
    QHash<std::pair<QString, int>, EntryStatus> statuses(OutboxError *error = nullptr);
    // Freshly sealed copies of versions whose verdict could not be believed
    // (its receipt unsigned, forged or for other bytes) or that the outbox
    // lost: each is pending again, with no verdict, receipt or failures;
    // those the outbox lacks are added.
    OutboxError requeue(const QList<SealedEntry> &entries, qint64 nowMs);

    // Final verdicts the store has not seen yet, and marking them seen.
    QList<UnappliedResult> unapplied(OutboxError *error = nullptr);
    OutboxError markApplied(const QList<UnappliedResult> &results);
    // Once per outbox: conflicts count as not yet applied again (builds
    // before the store had a status for them marked them applied unseen).
    OutboxError reapplyConflictsOnce();

    // Acknowledged record ids whose content may now be purged (verdict before
    // cutoffMs and not yet purged), and marking them purged.
    QList<QString> purgeableBefore(qint64 cutoffMs, OutboxError *error = nullptr);
    OutboxError markPurged(const QString &recordId);

    OutboxCounts counts(OutboxError *error = nullptr);

    std::optional<Enrolment> enrolment();
    // Stores a new enrolment. When it names another device or hub than the
    // one before, every entry still pending was sealed for the old one (the
    // seal binds both), which the hub would refuse: they are held back
    // (pending() skips them) until resealed under the new enrolment.
    OutboxError setEnrolment(const Enrolment &e);
    // Entries with an id up to this one are held back for resealing; 0 when
    // none are.
    qint64 resealThrough();
    // Replaces the sealed bytes of held-back pending entries (matched by
    // record id and version) and releases every held-back entry: those not
    // replaced (the store no longer has their content) are sent as they are.
    OutboxError resealed(const QList<SealedEntry> &entries);

    // Set once a wipe order has been carried out (the store is gone); a new
    // enrolment clears it. A restarted engine stays revoked once drained
    // and does not wipe again.
    bool wipeOrdered();
    OutboxError setWipeOrdered();

    int retentionHours();
    OutboxError setRetentionHours(int hours);
    HubLimits hubLimits();
    OutboxError setHubLimits(const HubLimits &limits);
    qint64 lastSuccessfulSyncMs();
    // When the hub last answered this device (a receipt or a check-in).
    qint64 lastHubContactMs();
    OutboxError setLastCheckInMs(qint64 nowMs);
    // The hub's DevicePolicy.max_offline_days (0: none), kept so a device
    // that never comes back online still obeys it at its next unlock.
    int maxOfflineDays();
    OutboxError setMaxOfflineDays(int days);
    // True when the policy sets a limit and the hub has not answered this
    // enrolled device for longer: the store must be wiped before any unlock
    // attempt. False when the device never heard from its hub.
    bool offlineTooLong(qint64 nowMs);
    // The risk instruments the hub handed this device (each a serialized,
    // signed v1::RiskInstrument with its definition), in the order first
    // received; force policy, not personal data. Kept after the hub moves
    // on, so a draft begun on one still opens on it.
    QList<QByteArray> riskInstruments();
    // Keeps one (by its SHA-256; a second copy changes nothing).
    OutboxError keepRiskInstrument(const QByteArray &sha256, const QByteArray &serialized);
    // The SHA-256 of the one the hub has in force; empty: the built-in ones.
    QByteArray currentRiskInstrument();
    OutboxError setCurrentRiskInstrument(const QByteArray &sha256);
    // The next SyncBatch.sequence (informational); stored with the next receipt.
    quint64 takeSequence() { return ++m_sequence; }

    SealedOutbox(const SealedOutbox &) = delete;
    SealedOutbox &operator=(const SealedOutbox &) = delete;

private:
    explicit SealedOutbox(sql::Database db);
    std::optional<QString> meta(const char *key);
    OutboxError setMeta(const char *key, const QString &value);

    sql::Database m_db;
    quint64 m_sequence = 0;
};

} // namespace safeguard::syncclient
