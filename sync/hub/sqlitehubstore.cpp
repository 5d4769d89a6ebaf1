#include "sqlitehubstore.h"

#include "hublog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <sodium.h>
#include <sqlite3.h>

namespace safeguard::hub {

namespace {

constexpr int kSchemaVersion = 2;

const char *kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  officer_id TEXT NOT NULL,
  device_name TEXT NOT NULL DEFAULT '',
  credential_hash BLOB NOT NULL,
  code_id TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS enrolment_codes (
  code_id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  officer_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  device_id TEXT
);
CREATE TABLE IF NOT EXISTS records (
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 BLOB NOT NULL,
  bytes BLOB NOT NULL,
  flags TEXT NOT NULL,
  flagged INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  PRIMARY KEY (record_id, version)
);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  reason TEXT NOT NULL,
  reasons TEXT NOT NULL,
  sha256_claimed BLOB,
  sealed BLOB,
  plaintext BLOB
);
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  raised_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  device_id TEXT,
  batch_id TEXT,
  record_id TEXT,
  version INTEGER,
  quarantine_id INTEGER,
  acknowledged_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  device_id TEXT,
  batch_id TEXT,
  record_id TEXT,
  version INTEGER,
  status INTEGER,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_event ON audit(event);
)SQL";

// Schema 1 kept records WITHOUT ROWID: each row (a whole record, kilobytes)
// was a key of the b-tree, so every search compared whole rows read through
// their overflow pages. Schema 2 keeps them in a rowid table with a small
// unique index on (record_id, version). Same columns, same rows.
const char *kMigrateRecordsToRowid = R"SQL(
CREATE TABLE records_v2 (
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 BLOB NOT NULL,
  bytes BLOB NOT NULL,
  flags TEXT NOT NULL,
  flagged INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  PRIMARY KEY (record_id, version)
);
INSERT INTO records_v2 SELECT record_id, version, sha256, bytes, flags, flagged, urgent,
  received_at, device_id, batch_id FROM records ORDER BY received_at;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
)SQL";

QString issuesJson(const protocol::RecordIssues &issues)
{
    return QString::fromUtf8(
        QJsonDocument(protocol::toJson(issues)).toJson(QJsonDocument::Compact));
}

} // namespace

// The statements of a batch, prepared once on the writer connection and
// reused (re-prepared after any error, since a failed statement stays failed).
struct SqliteHubStore::BatchStatements
{
    sql::Statement held, insert, quarantine, alert, audit, savepoint, release, rollbackTo;
    sql::SqlError error;

    explicit BatchStatements(sql::Database &db)
    {
        held = db.prepare("SELECT sha256 FROM records WHERE record_id = ? AND version = ?", &error);
        if (error)
            return;
        insert = db.prepare(
            "INSERT INTO records(record_id, version, sha256, bytes, flags, flagged, urgent,"
            " received_at, device_id, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(record_id, version) DO NOTHING",
            &error);
        if (error)
            return;
        quarantine = db.prepare(
            "INSERT INTO quarantine(received_at, device_id, batch_id, record_id, version,"
            " reason, reasons, sha256_claimed, sealed, plaintext) VALUES (?,?,?,?,?,?,?,?,?,?)",
            &error);
        if (error)
            return;
        alert = db.prepare(
            "INSERT INTO alerts(raised_at, kind, device_id, batch_id, record_id, version,"
            " quarantine_id) VALUES (?, 'conflict', ?,?,?,?,?)",
            &error);
        if (error)
            return;
        audit = db.prepare(
            "INSERT INTO audit(at, event, device_id, batch_id, record_id, version, detail)"
            " VALUES (?,?,?,?,?,?,?)",
            &error);
        if (error)
            return;
        savepoint = db.prepare("SAVEPOINT batch", &error);
        if (error)
            return;
        release = db.prepare("RELEASE batch", &error);
        if (error)
            return;
        rollbackTo = db.prepare("ROLLBACK TO batch", &error);
    }
};

SqliteHubStore::SqliteHubStore(sql::Database db, sql::Database readDb, sql::Database checkpointDb)
    : m_db(std::move(db))
    , m_readDb(std::move(readDb))
    , m_checkpointDb(std::move(checkpointDb))
{}

SqliteHubStore::~SqliteHubStore()
{
    {
        std::lock_guard lock(m_checkpointMutex);
        m_stopping = true;
    }
    m_checkpointWanted.notify_all();
    if (m_checkpointer.joinable())
        m_checkpointer.join();
    std::lock_guard lock(m_mutex);
    if (m_db.isOpen())
        sqlite3_wal_hook(m_db.handle(), nullptr, nullptr);
    m_statements.reset();
}

std::unique_ptr<SqliteHubStore> SqliteHubStore::open(const QString &path, HubStoreError *error)
{
    auto connect = [&](const char *pragmas) -> std::optional<sql::Database> {
        sql::SqlError e;
        auto db = sql::Database::open(path, sql::Database::OpenMode::ReadWriteCreate, &e);
        if (!db) {
            if (error)
                *error = {HubStoreErrorKind::Unavailable,
                          QStringLiteral("cannot open %1: %2").arg(path, e.message)};
            return std::nullopt;
        }
        e = db->exec(pragmas);
        if (e) {
            if (error)
                *error = {HubStoreErrorKind::Unavailable,
                          QStringLiteral("cannot configure %1: %2").arg(path, e.message)};
            return std::nullopt;
        }
        return db;
    };
    // WAL + FULL: a committed batch survives power loss before the receipt
    // leaves. The writer's page cache is 32 MiB (the default is 2).
    auto db = connect("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"
                      " PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;");
    if (!db)
        return nullptr;
    auto readDb = connect("PRAGMA busy_timeout=5000; PRAGMA query_only=ON;");
    if (!readDb)
        return nullptr;
    auto checkpointDb = connect("PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL;");
    if (!checkpointDb)
        return nullptr;
    std::unique_ptr<SqliteHubStore> store(
        new SqliteHubStore(std::move(*db), std::move(*readDb), std::move(*checkpointDb)));
    store->startCheckpointer();
    return store;
}

void SqliteHubStore::startCheckpointer()
{
    // Replaces SQLite's automatic checkpoint, which would run inside the
    // committing call while every other batch waits for the writer.
    sqlite3_wal_hook(m_db.handle(), &SqliteHubStore::walHook, this);
    m_checkpointer = std::thread([this] { checkpointLoop(); });
}

int SqliteHubStore::walHook(void *self, sqlite3 *, const char *, int pages)
{
    auto *store = static_cast<SqliteHubStore *>(self);
    store->m_walPages = pages;
    if (pages >= kCheckpointPages) {
        {
            std::lock_guard lock(store->m_checkpointMutex);
            store->m_checkpointDue = true;
        }
        store->m_checkpointWanted.notify_one();
    }
    return SQLITE_OK;
}

void SqliteHubStore::checkpointLoop()
{
    std::unique_lock lock(m_checkpointMutex);
    for (;;) {
        m_checkpointWanted.wait(lock, [this] { return m_checkpointDue || m_stopping; });
        if (m_stopping)
            return;
        m_checkpointDue = false;
        lock.unlock();
        // PASSIVE never blocks the writer or readers; frames committed while
        // it runs are copied next time.
        sqlite3_wal_checkpoint_v2(m_checkpointDb.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                  nullptr, nullptr);
        lock.lock();
    }
}

HubStoreError SqliteHubStore::fail(const sql::SqlError &e, const char *what)
{
    HubLog::event("store_error", {{QStringLiteral("operation"), QString::fromLatin1(what)},
                                  {QStringLiteral("sqlite_code"), e.code}});
    return {HubStoreErrorKind::Unavailable,
            QStringLiteral("%1: %2").arg(QString::fromLatin1(what), e.message)};
}

HubStoreError SqliteHubStore::migrate()
{
    std::lock_guard lock(m_mutex);
    const auto version = m_db.queryInt("PRAGMA user_version");
    if (!version)
        return {HubStoreErrorKind::Unavailable, QStringLiteral("cannot read the schema version")};
    if (*version > kSchemaVersion)
        return {HubStoreErrorKind::Unavailable,
                QStringLiteral("hub.db has schema %1, newer than this build's %2")
                    .arg(*version)
                    .arg(kSchemaVersion)};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), "migrate");
    if (*version == 1) {
        if (auto e = m_db.exec(kMigrateRecordsToRowid))
            return fail(e, "migrate");
    }
    if (auto e = m_db.exec(kSchema))
        return fail(e, "migrate");
    if (auto e = m_db.exec("PRAGMA user_version = 2"))
        return fail(e, "migrate");
    if (auto e = tx.commit())
        return fail(e, "migrate");
    return {};
}

bool SqliteHubStore::ping()
{
    std::lock_guard lock(m_readMutex);
    return m_readDb.queryInt("SELECT count(*) FROM devices").has_value();
}

HubStoreError SqliteHubStore::addEnrolmentCode(const EnrolmentCodeRow &code)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), "add_code");
    auto st = m_db.prepare(
        "INSERT INTO enrolment_codes(code_id, secret_hash, officer_id, created_at, expires_at)"
        " VALUES (?,?,?,?,?)");
    st.bind(1, code.codeId)
        .bindBlob(2, code.secretHash)
        .bind(3, code.officerId)
        .bind(4, std::int64_t(code.createdAtMs))
        .bind(5, std::int64_t(code.expiresAtMs));
    if (!st.exec())
        return fail(st.error(), "add_code");
    auto audit = m_db.prepare("INSERT INTO audit(at, event, detail) VALUES (?, 'code_issued', ?)");
    audit.bind(1, std::int64_t(code.createdAtMs)).bind(2, code.codeId);
    if (!audit.exec())
        return fail(audit.error(), "add_code");
    if (auto e = tx.commit())
        return fail(e, "add_code");
    return {};
}

RedeemOutcome SqliteHubStore::redeemCode(const QString &codeId, const QByteArray &secretHash,
                                         qint64 nowMs, DeviceRow &newDevice,
                                         const QString &deviceName)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return RedeemOutcome::StoreFailed;
    auto audit = [&](const char *event, const QString &deviceId) {
        auto st = m_db.prepare("INSERT INTO audit(at, event, device_id, detail) VALUES (?,?,?,?)");
        st.bind(1, std::int64_t(nowMs)).bind(2, std::string_view(event)).bind(4, codeId);
        if (deviceId.isEmpty())
            st.bindNull(3);
        else
            st.bind(3, deviceId);
        return st.exec();
    };
    auto refuse = [&](RedeemOutcome outcome, const char *event) {
        // The refusal is audited even though nothing else changes.
        if (!audit(event, QString()) || tx.commit())
            return RedeemOutcome::StoreFailed;
        return outcome;
    };
    auto st = m_db.prepare(
        "SELECT secret_hash, expires_at, used_at, officer_id FROM enrolment_codes WHERE code_id = ?");
    st.bind(1, codeId);
    if (!st.step())
        return st.error() ? RedeemOutcome::StoreFailed
                          : refuse(RedeemOutcome::UnknownCode, "enrolment_refused_unknown");
    const QByteArray stored = st.columnBlob(0);
    const qint64 expiresAt = st.columnInt64(1);
    const bool used = !st.columnIsNull(2);
    // The device belongs to the officer the code was issued to.
    const QString officerId = st.columnText(3);
    st = {};
    if (stored.size() != secretHash.size() ||
        sodium_memcmp(stored.constData(), secretHash.constData(), size_t(stored.size())) != 0)
        return refuse(RedeemOutcome::WrongSecret, "enrolment_refused_secret");
    if (used) {
        // The same device asking again (it holds the code's secret and the
        // credential it chose): the answer it may never have received.
        auto again = m_db.prepare("SELECT d.device_id, d.credential_hash FROM enrolment_codes c "
                                  "JOIN devices d ON d.device_id = c.device_id "
                                  "WHERE c.code_id = ? AND d.revoked_at IS NULL");
        again.bind(1, codeId);
        if (again.step()) {
            const QString deviceId = again.columnText(0);
            const QByteArray held = again.columnBlob(1);
            again = {};
            if (held.size() == newDevice.credentialHash.size() &&
                sodium_memcmp(held.constData(), newDevice.credentialHash.constData(),
                              size_t(held.size())) == 0) {
                newDevice.deviceId = deviceId;
                newDevice.officerId = officerId;
                if (!audit("device_enrolment_repeated", deviceId) || tx.commit())
                    return RedeemOutcome::StoreFailed;
                return RedeemOutcome::Enrolled;
            }
        } else if (again.error()) {
            return RedeemOutcome::StoreFailed;
        }
        return refuse(RedeemOutcome::AlreadyUsed, "enrolment_refused_used");
    }
    if (nowMs >= expiresAt)
        return refuse(RedeemOutcome::Expired, "enrolment_refused_expired");

    auto mark = m_db.prepare("UPDATE enrolment_codes SET used_at = ?, device_id = ? WHERE code_id "
                             "= ? AND used_at IS NULL");
    mark.bind(1, std::int64_t(nowMs)).bind(2, newDevice.deviceId).bind(3, codeId);
    if (!mark.exec() || m_db.changes() != 1)
        return RedeemOutcome::StoreFailed;
    auto dev = m_db.prepare("INSERT INTO devices(device_id, officer_id, device_name, "
                            "credential_hash, code_id, enrolled_at)"
                            " VALUES (?,?,?,?,?,?)");
    dev.bind(1, newDevice.deviceId)
        .bind(2, officerId)
        .bind(3, deviceName.left(100))
        .bindBlob(4, newDevice.credentialHash)
        .bind(5, codeId)
        .bind(6, std::int64_t(nowMs));
    if (!dev.exec() || !audit("device_enrolled", newDevice.deviceId))
        return RedeemOutcome::StoreFailed;
    if (tx.commit())
        return RedeemOutcome::StoreFailed;
    return RedeemOutcome::Enrolled;
}

std::optional<DeviceRow> SqliteHubStore::findDevice(const QString &deviceId, HubStoreError *error)
{
    // The reader connection: authenticating a request never waits for a
    // group commit in progress (WAL readers see the last committed state).
    std::lock_guard lock(m_readMutex);
    auto st = m_readDb.prepare(
        "SELECT officer_id, credential_hash, revoked_at FROM devices WHERE device_id = ?");
    st.bind(1, deviceId);
    if (!st.step()) {
        if (st.error() && error)
            *error = fail(st.error(), "find_device");
        return std::nullopt;
    }
    return DeviceRow{deviceId, st.columnText(0), st.columnBlob(1), !st.columnIsNull(2)};
}

HubStoreError SqliteHubStore::revokeDevice(const QString &deviceId, qint64 nowMs, bool *found)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), "revoke");
    auto st =
        m_db.prepare("UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE device_id = ?");
    st.bind(1, std::int64_t(nowMs)).bind(2, deviceId);
    if (!st.exec())
        return fail(st.error(), "revoke");
    *found = m_db.changes() == 1;
    if (*found) {
        auto audit =
            m_db.prepare("INSERT INTO audit(at, event, device_id) VALUES (?, 'device_revoked', ?)");
        audit.bind(1, std::int64_t(nowMs)).bind(2, deviceId);
        if (!audit.exec())
            return fail(audit.error(), "revoke");
    }
    if (auto e = tx.commit())
        return fail(e, "revoke");
    return {};
}

HubStoreError SqliteHubStore::commitBatch(const BatchWrite &batch,
                                          std::vector<StoredOutcome> &outcomes)
{
    outcomes.clear();
    PendingBatch mine;
    mine.batch = &batch;
    mine.outcomes = &outcomes;
    std::unique_lock lock(m_queueMutex);
    m_queue.push_back(&mine);
    while (!mine.done) {
        if (m_leaderActive) {
            m_queueChanged.wait(lock);
            continue;
        }
        // Lead: commit everything queued so far (our own batch included).
        m_leaderActive = true;
        std::vector<PendingBatch *> group;
        group.swap(m_queue);
        lock.unlock();
        commitGroup(group);
        lock.lock();
        for (PendingBatch *p : group)
            p->done = true;
        m_leaderActive = false;
        m_queueChanged.notify_all();
    }
    return mine.error;
}

void SqliteHubStore::commitGroup(const std::vector<PendingBatch *> &group)
{
    std::lock_guard lock(m_mutex);
    auto failAll = [&](const HubStoreError &e) {
        for (PendingBatch *p : group) {
            p->error = e;
            p->outcomes->clear();
        }
    };
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return failAll(fail(tx.beginError(), "commit_batch"));
    for (PendingBatch *p : group) {
        // An I/O error can make SQLite roll the whole transaction back; then
        // nothing of this group may be written outside it.
        if (sqlite3_get_autocommit(m_db.handle())) {
            p->error = {HubStoreErrorKind::Unavailable,
                        QStringLiteral("commit_batch: the transaction was rolled back")};
            p->outcomes->clear();
            continue;
        }
        if (!m_statements)
            m_statements = std::make_unique<BatchStatements>(m_db);
        BatchStatements &st = *m_statements;
        if (st.error) {
            p->error = fail(st.error, "prepare_batch");
            p->outcomes->clear();
            m_statements.reset();
            continue;
        }
        if (!st.savepoint.exec()) {
            p->error = fail(st.savepoint.error(), "commit_batch");
            p->outcomes->clear();
            m_statements.reset();
            continue;
        }
        p->error = writeBatch(*p->batch, *p->outcomes);
        if (p->error.ok() && st.release.exec())
            continue;
        if (p->error.ok())
            p->error = fail(st.release.error(), "commit_batch");
        // This batch alone fails (503, nothing of it stored); the others stay.
        p->outcomes->clear();
        st.rollbackTo.exec();
        st.release.exec();
        m_statements.reset();
    }
    if (auto e = tx.commit())
        return failAll(fail(e, "commit_batch"));
    ++m_groups;
    m_batches += qint64(group.size());
    if (m_walPages >= kInlineCheckpointPages) {
        // The checkpointer cannot keep up (it only copies frames committed
        // before it started): checkpoint here, between two groups, so the
        // WAL restarts from its beginning at the next write.
        sqlite3_wal_checkpoint_v2(m_db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
    }
}

HubStoreError SqliteHubStore::writeBatch(const BatchWrite &batch,
                                         std::vector<StoredOutcome> &outcomes)
{
    outcomes.clear();
    outcomes.reserve(batch.items.size());
    BatchStatements &st = *m_statements;
    // The batch's own ids are bound to every row: converted once per batch,
    // and each record's id once per record, not once per statement.
    const QByteArray deviceIdUtf8 = batch.deviceId.toUtf8();
    const QByteArray batchIdUtf8 = batch.batchId.toUtf8();
    const std::string_view deviceId(deviceIdUtf8.constData(), size_t(deviceIdUtf8.size()));
    const std::string_view batchId(batchIdUtf8.constData(), size_t(batchIdUtf8.size()));
    QByteArray recordIdUtf8;
    std::string_view recordId;
    auto writeAudit = [&](const char *event, const IngestItem &item, const QString &detail) {
        st.audit.reset();
        st.audit.bind(1, std::int64_t(batch.receivedAtMs))
            .bind(2, std::string_view(event))
            .bind(3, deviceId)
            .bind(4, batchId)
            .bind(5, recordId)
            .bind(6, std::int64_t(item.version))
            .bind(7, detail);
        return st.audit.exec();
    };
    auto writeQuarantine = [&](const IngestItem &item, const QString &reason,
                               const QString &reasons) {
        st.quarantine.reset();
        st.quarantine.bind(1, std::int64_t(batch.receivedAtMs))
            .bind(2, deviceId)
            .bind(3, batchId)
            .bind(4, recordId)
            .bind(5, std::int64_t(item.version))
            .bind(6, reason)
            .bind(7, reasons)
            .bindBlob(8, item.sha256)
            .bindBlob(9, item.sealed);
        if (item.plaintext.isNull())
            st.quarantine.bindNull(10);
        else
            st.quarantine.bindBlob(10, item.plaintext);
        return st.quarantine.exec();
    };

    for (const IngestItem &item : batch.items) {
        recordIdUtf8 = item.recordId.toUtf8();
        recordId = std::string_view(recordIdUtf8.constData(), size_t(recordIdUtf8.size()));
        if (!item.keep) {
            const QString reasons = issuesJson(item.reasons);
            const QString first =
                item.reasons.isEmpty() ? QStringLiteral("rejected") : item.reasons.first().code;
            if (!writeQuarantine(item, first, reasons))
                return fail(st.quarantine.error(), "write_batch");
            if (!writeAudit("record_rejected", item, first))
                return fail(st.audit.error(), "write_batch");
            outcomes.push_back(StoredOutcome::Rejected);
            continue;
        }
        st.insert.reset();
        st.insert.bind(1, recordId)
            .bind(2, std::int64_t(item.version))
            .bindBlob(3, item.sha256)
            .bindBlobView(4, item.plaintext) // item outlives the insert
            .bind(5, item.flagsJson)
            .bind(6, item.flagged ? 1 : 0)
            .bind(7, item.urgent ? 1 : 0)
            .bind(8, std::int64_t(batch.receivedAtMs))
            .bind(9, deviceId)
            .bind(10, batchId);
        if (!st.insert.exec())
            return fail(st.insert.error(), "write_batch");
        // The insert searched the tree anyway: only when it stored nothing
        // (the id and version are held) is the held hash read.
        if (m_db.changes() == 1) {
            if (!writeAudit(item.flagged ? "record_accepted_flagged" : "record_accepted", item,
                            batch.sentByRevokedDevice ? QStringLiteral("sent_by_revoked_device")
                                                      : QString()))
                return fail(st.audit.error(), "write_batch");
            outcomes.push_back(StoredOutcome::Accepted);
            continue;
        }
        st.held.reset();
        st.held.bind(1, recordId).bind(2, std::int64_t(item.version));
        if (st.held.step()) {
            const QByteArray heldHash = st.held.columnBlob(0);
            st.held.reset(); // no statement stays open across the commit
            if (heldHash == item.sha256) {
                if (!writeAudit("record_duplicate", item, QString()))
                    return fail(st.audit.error(), "write_batch");
                outcomes.push_back(StoredOutcome::Duplicate);
                continue;
            }
            // Never overwrite: keep the other payload aside and tell an administrator.
            if (!writeQuarantine(item, QStringLiteral("conflict"), QStringLiteral("[]")))
                return fail(st.quarantine.error(), "write_batch");
            const qint64 quarantineId = m_db.lastInsertRowId();
            st.alert.reset();
            st.alert.bind(1, std::int64_t(batch.receivedAtMs))
                .bind(2, deviceId)
                .bind(3, batchId)
                .bind(4, recordId)
                .bind(5, std::int64_t(item.version))
                .bind(6, std::int64_t(quarantineId));
            if (!st.alert.exec())
                return fail(st.alert.error(), "write_batch");
            if (!writeAudit("record_conflict", item, QString()))
                return fail(st.audit.error(), "write_batch");
            outcomes.push_back(StoredOutcome::Conflict);
            continue;
        }
        // Held a moment ago and gone now cannot happen inside the writer's
        // transaction; treat it as a store failure rather than guess.
        return fail(st.held.error() ? st.held.error()
                                    : sql::SqlError{sql::SqlErrorKind::Other, 0,
                                                    QStringLiteral("held record vanished")},
                    "write_batch");
    }
    return {};
}

void SqliteHubStore::auditRefusedRequest(qint64 nowMs, int status, const QString &reason,
                                         const QString &deviceId)
{
    std::lock_guard lock(m_mutex);
    auto st = m_db.prepare("INSERT INTO audit(at, event, device_id, status, detail) VALUES (?, "
                           "'request_refused', ?,?,?)");
    st.bind(1, std::int64_t(nowMs));
    if (deviceId.isEmpty())
        st.bindNull(2);
    else
        st.bind(2, deviceId);
    st.bind(3, status).bind(4, reason);
    if (!st.exec())
        fail(st.error(), "audit_refusal");
}

void SqliteHubStore::auditAnonymousRefusals(qint64 nowMs, const QString &summaryJson)
{
    std::lock_guard lock(m_mutex);
    auto st =
        m_db.prepare("INSERT INTO audit(at, event, detail) VALUES (?, 'anonymous_refusals', ?)");
    st.bind(1, std::int64_t(nowMs)).bind(2, summaryJson);
    if (!st.exec())
        fail(st.error(), "audit_anonymous_refusals");
}

HubStoreError SqliteHubStore::auditStaffAction(qint64 nowMs, const QString &by,
                                               const QString &action, const QString &detailJson)
{
    // "by" and "action" are the store's to write, so no caller can leave
    // them out or contradict them.
    QJsonObject detail = QJsonDocument::fromJson(detailJson.toUtf8()).object();
    detail.insert(QStringLiteral("by"), by);
    detail.insert(QStringLiteral("action"), action);
    const QString text = QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact));
    std::lock_guard lock(m_mutex);
    auto st = m_db.prepare("INSERT INTO audit(at, event, detail) VALUES (?, 'staff_action', ?)");
    st.bind(1, std::int64_t(nowMs)).bind(2, text);
    if (!st.exec())
        return fail(st.error(), "audit_staff_action");
    return {};
}

std::optional<HubStats> SqliteHubStore::stats(HubStoreError *error)
{
    std::lock_guard lock(m_readMutex);
    // One read transaction: every count from the same committed state.
    if (auto e = m_readDb.exec("BEGIN")) {
        if (error)
            *error = fail(e, "stats");
        return std::nullopt;
    }
    struct EndRead
    {
        sql::Database &db;
        ~EndRead() { db.exec("ROLLBACK"); }
    } endRead{m_readDb};
    HubStats s;
    const std::pair<const char *, qint64 *> queries[] = {
        {"SELECT count(*) FROM devices", &s.devices},
        {"SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL", &s.revokedDevices},
        {"SELECT count(DISTINCT record_id) FROM records", &s.records},
        {"SELECT count(*) FROM records", &s.versions},
        {"SELECT count(*) FROM records WHERE flagged = 1", &s.flagged},
        {"SELECT count(*) FROM records WHERE urgent = 1", &s.urgent},
        {"SELECT count(*) FROM quarantine WHERE reason <> 'conflict'", &s.rejectedRecords},
        {"SELECT (SELECT count(*) FROM audit WHERE event = 'request_refused') + "
         "(SELECT coalesce(sum(json_extract(detail, '$.count')), 0) FROM audit "
         "WHERE event = 'anonymous_refusals')",
         &s.rejectedRequests},
        {"SELECT count(*) FROM alerts WHERE kind = 'conflict'", &s.conflicts},
        {"SELECT count(*) FROM audit WHERE event = 'device_enrolled'", &s.enrolments},
    };
    for (const auto &[sqlText, target] : queries) {
        sql::SqlError e;
        const auto v = m_readDb.queryInt(sqlText, &e);
        if (!v) {
            if (error)
                *error = fail(e, "stats");
            return std::nullopt;
        }
        *target = *v;
    }
    return s;
}

std::unique_ptr<HubStore> HubStore::open(const QString &url, HubStoreError *error)
{
    if (url.startsWith(QLatin1String("sqlite:"))) {
        const QString path = url.mid(7);
        if (path.isEmpty()) {
            *error = {HubStoreErrorKind::BadUrl,
                      QStringLiteral("sqlite: needs a file path, e.g. sqlite:var/hub/hub.db")};
            return nullptr;
        }
        auto store = SqliteHubStore::open(path, error);
        if (!store)
            return nullptr;
        if (auto e = store->migrate(); !e.ok()) {
            *error = e;
            return nullptr;
        }
        return store;
    }
    if (url.startsWith(QLatin1String("postgresql:")) ||
        url.startsWith(QLatin1String("postgres:"))) {
        *error = {HubStoreErrorKind::NotImplemented,
                  QStringLiteral("not implemented yet: postgresql")};
        return nullptr;
    }
    *error = {HubStoreErrorKind::BadUrl,
              QStringLiteral("unknown --database scheme (expected sqlite:PATH)")};
    return nullptr;
}

} // namespace safeguard::hub
