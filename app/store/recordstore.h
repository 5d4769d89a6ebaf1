#pragma once

#include "protocol/clock.h"
#include "protocol/goodpractice.h"
#include "protocol/recordstatus.h"
#include "protocol/riskchecklist.h"
#include "protocol/submission.h"
#include "safeguard/v1/record.pb.h"
#include "securebuffer.h"
#include "sqlite/sqldatabase.h"
#include "storeerror.h"

#include <QHash>
#include <QList>
#include <QString>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace safeguard::store {

// One line of the home screen: what the officer needs to find a record and
// see whether it is still only on this device. Nothing more leaves the store.
struct RecordSummary
{
    QString recordId;
    int version = 0;
    protocol::RecordStatus status = protocol::RecordStatus::Draft;
    qint64 updatedMs = 0;
    QString policeReference;
    int childCount = 0;
    bool urgent = false;
    // When and where the incident happened, its type and the children's
    // names ("Alpha, Bravo"), as the officer finds it again.
    qint64 occurredMs = 0;
    int occurredOffsetMinutes = 0;
    int incidentType = 0; // v1::IncidentType
    QString place;
    QString childNames;
    bool withdrawn = false;
};

// What the device knows of a record beyond its content, for opening it:
// its latest version's status, and what the hub said. For a purged record
// only the receipt remains (status Purged; no content).
struct RecordState
{
    int version = 0;
    protocol::RecordStatus status = protocol::RecordStatus::Draft;
    bool withdrawn = false;
    QString amendmentReason; // from version 2: why it was amended
    qint64 submittedMs = 0;
    // When the hub's verdict reached the device (for a receipt: when the
    // hub acknowledged it); 0 while none has.
    qint64 decidedMs = 0;
    qint64 purgedMs = 0; // Purged: when its content left the device
    QString policeReference;
    // NeedsCorrection or HeldAtHub: the hub's "path: code: message" lines.
    QString hubReasons;
    // An amendment being written (a draft) of a version the hub refused:
    // the hub's reasons for that version, what it corrects. "" otherwise.
    QString parentHubReasons;
};

// The frozen submission of one record version, as the outbox holds it
// (shared with the sync engine).
using Submission = protocol::Submission;

// An outbox row waiting for the hub, for the sync engine.
struct OutboxEntry
{
    qint64 id = 0;
    QString recordId;
    int version = 0;
    bool urgent = false;
    QByteArray sha256;
    qint64 size = 0;
};

// What the hub said about one submitted version.
struct OutboxOutcome
{
    enum class Kind
    {
        Acknowledged,
        NeedsCorrection,
        HeldAtHub, // CONFLICT: the hub holds this version with other content
    };
    QString recordId;
    int version = 0;
    Kind kind = Kind::Acknowledged;
    QString reason; // the hub's reason for NeedsCorrection or HeldAtHub; no record content
};

// The enrolment as the encrypted store keeps it: the copy sealing uses and
// the sealed outbox's plain copy is checked against.
struct StoredEnrolment
{
    QString hubUrl;
    QString hubId;
    QString deviceId;
    QString officerId;
    QString tlsPin;
    QString backupPin;
    QByteArray sealingPublicKey;
    QByteArray hubSigningKey;
};

// The officer's records at rest: a SQLCipher database (store.db) in the
// store directory, keyed with the raw data key the KeyVault unwrapped (no
// SQLCipher KDF), 4096-byte cipher pages, WAL, synchronous=FULL (every
// commit is durable when the call returns), foreign keys, secure delete and
// in-memory temp storage; the directory is 0700 and every file 0600.
//
// A record is a chain of versions. A draft version is mutable (autosave);
// submit() validates it with the shared rules, freezes it, stores its exact
// serialized bytes and their SHA-256 once and queues it in the outbox, all in
// one transaction, so the outbox is never out of step with the records
// (transactional outbox). Submitting twice changes nothing. amend() starts
// version n+1 as a draft; submitted versions never change. purge() removes
// an acknowledged record's content and keeps a receipt.
//
// Errors are classified on the assumption that the vault has already
// proven the key, so a "not a database" answer means damage (Corrupt).
// Not thread-safe: one RecordStore per thread; all calls block on disk.
class RecordStore
{
public:
    static QString databaseFileName() { return QStringLiteral("store.db"); }

    // Opens (creating if needed) and migrates the store in dir.
    // checklists: the risk checklists submit() validates against, shared
    // with whoever builds the form (the app's editor).
    static StoreResult<std::unique_ptr<RecordStore>>
    open(const QString &dir, const DataKey &key, const protocol::Clock &clock,
         std::shared_ptr<const protocol::RiskChecklistRegistry> checklists);
    // The same engine, pragmas and schema with NO encryption: only for the
    // benchmark's baseline. Nothing in the app may call it.
    static StoreResult<std::unique_ptr<RecordStore>>
    openUnencryptedForBenchmark(const QString &dir, const protocol::Clock &clock,
                                std::shared_ptr<const protocol::RiskChecklistRegistry> checklists);
    ~RecordStore();

    // Autosave: inserts or replaces the draft (record_id, version). A
    // version 0 record is taken as version 1. Refuses a submitted version.
    StoreError saveDraft(const v1::IncidentRecord &record);
    // Many drafts in one transaction (generators, import).
    StoreError saveDrafts(const QList<v1::IncidentRecord> &records);

    // Latest version of every record, plus purged receipts; newest first.
    StoreResult<QList<RecordSummary>> listRecords();
    // version 0: the latest.
    StoreResult<v1::IncidentRecord> load(const QString &recordId, int version = 0);

    StoreResult<Submission> submit(const QString &recordId);
    // Freezes and queues the draft marked withdrawn, with the officer's
    // reason, whatever good practice still asks (structure, limits and
    // size still apply): it reaches the hub, which keeps it out of triage
    // and of the children's picture. The only way to be rid of a draft that
    // holds anything.
    StoreResult<Submission> withdraw(const QString &recordId, const QString &reason);
    // Deletes a first-version draft that holds nothing beyond the defaults
    // (protocol::defaults::hasNothingBeyondDefaults): an accidental "New
    // record". Refused (WrongState) for any other.
    StoreError deleteEmptyDraft(const QString &recordId);
    // Starts the next version as a draft with the reason; returns it. Only
    // when protocol::canAmend allows it (WrongState otherwise: a draft, a
    // version held at the hub, a purged record). An amendment of a withdrawn
    // version takes the withdrawal back: it is a record again.
    StoreResult<v1::IncidentRecord> amend(const QString &recordId, const QString &reason);
    // Deletes an amendment not yet submitted (the latest version, from
    // version 2, still a draft): the submitted versions stay as they are.
    // WrongState for anything else (a first draft is withdrawn instead).
    StoreError discardAmendment(const QString &recordId);
    // The record's latest version's status and the hub's answer, or its
    // receipt once purged; NotFound when the device never had it.
    StoreResult<RecordState> recordState(const QString &recordId);
    // Deletes every version's content once the latest is acknowledged.
    StoreError purge(const QString &recordId);

    // For the sync engine: pending entries, urgent first then oldest.
    StoreResult<QList<OutboxEntry>> pendingOutbox(int limit = 500);
    // Pending entries the sync engine has not confirmed holding, oldest
    // first (the repair after a crash between the two outboxes).
    StoreResult<QList<OutboxEntry>> pendingNotHandedOver(int limit = 500);
    // The sync engine holds these (record id, version) entries' sealed copies.
    StoreError markHandedOver(const QList<std::pair<QString, int>> &versions);
    // The exact bytes submitted (what the SHA-256 covers).
    StoreResult<QByteArray> submittedBytes(const QString &recordId, int version);
    // The SHA-256 this store computed at submit for a version still waiting
    // for the hub (NotFound when none is waiting): a verdict is taken only
    // for these bytes.
    StoreResult<QByteArray> queuedSha256(const QString &recordId, int version);

    // The device's Ed25519 key, made at the first call and kept only here:
    // its public half (for enrolment), and a signature by it.
    StoreResult<QByteArray> deviceSigningPublicKey();
    StoreResult<QByteArray> signWithDeviceKey(std::string_view statement);
    // The trusted copy of the enrolment (nullopt: never enrolled), and
    // replacing it.
    StoreResult<std::optional<StoredEnrolment>> enrolment();
    StoreError keepEnrolment(const StoredEnrolment &e);
    // Applies the hub's answers in one transaction. Only a queued version
    // takes one (protocol::canChange); unknown versions and late answers for
    // a version already decided are ignored.
    StoreError applyOutcomes(const QList<OutboxOutcome> &outcomes);

    // Records by status (latest version each), as protocol::statusCountsToJson wants.
    StoreResult<QHash<protocol::RecordStatus, int>> statusCounts();
    // Reads every page: PRAGMA integrity_check and every row of every table.
    StoreError verifyEveryPage();

    // What submit() validates the risk checklist against.
    const protocol::RiskChecklistRegistry &checklists() const { return *m_checklists; }

    int schemaVersion();
    QString cipherVersion(); // empty for the unencrypted baseline

    // Key rotation (see KeyVault): copies the whole store under newKey into
    // a new file at path (fsynced when this returns; the caller removes it
    // on failure).
    StoreError exportTo(const QString &path, const DataKey &newKey);
    // Closes the connection, runs whileClosed (which moves the copy over
    // store.db), and opens store.db again under key: the same RecordStore
    // object, so whoever holds it keeps working. On failure the store is
    // closed and every call fails until it is opened again.
    StoreError reopen(const DataKey &key, const std::function<void()> &whileClosed);

    RecordStore(const RecordStore &) = delete;
    RecordStore &operator=(const RecordStore &) = delete;

private:
    RecordStore(QString dir, sql::Database db, const protocol::Clock &clock, bool encrypted,
                std::shared_ptr<const protocol::RiskChecklistRegistry> checklists);
    static StoreResult<std::unique_ptr<RecordStore>>
    openImpl(const QString &dir, const DataKey *key, const protocol::Clock &clock,
             std::shared_ptr<const protocol::RiskChecklistRegistry> checklists);
    static StoreResult<sql::Database> openConnection(const QString &dir, const DataKey *key);
    StoreError saveDraftInTransaction(const v1::IncidentRecord &record);
    StoreResult<Submission> freeze(const QString &recordId, const QString *withdrawalReason);
    // No version of the record is left: WrongState if only its receipt is
    // (purged), NotFound if the device never had it.
    StoreError purgedOrNotFound(const QString &recordId);
    // Fills the summary columns of rows written before schema 6.
    StoreError backfillSummaries();
    void tightenFileModes() const;

    QString m_dir;
    sql::Database m_db;
    const protocol::Clock &m_clock;
    bool m_encrypted;
    std::shared_ptr<const protocol::RiskChecklistRegistry> m_checklists;
    protocol::GoodPracticeValidator m_validator;
};

} // namespace safeguard::store
