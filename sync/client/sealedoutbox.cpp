#include "sealedoutbox.h"

#include "files/privatefiles.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <sys/stat.h>

namespace safeguard::syncclient {

namespace {

constexpr const char *kSchemaV1 = R"sql(
CREATE TABLE entries (
  id          INTEGER PRIMARY KEY,
  record_id   TEXT    NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  priority    INTEGER NOT NULL CHECK (priority IN (0, 1)),
  sha256      BLOB    NOT NULL,
  size        INTEGER NOT NULL,
  sealed      BLOB    NOT NULL,
  state       TEXT    NOT NULL
              CHECK (state IN ('pending','acknowledged','needs_correction','conflict')),
  reasons     TEXT    NOT NULL DEFAULT '',
  created_ms  INTEGER NOT NULL,
  decided_ms  INTEGER NOT NULL DEFAULT 0,
  applied     INTEGER NOT NULL DEFAULT 0,
  purged      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (record_id, version)
);
CREATE INDEX entries_lane ON entries (state, priority, id);
CREATE INDEX entries_unapplied ON entries (applied, state);
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
PRAGMA user_version = 1;
)sql";

// Schema 2: each entry says how it was sealed (v1::SealScheme). Every entry
// written before was crypto_box_seal, the scheme 0 the default gives them.
constexpr const char *kSchemaV2 = R"sql(
ALTER TABLE entries ADD COLUMN seal_scheme INTEGER NOT NULL DEFAULT 0 CHECK (seal_scheme >= 0);
PRAGMA user_version = 2;
)sql";

// Schema 3: an entry that keeps failing alone is set aside (parked) for a
// while so the rest of its lane goes: how often it failed in a row, since
// when, and until when it waits.
constexpr const char *kSchemaV3 = R"sql(
ALTER TABLE entries ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN first_failure_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN parked_until_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX entries_parked ON entries (priority) WHERE parked_until_ms != 0 AND state = 'pending';
PRAGMA user_version = 3;
)sql";

// Schema 4: each entry keeps its sealing session's signature by the device
// key (sent as RecordEnvelope.session_signature), and each final entry the
// signed receipt that decided it (receipts, one row per receipt): the
// store takes a verdict only from a receipt whose signature it checks.
// Entries that were there before (ids up to unsigned_verdicts_through) were
// decided by receipts nobody kept: their verdicts are sent for again, not
// reported as forged.
constexpr const char *kSchemaV4 = R"sql(
ALTER TABLE entries ADD COLUMN session_signature BLOB NOT NULL DEFAULT X'';
ALTER TABLE entries ADD COLUMN receipt_id INTEGER NOT NULL DEFAULT 0;
CREATE TABLE receipts (
  id         INTEGER PRIMARY KEY,
  body       BLOB    NOT NULL,
  created_ms INTEGER NOT NULL
);
INSERT OR REPLACE INTO meta (key, value)
  SELECT 'unsigned_verdicts_through', coalesce(max(id), 0) FROM entries;
PRAGMA user_version = 4;
)sql";

// kMigrations[v] takes a file from user_version v to v + 1.
constexpr const char *kMigrations[] = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4};
static_assert(std::size(kMigrations) == size_t(SealedOutbox::kSchemaVersion));

} // namespace

OutboxError OutboxError::fromSql(const sql::SqlError &e, const char *during)
{
    if (e.ok())
        return {};
    OutboxErrorKind kind = OutboxErrorKind::Internal;
    switch (e.kind) {
    case sql::SqlErrorKind::NotADatabase:
    case sql::SqlErrorKind::Corrupt:
        kind = OutboxErrorKind::Corrupt;
        break;
    case sql::SqlErrorKind::Io:
    case sql::SqlErrorKind::DiskFull:
    case sql::SqlErrorKind::ReadOnly:
    case sql::SqlErrorKind::CantOpen:
    case sql::SqlErrorKind::Busy:
        kind = OutboxErrorKind::Io;
        break;
    default:
        break;
    }
    return {kind, QStringLiteral("outbox %1: %2").arg(QLatin1String(during), e.message)};
}

QString toKey(EntryState s)
{
    switch (s) {
    case EntryState::Pending:
        return QStringLiteral("pending");
    case EntryState::Acknowledged:
        return QStringLiteral("acknowledged");
    case EntryState::NeedsCorrection:
        return QStringLiteral("needs_correction");
    case EntryState::Conflict:
        return QStringLiteral("conflict");
    }
    return QStringLiteral("pending");
}

std::optional<EntryState> entryStateFromKey(const QString &key)
{
    for (EntryState s : {EntryState::Pending, EntryState::Acknowledged, EntryState::NeedsCorrection,
                         EntryState::Conflict}) {
        if (toKey(s) == key)
            return s;
    }
    return std::nullopt;
}

SealedOutbox::SealedOutbox(sql::Database db)
    : m_db(std::move(db))
{
    m_sequence = meta("sequence").value_or(QString()).toULongLong();
}

SealedOutbox::~SealedOutbox() = default;

std::unique_ptr<SealedOutbox> SealedOutbox::open(const QString &dir, OutboxError *error)
{
    auto fail = [error](OutboxError e) {
        if (error)
            *error = std::move(e);
        return nullptr;
    };
    QString fsError;
    if (!platform::privatefiles::ensurePrivateDir(dir, &fsError))
        return fail({OutboxErrorKind::Io, fsError});
    const QString path = QDir(dir).filePath(fileName());
    std::optional<sql::Database> db;
    {
        platform::privatefiles::PrivateUmask mask;
        sql::SqlError e;
        db = sql::Database::open(path, sql::Database::OpenMode::ReadWriteCreate, &e);
        if (!db)
            return fail(OutboxError::fromSql(e, "open"));
        // No key: this file is plain SQLite on purpose; its payloads are sealed.
        sql::Statement wal = db->prepare("PRAGMA journal_mode = WAL;");
        if (!wal.step() || wal.columnText(0) != QLatin1String("wal"))
            return fail({OutboxErrorKind::Corrupt, QStringLiteral("outbox: cannot open")});
        wal = sql::Statement();
        if ((e = db->exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                          "PRAGMA secure_delete = ON; PRAGMA busy_timeout = 5000;")))
            return fail(OutboxError::fromSql(e, "open"));
        // A drain reads every sealed blob once (pending()) and rewrites its
        // page once (record()): mapping the file saves a kernel copy per page
        // read (a pread was ~10% of the device's CPU per record). Reads only:
        // SQLite still writes through the WAL, and a mapping it cannot get
        // falls back to pread. Not for the encrypted store (SQLCipher never
        // maps a keyed file); this one holds only sealed bytes.
        if ((e = db->exec("PRAGMA mmap_size = 268435456;")))
            return fail(OutboxError::fromSql(e, "open"));
        const auto version = db->queryInt("PRAGMA user_version;", &e);
        if (!version)
            return fail(OutboxError::fromSql(e, "open"));
        if (*version > kSchemaVersion)
            return fail({OutboxErrorKind::Corrupt,
                         QStringLiteral("outbox written by a newer version of the app")});
        if (*version < 0)
            return fail(
                {OutboxErrorKind::Corrupt, QStringLiteral("outbox schema version invalid")});
        for (int from = int(*version); from < kSchemaVersion; ++from) {
            sql::Transaction tx(*db);
            if (tx.beginError())
                return fail(OutboxError::fromSql(tx.beginError(), "migrate"));
            if ((e = db->exec(kMigrations[from])) || (e = tx.commit()))
                return fail(OutboxError::fromSql(e, "migrate"));
        }
    }
    for (const char *suffix : {"", "-wal", "-shm"})
        ::chmod(QFile::encodeName(path + QLatin1String(suffix)).constData(), 0600);
    return std::unique_ptr<SealedOutbox>(new SealedOutbox(std::move(*db)));
}

OutboxError SealedOutbox::add(const QList<SealedEntry> &entries, qint64 nowMs, int *inserted)
{
    int count = 0;
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "add");
    sql::Statement st = m_db.prepare(
        "INSERT OR IGNORE INTO entries (record_id, version, priority, sha256, size, sealed, "
        "seal_scheme, state, created_ms, session_signature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?);");
    for (const SealedEntry &e : entries) {
        st.bind(1, e.recordId)
            .bind(2, e.version)
            .bind(3, e.urgent ? 1 : 0)
            .bindBlob(4, e.sha256)
            .bind(5, std::int64_t(e.size))
            .bindBlob(6, e.sealed)
            .bind(7, int(e.scheme))
            .bind(8, std::int64_t(nowMs))
            .bindBlob(9, e.sessionSignature);
        if (!st.exec())
            return OutboxError::fromSql(st.error(), "add");
        count += m_db.changes();
    }
    if (sql::SqlError e = tx.commit())
        return OutboxError::fromSql(e, "add");
    if (inserted)
        *inserted = count;
    return {};
}

bool SealedOutbox::contains(const QString &recordId, int version)
{
    sql::Statement st = m_db.prepare("SELECT 1 FROM entries WHERE record_id = ? AND version = ?;");
    st.bind(1, recordId).bind(2, version);
    return st.step();
}

std::optional<QByteArray> SealedOutbox::sha256Of(const QString &recordId, int version)
{
    sql::Statement st =
        m_db.prepare("SELECT sha256 FROM entries WHERE record_id = ? AND version = ?;");
    st.bind(1, recordId).bind(2, version);
    if (!st.step())
        return std::nullopt;
    return st.columnBlob(0);
}

QList<SealedEntry> SealedOutbox::pending(bool urgent, qint64 afterId, int maxRecords,
                                         qint64 maxBytes, OutboxError *error, qint64 nowMs,
                                         bool newestFirst)
{
    QList<SealedEntry> out;
    sql::Statement st = m_db.prepare(
        newestFirst
            ? "SELECT id, record_id, version, sha256, size, sealed, seal_scheme, session_signature "
              "FROM entries "
              "WHERE state = 'pending' AND priority = ? AND id > ? AND parked_until_ms <= ? "
              "ORDER BY id DESC LIMIT ?;"
            : "SELECT id, record_id, version, sha256, size, sealed, seal_scheme, session_signature "
              "FROM entries WHERE state = 'pending' AND priority = ? AND id > ? AND "
              "parked_until_ms <= ? "
              "ORDER BY id LIMIT ?;");
    st.bind(1, urgent ? 1 : 0)
        .bind(2, std::int64_t(newestFirst ? resealThrough() : std::max(afterId, resealThrough())))
        .bind(3, std::int64_t(nowMs))
        .bind(4, maxRecords);
    qint64 bytes = 0;
    while (st.step()) {
        SealedEntry e;
        e.id = st.columnInt64(0);
        e.recordId = st.columnText(1);
        e.version = int(st.columnInt64(2));
        e.urgent = urgent;
        e.sha256 = st.columnBlob(3);
        e.size = st.columnInt64(4);
        e.sealed = st.columnBlob(5);
        // A value this build does not know is sent as it is: the hub says
        // "unsealable" and the entry needs correction instead of blocking.
        e.scheme = v1::SealScheme(std::clamp<std::int64_t>(st.columnInt64(6), 0, INT32_MAX));
        e.sessionSignature = st.columnBlob(7);
        // An envelope costs its sealed bytes plus ids, hash, signature and
        // framing.
        const qint64 cost = e.sealed.size() + 128 + e.sessionSignature.size();
        if (!out.isEmpty() && bytes + cost > maxBytes)
            break;
        bytes += cost;
        out.append(std::move(e));
    }
    if (error && st.error())
        *error = OutboxError::fromSql(st.error(), "read pending");
    return out;
}

OutboxError SealedOutbox::record(const QList<EntryResult> &results, const QByteArray &receipt,
                                 qint64 nowMs)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "record");
    qint64 receiptId = 0;
    if (!receipt.isEmpty()) {
        sql::Statement keep =
            m_db.prepare("INSERT INTO receipts (body, created_ms) VALUES (?, ?);");
        keep.bindBlob(1, receipt).bind(2, std::int64_t(nowMs));
        if (!keep.exec())
            return OutboxError::fromSql(keep.error(), "record");
        receiptId = m_db.lastInsertRowId();
    }
    // Only a pending entry takes a verdict: a late duplicate answer never
    // turns "needs correction" back into anything else.
    const std::string update =
        "UPDATE entries SET state = ?, reasons = ?, decided_ms = ?, applied = 0, "
        "sealed = CASE WHEN ? = 'pending' THEN sealed ELSE X'' END, "
        "failures = 0, first_failure_ms = 0, parked_until_ms = 0, receipt_id = " +
        std::to_string(receiptId) + " WHERE record_id = ? AND version = ? AND state = 'pending'";
    sql::Statement byKey = m_db.prepare(update + ";");
    // "AND id = ?" matches the same row ((record_id, version) is unique and
    // entryId is that entry's row) but lets SQLite find it by rowid: the
    // seek through the text index was about a tenth of a receipt's CPU.
    sql::Statement byId = m_db.prepare(update + " AND id = ?;");
    for (const EntryResult &r : results) {
        sql::Statement &st = r.entryId > 0 ? byId : byKey;
        const QString state = toKey(r.state);
        st.bind(1, state)
            .bind(2, r.reasons)
            .bind(3, std::int64_t(nowMs))
            .bind(4, state)
            .bind(5, r.recordId)
            .bind(6, r.version);
        if (r.entryId > 0)
            st.bind(7, std::int64_t(r.entryId));
        if (!st.exec())
            return OutboxError::fromSql(st.error(), "record");
    }
    if (OutboxError e = setMeta("last_sync_ms", QString::number(nowMs)); !e.ok())
        return e;
    if (OutboxError e = setMeta("sequence", QString::number(m_sequence)); !e.ok())
        return e;
    return OutboxError::fromSql(tx.commit(), "record");
}

QList<UnappliedResult> SealedOutbox::unapplied(OutboxError *error)
{
    QList<UnappliedResult> out;
    sql::Statement st =
        m_db.prepare("SELECT record_id, version, state, reasons, decided_ms, receipt_id, id FROM "
                     "entries WHERE applied = 0 AND state != 'pending' ORDER BY id;");
    const qint64 unsignedThrough =
        meta("unsigned_verdicts_through").value_or(QString()).toLongLong();
    sql::Statement body = m_db.prepare("SELECT body FROM receipts WHERE id = ?;");
    // One copy of each receipt, shared by its entries.
    QHash<qint64, QByteArray> receipts;
    while (st.step()) {
        const qint64 receiptId = st.columnInt64(5);
        auto it = receipts.find(receiptId);
        if (it == receipts.end()) {
            QByteArray bytes;
            if (receiptId > 0) {
                body.reset();
                body.bind(1, std::int64_t(receiptId));
                if (body.step())
                    bytes = body.columnBlob(0);
            }
            it = receipts.insert(receiptId, bytes);
        }
        out.append({st.columnText(0),
                    int(st.columnInt64(1)),
                    entryStateFromKey(st.columnText(2)).value_or(EntryState::Pending),
                    st.columnText(3),
                    st.columnInt64(4),
                    *it,
                    {},
                    receiptId == 0 && st.columnInt64(6) <= unsignedThrough});
    }
    if (error && st.error())
        *error = OutboxError::fromSql(st.error(), "read verdicts");
    return out;
}

OutboxError SealedOutbox::markApplied(const QList<UnappliedResult> &results)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "mark applied");
    sql::Statement st =
        m_db.prepare("UPDATE entries SET applied = 1 WHERE record_id = ? AND version = ?;");
    for (const UnappliedResult &r : results) {
        st.bind(1, r.recordId).bind(2, r.version);
        if (!st.exec())
            return OutboxError::fromSql(st.error(), "mark applied");
    }
    return OutboxError::fromSql(tx.commit(), "mark applied");
}

OutboxError SealedOutbox::reapplyConflictsOnce()
{
    if (meta("conflicts_reapplied"))
        return {};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "reapply conflicts");
    if (sql::SqlError e = m_db.exec("UPDATE entries SET applied = 0 WHERE state = 'conflict';"))
        return OutboxError::fromSql(e, "reapply conflicts");
    if (OutboxError e = setMeta("conflicts_reapplied", QStringLiteral("1")); !e.ok())
        return e;
    return OutboxError::fromSql(tx.commit(), "reapply conflicts");
}

QList<QString> SealedOutbox::purgeableBefore(qint64 cutoffMs, OutboxError *error)
{
    QList<QString> out;
    // Only the record's latest version counts: an amendment acknowledged a
    // minute ago keeps the record however old version 1's receipt is.
    sql::Statement st = m_db.prepare(
        "SELECT record_id FROM entries AS e WHERE state = 'acknowledged' AND applied = 1 "
        "AND purged = 0 AND decided_ms <= ? AND version = "
        "(SELECT max(version) FROM entries AS x WHERE x.record_id = e.record_id) ORDER BY id;");
    st.bind(1, std::int64_t(cutoffMs));
    while (st.step())
        out.append(st.columnText(0));
    if (error && st.error())
        *error = OutboxError::fromSql(st.error(), "read purgeable");
    return out;
}

OutboxError SealedOutbox::markPurged(const QString &recordId)
{
    sql::Statement st = m_db.prepare(
        "UPDATE entries SET purged = 1 WHERE record_id = ? AND state = 'acknowledged';");
    st.bind(1, recordId);
    return st.exec() ? OutboxError{} : OutboxError::fromSql(st.error(), "mark purged");
}

std::optional<bool> SealedOutbox::noteFailure(qint64 entryId, qint64 nowMs, const ParkRule &rule,
                                              OutboxError *error)
{
    sql::Transaction tx(m_db);
    if (tx.beginError()) {
        if (error)
            *error = OutboxError::fromSql(tx.beginError(), "note failure");
        return std::nullopt;
    }
    sql::Statement st =
        m_db.prepare("UPDATE entries SET failures = failures + 1, first_failure_ms = CASE WHEN "
                     "first_failure_ms = 0 THEN ? ELSE first_failure_ms END WHERE id = ? AND state "
                     "= 'pending';");
    st.bind(1, std::int64_t(nowMs)).bind(2, std::int64_t(entryId));
    if (!st.exec() || m_db.changes() == 0) {
        if (error)
            *error = st.error() ? OutboxError::fromSql(st.error(), "note failure") : OutboxError{};
        return std::nullopt;
    }
    sql::Statement read =
        m_db.prepare("SELECT failures, first_failure_ms FROM entries WHERE id = ?;");
    read.bind(1, std::int64_t(entryId));
    if (!read.step()) {
        if (error)
            *error = OutboxError::fromSql(read.error(), "note failure");
        return std::nullopt;
    }
    const qint64 failures = read.columnInt64(0);
    const qint64 since = read.columnInt64(1);
    bool parked = false;
    if (failures >= rule.afterFailures || nowMs - since >= rule.afterMs) {
        sql::Statement park =
            m_db.prepare("UPDATE entries SET parked_until_ms = ?, failures = 0 WHERE id = ?;");
        park.bind(1, std::int64_t(nowMs + rule.retryEveryMs)).bind(2, std::int64_t(entryId));
        if (!park.exec()) {
            if (error)
                *error = OutboxError::fromSql(park.error(), "park");
            return std::nullopt;
        }
        parked = true;
    }
    if (sql::SqlError e = tx.commit(); !e.ok()) {
        if (error)
            *error = OutboxError::fromSql(e, "note failure");
        return std::nullopt;
    }
    return parked;
}

OutboxError SealedOutbox::unparkAll()
{
    return OutboxError::fromSql(
        m_db.exec("UPDATE entries SET parked_until_ms = 0, failures = 0, first_failure_ms = 0 "
                  "WHERE state = 'pending' AND (parked_until_ms != 0 OR failures != 0);"),
        "unpark");
}

int SealedOutbox::compact(qint64 beforeMs, OutboxError *error)
{
    // Final, copied into the store, and (when acknowledged) purged: nothing
    // here is needed again. Newest versions stay while their record does,
    // so purge keeps seeing the latest version's receipt.
    sql::Statement st = m_db.prepare(
        "DELETE FROM entries WHERE state != 'pending' AND applied = 1 AND decided_ms <= ? "
        "AND (state != 'acknowledged' OR purged = 1);");
    st.bind(1, std::int64_t(beforeMs));
    if (!st.exec()) {
        if (error)
            *error = OutboxError::fromSql(st.error(), "compact");
        return 0;
    }
    const int removed = m_db.changes();
    if (removed == 0)
        return 0;
    // Receipts no entry refers to any more.
    if (sql::SqlError re = m_db.exec("DELETE FROM receipts WHERE id NOT IN "
                                     "(SELECT receipt_id FROM entries);");
        !re.ok() && error)
        *error = OutboxError::fromSql(re, "compact");
    // Give the space back once a quarter of the file is free (a drained
    // backlog of 10,000 left 45 MB behind before).
    sql::SqlError e;
    const auto freePages = m_db.queryInt("PRAGMA freelist_count;", &e);
    const auto pages = m_db.queryInt("PRAGMA page_count;", &e);
    if (freePages && pages && *freePages * 4 >= *pages) {
        if (sql::SqlError ve = m_db.exec("VACUUM;"); !ve.ok()) {
            if (error)
                *error = OutboxError::fromSql(ve, "vacuum");
        } else {
            // In WAL mode the file shrinks only at a checkpoint; TRUNCATE
            // also empties the log of the pages the vacuum rewrote.
            m_db.exec("PRAGMA wal_checkpoint(TRUNCATE);");
        }
    }
    return removed;
}

OutboxCounts SealedOutbox::counts(OutboxError *error)
{
    OutboxCounts c;
    {
        sql::Statement parked =
            m_db.prepare("SELECT priority, count(*) FROM entries WHERE state = 'pending' AND "
                         "parked_until_ms != 0 GROUP BY priority;");
        while (parked.step()) {
            const int n = int(parked.columnInt64(1));
            c.parked += n;
            if (parked.columnInt64(0) != 0)
                c.urgentParked += n;
        }
    }
    sql::Statement st = m_db.prepare("SELECT state, priority, count(*) FROM entries "
                                     "GROUP BY state, priority;");
    while (st.step()) {
        const auto state = entryStateFromKey(st.columnText(0));
        const bool urgent = st.columnInt64(1) != 0;
        const int n = int(st.columnInt64(2));
        switch (state.value_or(EntryState::Pending)) {
        case EntryState::Pending:
            c.pending += n;
            if (urgent)
                c.urgentPending += n;
            break;
        case EntryState::Acknowledged:
            c.acknowledged += n;
            break;
        case EntryState::NeedsCorrection:
            c.needsCorrection += n;
            break;
        case EntryState::Conflict:
            c.conflicts += n;
            break;
        }
    }
    if (error && st.error())
        *error = OutboxError::fromSql(st.error(), "count");
    return c;
}

std::optional<QString> SealedOutbox::meta(const char *key)
{
    sql::Statement st = m_db.prepare("SELECT value FROM meta WHERE key = ?;");
    st.bind(1, std::string_view(key));
    if (!st.step())
        return std::nullopt;
    return st.columnText(0);
}

OutboxError SealedOutbox::setMeta(const char *key, const QString &value)
{
    sql::Statement st = m_db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?);");
    st.bind(1, std::string_view(key)).bind(2, value);
    return st.exec() ? OutboxError{} : OutboxError::fromSql(st.error(), "write meta");
}

QList<QByteArray> SealedOutbox::riskInstruments()
{
    QList<QByteArray> out;
    sql::Statement st =
        m_db.prepare("SELECT value FROM meta WHERE key LIKE 'risk_instrument:%' ORDER BY rowid;");
    while (st.step())
        out.append(QByteArray::fromBase64(st.columnText(0).toLatin1()));
    return out;
}

OutboxError SealedOutbox::keepRiskInstrument(const QByteArray &sha256, const QByteArray &serialized)
{
    const QByteArray key = "risk_instrument:" + sha256.toHex();
    if (meta(key.constData()))
        return {};
    return setMeta(key.constData(), QString::fromLatin1(serialized.toBase64()));
}

QByteArray SealedOutbox::currentRiskInstrument()
{
    return QByteArray::fromHex(meta("risk_instrument_current").value_or(QString()).toLatin1());
}

OutboxError SealedOutbox::setCurrentRiskInstrument(const QByteArray &sha256)
{
    if (sha256 == currentRiskInstrument())
        return {};
    return setMeta("risk_instrument_current", QString::fromLatin1(sha256.toHex()));
}

std::optional<Enrolment> SealedOutbox::enrolment()
{
    Enrolment e;
    e.hubUrl = meta("hub_url").value_or(QString());
    e.hubId = meta("hub_id").value_or(QString());
    e.deviceId = meta("device_id").value_or(QString());
    e.officerId = meta("officer_id").value_or(QString());
    e.tlsPin = meta("tls_pin").value_or(QString());
    e.backupPin = meta("backup_pin").value_or(QString());
    e.sealingPublicKey =
        QByteArray::fromBase64(meta("sealing_public_key").value_or(QString()).toLatin1());
    e.hubSigningKey =
        QByteArray::fromBase64(meta("hub_signing_key").value_or(QString()).toLatin1());
    if (!e.isValid())
        return std::nullopt;
    return e;
}

qint64 SealedOutbox::resealThrough()
{
    return std::max<qint64>(0, meta("reseal_through").value_or(QString()).toLongLong());
}

OutboxError SealedOutbox::resealed(const QList<SealedEntry> &entries)
{
    const qint64 through = resealThrough();
    if (through <= 0)
        return {};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "reseal");
    sql::Statement st =
        m_db.prepare("UPDATE entries SET sealed = ?, seal_scheme = ?, session_signature = ? "
                     "WHERE record_id = ? AND version = ? AND state = 'pending' AND id <= ?;");
    for (const SealedEntry &e : entries) {
        st.reset();
        st.bindBlob(1, e.sealed)
            .bind(2, int(e.scheme))
            .bindBlob(3, e.sessionSignature)
            .bind(4, e.recordId)
            .bind(5, e.version)
            .bind(6, std::int64_t(through));
        if (!st.exec())
            return OutboxError::fromSql(st.error(), "reseal");
    }
    if (OutboxError err = setMeta("reseal_through", QStringLiteral("0")); !err.ok())
        return err;
    return OutboxError::fromSql(tx.commit(), "reseal");
}

OutboxError SealedOutbox::setEnrolment(const Enrolment &e)
{
    const std::optional<Enrolment> before = enrolment();
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "enrol");
    if (before && !before->deviceId.isEmpty() &&
        (before->deviceId != e.deviceId || before->hubId != e.hubId)) {
        sql::SqlError readError;
        const auto last = m_db.queryInt("SELECT coalesce(max(id), 0) FROM entries "
                                        "WHERE state = 'pending';",
                                        &readError);
        if (!last)
            return OutboxError::fromSql(readError, "enrol");
        if (*last > 0) {
            if (OutboxError err = setMeta(
                    "reseal_through", QString::number(std::max<qint64>(*last, resealThrough())));
                !err.ok())
                return err;
        }
    }
    const std::pair<const char *, QString> rows[] = {
        {"hub_url", e.hubUrl},
        {"hub_id", e.hubId},
        {"device_id", e.deviceId},
        {"officer_id", e.officerId},
        {"tls_pin", e.tlsPin},
        {"backup_pin", e.backupPin},
        {"sealing_public_key", QString::fromLatin1(e.sealingPublicKey.toBase64())},
        {"hub_signing_key", QString::fromLatin1(e.hubSigningKey.toBase64())},
        {"wipe_ordered", QStringLiteral("0")},
    };
    for (const auto &[key, value] : rows) {
        if (OutboxError err = setMeta(key, value); !err.ok())
            return err;
    }
    return OutboxError::fromSql(tx.commit(), "enrol");
}

QHash<std::pair<QString, int>, SealedOutbox::EntryStatus> SealedOutbox::statuses(OutboxError *error)
{
    QHash<std::pair<QString, int>, EntryStatus> out;
    sql::Statement st =
        m_db.prepare("SELECT record_id, version, state, applied, sha256 FROM entries;");
    while (st.step())
        out.insert({st.columnText(0), int(st.columnInt64(1))},
                   EntryStatus{entryStateFromKey(st.columnText(2)).value_or(EntryState::Pending),
                               st.columnInt64(3) != 0, st.columnBlob(4)});
    if (error && st.error())
        *error = OutboxError::fromSql(st.error(), "read entries");
    return out;
}

OutboxError SealedOutbox::requeue(const QList<SealedEntry> &entries, qint64 nowMs)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "requeue");
    sql::Statement update = m_db.prepare(
        "UPDATE entries SET state = 'pending', priority = ?, sha256 = ?, size = ?, sealed = ?, "
        "seal_scheme = ?, session_signature = ?, reasons = '', decided_ms = 0, applied = 0, "
        "purged = 0, receipt_id = 0, failures = 0, first_failure_ms = 0, parked_until_ms = 0 "
        "WHERE record_id = ? AND version = ?;");
    for (const SealedEntry &e : entries) {
        update.reset();
        update.bind(1, e.urgent ? 1 : 0)
            .bindBlob(2, e.sha256)
            .bind(3, std::int64_t(e.size))
            .bindBlob(4, e.sealed)
            .bind(5, int(e.scheme))
            .bindBlob(6, e.sessionSignature)
            .bind(7, e.recordId)
            .bind(8, e.version);
        if (!update.exec())
            return OutboxError::fromSql(update.error(), "requeue");
    }
    if (sql::SqlError e = tx.commit())
        return OutboxError::fromSql(e, "requeue");
    // Entries the outbox lost altogether (deleted rows, a replaced file).
    return add(entries, nowMs);
}

bool SealedOutbox::wipeOrdered()
{
    return meta("wipe_ordered").value_or(QString()) == QLatin1String("1");
}

OutboxError SealedOutbox::setWipeOrdered()
{
    return setMeta("wipe_ordered", QStringLiteral("1"));
}

int SealedOutbox::retentionHours()
{
    bool ok = false;
    const int h = meta("retention_hours").value_or(QString()).toInt(&ok);
    return ok && h > 0 ? h : kDefaultRetentionHours;
}

OutboxError SealedOutbox::setRetentionHours(int hours)
{
    if (hours == retentionHours())
        return {};
    return setMeta("retention_hours", QString::number(hours));
}

HubLimits SealedOutbox::hubLimits()
{
    HubLimits l;
    l.maxBodyBytes =
        std::max<qint64>(0, meta("hub_max_body_bytes").value_or(QString()).toLongLong());
    l.maxBatchRecords = std::max(0, meta("hub_max_batch_records").value_or(QString()).toInt());
    return l;
}

OutboxError SealedOutbox::setHubLimits(const HubLimits &limits)
{
    if (limits == hubLimits())
        return {};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return OutboxError::fromSql(tx.beginError(), "write limits");
    if (OutboxError e = setMeta("hub_max_body_bytes", QString::number(limits.maxBodyBytes));
        !e.ok())
        return e;
    if (OutboxError e = setMeta("hub_max_batch_records", QString::number(limits.maxBatchRecords));
        !e.ok())
        return e;
    return OutboxError::fromSql(tx.commit(), "write limits");
}

qint64 SealedOutbox::lastSuccessfulSyncMs()
{
    return meta("last_sync_ms").value_or(QString()).toLongLong();
}

qint64 SealedOutbox::lastHubContactMs()
{
    return std::max(lastSuccessfulSyncMs(),
                    meta("last_check_in_ms").value_or(QString()).toLongLong());
}

OutboxError SealedOutbox::setLastCheckInMs(qint64 nowMs)
{
    return setMeta("last_check_in_ms", QString::number(nowMs));
}

int SealedOutbox::maxOfflineDays()
{
    return std::clamp(meta("max_offline_days").value_or(QString()).toInt(), 0, 3650);
}

OutboxError SealedOutbox::setMaxOfflineDays(int days)
{
    if (days == maxOfflineDays())
        return {};
    return setMeta("max_offline_days", QString::number(std::clamp(days, 0, 3650)));
}

bool SealedOutbox::offlineTooLong(qint64 nowMs)
{
    const int days = maxOfflineDays();
    const qint64 contact = lastHubContactMs();
    return days > 0 && contact > 0 && nowMs - contact > qint64(days) * 24 * 3600 * 1000;
}

} // namespace safeguard::syncclient
