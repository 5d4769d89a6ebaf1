#pragma once

#include "protocol/recordissue.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <vector>

namespace safeguard::hub {

// What went wrong in the hub's storage, classified for callers.
enum class HubStoreErrorKind
{
    None,
    NotImplemented, // a --database scheme this build does not provide yet
    BadUrl,         // the --database URL could not be read
    Unavailable,    // the database cannot be opened or answered with an error
};

struct HubStoreError
{
    HubStoreErrorKind kind = HubStoreErrorKind::None;
    QString message;
    bool ok() const { return kind == HubStoreErrorKind::None; }
};

struct DeviceRow
{
    QString deviceId;
    QString officerId;
    QByteArray credentialHash;
    bool revoked = false;
    // Ed25519, 32 bytes, registered at enrolment (empty: none, every
    // session refused).
    QByteArray signingPublicKey;
};

struct EnrolmentCodeRow
{
    QString codeId;
    QByteArray secretHash;
    QString officerId;
    qint64 createdAtMs = 0;
    qint64 expiresAtMs = 0;
};

enum class RedeemOutcome
{
    Enrolled,
    UnknownCode,
    WrongSecret,
    AlreadyUsed,
    Malformed, // the request's own device credential is not 32 bytes of base64url
    Expired,
    StoreFailed
};

// The per-record verdict before storage: either keep it, or reject it.
struct IngestItem
{
    QString recordId; // from the envelope (or the record, when opened)
    quint32 version = 0;
    QByteArray sha256;         // claimed by the envelope
    bool keep = false;         // authentic and well formed: store unless held
    QByteArray plaintext;      // the record's bytes, when opened
    quint32 parentVersion = 0; // kept records: the version this one amends (0: none)
    // Kept records: good-practice, clock-skew and attribution flags; the
    // store adds the ownership ones ("record_id_collision", "parent_missing").
    protocol::RecordIssues flags;
    bool urgent = false;
    protocol::RecordIssues reasons; // rejected records: why
    // The payload as received, stored for quarantined records. May be a view
    // (QByteArray::fromRawData) of the request's parsed batch: valid only
    // while that batch lives, i.e. for the commitBatch call.
    QByteArray sealed;
};

enum class StoredOutcome
{
    Accepted,
    Duplicate,
    Conflict,
    Rejected
};

// The alert kinds the store raises for staff while storing a batch.
namespace alertkind {
inline constexpr char kConflict[] = "conflict"; // the owner sent other bytes for a held version
inline constexpr char kRecordIdCollision[] = "record_id_collision"; // another officer holds the id
inline constexpr char kAttributionMismatch[] = "attribution_mismatch"; // names another officer
} // namespace alertkind

// What storing one item did.
struct StoredResult
{
    StoredOutcome outcome = StoredOutcome::Rejected;
    QString alert; // an alertkind, when this item raised one
    // For a record_id_collision: the other officer, and the device that
    // sent that officer's first copy.
    QString otherOfficerId, otherDeviceId;
};

struct BatchWrite
{
    QString batchId;
    QString deviceId;
    // The authenticated device's officer: the owner of every kept record.
    QString officerId;
    qint64 receivedAtMs = 0;
    // The device is revoked (its credential may be in other hands): every
    // kept record carries the "sent_by_revoked_device" flag and its audit
    // row says so, for staff to review.
    bool sentByRevokedDevice = false;
    std::vector<IngestItem> items;
};

struct HubStats
{
    qint64 devices = 0, revokedDevices = 0, records = 0, versions = 0, flagged = 0, urgent = 0,
           rejectedRecords = 0, rejectedRequests = 0, conflicts = 0, enrolments = 0;
    // record_id_collision alerts; records refused as attribution_mismatch;
    // versions held now whose parent the hub does not hold.
    qint64 collisions = 0, attributionRefusals = 0, orphanedVersions = 0;
    // The picture's lag: versions waiting for it, and since when the oldest
    // has waited (0 when none).
    qint64 pictureQueued = 0, pictureOldestEnqueuedMs = 0;
    // Versions the picture claimed kMaxPictureAttempts times without taking
    // them in: left in the queue for staff, never retried for ever.
    qint64 pictureFailed = 0;
};

constexpr int kMaxPictureAttempts = 5;

// One version waiting for the picture, claimed by one worker for a lease.
struct PictureWork
{
    qint64 rowid = 0;
    QString officerId, recordId;
    quint32 version = 0;
    QByteArray bytes; // the record as committed
    qint64 receivedAtMs = 0;
    bool urgent = false;
    QStringList flags; // what ingest flagged on the version (codes)
};

// Which stored versions `safeguard-hub records` lists; empty means any.
struct RecordFilter
{
    QString officerId, deviceId, flag;
    int limit = 1000;
};

// One stored version as staff list it: ids, owner, times and flag codes,
// never content.
struct RecordListing
{
    QString officerId, recordId;
    quint32 version = 0, parentVersion = 0;
    QString deviceId, batchId;
    qint64 receivedAtMs = 0;
    bool urgent = false;
    QStringList flags; // codes
};

struct AlertListing
{
    qint64 id = 0, raisedAtMs = 0;
    QString kind, officerId, deviceId, otherOfficerId, otherDeviceId, batchId, recordId;
    quint32 version = 0;
    bool acknowledged = false;
};

// When a device was last seen (an authenticated sync or check-in) and the
// failed unlocks and lockouts it last reported: totals since its vault was
// made, so a lost check-in loses no count.
struct DeviceSighting
{
    QString deviceId;
    qint64 lastSeenMs = 0;
    quint32 failedUnlocks = 0;
    quint32 lockouts = 0;
};

// One enrolled device for `safeguard-hub devices`.
struct DeviceListing
{
    QString deviceId, officerId, deviceName;
    qint64 enrolledAtMs = 0;
    qint64 revokedAtMs = 0; // 0: not revoked
    qint64 lastSeenMs = 0;  // 0: never seen since enrolment
    quint32 failedUnlocks = 0;
    quint32 lockouts = 0;
};

// The hub's durable state: devices, enrolment codes, every record version,
// quarantine, administrator alerts and the audit trail. An interface because
// the embedded SQLite default will be joined by PostgreSQL; callers never
// see SQL. Every method is safe to call from several threads, and every
// change is durable (fsynced) when the call returns.
class HubStore
{
public:
    virtual ~HubStore() = default;

    // Creates or upgrades the schema.
    virtual HubStoreError migrate() = 0;
    // True when the database answers a trivial query.
    virtual bool ping() = 0;

    virtual HubStoreError addEnrolmentCode(const EnrolmentCodeRow &code) = 0;
    // Exchanges a code for a new device in one transaction; the code can be
    // redeemed once only. The secret hash is compared in constant time.
    // Redeeming a used code again with the credential hash of the device it
    // enrolled (not revoked) answers Enrolled and sets device.deviceId to
    // that device: the retry of an enrolment whose reply was lost.
    virtual RedeemOutcome redeemCode(const QString &codeId, const QByteArray &secretHash,
                                     qint64 nowMs, DeviceRow &device,
                                     const QString &deviceName) = 0;
    virtual std::optional<DeviceRow> findDevice(const QString &deviceId,
                                                HubStoreError *error = nullptr) = 0;
    // False in *found when no such device exists.
    virtual HubStoreError revokeDevice(const QString &deviceId, qint64 nowMs, bool *found) = 0;

    // Stores a batch in one transaction. A record is identified by its owner
    // (batch.officerId, the authenticated device's officer) and record id:
    // kept records are ACCEPTED unless the owner holds the same version
    // (same hash: DUPLICATE; another: CONFLICT, quarantined and alerted).
    // The same record id held by another officer is a different record: this
    // one is stored under its owner, both officers' copies are flagged
    // "record_id_collision" and an alert names both devices. A version whose
    // parent the owner's record lacks is stored and flagged
    // "parent_missing"; the flag is cleared when the parent arrives.
    // Rejected records are quarantined (attribution_mismatch ones alerted).
    // Every record is audited. results gets one entry per item, in order.
    virtual HubStoreError commitBatch(const BatchWrite &batch,
                                      std::vector<StoredResult> &results) = 0;

    // Audits a refused request tied to a known device (status and a reason
    // code; never content).
    virtual void auditRefusedRequest(qint64 nowMs, int status, const QString &reason,
                                     const QString &deviceId) = 0;
    // Audits, in one row, refused requests that named no known device
    // (AnonymousRefusalTally). summaryJson is {"count": N, "by_status":
    // {"401": n, ...}, ...}; stats() adds every "count" to rejectedRequests.
    virtual void auditAnonymousRefusals(qint64 nowMs, const QString &summaryJson) = 0;
    // Audits what a member of staff did through the command line: one
    // "staff_action" row whose detail is the JSON object detailJson (ids,
    // counts, times; never record content or a secret) with "by" and
    // "action" set from the arguments. Durable when it returns ok: a
    // command shows nothing it has not audited.
    virtual HubStoreError auditStaffAction(qint64 nowMs, const QString &by, const QString &action,
                                           const QString &detailJson) = 0;

    virtual std::optional<HubStats> stats(HubStoreError *error = nullptr) = 0;

    // Last-seen times and unlock reports (DeviceSightings writes them at
    // most once per device per interval, never per request).
    virtual HubStoreError recordSighting(const DeviceSighting &sighting) = 0;
    virtual std::optional<DeviceSighting> findSighting(const QString &deviceId,
                                                       HubStoreError *error = nullptr) = 0;
    // Raises an administrator alert about a device (kind, e.g.
    // "unlock_failures") and audits it with detailJson (counts, never content).
    virtual HubStoreError raiseDeviceAlert(qint64 nowMs, const QString &kind,
                                           const QString &deviceId, const QString &officerId,
                                           const QString &detailJson) = 0;
    // Every enrolled device, longest unseen first.
    virtual std::optional<std::vector<DeviceListing>>
    listDevices(HubStoreError *error = nullptr) = 0;

    // The picture's queue: every accepted version is enqueued in its ingest
    // transaction. A worker claims up to limit, urgent first, for leaseMs
    // (work a crashed worker held is claimed again once its lease lapses),
    // and finishes what it processed. Processing is idempotent per version,
    // so work done twice after a lapse does no harm.
    virtual std::optional<std::vector<PictureWork>>
    claimPictureWork(const QString &worker, int limit, qint64 nowMs, qint64 leaseMs,
                     HubStoreError *error = nullptr) = 0;
    virtual HubStoreError finishPictureWork(const QString &worker,
                                            const std::vector<qint64> &rowids) = 0;

    // Stored versions matching the filter, newest first, at most filter.limit.
    virtual std::optional<std::vector<RecordListing>>
    listRecords(const RecordFilter &filter, HubStoreError *error = nullptr) = 0;
    // Every alert, newest first, at most limit.
    virtual std::optional<std::vector<AlertListing>> listAlerts(int limit,
                                                                HubStoreError *error = nullptr) = 0;

    // Opens the store named by a --database URL: "sqlite:PATH". Other
    // schemes are refused with NotImplemented.
    static std::unique_ptr<HubStore> open(const QString &url, HubStoreError *error);
};

} // namespace safeguard::hub
