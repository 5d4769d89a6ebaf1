#include "sqlitehubstore.h"

#include "hublog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <sodium.h>
#include <sqlite3.h>

namespace safeguard::hub {

namespace {

constexpr int kSchemaVersion = 7;

const char *kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  officer_id TEXT NOT NULL,
  device_name TEXT NOT NULL DEFAULT '',
  credential_hash BLOB NOT NULL,
  code_id TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL,
  revoked_at INTEGER,
  -- Schema 7: the device's Ed25519 key, registered at enrolment; it signs
  -- each sealing session. NULL only for a device enrolled before (none was
  -- released): its sessions are refused.
  signing_public_key BLOB
);
CREATE TABLE IF NOT EXISTS device_sightings (
  device_id TEXT PRIMARY KEY,
  last_seen_at INTEGER NOT NULL,
  failed_unlocks INTEGER NOT NULL DEFAULT 0,
  lockouts INTEGER NOT NULL DEFAULT 0
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
  officer_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  parent_version INTEGER NOT NULL,
  sha256 BLOB NOT NULL,
  bytes BLOB NOT NULL,
  flags TEXT NOT NULL,
  flagged INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  PRIMARY KEY (record_id, officer_id, version)
);
-- Schema 5: work for the hub's picture, enqueued in the same transaction as
-- the version it names, so none is missed; urgent first; a claim is a lease
-- (claimed_until) so work a crashed worker held is taken up again, and
-- after kMaxPictureAttempts claims a version that never applies is left
-- for staff (stats: picture_failed) rather than tried for ever. Keyed by
-- the version's own key, never the records table's implicit rowid (which
-- a VACUUM may renumber).
CREATE TABLE IF NOT EXISTS picture_queue (
  id INTEGER PRIMARY KEY,
  officer_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  claimed_by TEXT,
  claimed_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  UNIQUE (officer_id, record_id, version)
);
CREATE INDEX IF NOT EXISTS picture_queue_order ON picture_queue(urgent DESC, attempts, id);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  officer_id TEXT,
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
  acknowledged_at INTEGER,
  officer_id TEXT,
  other_officer_id TEXT,
  other_device_id TEXT
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
CREATE INDEX IF NOT EXISTS quarantine_record ON quarantine(record_id, version);
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

// Schema 3 identifies a record by its owner (the officer of the device that
// sent it) as well as its id: the same record id from two officers is two
// records. Existing rows take the officer of the device that sent them, and
// their parent is the previous version (the shared checks have always
// required parent_version = version - 1).
// Schema 4 to 5: the picture's queue by the version's key, not the
// records table's rowid.
const char *kMigrateQueueToKeys = R"SQL(
ALTER TABLE picture_queue RENAME TO picture_queue_v4;
DROP INDEX IF EXISTS picture_queue_order;
CREATE TABLE picture_queue (
  id INTEGER PRIMARY KEY,
  officer_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  claimed_by TEXT,
  claimed_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  UNIQUE (officer_id, record_id, version)
);
-- Every version held, not only what the old queue named: its rowids may
-- have been renumbered by a VACUUM, and taking a version twice is harmless
-- (the picture applies each version once).
INSERT INTO picture_queue(officer_id, record_id, version, urgent, enqueued_at)
  SELECT officer_id, record_id, version, urgent, received_at FROM records ORDER BY received_at;
DROP TABLE picture_queue_v4;
)SQL";

const char *kMigrateRecordsToOwners = R"SQL(
CREATE TABLE records_v3 (
  officer_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  parent_version INTEGER NOT NULL,
  sha256 BLOB NOT NULL,
  bytes BLOB NOT NULL,
  flags TEXT NOT NULL,
  flagged INTEGER NOT NULL,
  urgent INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  PRIMARY KEY (record_id, officer_id, version)
);
INSERT INTO records_v3 SELECT
  coalesce((SELECT d.officer_id FROM devices d WHERE d.device_id = r.device_id), ''),
  r.record_id, r.version, CASE WHEN r.version > 1 THEN r.version - 1 ELSE 0 END,
  r.sha256, r.bytes, r.flags, r.flagged, r.urgent, r.received_at, r.device_id, r.batch_id
  FROM records r ORDER BY r.received_at;
DROP TABLE records;
ALTER TABLE records_v3 RENAME TO records;
)SQL";

const char *kFillOwners = R"SQL(
UPDATE quarantine SET officer_id =
  (SELECT d.officer_id FROM devices d WHERE d.device_id = quarantine.device_id)
  WHERE officer_id IS NULL;
UPDATE alerts SET officer_id =
  (SELECT d.officer_id FROM devices d WHERE d.device_id = alerts.device_id)
  WHERE officer_id IS NULL;
)SQL";

// A stored flag list (JSON, as protocol::toJson writes it) with one code
// added or removed; unchanged when it already has (or lacks) it.
QJsonArray flagArray(const QString &json)
{
    return QJsonDocument::fromJson(json.toUtf8()).array();
}

bool hasFlag(const QJsonArray &flags, QLatin1String code)
{
    for (const auto &f : flags)
        if (f.toObject().value(QLatin1String("code")).toString() == code)
            return true;
    return false;
}

QString flagsText(const QJsonArray &flags)
{
    return QString::fromUtf8(QJsonDocument(flags).toJson(QJsonDocument::Compact));
}

constexpr QLatin1String kCollisionFlag("record_id_collision");
constexpr QLatin1String kParentMissingFlag("parent_missing");
constexpr QLatin1String kCorrectsRefusedFlag("corrects_refused_version");

protocol::RecordIssue collisionFlag()
{
    return {QString(), kCollisionFlag,
            QStringLiteral("a device of another officer sent a record with the same id: the two "
                           "are different records, each stored under its sender; check both")};
}

protocol::RecordIssue parentMissingFlag(quint32 parent)
{
    return {QStringLiteral("parent_version"), kParentMissingFlag,
            QStringLiteral("the version this one amends (%1) has not arrived yet; devices may "
                           "deliver versions out of order")
                .arg(parent)};
}

// The version this one amends was refused here (quarantined): this is the
// officer's correction of it, sent with their reason.
protocol::RecordIssue correctsRefusedFlag(quint32 parent, const QString &refusedFor)
{
    return {QStringLiteral("parent_version"), kCorrectsRefusedFlag,
            QStringLiteral("corrects version %1, which the hub refused (%2); the officer's "
                           "reason is on the record")
                .arg(parent)
                .arg(refusedFor)};
}

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
    sql::Statement byId, insert, enqueue, setFlags, quarantine, refusedParent, alert, audit,
        savepoint, release, rollbackTo;
    sql::SqlError error;

    explicit BatchStatements(sql::Database &db)
    {
        // Every version of every owner's record with this id: one probe of
        // the primary key answers held, collision, parent and child at once.
        byId = db.prepare("SELECT officer_id, version, sha256, device_id, flags, rowid FROM records"
                          " WHERE record_id = ? ORDER BY received_at, rowid",
                          &error);
        if (error)
            return;
        insert = db.prepare(
            "INSERT INTO records(officer_id, record_id, version, parent_version, sha256, bytes,"
            " flags, flagged, urgent, received_at, device_id, batch_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            &error);
        if (error)
            return;
        enqueue = db.prepare("INSERT OR IGNORE INTO picture_queue(officer_id, record_id, version,"
                             " urgent, enqueued_at) VALUES (?,?,?,?,?)",
                             &error);
        if (error)
            return;
        setFlags = db.prepare("UPDATE records SET flags = ?, flagged = ? WHERE rowid = ?", &error);
        if (error)
            return;
        quarantine = db.prepare(
            "INSERT INTO quarantine(received_at, device_id, officer_id, batch_id, record_id,"
            " version, reason, reasons, sha256_claimed, sealed, plaintext)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            &error);
        if (error)
            return;
        // Why the owner's copy of a version was refused, if it was.
        refusedParent = db.prepare("SELECT reason FROM quarantine WHERE record_id = ? AND"
                                   " version = ? AND officer_id = ? ORDER BY id DESC LIMIT 1",
                                   &error);
        if (error)
            return;
        alert = db.prepare(
            "INSERT INTO alerts(raised_at, kind, officer_id, device_id, batch_id, record_id,"
            " version, quarantine_id, other_officer_id, other_device_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
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
    if (*version == 1 || *version == 2) {
        // Tables an older hub.db lacks are made first (with today's
        // columns), then the records rebuilt and columns added where absent.
        if (auto e = m_db.exec(kSchema))
            return fail(e, "migrate");
        if (auto e = m_db.exec(kMigrateRecordsToOwners))
            return fail(e, "migrate");
        for (const auto &[table, column] :
             {std::pair{"quarantine", "officer_id"}, std::pair{"alerts", "officer_id"},
              std::pair{"alerts", "other_officer_id"}, std::pair{"alerts", "other_device_id"}}) {
            const QByteArray has = QByteArrayLiteral("SELECT count(*) FROM pragma_table_info('") +
                                   table + "') WHERE name = '" + column + "'";
            sql::SqlError e;
            const auto n = m_db.queryInt(has.constData(), &e);
            if (!n)
                return fail(e, "migrate");
            if (*n == 0) {
                const QByteArray add =
                    QByteArrayLiteral("ALTER TABLE ") + table + " ADD COLUMN " + column + " TEXT";
                if (auto e2 = m_db.exec(add.constData()))
                    return fail(e2, "migrate");
            }
        }
        if (auto e = m_db.exec(kFillOwners))
            return fail(e, "migrate");
    }
    if (*version == 4) {
        // The queue keyed by rowid becomes the queue keyed by version.
        if (auto e = m_db.exec(kMigrateQueueToKeys))
            return fail(e, "migrate");
    }
    if (auto e = m_db.exec(kSchema))
        return fail(e, "migrate");
    if (*version >= 1 && *version < 4) {
        // Every version already held is work for the picture: it covers
        // the history, not only what arrives after the upgrade.
        if (auto e = m_db.exec("INSERT OR IGNORE INTO picture_queue(officer_id, record_id,"
                               " version, urgent, enqueued_at) SELECT officer_id, record_id,"
                               " version, urgent, received_at FROM records ORDER BY rowid"))
            return fail(e, "migrate");
    }
    // 5 -> 6 only adds device_sightings, which kSchema makes; 6 -> 7 the
    // devices' signing keys.
    {
        sql::SqlError e;
        const auto n = m_db.queryInt(
            "SELECT count(*) FROM pragma_table_info('devices') WHERE name = 'signing_public_key'",
            &e);
        if (!n)
            return fail(e, "migrate");
        if (*n == 0) {
            if (auto e2 = m_db.exec("ALTER TABLE devices ADD COLUMN signing_public_key BLOB"))
                return fail(e2, "migrate");
        }
    }
    if (auto e = m_db.exec("PRAGMA user_version = 7"))
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
    auto st = m_db.prepare("SELECT secret_hash, expires_at, used_at, officer_id FROM "
                           "enrolment_codes WHERE code_id = ?");
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
        auto again = m_db.prepare("SELECT d.device_id, d.credential_hash, d.signing_public_key "
                                  "FROM enrolment_codes c "
                                  "JOIN devices d ON d.device_id = c.device_id "
                                  "WHERE c.code_id = ? AND d.revoked_at IS NULL");
        again.bind(1, codeId);
        if (again.step()) {
            const QString deviceId = again.columnText(0);
            const QByteArray held = again.columnBlob(1);
            const QByteArray heldKey = again.columnBlob(2);
            again = {};
            // The same credential and the same signing key: a device that
            // kept the credential but brings another key is not the same.
            if (held.size() == newDevice.credentialHash.size() &&
                sodium_memcmp(held.constData(), newDevice.credentialHash.constData(),
                              size_t(held.size())) == 0 &&
                heldKey == newDevice.signingPublicKey) {
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
                            "credential_hash, code_id, enrolled_at, signing_public_key)"
                            " VALUES (?,?,?,?,?,?,?)");
    dev.bind(1, newDevice.deviceId)
        .bind(2, officerId)
        .bind(3, deviceName.left(100))
        .bindBlob(4, newDevice.credentialHash)
        .bind(5, codeId)
        .bind(6, std::int64_t(nowMs))
        .bindBlob(7, newDevice.signingPublicKey);
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
        "SELECT officer_id, credential_hash, revoked_at, signing_public_key FROM devices "
        "WHERE device_id = ?");
    st.bind(1, deviceId);
    if (!st.step()) {
        if (st.error() && error)
            *error = fail(st.error(), "find_device");
        return std::nullopt;
    }
    return DeviceRow{deviceId, st.columnText(0), st.columnBlob(1), !st.columnIsNull(2),
                     st.columnBlob(3)};
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
                                          std::vector<StoredResult> &outcomes)
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
                                         std::vector<StoredResult> &outcomes)
{
    outcomes.clear();
    outcomes.reserve(batch.items.size());
    BatchStatements &st = *m_statements;
    // The batch's own ids are bound to every row: converted once per batch,
    // and each record's id once per record, not once per statement.
    const QByteArray deviceIdUtf8 = batch.deviceId.toUtf8();
    const QByteArray officerIdUtf8 = batch.officerId.toUtf8();
    const QByteArray batchIdUtf8 = batch.batchId.toUtf8();
    const std::string_view deviceId(deviceIdUtf8.constData(), size_t(deviceIdUtf8.size()));
    const std::string_view officerId(officerIdUtf8.constData(), size_t(officerIdUtf8.size()));
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
            .bind(3, officerId)
            .bind(4, batchId)
            .bind(5, recordId)
            .bind(6, std::int64_t(item.version))
            .bind(7, reason)
            .bind(8, reasons)
            .bindBlob(9, item.sha256)
            .bindBlob(10, item.sealed);
        if (item.plaintext.isNull())
            st.quarantine.bindNull(11);
        else
            st.quarantine.bindBlob(11, item.plaintext);
        return st.quarantine.exec();
    };
    auto writeAlert = [&](const char *kind, const IngestItem &item,
                          std::optional<qint64> quarantineId, const QString &otherOfficer,
                          const QString &otherDevice) {
        st.alert.reset();
        st.alert.bind(1, std::int64_t(batch.receivedAtMs))
            .bind(2, std::string_view(kind))
            .bind(3, officerId)
            .bind(4, deviceId)
            .bind(5, batchId)
            .bind(6, recordId)
            .bind(7, std::int64_t(item.version));
        if (quarantineId)
            st.alert.bind(8, std::int64_t(*quarantineId));
        else
            st.alert.bindNull(8);
        if (otherOfficer.isNull())
            st.alert.bindNull(9).bindNull(10);
        else
            st.alert.bind(9, otherOfficer).bind(10, otherDevice);
        return st.alert.exec();
    };
    auto setFlags = [&](qint64 rowid, const QJsonArray &flags) {
        st.setFlags.reset();
        st.setFlags.bind(1, flagsText(flags))
            .bind(2, flags.isEmpty() ? 0 : 1)
            .bind(3, std::int64_t(rowid));
        return st.setFlags.exec();
    };

    // What the store holds under this record id, read once per item.
    struct HeldRow
    {
        QString officerId;
        quint32 version = 0;
        QByteArray sha256;
        QString deviceId;
        QString flags;
        qint64 rowid = 0;
    };
    std::vector<HeldRow> held;

    for (const IngestItem &item : batch.items) {
        recordIdUtf8 = item.recordId.toUtf8();
        recordId = std::string_view(recordIdUtf8.constData(), size_t(recordIdUtf8.size()));
        StoredResult result;
        if (!item.keep) {
            const QString reasons = issuesJson(item.reasons);
            const QString first =
                item.reasons.isEmpty() ? QStringLiteral("rejected") : item.reasons.first().code;
            if (!writeQuarantine(item, first, reasons))
                return fail(st.quarantine.error(), "write_batch");
            const qint64 quarantineId = m_db.lastInsertRowId();
            const bool misattributed =
                std::any_of(item.reasons.begin(), item.reasons.end(), [](const auto &r) {
                    return r.code == QLatin1String(alertkind::kAttributionMismatch);
                });
            if (misattributed) {
                if (!writeAlert(alertkind::kAttributionMismatch, item, quarantineId, QString(),
                                QString()))
                    return fail(st.alert.error(), "write_batch");
                result.alert = QString::fromLatin1(alertkind::kAttributionMismatch);
            }
            if (!writeAudit("record_rejected", item, first))
                return fail(st.audit.error(), "write_batch");
            result.outcome = StoredOutcome::Rejected;
            outcomes.push_back(std::move(result));
            continue;
        }

        held.clear();
        st.byId.reset();
        st.byId.bind(1, recordId);
        while (st.byId.step())
            held.push_back({st.byId.columnText(0), quint32(st.byId.columnInt64(1)),
                            st.byId.columnBlob(2), st.byId.columnText(3), st.byId.columnText(4),
                            st.byId.columnInt64(5)});
        if (st.byId.error())
            return fail(st.byId.error(), "write_batch");
        st.byId.reset(); // no statement stays open across the commit

        const HeldRow *same = nullptr;   // the owner's copy of this version
        const HeldRow *parent = nullptr; // the owner's copy of the version amended
        const HeldRow *other = nullptr;  // another officer's first copy of the id
        bool ownerSeenBefore = false;    // the owner already holds a version
        for (const HeldRow &row : held) {
            if (row.officerId == batch.officerId) {
                ownerSeenBefore = true;
                if (row.version == item.version)
                    same = &row;
                else if (item.parentVersion > 0 && row.version == item.parentVersion)
                    parent = &row;
            } else if (!other) {
                other = &row;
            }
        }

        if (same) {
            if (same->sha256 == item.sha256) {
                if (!writeAudit("record_duplicate", item, QString()))
                    return fail(st.audit.error(), "write_batch");
                result.outcome = StoredOutcome::Duplicate;
                outcomes.push_back(std::move(result));
                continue;
            }
            // Never overwrite: keep the other payload aside and tell an
            // administrator.
            if (!writeQuarantine(item, QString::fromLatin1(alertkind::kConflict),
                                 QStringLiteral("[]")))
                return fail(st.quarantine.error(), "write_batch");
            if (!writeAlert(alertkind::kConflict, item, m_db.lastInsertRowId(), QString(),
                            QString()))
                return fail(st.alert.error(), "write_batch");
            if (!writeAudit("record_conflict", item, QString()))
                return fail(st.audit.error(), "write_batch");
            result.outcome = StoredOutcome::Conflict;
            result.alert = QString::fromLatin1(alertkind::kConflict);
            outcomes.push_back(std::move(result));
            continue;
        }

        protocol::RecordIssues flags = item.flags;
        if (other)
            flags.append(collisionFlag());
        if (item.parentVersion > 0 && !parent) {
            st.refusedParent.reset();
            st.refusedParent.bind(1, recordId)
                .bind(2, std::int64_t(item.parentVersion))
                .bind(3, officerId);
            if (st.refusedParent.step())
                flags.append(
                    correctsRefusedFlag(item.parentVersion, st.refusedParent.columnText(0)));
            else if (st.refusedParent.error())
                return fail(st.refusedParent.error(), "write_batch");
            else
                flags.append(parentMissingFlag(item.parentVersion));
            st.refusedParent.reset();
        }
        st.insert.reset();
        st.insert.bind(1, officerId)
            .bind(2, recordId)
            .bind(3, std::int64_t(item.version))
            .bind(4, std::int64_t(item.parentVersion))
            .bindBlob(5, item.sha256)
            .bindBlobView(6, item.plaintext) // item outlives the insert
            .bind(7, flags.isEmpty() ? QStringLiteral("[]") : issuesJson(flags))
            .bind(8, flags.isEmpty() ? 0 : 1)
            .bind(9, item.urgent ? 1 : 0)
            .bind(10, std::int64_t(batch.receivedAtMs))
            .bind(11, deviceId)
            .bind(12, batchId);
        if (!st.insert.exec())
            return fail(st.insert.error(), "write_batch");
        // The picture's work, in the same transaction: committed together
        // or not at all.
        st.enqueue.reset();
        st.enqueue.bind(1, officerId)
            .bind(2, recordId)
            .bind(3, std::int64_t(item.version))
            .bind(4, item.urgent ? 1 : 0)
            .bind(5, std::int64_t(batch.receivedAtMs));
        if (!st.enqueue.exec())
            return fail(st.enqueue.error(), "write_batch");

        if (other) {
            // Both officers' copies carry the flag, whichever came first.
            for (const HeldRow &row : held) {
                if (row.officerId == batch.officerId)
                    continue;
                QJsonArray rowFlags = flagArray(row.flags);
                if (hasFlag(rowFlags, kCollisionFlag))
                    continue;
                rowFlags.append(collisionFlag().toJson());
                if (!setFlags(row.rowid, rowFlags))
                    return fail(st.setFlags.error(), "write_batch");
            }
            // One alert when an officer's record first meets another's id.
            if (!ownerSeenBefore) {
                if (!writeAlert(alertkind::kRecordIdCollision, item, std::nullopt, other->officerId,
                                other->deviceId))
                    return fail(st.alert.error(), "write_batch");
                result.alert = QString::fromLatin1(alertkind::kRecordIdCollision);
                result.otherOfficerId = other->officerId;
                result.otherDeviceId = other->deviceId;
            }
        }
        // A later version that arrived first no longer lacks its parent.
        for (const HeldRow &row : held) {
            if (row.officerId != batch.officerId || row.version != item.version + 1)
                continue;
            QJsonArray rowFlags = flagArray(row.flags);
            bool removed = false;
            for (qsizetype i = rowFlags.size() - 1; i >= 0; --i) {
                if (rowFlags[i].toObject().value(QLatin1String("code")).toString() ==
                    kParentMissingFlag) {
                    rowFlags.removeAt(i);
                    removed = true;
                }
            }
            if (removed && !setFlags(row.rowid, rowFlags))
                return fail(st.setFlags.error(), "write_batch");
        }
        QString detail;
        if (batch.sentByRevokedDevice)
            detail = QStringLiteral("sent_by_revoked_device");
        if (other)
            detail += (detail.isEmpty() ? QString() : QStringLiteral(",")) + kCollisionFlag;
        if (!writeAudit(flags.isEmpty() ? "record_accepted" : "record_accepted_flagged", item,
                        detail))
            return fail(st.audit.error(), "write_batch");
        result.outcome = StoredOutcome::Accepted;
        outcomes.push_back(std::move(result));
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

std::optional<std::vector<PictureWork>> SqliteHubStore::claimPictureWork(const QString &worker,
                                                                         int limit, qint64 nowMs,
                                                                         qint64 leaseMs,
                                                                         HubStoreError *error)
{
    std::lock_guard lock(m_mutex);
    auto failed = [&](const sql::SqlError &e) {
        if (error)
            *error = fail(e, "claim_picture_work");
        return std::nullopt;
    };
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return failed(tx.beginError());
    // Urgent first, then in arrival order; never what another worker's
    // lease still covers.
    sql::SqlError e;
    sql::Statement pick = m_db.prepare(
        "SELECT q.id, r.officer_id, r.record_id, r.version, r.bytes, r.received_at,"
        " q.urgent, r.flags FROM picture_queue q JOIN records r ON r.officer_id = q.officer_id"
        " AND r.record_id = q.record_id AND r.version = q.version"
        " WHERE q.attempts < ? AND (q.claimed_until IS NULL OR q.claimed_until <= ?)"
        " ORDER BY q.urgent DESC, q.attempts, q.id LIMIT ?",
        &e);
    if (e)
        return failed(e);
    pick.bind(1, kMaxPictureAttempts).bind(2, std::int64_t(nowMs)).bind(3, limit);
    std::vector<PictureWork> work;
    while (pick.step()) {
        QStringList flags;
        for (const QJsonValue &f : QJsonDocument::fromJson(pick.columnText(7).toUtf8()).array())
            flags << (f.isObject() ? f.toObject().value(QLatin1String("code")).toString()
                                   : f.toString());
        flags.removeAll(QString());
        work.push_back({pick.columnInt64(0), pick.columnText(1), pick.columnText(2),
                        quint32(pick.columnInt64(3)), pick.columnBlob(4), pick.columnInt64(5),
                        pick.columnInt64(6) != 0, flags});
    }
    if (pick.error())
        return failed(pick.error());
    sql::Statement claim = m_db.prepare(
        "UPDATE picture_queue SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1"
        " WHERE id = ?",
        &e);
    if (e)
        return failed(e);
    for (const PictureWork &w : work) {
        claim.reset();
        claim.bind(1, worker).bind(2, std::int64_t(nowMs + leaseMs)).bind(3, std::int64_t(w.rowid));
        if (!claim.exec())
            return failed(claim.error());
    }
    if (auto c = tx.commit())
        return failed(c);
    return work;
}

HubStoreError SqliteHubStore::finishPictureWork(const QString &worker,
                                                const std::vector<qint64> &rowids)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), "finish_picture_work");
    sql::SqlError e;
    // Only this worker's claims: work whose lease lapsed and was taken by
    // another is that worker's to finish.
    sql::Statement done =
        m_db.prepare("DELETE FROM picture_queue WHERE id = ? AND claimed_by = ?", &e);
    if (e)
        return fail(e, "finish_picture_work");
    for (qint64 rowid : rowids) {
        done.reset();
        done.bind(1, std::int64_t(rowid)).bind(2, worker);
        if (!done.exec())
            return fail(done.error(), "finish_picture_work");
    }
    if (auto c = tx.commit())
        return fail(c, "finish_picture_work");
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
    static_assert(kMaxPictureAttempts == 5, "the picture_queue counts below spell it");
    const std::pair<const char *, qint64 *> queries[] = {
        {"SELECT count(*) FROM devices", &s.devices},
        {"SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL", &s.revokedDevices},
        {"SELECT count(*) FROM (SELECT DISTINCT officer_id, record_id FROM records)", &s.records},
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
        {"SELECT count(*) FROM alerts WHERE kind = 'record_id_collision'", &s.collisions},
        {"SELECT count(*) FROM alerts WHERE kind = 'attribution_mismatch'", &s.attributionRefusals},
        {"SELECT count(*) FROM picture_queue WHERE attempts < 5", &s.pictureQueued},
        {"SELECT coalesce(min(enqueued_at), 0) FROM picture_queue WHERE attempts < 5",
         &s.pictureOldestEnqueuedMs},
        {"SELECT count(*) FROM picture_queue WHERE attempts >= 5" /* kMaxPictureAttempts */,
         &s.pictureFailed},
        {"SELECT count(*) FROM records WHERE flagged = 1 AND EXISTS (SELECT 1 FROM"
         " json_each(records.flags) WHERE json_extract(value, '$.code') = 'parent_missing')",
         &s.orphanedVersions},
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

std::optional<std::vector<RecordListing>> SqliteHubStore::listRecords(const RecordFilter &filter,
                                                                      HubStoreError *error)
{
    std::lock_guard lock(m_readMutex);
    // Empty filters match everything; the flag is matched on the stored
    // codes, not on text.
    auto st = m_readDb.prepare(
        "SELECT officer_id, record_id, version, parent_version, device_id, batch_id, received_at,"
        " urgent, flags FROM records"
        " WHERE (?1 = '' OR officer_id = ?1) AND (?2 = '' OR device_id = ?2)"
        " AND (?3 = '' OR EXISTS (SELECT 1 FROM json_each(records.flags)"
        "      WHERE json_extract(value, '$.code') = ?3))"
        " ORDER BY received_at DESC, rowid DESC LIMIT ?4");
    st.bind(1, filter.officerId)
        .bind(2, filter.deviceId)
        .bind(3, filter.flag)
        .bind(4, std::int64_t(std::max(0, filter.limit)));
    std::vector<RecordListing> out;
    while (st.step()) {
        RecordListing r;
        r.officerId = st.columnText(0);
        r.recordId = st.columnText(1);
        r.version = quint32(st.columnInt64(2));
        r.parentVersion = quint32(st.columnInt64(3));
        r.deviceId = st.columnText(4);
        r.batchId = st.columnText(5);
        r.receivedAtMs = st.columnInt64(6);
        r.urgent = st.columnInt64(7) != 0;
        for (const auto &f : flagArray(st.columnText(8)))
            r.flags.append(f.toObject().value(QLatin1String("code")).toString());
        out.push_back(std::move(r));
    }
    if (st.error()) {
        if (error)
            *error = fail(st.error(), "list_records");
        return std::nullopt;
    }
    return out;
}

std::optional<std::vector<AlertListing>> SqliteHubStore::listAlerts(int limit, HubStoreError *error)
{
    std::lock_guard lock(m_readMutex);
    auto st = m_readDb.prepare(
        "SELECT id, raised_at, kind, coalesce(officer_id, ''), coalesce(device_id, ''),"
        " coalesce(other_officer_id, ''), coalesce(other_device_id, ''), coalesce(batch_id, ''),"
        " coalesce(record_id, ''), coalesce(version, 0), acknowledged_at IS NOT NULL FROM alerts"
        " ORDER BY id DESC LIMIT ?");
    st.bind(1, std::int64_t(std::max(0, limit)));
    std::vector<AlertListing> out;
    while (st.step()) {
        AlertListing a;
        a.id = st.columnInt64(0);
        a.raisedAtMs = st.columnInt64(1);
        a.kind = st.columnText(2);
        a.officerId = st.columnText(3);
        a.deviceId = st.columnText(4);
        a.otherOfficerId = st.columnText(5);
        a.otherDeviceId = st.columnText(6);
        a.batchId = st.columnText(7);
        a.recordId = st.columnText(8);
        a.version = quint32(st.columnInt64(9));
        a.acknowledged = st.columnInt64(10) != 0;
        out.push_back(std::move(a));
    }
    if (st.error()) {
        if (error)
            *error = fail(st.error(), "list_alerts");
        return std::nullopt;
    }
    return out;
}

HubStoreError SqliteHubStore::recordSighting(const DeviceSighting &sighting)
{
    std::lock_guard lock(m_mutex);
    auto st = m_db.prepare(
        "INSERT INTO device_sightings(device_id, last_seen_at, failed_unlocks, lockouts)"
        " VALUES (?,?,?,?) ON CONFLICT(device_id) DO UPDATE SET"
        " last_seen_at = max(last_seen_at, excluded.last_seen_at),"
        " failed_unlocks = excluded.failed_unlocks, lockouts = excluded.lockouts");
    st.bind(1, sighting.deviceId)
        .bind(2, std::int64_t(sighting.lastSeenMs))
        .bind(3, std::int64_t(sighting.failedUnlocks))
        .bind(4, std::int64_t(sighting.lockouts));
    if (!st.exec())
        return fail(st.error(), "record_sighting");
    return {};
}

std::optional<DeviceSighting> SqliteHubStore::findSighting(const QString &deviceId,
                                                           HubStoreError *error)
{
    std::lock_guard lock(m_readMutex);
    auto st = m_readDb.prepare("SELECT last_seen_at, failed_unlocks, lockouts FROM"
                               " device_sightings WHERE device_id = ?");
    st.bind(1, deviceId);
    if (st.step())
        return DeviceSighting{deviceId, st.columnInt64(0), quint32(st.columnInt64(1)),
                              quint32(st.columnInt64(2))};
    if (st.error() && error)
        *error = fail(st.error(), "find_sighting");
    return std::nullopt;
}

HubStoreError SqliteHubStore::raiseDeviceAlert(qint64 nowMs, const QString &kind,
                                               const QString &deviceId, const QString &officerId,
                                               const QString &detailJson)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return fail(tx.beginError(), "raise_alert");
    auto alert =
        m_db.prepare("INSERT INTO alerts(raised_at, kind, officer_id, device_id) VALUES (?,?,?,?)");
    alert.bind(1, std::int64_t(nowMs)).bind(2, kind).bind(3, officerId).bind(4, deviceId);
    if (!alert.exec())
        return fail(alert.error(), "raise_alert");
    auto audit =
        m_db.prepare("INSERT INTO audit(at, event, device_id, detail) VALUES (?, ?, ?, ?)");
    audit.bind(1, std::int64_t(nowMs)).bind(2, kind).bind(3, deviceId).bind(4, detailJson);
    if (!audit.exec())
        return fail(audit.error(), "raise_alert");
    if (auto e = tx.commit())
        return fail(e, "raise_alert");
    return {};
}

std::optional<std::vector<DeviceListing>> SqliteHubStore::listDevices(HubStoreError *error)
{
    std::lock_guard lock(m_readMutex);
    auto st =
        m_readDb.prepare("SELECT d.device_id, d.officer_id, d.device_name, d.enrolled_at,"
                         " coalesce(d.revoked_at, 0), coalesce(s.last_seen_at, 0),"
                         " coalesce(s.failed_unlocks, 0), coalesce(s.lockouts, 0)"
                         " FROM devices d LEFT JOIN device_sightings s ON s.device_id = d.device_id"
                         " ORDER BY coalesce(s.last_seen_at, d.enrolled_at), d.device_id");
    std::vector<DeviceListing> out;
    while (st.step()) {
        DeviceListing d;
        d.deviceId = st.columnText(0);
        d.officerId = st.columnText(1);
        d.deviceName = st.columnText(2);
        d.enrolledAtMs = st.columnInt64(3);
        d.revokedAtMs = st.columnInt64(4);
        d.lastSeenMs = st.columnInt64(5);
        d.failedUnlocks = quint32(st.columnInt64(6));
        d.lockouts = quint32(st.columnInt64(7));
        out.push_back(std::move(d));
    }
    if (st.error()) {
        if (error)
            *error = fail(st.error(), "list_devices");
        return std::nullopt;
    }
    return out;
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
