#include "recordstore.h"

#include "files/privatefiles.h"
#include "protocol/derivedfacts.h"
#include "protocol/limits.h"
#include "protocol/recorddefaults.h"
#include "schema.h"

#include <QDir>
#include <QFile>
#include <QUuid>
#include <sodium.h>
#include <string>
#include <sys/stat.h>

namespace safeguard::store {

using protocol::RecordStatus;

namespace {

QString statusKey(RecordStatus s)
{
    return protocol::toKey(s);
}

RecordStatus statusFromKey(const QString &key)
{
    return protocol::recordStatusFromKey(key).value_or(RecordStatus::Draft);
}

StoreError notFound(const QString &recordId)
{
    return {
        StoreErrorKind::NotFound, QStringLiteral("No record %1 on this device.").arg(recordId), {}};
}

bool parseRecord(const QByteArray &bytes, v1::IncidentRecord *out)
{
    return out->ParseFromArray(bytes.constData(), int(bytes.size()));
}

QByteArray serialize(const v1::IncidentRecord &record)
{
    std::string s;
    record.SerializeToString(&s);
    return QByteArray(s.data(), qsizetype(s.size()));
}

// A read that fails after the key was proven: damage, whatever SQLite calls
// it (SQLCipher 3.4 reports a page whose HMAC fails as an ordinary error).
// Where the incident was, as a home row names it: the first address line
// and the town, else the postcode, else the officer's description.
QString placeOf(const v1::Incident &incident)
{
    const v1::PostalAddress &a = incident.address();
    QStringList parts;
    if (a.lines_size() > 0 && !a.lines(0).empty())
        parts << QString::fromStdString(a.lines(0));
    if (!a.town().empty())
        parts << QString::fromStdString(a.town());
    if (parts.isEmpty() && !a.postcode().empty())
        parts << QString::fromStdString(a.postcode());
    if (parts.isEmpty())
        parts << QString::fromStdString(incident.location_description()).left(80);
    return parts.join(QStringLiteral(", ")).simplified();
}

QString childNamesOf(const v1::IncidentRecord &record)
{
    QStringList names;
    for (const v1::ChildObservation &c : record.children()) {
        const QString given = QString::fromStdString(c.identity().given_names()).simplified();
        if (!given.isEmpty())
            names << given;
    }
    return names.join(QStringLiteral(", "));
}

// The summary columns from index first on: occurred_ms, occurred_offset_min,
// incident_type, place, child_names, withdrawn.
void bindSummary(sql::Statement &st, int first, const v1::IncidentRecord &record)
{
    st.bind(first, std::int64_t(record.incident().occurred_at().unix_ms()))
        .bind(first + 1, int(record.incident().occurred_at().utc_offset_minutes()))
        .bind(first + 2, int(record.incident().type()))
        .bind(first + 3, placeOf(record.incident()))
        .bind(first + 4, childNamesOf(record))
        .bind(first + 5, record.has_withdrawal() ? 1 : 0);
}

StoreError readError(const sql::SqlError &e, const char *during)
{
    StoreError s = StoreError::fromSql(e, during);
    if (s.kind == StoreErrorKind::Internal && e.kind != sql::SqlErrorKind::Constraint)
        s.kind = StoreErrorKind::Corrupt;
    return s;
}

} // namespace

RecordStore::RecordStore(QString dir, sql::Database db, const protocol::Clock &clock,
                         bool encrypted,
                         std::shared_ptr<const protocol::RiskChecklistRegistry> checklists)
    : m_dir(std::move(dir))
    , m_db(std::move(db))
    , m_clock(clock)
    , m_encrypted(encrypted)
    , m_checklists(std::move(checklists))
    , m_validator(*m_checklists)
{}

RecordStore::~RecordStore() = default;

StoreResult<std::unique_ptr<RecordStore>>
RecordStore::open(const QString &dir, const DataKey &key, const protocol::Clock &clock,
                  std::shared_ptr<const protocol::RiskChecklistRegistry> checklists)
{
    if (key.isNull() || key.size() != kDataKeyBytes)
        return StoreError{StoreErrorKind::Internal, QStringLiteral("no data key"), {}};
    return openImpl(dir, &key, clock, std::move(checklists));
}

StoreResult<std::unique_ptr<RecordStore>> RecordStore::openUnencryptedForBenchmark(
    const QString &dir, const protocol::Clock &clock,
    std::shared_ptr<const protocol::RiskChecklistRegistry> checklists)
{
    return openImpl(dir, nullptr, clock, std::move(checklists));
}

StoreResult<sql::Database> RecordStore::openConnection(const QString &dir, const DataKey *key)
{
    QString fsError;
    if (!platform::privatefiles::ensurePrivateDir(dir, &fsError))
        return StoreError{StoreErrorKind::Io, fsError, {}};
    const QString path = QDir(dir).filePath(databaseFileName());

    // Every file SQLite creates here (database, -wal, -shm) starts as 0600.
    platform::privatefiles::PrivateUmask mask;
    sql::SqlError e;
    auto db = sql::Database::open(path, sql::Database::OpenMode::ReadWriteCreate, &e);
    if (!db)
        return StoreError::fromSql(e, "open");
    if (key) {
        if ((e = db->setRawKey(key->data(), key->size(), 4096)))
            return StoreError::fromSql(e, "key");
    }
    // The first read: with a proven key, failure here means a damaged header.
    if (!db->queryInt("SELECT count(*) FROM sqlite_master;", &e))
        return readError(e, "open");
    {
        sql::Statement wal = db->prepare("PRAGMA journal_mode = WAL;");
        if (!wal.step() || wal.columnText(0) != QLatin1String("wal"))
            return StoreError{StoreErrorKind::Io, QStringLiteral("open: cannot switch to WAL"), {}};
    }
    if ((e = db->exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                      "PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;")))
        return StoreError::fromSql(e, "open");
    return std::move(*db);
}

StoreResult<std::unique_ptr<RecordStore>>
RecordStore::openImpl(const QString &dir, const DataKey *key, const protocol::Clock &clock,
                      std::shared_ptr<const protocol::RiskChecklistRegistry> checklists)
{
    if (!checklists)
        return StoreError{StoreErrorKind::Internal, QStringLiteral("no risk checklists"), {}};
    auto db = openConnection(dir, key);
    if (!db)
        return db.error();
    if (StoreError m = schema::migrate(db.value()); m)
        return m;
    std::unique_ptr<RecordStore> store(
        new RecordStore(dir, std::move(db).value(), clock, key != nullptr, std::move(checklists)));
    if (StoreError b = store->backfillSummaries(); b)
        return b;
    store->tightenFileModes();
    return store;
}

StoreError RecordStore::exportTo(const QString &path, const DataKey &newKey)
{
    if (!m_encrypted || newKey.isNull() || newKey.size() != kDataKeyBytes)
        return StoreError{StoreErrorKind::Internal, QStringLiteral("export: no key"), {}};
    platform::privatefiles::PrivateUmask mask; // the copy starts as 0600
    if (const sql::SqlError e = m_db.exportWithRawKey(path, newKey.data(), newKey.size(), 4096))
        return StoreError::fromSql(e, "export");
    return {};
}

StoreError RecordStore::reopen(const DataKey &key, const std::function<void()> &whileClosed)
{
    m_db.close();
    if (whileClosed)
        whileClosed();
    auto db = openConnection(m_dir, &key);
    if (!db)
        return db.error();
    m_db = std::move(db).value();
    tightenFileModes();
    return {};
}

void RecordStore::tightenFileModes() const
{
    const QString base = QDir(m_dir).filePath(databaseFileName());
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        const QByteArray name = QFile::encodeName(base + suffix);
        ::chmod(name.constData(), 0600); // absent files are fine
    }
}

StoreError RecordStore::saveDraft(const v1::IncidentRecord &record)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "save draft");
    if (StoreError err = saveDraftInTransaction(record); err)
        return err;
    return StoreError::fromSql(tx.commit(), "save draft");
}

StoreError RecordStore::saveDrafts(const QList<v1::IncidentRecord> &records)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "save drafts");
    for (const auto &r : records) {
        if (StoreError err = saveDraftInTransaction(r); err)
            return err;
    }
    return StoreError::fromSql(tx.commit(), "save drafts");
}

StoreError RecordStore::saveDraftInTransaction(const v1::IncidentRecord &input)
{
    const QString id = QString::fromStdString(input.record_id());
    if (QUuid::fromString(id).isNull() || id.size() != 36)
        return {StoreErrorKind::Invalid,
                QStringLiteral("A draft needs a record id (a UUID)."),
                {{QStringLiteral("record_id"), QStringLiteral("invalid_id"),
                  QStringLiteral("The record id is not a UUID.")}}};
    v1::IncidentRecord record = input;
    if (record.version() == 0)
        record.set_version(1);
    const int version = int(record.version());
    const qint64 now = m_clock.nowMs();

    sql::Statement purged = m_db.prepare("SELECT 1 FROM receipts WHERE record_id = ?;");
    purged.bind(1, id);
    if (purged.step())
        return {StoreErrorKind::WrongState, QStringLiteral("Record %1 was purged.").arg(id), {}};
    if (purged.error())
        return readError(purged.error(), "save draft");

    sql::Statement find =
        m_db.prepare("SELECT status FROM records WHERE record_id = ? AND version = ?;");
    find.bind(1, id).bind(2, version);
    const bool exists = find.step();
    if (find.error())
        return readError(find.error(), "save draft");
    if (exists && find.columnText(0) != statusKey(RecordStatus::Draft))
        return {StoreErrorKind::Frozen,
                QStringLiteral("Version %1 of record %2 was submitted and cannot change.")
                    .arg(version)
                    .arg(id),
                {}};
    find.reset();

    const QByteArray body = serialize(record);
    sql::Statement st =
        exists ? m_db.prepare(
                     "UPDATE records SET updated_ms = ?1, police_reference = ?2, child_count = ?3, "
                     "urgent = ?4, "
                     "amendment_reason = ?5, body = ?6, occurred_ms = ?9, occurred_offset_min = "
                     "?10, incident_type = ?11, place = ?12, child_names = ?13, withdrawn = ?14, "
                     "summary_version = 1 WHERE record_id = ?7 AND version = ?8;")
               : m_db.prepare("INSERT INTO records (updated_ms, police_reference, child_count, "
                              "urgent, amendment_reason, "
                              "body, record_id, version, status, created_ms, occurred_ms, "
                              "occurred_offset_min, incident_type, place, child_names, withdrawn, "
                              "summary_version) VALUES (?1, ?2, ?3, "
                              "?4, ?5, ?6, ?7, ?8, 'draft', ?1, ?9, ?10, ?11, ?12, ?13, ?14, 1);");
    st.bind(1, std::int64_t(now))
        .bind(2, std::string_view(record.incident().police_reference()))
        .bind(3, record.children_size())
        .bind(4, protocol::derived::isUrgent(record) ? 1 : 0)
        .bind(5, std::string_view(record.amendment_reason()))
        .bindBlob(6, body)
        .bind(7, id)
        .bind(8, version);
    bindSummary(st, 9, record);
    if (!st.exec())
        return StoreError::fromSql(st.error(), "save draft");
    return {};
}

StoreError RecordStore::backfillSummaries()
{
    sql::Statement todo =
        m_db.prepare("SELECT record_id, version, body FROM records WHERE summary_version = 0;");
    QList<std::tuple<QString, int, v1::IncidentRecord>> rows;
    while (todo.step()) {
        v1::IncidentRecord r;
        if (parseRecord(todo.columnBlob(2), &r)) // a damaged body keeps an empty summary
            rows.append({todo.columnText(0), int(todo.columnInt64(1)), std::move(r)});
    }
    if (todo.error())
        return readError(todo.error(), "summaries");
    todo.reset();
    if (rows.isEmpty())
        return {};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "summaries");
    sql::Statement up = m_db.prepare(
        "UPDATE records SET occurred_ms = ?1, occurred_offset_min = ?2, incident_type = ?3, "
        "place = ?4, child_names = ?5, withdrawn = ?6, summary_version = 1 "
        "WHERE record_id = ?7 AND version = ?8;");
    for (const auto &[id, version, record] : rows) {
        bindSummary(up, 1, record);
        up.bind(7, id).bind(8, version);
        if (!up.exec())
            return StoreError::fromSql(up.error(), "summaries");
        up.reset();
    }
    if (sql::SqlError e = tx.commit())
        return StoreError::fromSql(e, "summaries");
    return {};
}

StoreResult<QList<RecordSummary>> RecordStore::listRecords()
{
    sql::Statement st = m_db.prepare(
        "SELECT record_id, version, status, updated_ms, police_reference, child_count, urgent, "
        "occurred_ms, occurred_offset_min, incident_type, place, child_names, withdrawn FROM "
        "records r "
        "WHERE version = (SELECT MAX(version) FROM records WHERE record_id = r.record_id) "
        "UNION ALL SELECT record_id, version, 'purged', purged_ms, police_reference, 0, 0, "
        "0, 0, 0, '', '', 0 FROM receipts "
        "ORDER BY 4 DESC, 1;");
    QList<RecordSummary> out;
    while (st.step()) {
        RecordSummary s;
        s.recordId = st.columnText(0);
        s.version = int(st.columnInt64(1));
        s.status = statusFromKey(st.columnText(2));
        s.updatedMs = st.columnInt64(3);
        s.policeReference = st.columnText(4);
        s.childCount = int(st.columnInt64(5));
        s.urgent = st.columnInt64(6) != 0;
        s.occurredMs = st.columnInt64(7);
        s.occurredOffsetMinutes = int(st.columnInt64(8));
        s.incidentType = int(st.columnInt64(9));
        s.place = st.columnText(10);
        s.childNames = st.columnText(11);
        s.withdrawn = st.columnInt64(12) != 0;
        out.append(s);
    }
    if (st.error())
        return readError(st.error(), "list records");
    return out;
}

StoreResult<v1::IncidentRecord> RecordStore::load(const QString &recordId, int version)
{
    sql::Statement st =
        version > 0
            ? m_db.prepare("SELECT body FROM records WHERE record_id = ? AND version = ?;")
            : m_db.prepare(
                  "SELECT body FROM records WHERE record_id = ? ORDER BY version DESC LIMIT 1;");
    st.bind(1, recordId);
    if (version > 0)
        st.bind(2, version);
    if (!st.step())
        return st.error() ? readError(st.error(), "load") : notFound(recordId);
    v1::IncidentRecord r;
    if (!parseRecord(st.columnBlob(0), &r))
        return StoreError{StoreErrorKind::Corrupt,
                          QStringLiteral("Record %1 cannot be decoded.").arg(recordId),
                          {}};
    return r;
}

StoreResult<Submission> RecordStore::submit(const QString &recordId)
{
    return freeze(recordId, nullptr);
}

StoreResult<Submission> RecordStore::withdraw(const QString &recordId, const QString &reason)
{
    const QString trimmed = reason.trimmed();
    if (trimmed.isEmpty())
        return StoreError{StoreErrorKind::Invalid,
                          QStringLiteral("A withdrawal needs a reason."),
                          {{QStringLiteral("withdrawal.reason"), QStringLiteral("reason_required"),
                            QStringLiteral("Say why this record is being withdrawn.")}}};
    return freeze(recordId, &trimmed);
}

StoreError RecordStore::deleteEmptyDraft(const QString &recordId)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "delete draft");
    sql::Statement st = m_db.prepare(
        "SELECT version, status, body, (SELECT count(*) FROM records WHERE record_id = ?1) "
        "FROM records WHERE record_id = ?1 ORDER BY version DESC LIMIT 1;");
    st.bind(1, recordId);
    if (!st.step())
        return st.error() ? readError(st.error(), "delete draft") : notFound(recordId);
    v1::IncidentRecord record;
    const bool onlyADraft = st.columnInt64(0) == 1 && st.columnInt64(3) == 1 &&
                            st.columnText(1) == statusKey(RecordStatus::Draft);
    if (!onlyADraft || !parseRecord(st.columnBlob(2), &record) ||
        !protocol::defaults::hasNothingBeyondDefaults(record))
        return {StoreErrorKind::WrongState,
                QStringLiteral("Record %1 holds answers: it can be withdrawn, not deleted.")
                    .arg(recordId),
                {}};
    st.reset();
    sql::Statement del = m_db.prepare("DELETE FROM records WHERE record_id = ? AND version = 1 "
                                      "AND status = 'draft';");
    del.bind(1, recordId);
    if (!del.exec())
        return StoreError::fromSql(del.error(), "delete draft");
    if (sql::SqlError e = tx.commit())
        return StoreError::fromSql(e, "delete draft");
    return {};
}

StoreError RecordStore::purgedOrNotFound(const QString &recordId)
{
    sql::Statement purged = m_db.prepare("SELECT 1 FROM receipts WHERE record_id = ?;");
    purged.bind(1, recordId);
    if (purged.step())
        return {StoreErrorKind::WrongState,
                QStringLiteral("Record %1 was purged from this device: corrections go through "
                               "the MASH.")
                    .arg(recordId),
                {}};
    return purged.error() ? readError(purged.error(), "receipt") : notFound(recordId);
}

StoreResult<Submission> RecordStore::freeze(const QString &recordId,
                                            const QString *withdrawalReason)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "submit");
    sql::Statement latest = m_db.prepare("SELECT version, status, body, sha256, urgent, "
                                         "submitted_ms FROM records WHERE record_id = ? "
                                         "ORDER BY version DESC LIMIT 1;");
    latest.bind(1, recordId);
    if (!latest.step()) {
        if (latest.error())
            return readError(latest.error(), "submit");
        return purgedOrNotFound(recordId);
    }
    Submission sub;
    sub.recordId = recordId;
    sub.version = int(latest.columnInt64(0));
    const QByteArray body = latest.columnBlob(2);
    if (latest.columnText(1) != statusKey(RecordStatus::Draft)) {
        // Already frozen: return what was stored; create nothing.
        sub.sha256 = latest.columnBlob(3);
        sub.size = body.size();
        sub.urgent = latest.columnInt64(4) != 0;
        sub.submittedMs = latest.columnInt64(5);
        sub.alreadySubmitted = true;
        return sub;
    }
    latest.reset();

    v1::IncidentRecord record;
    if (!parseRecord(body, &record))
        return StoreError{StoreErrorKind::Corrupt,
                          QStringLiteral("Record %1 cannot be decoded.").arg(recordId),
                          {}};
    const qint64 now = m_clock.nowMs();
    record.mutable_submitted_at()->set_unix_ms(now);
    record.mutable_submitted_at()->set_utc_offset_minutes(m_clock.utcOffsetMinutes());
    if (withdrawalReason) {
        record.mutable_withdrawal()->set_reason(withdrawalReason->toStdString());
        *record.mutable_withdrawal()->mutable_at() = record.submitted_at();
    }

    protocol::RecordIssues issues = protocol::checkStructure(record);
    issues += protocol::checkLimits(record);
    // A withdrawn record is sent as it stands: good practice is for records
    // the officer stands behind.
    if (!withdrawalReason)
        issues += m_validator.check(record);
    const QByteArray bytes = serialize(record);
    issues += protocol::checkRecordSize(bytes.size());
    if (!issues.isEmpty())
        return StoreError{StoreErrorKind::Invalid,
                          QStringLiteral("Record %1 is not ready to submit (%2 issues).")
                              .arg(recordId)
                              .arg(issues.size()),
                          issues};

    sub.sha256.resize(crypto_hash_sha256_BYTES);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(sub.sha256.data()),
                       reinterpret_cast<const unsigned char *>(bytes.constData()),
                       std::size_t(bytes.size()));
    sub.size = bytes.size();
    sub.urgent = protocol::derived::isUrgent(record);
    sub.submittedMs = now;

    sql::Statement frozen =
        m_db.prepare("UPDATE records SET status = 'queued', body = ?, sha256 = ?, submitted_ms = "
                     "?, updated_ms = ?, urgent = ?, withdrawn = ? "
                     "WHERE record_id = ? AND version = ? AND status = 'draft';");
    frozen.bindBlob(1, bytes)
        .bindBlob(2, sub.sha256)
        .bind(3, std::int64_t(now))
        .bind(4, std::int64_t(now))
        .bind(5, sub.urgent ? 1 : 0)
        .bind(6, withdrawalReason ? 1 : 0)
        .bind(7, recordId)
        .bind(8, sub.version);
    if (!frozen.exec())
        return StoreError::fromSql(frozen.error(), "submit");
    sql::Statement queue = m_db.prepare("INSERT INTO outbox (record_id, version, priority, sha256, "
                                        "size, state, created_ms, updated_ms) "
                                        "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?);");
    queue.bind(1, recordId)
        .bind(2, sub.version)
        .bind(3, sub.urgent ? 1 : 0)
        .bindBlob(4, sub.sha256)
        .bind(5, std::int64_t(sub.size))
        .bind(6, std::int64_t(now))
        .bind(7, std::int64_t(now));
    if (!queue.exec())
        return StoreError::fromSql(queue.error(), "submit");
    if (sql::SqlError e = tx.commit())
        return StoreError::fromSql(e, "submit");
    return sub;
}

StoreResult<v1::IncidentRecord> RecordStore::amend(const QString &recordId, const QString &reason)
{
    if (reason.trimmed().isEmpty())
        return StoreError{StoreErrorKind::Invalid,
                          QStringLiteral("An amendment needs a reason."),
                          {{QStringLiteral("amendment_reason"), QStringLiteral("reason_required"),
                            QStringLiteral("Say why the submitted record is being corrected.")}}};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "amend");
    sql::Statement latest = m_db.prepare("SELECT version, status, body FROM records WHERE "
                                         "record_id = ? ORDER BY version DESC LIMIT 1;");
    latest.bind(1, recordId);
    if (!latest.step()) {
        if (latest.error())
            return readError(latest.error(), "amend");
        return purgedOrNotFound(recordId);
    }
    const RecordStatus status = statusFromKey(latest.columnText(1));
    if (status == RecordStatus::Draft)
        return StoreError{
            StoreErrorKind::WrongState,
            QStringLiteral("Record %1 already has an unsubmitted version.").arg(recordId),
            {}};
    if (!protocol::canAmend(status))
        return StoreError{StoreErrorKind::WrongState,
                          QStringLiteral("Record %1 is %2: it cannot be amended on the device.")
                              .arg(recordId, protocol::toKey(status)),
                          {}};
    const int parent = int(latest.columnInt64(0));
    const QByteArray parentBody = latest.columnBlob(2);
    latest.reset();
    v1::IncidentRecord record;
    if (!parseRecord(parentBody, &record))
        return StoreError{StoreErrorKind::Corrupt,
                          QStringLiteral("Record %1 cannot be decoded.").arg(recordId),
                          {}};
    record.set_version(std::uint32_t(parent + 1));
    record.set_parent_version(std::uint32_t(parent));
    record.set_amendment_reason(reason.toStdString());
    record.clear_submitted_at();
    record.clear_withdrawal();
    record.mutable_updated_at()->set_unix_ms(m_clock.nowMs());
    record.mutable_updated_at()->set_utc_offset_minutes(m_clock.utcOffsetMinutes());
    if (StoreError err = saveDraftInTransaction(record); err)
        return err;
    if (sql::SqlError e = tx.commit())
        return StoreError::fromSql(e, "amend");
    return record;
}

StoreError RecordStore::discardAmendment(const QString &recordId)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "discard amendment");
    sql::Statement latest = m_db.prepare("SELECT version, status FROM records WHERE record_id = ? "
                                         "ORDER BY version DESC LIMIT 1;");
    latest.bind(1, recordId);
    if (!latest.step())
        return latest.error() ? readError(latest.error(), "discard amendment") : notFound(recordId);
    const qint64 version = latest.columnInt64(0);
    if (version < 2 || latest.columnText(1) != statusKey(RecordStatus::Draft))
        return {StoreErrorKind::WrongState,
                QStringLiteral("Record %1 has no amendment waiting to be submitted.").arg(recordId),
                {}};
    latest.reset();
    sql::Statement del = m_db.prepare(
        "DELETE FROM records WHERE record_id = ? AND version = ? AND status = 'draft';");
    del.bind(1, recordId).bind(2, std::int64_t(version));
    if (!del.exec())
        return StoreError::fromSql(del.error(), "discard amendment");
    if (sql::SqlError e = tx.commit())
        return StoreError::fromSql(e, "discard amendment");
    return {};
}

StoreResult<RecordState> RecordStore::recordState(const QString &recordId)
{
    // The latest version and the one before it (an amendment's parent).
    sql::Statement st =
        m_db.prepare("SELECT r.version, r.status, r.withdrawn, r.amendment_reason, r.submitted_ms, "
                     "r.police_reference, o.state, o.reason, o.updated_ms FROM records r "
                     "LEFT JOIN outbox o ON o.record_id = r.record_id AND o.version = r.version "
                     "WHERE r.record_id = ? ORDER BY r.version DESC LIMIT 2;");
    st.bind(1, recordId);
    if (st.step()) {
        RecordState s;
        s.version = int(st.columnInt64(0));
        s.status = statusFromKey(st.columnText(1));
        s.withdrawn = st.columnInt64(2) != 0;
        s.amendmentReason = st.columnText(3);
        s.submittedMs = st.columnInt64(4);
        s.policeReference = st.columnText(5);
        const QString boxState = st.columnText(6);
        if (!boxState.isEmpty() && boxState != QLatin1String("pending"))
            s.decidedMs = st.columnInt64(8);
        if (s.status == RecordStatus::NeedsCorrection || s.status == RecordStatus::HeldAtHub)
            s.hubReasons = st.columnText(7);
        if (s.status == RecordStatus::Draft && s.version > 1 && st.step() &&
            st.columnInt64(0) == s.version - 1 &&
            st.columnText(1) == statusKey(RecordStatus::NeedsCorrection))
            s.parentHubReasons = st.columnText(7);
        if (st.error())
            return readError(st.error(), "record state");
        return s;
    }
    if (st.error())
        return readError(st.error(), "record state");
    sql::Statement receipt = m_db.prepare("SELECT version, police_reference, acknowledged_ms, "
                                          "purged_ms FROM receipts WHERE record_id = ?;");
    receipt.bind(1, recordId);
    if (!receipt.step())
        return receipt.error() ? readError(receipt.error(), "record state") : notFound(recordId);
    RecordState s;
    s.version = int(receipt.columnInt64(0));
    s.status = RecordStatus::Purged;
    s.policeReference = receipt.columnText(1);
    s.decidedMs = receipt.columnInt64(2);
    s.purgedMs = receipt.columnInt64(3);
    return s;
}

StoreError RecordStore::purge(const QString &recordId)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "purge");
    sql::Statement latest =
        m_db.prepare("SELECT r.version, r.status, r.police_reference, o.updated_ms FROM records r "
                     "LEFT JOIN outbox o ON o.record_id = r.record_id AND o.version = r.version "
                     "WHERE r.record_id = ? ORDER BY r.version DESC LIMIT 1;");
    latest.bind(1, recordId);
    if (!latest.step())
        return latest.error() ? readError(latest.error(), "purge") : notFound(recordId);
    if (latest.columnText(1) != statusKey(RecordStatus::Acknowledged))
        return {StoreErrorKind::WrongState,
                QStringLiteral("Record %1 is not yet acknowledged by the hub.").arg(recordId),
                {}};
    const qint64 version = latest.columnInt64(0);
    const QString policeReference = latest.columnText(2);
    const qint64 acknowledgedMs = latest.columnInt64(3);
    latest.reset();
    sql::Statement pending =
        m_db.prepare("SELECT 1 FROM outbox WHERE record_id = ? AND state = 'pending';");
    pending.bind(1, recordId);
    if (pending.step())
        return {StoreErrorKind::WrongState,
                QStringLiteral("Record %1 has a version still to send.").arg(recordId),
                {}};
    pending.reset();

    sql::Statement receipt =
        m_db.prepare("INSERT INTO receipts (record_id, version, police_reference, acknowledged_ms, "
                     "purged_ms) VALUES (?, ?, ?, ?, ?);");
    receipt.bind(1, recordId)
        .bind(2, std::int64_t(version))
        .bind(3, policeReference)
        .bind(4, std::int64_t(acknowledgedMs))
        .bind(5, std::int64_t(m_clock.nowMs()));
    if (!receipt.exec())
        return StoreError::fromSql(receipt.error(), "purge");
    for (const char *sql :
         {"DELETE FROM outbox WHERE record_id = ?;", "DELETE FROM records WHERE record_id = ?;"}) {
        sql::Statement del = m_db.prepare(sql);
        del.bind(1, recordId);
        if (!del.exec())
            return StoreError::fromSql(del.error(), "purge");
    }
    return StoreError::fromSql(tx.commit(), "purge");
}

namespace {

// Outbox rows from a statement selecting id, record_id, version, priority,
// sha256, size.
StoreResult<QList<OutboxEntry>> outboxRows(sql::Statement &st)
{
    QList<OutboxEntry> out;
    while (st.step())
        out.append({st.columnInt64(0), st.columnText(1), int(st.columnInt64(2)),
                    st.columnInt64(3) != 0, st.columnBlob(4), st.columnInt64(5)});
    if (st.error())
        return readError(st.error(), "outbox");
    return out;
}

} // namespace

StoreResult<QList<OutboxEntry>> RecordStore::pendingOutbox(int limit)
{
    sql::Statement st = m_db.prepare(
        "SELECT id, record_id, version, priority, sha256, size FROM outbox WHERE state = 'pending' "
        "ORDER BY priority DESC, id LIMIT ?;");
    st.bind(1, limit);
    return outboxRows(st);
}

StoreResult<QList<OutboxEntry>> RecordStore::pendingNotHandedOver(int limit)
{
    sql::Statement st =
        m_db.prepare("SELECT id, record_id, version, priority, sha256, size FROM outbox "
                     "WHERE handed_over = 0 AND state = 'pending' ORDER BY id LIMIT ?;");
    st.bind(1, limit);
    return outboxRows(st);
}

StoreError RecordStore::markHandedOver(const QList<std::pair<QString, int>> &versions)
{
    if (versions.isEmpty())
        return {};
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "hand over");
    sql::Statement st =
        m_db.prepare("UPDATE outbox SET handed_over = 1 WHERE record_id = ? AND version = ?;");
    for (const auto &[recordId, version] : versions) {
        st.bind(1, recordId).bind(2, version);
        if (!st.exec())
            return StoreError::fromSql(st.error(), "hand over");
    }
    return StoreError::fromSql(tx.commit(), "hand over");
}

StoreResult<QByteArray> RecordStore::submittedBytes(const QString &recordId, int version)
{
    sql::Statement st = m_db.prepare(
        "SELECT body FROM records WHERE record_id = ? AND version = ? AND status != 'draft';");
    st.bind(1, recordId).bind(2, version);
    if (!st.step())
        return st.error() ? readError(st.error(), "read submission") : notFound(recordId);
    return st.columnBlob(0);
}

StoreError RecordStore::applyOutcomes(const QList<OutboxOutcome> &outcomes)
{
    sql::Transaction tx(m_db);
    if (tx.beginError())
        return StoreError::fromSql(tx.beginError(), "apply outcomes");
    const qint64 now = m_clock.nowMs();
    sql::Statement box = m_db.prepare("UPDATE outbox SET state = ?, reason = ?, updated_ms = ? "
                                      "WHERE record_id = ? AND version = ? AND state = 'pending';");
    sql::Statement rec = m_db.prepare(
        "UPDATE records SET status = ? WHERE record_id = ? AND version = ? AND status = 'queued';");
    for (const OutboxOutcome &o : outcomes) {
        RecordStatus to = RecordStatus::Acknowledged;
        if (o.kind == OutboxOutcome::Kind::NeedsCorrection)
            to = RecordStatus::NeedsCorrection;
        else if (o.kind == OutboxOutcome::Kind::HeldAtHub)
            to = RecordStatus::HeldAtHub;
        Q_ASSERT(protocol::canChange(RecordStatus::Queued, to));
        const QString status = statusKey(to);
        box.bind(1, status)
            .bind(2, o.reason)
            .bind(3, std::int64_t(now))
            .bind(4, o.recordId)
            .bind(5, o.version);
        if (!box.exec())
            return StoreError::fromSql(box.error(), "apply outcomes");
        rec.bind(1, status).bind(2, o.recordId).bind(3, o.version);
        if (!rec.exec())
            return StoreError::fromSql(rec.error(), "apply outcomes");
    }
    return StoreError::fromSql(tx.commit(), "apply outcomes");
}

StoreResult<QByteArray> RecordStore::queuedSha256(const QString &recordId, int version)
{
    sql::Statement st = m_db.prepare(
        "SELECT sha256 FROM outbox WHERE record_id = ? AND version = ? AND state = 'pending';");
    st.bind(1, recordId).bind(2, version);
    if (!st.step())
        return st.error() ? readError(st.error(), "read hash") : notFound(recordId);
    return st.columnBlob(0);
}

StoreResult<QByteArray> RecordStore::deviceSigningPublicKey()
{
    {
        sql::Statement st = m_db.prepare("SELECT public_key FROM device_key WHERE id = 1;");
        if (st.step())
            return st.columnBlob(0);
        if (st.error())
            return readError(st.error(), "read device key");
    }
    // The first enrolment: a key pair, straight into this encrypted store
    // and nowhere else (no plain file, no platform key store beside
    // outbox.db, where it would protect nothing).
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    SecureBuffer sk(crypto_sign_SECRETKEYBYTES);
    crypto_sign_keypair(pk, sk.data());
    sql::Statement insert = m_db.prepare("INSERT INTO device_key (id, secret_key, public_key, "
                                         "created_ms) VALUES (1, ?, ?, ?);");
    insert
        .bindBlob(1, QByteArray::fromRawData(reinterpret_cast<const char *>(sk.data()),
                                             qsizetype(sk.size())))
        .bindBlob(2, QByteArray::fromRawData(reinterpret_cast<const char *>(pk), sizeof pk))
        .bind(3, std::int64_t(m_clock.nowMs()));
    if (!insert.exec())
        return StoreError::fromSql(insert.error(), "make device key");
    return QByteArray(reinterpret_cast<const char *>(pk), sizeof pk);
}

StoreResult<QByteArray> RecordStore::signWithDeviceKey(std::string_view statement)
{
    sql::Statement st = m_db.prepare("SELECT secret_key FROM device_key WHERE id = 1;");
    if (!st.step())
        return st.error() ? readError(st.error(), "read device key")
                          : StoreError{StoreErrorKind::NotFound,
                                       QStringLiteral("This device has no signing key yet."),
                                       {}};
    QByteArray sk = st.columnBlob(0);
    st.reset();
    if (sk.size() != qsizetype(crypto_sign_SECRETKEYBYTES)) {
        sodium_memzero(sk.data(), size_t(sk.size()));
        return StoreError{
            StoreErrorKind::Corrupt, QStringLiteral("The device key is damaged."), {}};
    }
    QByteArray signature(crypto_sign_BYTES, Qt::Uninitialized);
    crypto_sign_detached(reinterpret_cast<unsigned char *>(signature.data()), nullptr,
                         reinterpret_cast<const unsigned char *>(statement.data()),
                         statement.size(), reinterpret_cast<const unsigned char *>(sk.constData()));
    sodium_memzero(sk.data(), size_t(sk.size()));
    return signature;
}

StoreResult<std::optional<StoredEnrolment>> RecordStore::enrolment()
{
    sql::Statement st =
        m_db.prepare("SELECT hub_url, hub_id, device_id, officer_id, tls_pin, backup_pin, "
                     "sealing_public_key, hub_signing_key FROM enrolment WHERE id = 1;");
    if (!st.step()) {
        if (st.error())
            return readError(st.error(), "read enrolment");
        return std::optional<StoredEnrolment>();
    }
    StoredEnrolment e{st.columnText(0), st.columnText(1), st.columnText(2), st.columnText(3),
                      st.columnText(4), st.columnText(5), st.columnBlob(6), st.columnBlob(7)};
    return std::optional<StoredEnrolment>(std::move(e));
}

StoreError RecordStore::keepEnrolment(const StoredEnrolment &e)
{
    sql::Statement st = m_db.prepare(
        "INSERT OR REPLACE INTO enrolment (id, hub_url, hub_id, device_id, officer_id, tls_pin, "
        "backup_pin, sealing_public_key, hub_signing_key, enrolled_ms) "
        "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?);");
    st.bind(1, e.hubUrl)
        .bind(2, e.hubId)
        .bind(3, e.deviceId)
        .bind(4, e.officerId)
        .bind(5, e.tlsPin)
        .bind(6, e.backupPin)
        .bindBlob(7, e.sealingPublicKey)
        .bindBlob(8, e.hubSigningKey)
        .bind(9, std::int64_t(m_clock.nowMs()));
    return st.exec() ? StoreError{} : StoreError::fromSql(st.error(), "keep enrolment");
}

StoreResult<QHash<RecordStatus, int>> RecordStore::statusCounts()
{
    QHash<RecordStatus, int> counts;
    auto list = listRecords();
    if (!list)
        return list.error();
    for (const RecordSummary &s : list.value())
        ++counts[s.status];
    return counts;
}

StoreError RecordStore::verifyEveryPage()
{
    {
        sql::Statement check = m_db.prepare("PRAGMA integrity_check;");
        if (!check.step())
            return readError(check.error().ok() ? sql::SqlError{sql::SqlErrorKind::Corrupt, 0,
                                                                QStringLiteral("no answer")}
                                                : check.error(),
                             "integrity check");
        if (check.columnText(0) != QLatin1String("ok"))
            return {StoreErrorKind::Corrupt, QStringLiteral("integrity check failed"), {}};
    }
    QStringList tables;
    {
        sql::Statement st = m_db.prepare("SELECT name FROM sqlite_master WHERE type = 'table';");
        while (st.step())
            tables.append(st.columnText(0));
        if (st.error())
            return readError(st.error(), "verify");
    }
    for (const QString &t : tables) {
        const QByteArray q = "SELECT * FROM \"" + t.toUtf8() + "\";";
        sql::Statement st = m_db.prepare(q.toStdString());
        while (st.step()) {
        }
        if (st.error())
            return readError(st.error(), "verify");
    }
    return {};
}

int RecordStore::schemaVersion()
{
    return int(m_db.queryInt("PRAGMA user_version;").value_or(-1));
}

QString RecordStore::cipherVersion()
{
    return m_encrypted ? m_db.cipherVersion() : QString();
}

} // namespace safeguard::store
