// The record store: drafts, submit with its outbox entry, amendments, purge
// receipts, outcomes from the hub, file modes, no plaintext on disk, damage
// detection, and migration from the first schema version.
#include "protocol/clock.h"
#include "protocol/derivedfacts.h"
#include "protocol/recorddefaults.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "sqlite/sqldatabase.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/schema.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <sodium.h>
#include <sys/stat.h>

namespace safeguard::store {
// Readable QCOMPARE failures.
char *toString(StoreErrorKind kind)
{
    return qstrdup(qPrintable(toKey(kind)));
}
} // namespace safeguard::store

using namespace safeguard;
using namespace safeguard::store;
using protocol::RecordStatus;

namespace {

const char kCanary[] = "CANARY-SYNTHETIC-5c1e0b7a-do-not-find";

DataKey randomKey()
{
    DataKey k(kDataKeyBytes);
    randombytes_buf(k.data(), k.size());
    return k;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void flipByte(const QString &path, qint64 offset)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(offset));
    char c = 0;
    QVERIFY(f.getChar(&c));
    QVERIFY(f.seek(offset));
    QVERIFY(f.putChar(char(c ^ 0x20)));
}

int fileMode(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

QString idOf(const v1::IncidentRecord &r)
{
    return QString::fromStdString(r.record_id());
}

} // namespace

class TestRecordStore : public QObject
{
    Q_OBJECT

    protocol::ManualClock m_clock;
    protocol::RiskChecklistRegistry m_registry = protocol::RiskChecklistRegistry::withBuiltIns();

    std::unique_ptr<RecordStore> openStore(const QString &dir, const DataKey &key)
    {
        auto r =
            RecordStore::open(dir, key, m_clock, protocol::RiskChecklistRegistry::sharedBuiltIns());
        if (!r.ok())
            qWarning("open failed: %s", qPrintable(r.error().message));
        return r.ok() ? std::move(r.value()) : nullptr;
    }

private slots:
    void draftsAutosaveAndList()
    {
        QTemporaryDir tmp;
        const DataKey key = randomKey();
        auto store = openStore(tmp.filePath("s"), key);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), schema::kCurrentVersion);
        QVERIFY(store->cipherVersion().startsWith(QLatin1String("3.4.")));
        protocol::SyntheticRecordFactory factory(1, m_clock, m_registry);
        v1::IncidentRecord r = factory.next();
        QVERIFY(store->saveDraft(r).ok());
        r.mutable_incident()->set_circumstances("edited SYNTHETIC text");
        m_clock.advanceSecs(5);
        QVERIFY(store->saveDraft(r).ok()); // autosave replaces the draft
        auto list = store->listRecords();
        QVERIFY(list.ok());
        QCOMPARE(list.value().size(), 1);
        const RecordSummary s = list.value().first();
        QCOMPARE(s.recordId, idOf(r));
        QCOMPARE(s.version, 1);
        QCOMPARE(s.status, RecordStatus::Draft);
        QCOMPARE(s.updatedMs, m_clock.nowMs());
        QCOMPARE(s.policeReference, QString::fromStdString(r.incident().police_reference()));
        QCOMPARE(s.childCount, r.children_size());
        QCOMPARE(store->load(idOf(r)).value().incident().circumstances(),
                 std::string("edited SYNTHETIC text"));
        QCOMPARE(store->load(QStringLiteral("00000000-0000-4000-8000-000000000000")).error().kind,
                 StoreErrorKind::NotFound);
        v1::IncidentRecord bad = r;
        bad.set_record_id("not-a-uuid");
        QCOMPARE(store->saveDraft(bad).kind, StoreErrorKind::Invalid);
    }

    void submitFreezesAndQueuesOnce()
    {
        QTemporaryDir tmp;
        const DataKey key = randomKey();
        auto store = openStore(tmp.filePath("s"), key);
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(2, m_clock, m_registry);
        const v1::IncidentRecord r = factory.next();
        QVERIFY(store->saveDraft(r).ok());
        m_clock.advanceSecs(60);
        auto first = store->submit(idOf(r));
        QVERIFY2(first.ok(), qPrintable(first.error().message));
        QVERIFY(!first->alreadySubmitted);
        QCOMPARE(first->version, 1);
        QCOMPARE(first->submittedMs, m_clock.nowMs());

        // The stored bytes are exactly what the hash covers.
        const QByteArray bytes = store->submittedBytes(idOf(r), 1).value();
        QCOMPARE(bytes.size(), first->size);
        unsigned char sha[32];
        crypto_hash_sha256(sha, reinterpret_cast<const unsigned char *>(bytes.constData()),
                           std::size_t(bytes.size()));
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(sha), 32), first->sha256);
        v1::IncidentRecord stored;
        QVERIFY(stored.ParseFromArray(bytes.constData(), int(bytes.size())));
        QCOMPARE(stored.submitted_at().unix_ms(), m_clock.nowMs());

        // Double submit: nothing new, the same submission back.
        m_clock.advanceSecs(60);
        auto second = store->submit(idOf(r));
        QVERIFY(second.ok());
        QVERIFY(second->alreadySubmitted);
        QCOMPARE(second->sha256, first->sha256);
        QCOMPARE(second->submittedMs, first->submittedMs);
        QCOMPARE(store->submittedBytes(idOf(r), 1).value(), bytes);
        auto outbox = store->pendingOutbox();
        QCOMPARE(outbox.value().size(), 1);
        QCOMPARE(outbox.value().first().sha256, first->sha256);
        QCOMPARE(outbox.value().first().urgent, protocol::derived::isUrgent(stored));
        QCOMPARE(store->listRecords().value().size(), 1);
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::Queued);

        // A submitted version never changes.
        QCOMPARE(store->saveDraft(r).kind, StoreErrorKind::Frozen);
        QCOMPARE(store->submittedBytes(idOf(r), 1).value(), bytes);
    }

    void submitRefusesAnIncompleteRecordWithIssues()
    {
        QTemporaryDir tmp;
        const DataKey key = randomKey();
        auto store = openStore(tmp.filePath("s"), key);
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(3, m_clock, m_registry);
        v1::IncidentRecord r = factory.next();
        r.mutable_children(0)->clear_demeanour();
        QVERIFY(store->saveDraft(r).ok());
        auto sub = store->submit(idOf(r));
        QVERIFY(!sub.ok());
        QCOMPARE(sub.error().kind, StoreErrorKind::Invalid);
        QVERIFY(!sub.error().issues.isEmpty());
        QVERIFY(
            !sub.error().message.contains(QString::fromStdString(r.incident().circumstances())));
        QCOMPARE(store->pendingOutbox().value().size(), 0);
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::Draft);
    }

    void amendOutcomesAndPurge()
    {
        QTemporaryDir tmp;
        const DataKey key = randomKey();
        auto store = openStore(tmp.filePath("s"), key);
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(4, m_clock, m_registry);
        const v1::IncidentRecord r = factory.next();
        const QString id = idOf(r);
        QVERIFY(store->saveDraft(r).ok());
        QCOMPARE(store->amend(id, QStringLiteral("typo")).error().kind, StoreErrorKind::WrongState);
        QVERIFY(store->submit(id).ok());
        const QByteArray v1Bytes = store->submittedBytes(id, 1).value();

        QCOMPARE(store->amend(id, QStringLiteral("  ")).error().kind, StoreErrorKind::Invalid);
        auto amended = store->amend(id, QStringLiteral("Corrected the SYNTHETIC school name"));
        QVERIFY(amended.ok());
        QCOMPARE(amended->version(), 2u);
        QCOMPARE(amended->parent_version(), 1u);
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::Draft);
        QCOMPARE(store->listRecords().value().first().version, 2);
        auto v2 = store->submit(id);
        QVERIFY2(v2.ok(), qPrintable(v2.error().message));
        QCOMPARE(v2->version, 2);
        QCOMPARE(store->submittedBytes(id, 1).value(), v1Bytes); // untouched
        QCOMPARE(store->pendingOutbox().value().size(), 2);

        // Purge waits for the hub.
        QCOMPARE(store->purge(id).kind, StoreErrorKind::WrongState);
        QVERIFY(store
                    ->applyOutcomes({{id, 1, OutboxOutcome::Kind::Acknowledged, {}},
                                     {id, 2, OutboxOutcome::Kind::NeedsCorrection,
                                      QStringLiteral("over limits")}})
                    .ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::NeedsCorrection);
        QCOMPARE(store->pendingOutbox().value().size(), 0);
        QCOMPARE(store->purge(id).kind, StoreErrorKind::WrongState);
        // A late answer never undoes a verdict: version 2 stays to correct.
        QVERIFY(store->applyOutcomes({{id, 2, OutboxOutcome::Kind::Acknowledged, {}}}).ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::NeedsCorrection);
        QVERIFY(store->amend(id, QStringLiteral("Corrected what the hub refused")).ok());
        QCOMPARE(store->submit(id)->version, 3);
        QVERIFY(store->applyOutcomes({{id, 3, OutboxOutcome::Kind::Acknowledged, {}}}).ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::Acknowledged);

        m_clock.advanceSecs(3600);
        QVERIFY(store->purge(id).ok());
        const auto list = store->listRecords().value();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().status, RecordStatus::Purged);
        QCOMPARE(list.first().version, 3);
        QCOMPARE(list.first().policeReference,
                 QString::fromStdString(r.incident().police_reference()));
        QCOMPARE(store->load(id).error().kind, StoreErrorKind::NotFound);
        QCOMPARE(store->submit(id).error().kind, StoreErrorKind::WrongState);
        QCOMPARE(store->saveDraft(r).kind, StoreErrorKind::WrongState);
        QCOMPARE(store->statusCounts().value().value(RecordStatus::Purged), 1);
    }

    // What the app opens a record on: the hub's reasons for a refused
    // version (kept for its amendment), and the receipt once purged. An
    // amendment not yet submitted can be discarded; nothing else can.
    void recordStateAndAmendmentRules()
    {
        QTemporaryDir tmp;
        auto store = openStore(tmp.filePath("s"), randomKey());
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(41, m_clock, m_registry);
        const v1::IncidentRecord r = factory.next();
        const QString id = idOf(r);
        QCOMPARE(store->recordState(id).error().kind, StoreErrorKind::NotFound);
        QVERIFY(store->saveDraft(r).ok());
        QCOMPARE(store->recordState(id)->status, RecordStatus::Draft);
        QCOMPARE(store->discardAmendment(id).kind, StoreErrorKind::WrongState); // a first draft
        QVERIFY(store->submit(id).ok());
        RecordState queued = store->recordState(id).value();
        QCOMPARE(queued.status, RecordStatus::Queued);
        QVERIFY(queued.submittedMs > 0);
        QCOMPARE(queued.decidedMs, 0);
        QVERIFY(queued.hubReasons.isEmpty());

        m_clock.advanceSecs(60);
        const QString reasons = QStringLiteral("officer_id: attribution_mismatch: names another");
        QVERIFY(
            store->applyOutcomes({{id, 1, OutboxOutcome::Kind::NeedsCorrection, reasons}}).ok());
        RecordState refused = store->recordState(id).value();
        QCOMPARE(refused.status, RecordStatus::NeedsCorrection);
        QCOMPARE(refused.hubReasons, reasons);
        QCOMPARE(refused.decidedMs, m_clock.nowMs());

        // The correction carries the reasons it answers; discarding it
        // leaves the refused version as it was.
        QVERIFY(store->amend(id, QStringLiteral("Resent as the hub asked")).ok());
        RecordState correcting = store->recordState(id).value();
        QCOMPARE(correcting.status, RecordStatus::Draft);
        QCOMPARE(correcting.version, 2);
        QCOMPARE(correcting.amendmentReason, QStringLiteral("Resent as the hub asked"));
        QCOMPARE(correcting.parentHubReasons, reasons);
        QVERIFY(correcting.hubReasons.isEmpty());
        QVERIFY(store->discardAmendment(id).ok());
        QCOMPARE(store->recordState(id)->status, RecordStatus::NeedsCorrection);
        QCOMPARE(store->recordState(id)->version, 1);
        QCOMPARE(store->discardAmendment(id).kind, StoreErrorKind::WrongState); // nothing waits

        QVERIFY(store->amend(id, QStringLiteral("Resent as the hub asked")).ok());
        QVERIFY(store->submit(id).ok());
        QVERIFY(store->applyOutcomes({{id, 2, OutboxOutcome::Kind::Acknowledged, {}}}).ok());
        QVERIFY(store->recordState(id)->parentHubReasons.isEmpty()); // no longer an open correction
        QVERIFY(store->purge(id).ok());
        RecordState receipt = store->recordState(id).value();
        QCOMPARE(receipt.status, RecordStatus::Purged);
        QCOMPARE(receipt.version, 2);
        QCOMPARE(receipt.policeReference, QString::fromStdString(r.incident().police_reference()));
        QVERIFY(receipt.decidedMs > 0 && receipt.purgedMs >= receipt.decidedMs);
        // Its content has gone: corrections go through the MASH.
        const auto afterPurge = store->amend(id, QStringLiteral("late"));
        QCOMPARE(afterPurge.error().kind, StoreErrorKind::WrongState);
        QVERIFY(afterPurge.error().message.contains(QLatin1String("MASH")));

        // A version held at the hub (a conflict) is for the hub's staff.
        const v1::IncidentRecord held = factory.next();
        QVERIFY(store->saveDraft(held).ok());
        QVERIFY(store->submit(idOf(held)).ok());
        QVERIFY(store
                    ->applyOutcomes({{idOf(held), 1, OutboxOutcome::Kind::HeldAtHub,
                                      QStringLiteral(": conflict: another hash")}})
                    .ok());
        QCOMPARE(store->amend(idOf(held), QStringLiteral("x")).error().kind,
                 StoreErrorKind::WrongState);
        QCOMPARE(store->recordState(idOf(held))->hubReasons,
                 QStringLiteral(": conflict: another hash"));

        // Amending a withdrawn record takes the withdrawal back.
        const v1::IncidentRecord w = factory.next();
        QVERIFY(store->saveDraft(w).ok());
        QVERIFY(store->withdraw(idOf(w), QStringLiteral("Started in error")).ok());
        QVERIFY(store->recordState(idOf(w))->withdrawn);
        const auto back = store->amend(idOf(w), QStringLiteral("Withdrawn by mistake"));
        QVERIFY(back.ok());
        QVERIFY(!back->has_withdrawal());
        QVERIFY(!store->recordState(idOf(w))->withdrawn);
    }

    void urgentFirstInTheOutbox()
    {
        QTemporaryDir tmp;
        const DataKey key = randomKey();
        auto store = openStore(tmp.filePath("s"), key);
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(5, m_clock, m_registry);
        QList<bool> urgency;
        for (int i = 0; i < 12; ++i) {
            const v1::IncidentRecord r = factory.next();
            QVERIFY(store->saveDraft(r).ok());
            QVERIFY(store->submit(idOf(r)).ok());
            urgency.append(protocol::derived::isUrgent(r));
        }
        QVERIFY(urgency.contains(true) && urgency.contains(false));
        const auto outbox = store->pendingOutbox().value();
        QCOMPARE(outbox.size(), 12);
        bool seenNormal = false;
        for (const OutboxEntry &e : outbox) {
            QVERIFY(!(seenNormal && e.urgent));
            seenNormal = seenNormal || !e.urgent;
        }
    }

    void privateFileModes()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        DataKey key;
        QVERIFY(vault
                    .create(SecureBuffer::fromPassphrase(
                                QStringLiteral("orbit lantern cabbage velvet harbour")),
                            &key, KdfLimits::kFloor)
                    .ok());
        auto store = openStore(dir, key);
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(6, m_clock, m_registry);
        QVERIFY(store->saveDraft(factory.next()).ok());
        QCOMPARE(fileMode(dir), 0700);
        const QStringList files = QDir(dir).entryList(QDir::Files | QDir::Hidden);
        for (const QString &f : {QStringLiteral("store.db"), QStringLiteral("store.db-wal"),
                                 QStringLiteral("store.db-shm"), QStringLiteral("vault.bin")})
            QVERIFY2(files.contains(f), qPrintable(f));
        for (const QString &f : files)
            QCOMPARE(fileMode(QDir(dir).filePath(f)), 0600);
    }

    void noPlaintextOnDisk()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        const QString privateTemp = tmp.filePath("tmp");
        QVERIFY(QDir().mkpath(privateTemp));
        qputenv("TMPDIR", QFile::encodeName(privateTemp));
        qputenv("SQLITE_TMPDIR", QFile::encodeName(privateTemp));
        const DataKey key = randomKey();
        auto store = openStore(dir, key);
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(7, m_clock, m_registry);
        QList<QString> ids;
        for (int i = 0; i < 40; ++i) {
            v1::IncidentRecord r = factory.next();
            r.mutable_children(0)->mutable_voice()->set_words_verbatim(kCanary);
            r.mutable_incident()->set_circumstances(std::string(kCanary) + " in the circumstances");
            QVERIFY(store->saveDraft(r).ok());
            ids.append(idOf(r));
        }
        for (int i = 0; i < 20; ++i)
            QVERIFY(store->submit(ids[i]).ok());
        QVERIFY(store->amend(ids[0], QStringLiteral("SYNTHETIC amendment")).ok());

        auto scan = [&](const QString &root) {
            int files = 0;
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                ++files;
                const QByteArray bytes = readAll(path);
                if (bytes.contains(kCanary) || bytes.contains(QByteArray(kCanary).toBase64()))
                    return -1;
            }
            return files;
        };
        // While open: database, WAL and shared memory all present.
        QVERIFY(QFile::exists(QDir(dir).filePath("store.db-wal")));
        QVERIFY(QFile::exists(QDir(dir).filePath("store.db-shm")));
        QVERIFY(scan(dir) >= 3);
        QVERIFY(scan(privateTemp) >= 0);
        // The canary is really there, readable through the store.
        QCOMPARE(store->load(ids[5]).value().children(0).voice().words_verbatim(),
                 std::string(kCanary));
        store.reset();
        QVERIFY(scan(dir) >= 1);
        QCOMPARE(scan(privateTemp), 0);
        qunsetenv("TMPDIR");
        qunsetenv("SQLITE_TMPDIR");
    }

    void wrongKeyOrDamagedFirstPageIsCorrupt()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        const DataKey key = randomKey();
        {
            auto store = openStore(dir, key);
            QVERIFY(store);
        }
        const QString db = QDir(dir).filePath(RecordStore::databaseFileName());
        for (qint64 offset : {qint64(5), qint64(20), qint64(100), qint64(3000)}) {
            const QByteArray before = readAll(db);
            flipByte(db, offset);
            auto r = RecordStore::open(dir, key, m_clock,
                                       protocol::RiskChecklistRegistry::sharedBuiltIns());
            QVERIFY(!r.ok());
            QCOMPARE(r.error().kind, StoreErrorKind::Corrupt);
            QFile f(db);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(before);
        }
        QVERIFY(
            RecordStore::open(dir, key, m_clock, protocol::RiskChecklistRegistry::sharedBuiltIns())
                .ok());
    }

    void damagedLaterPageIsCorruptNotGarbage()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        const DataKey key = randomKey();
        QList<v1::IncidentRecord> records;
        {
            auto store = openStore(dir, key);
            QVERIFY(store);
            protocol::SyntheticRecordFactory factory(8, m_clock, m_registry);
            for (int i = 0; i < 80; ++i)
                records.append(factory.next());
            QVERIFY(store->saveDrafts(records).ok()); // inserts only: no free pages
            QVERIFY(store->verifyEveryPage().ok());
        }
        const QString db = QDir(dir).filePath(RecordStore::databaseFileName());
        const qint64 pages = QFileInfo(db).size() / 4096;
        QVERIFY(pages > 20);
        const QByteArray pristine = readAll(db);
        for (qint64 page : {qint64(1), pages / 2, pages - 1}) {
            flipByte(db, page * 4096 + 1000);
            auto opened = RecordStore::open(dir, key, m_clock,
                                            protocol::RiskChecklistRegistry::sharedBuiltIns());
            if (!opened.ok()) {
                qInfo("page %lld damaged, open: %s", page, qPrintable(opened.error().message));
                QCOMPARE(opened.error().kind, StoreErrorKind::Corrupt);
            } else {
                RecordStore &store = *opened.value();
                const StoreError e = store.verifyEveryPage();
                qInfo("page %lld damaged: %s", page, qPrintable(e.message));
                QCOMPARE(e.kind, StoreErrorKind::Corrupt);
                // Every read either succeeds with the true record or fails typed.
                for (const auto &r : records) {
                    auto loaded = store.load(idOf(r));
                    if (loaded.ok())
                        QCOMPARE(loaded.value().SerializeAsString(), r.SerializeAsString());
                    else if (loaded.error().kind != StoreErrorKind::Corrupt)
                        QFAIL(qPrintable(loaded.error().message));
                }
            }
            opened = StoreError{};
            QFile f(db);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(pristine);
        }
    }

    void migratesFromSchemaVersion1()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        QVERIFY(QDir().mkpath(dir));
        const DataKey key = randomKey();
        protocol::SyntheticRecordFactory factory(9, m_clock, m_registry);
        v1::IncidentRecord r = factory.next();
        const QString id = idOf(r);
        {
            // A store as the first release left it: schema 1, one queued record.
            sql::SqlError e;
            auto db = sql::Database::open(QDir(dir).filePath(RecordStore::databaseFileName()),
                                          sql::Database::OpenMode::ReadWriteCreate, &e);
            QVERIFY(db);
            QVERIFY(db->setRawKey(key.data(), key.size(), 4096).ok());
            QVERIFY(db->exec("PRAGMA journal_mode = WAL;").ok());
            QVERIFY(schema::migrate(*db, 1).ok());
            QCOMPARE(*db->queryInt("PRAGMA user_version;"), 1);
            const std::string body = r.SerializeAsString();
            sql::Statement ins =
                db->prepare("INSERT INTO records (record_id, version, status, created_ms, "
                            "updated_ms, submitted_ms, "
                            "police_reference, child_count, urgent, body, sha256) VALUES (?, 1, "
                            "'queued', 1, 2, 3, ?, ?, 0, ?, x'00');");
            ins.bind(1, id)
                .bind(2, std::string_view(r.incident().police_reference()))
                .bind(3, r.children_size())
                .bindBlob(4, body.data(), body.size());
            QVERIFY(ins.exec());
            sql::Statement box = db->prepare("INSERT INTO outbox (record_id, version, priority, "
                                             "sha256, size, state, created_ms) "
                                             "VALUES (?, 1, 0, x'00', ?, 'pending', 3);");
            box.bind(1, id).bind(2, int(body.size()));
            QVERIFY(box.exec());
        }
        auto store = openStore(dir, key);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), schema::kCurrentVersion);
        QVERIFY(store->verifyEveryPage().ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::Queued);
        QCOMPARE(store->load(id).value().SerializeAsString(), r.SerializeAsString());
        QCOMPARE(store->pendingOutbox().value().size(), 1);
        // Version 2's columns, constraints and receipts work on migrated data.
        QVERIFY(store->applyOutcomes({{id, 1, OutboxOutcome::Kind::Acknowledged, {}}}).ok());
        QVERIFY(store->purge(id).ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::Purged);
        store.reset();
        // Reopening a current store runs nothing again.
        QCOMPARE(openStore(dir, key)->schemaVersion(), schema::kCurrentVersion);
    }

    void migratesFromSchemaVersion2KeepingEveryRow()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        QVERIFY(QDir().mkpath(dir));
        const DataKey key = randomKey();
        protocol::SyntheticRecordFactory factory(10, m_clock, m_registry);
        const v1::IncidentRecord queued = factory.next();
        const v1::IncidentRecord refused = factory.next();
        {
            // A store as release 2 left it: one queued record, one the hub refused.
            sql::SqlError e;
            auto db = sql::Database::open(QDir(dir).filePath(RecordStore::databaseFileName()),
                                          sql::Database::OpenMode::ReadWriteCreate, &e);
            QVERIFY(db);
            QVERIFY(db->setRawKey(key.data(), key.size(), 4096).ok());
            QVERIFY(db->exec("PRAGMA journal_mode = WAL;").ok());
            QVERIFY(schema::migrate(*db, 2).ok());
            QCOMPARE(*db->queryInt("PRAGMA user_version;"), 2);
            // Version 2 refuses the new status.
            QVERIFY(!db->exec("INSERT INTO records (record_id, version, status, created_ms, "
                              "updated_ms, body) VALUES ('x', 1, 'held_at_hub', 1, 1, x'00');")
                         .ok());
            int n = 0;
            for (const auto *r : {&queued, &refused}) {
                const std::string body = r->SerializeAsString();
                const bool isRefused = r == &refused;
                sql::Statement ins = db->prepare(
                    "INSERT INTO records (record_id, version, status, created_ms, updated_ms, "
                    "submitted_ms, police_reference, child_count, urgent, amendment_reason, body, "
                    "sha256) VALUES (?, 1, ?, 1, 2, 3, ?, ?, 1, '', ?, x'01');");
                ins.bind(1, idOf(*r))
                    .bind(2, std::string_view(isRefused ? "needs_correction" : "queued"))
                    .bind(3, std::string_view(r->incident().police_reference()))
                    .bind(4, r->children_size())
                    .bindBlob(5, body.data(), body.size());
                QVERIFY(ins.exec());
                sql::Statement box =
                    db->prepare("INSERT INTO outbox (record_id, version, priority, sha256, size, "
                                "state, reason, "
                                "created_ms, updated_ms) VALUES (?, 1, 1, x'01', ?, ?, ?, 3, ?);");
                box.bind(1, idOf(*r))
                    .bind(2, int(body.size()))
                    .bind(3, std::string_view(isRefused ? "needs_correction" : "pending"))
                    .bind(4, std::string_view(isRefused ? "text_too_long" : ""))
                    .bind(5, 4 + n++);
                QVERIFY(box.exec());
            }
        }
        auto store = openStore(dir, key);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), schema::kCurrentVersion);
        QVERIFY(store->verifyEveryPage().ok());
        QHash<QString, RecordSummary> byId;
        for (const RecordSummary &s : store->listRecords().value())
            byId.insert(s.recordId, s);
        QCOMPARE(byId.size(), 2);
        QCOMPARE(byId.value(idOf(queued)).status, RecordStatus::Queued);
        QCOMPARE(byId.value(idOf(refused)).status, RecordStatus::NeedsCorrection);
        QCOMPARE(byId.value(idOf(queued)).policeReference,
                 QString::fromStdString(queued.incident().police_reference()));
        QVERIFY(byId.value(idOf(queued)).urgent);
        // v6: the home row's summary is filled from the body of a row written
        // before it, frozen rows included.
        const RecordSummary old = byId.value(idOf(queued));
        QCOMPARE(old.occurredMs, qint64(queued.incident().occurred_at().unix_ms()));
        QCOMPARE(old.incidentType, int(queued.incident().type()));
        QVERIFY(queued.children_size() > 0);
        QVERIFY2(old.childNames.startsWith(
                     QString::fromStdString(queued.children(0).identity().given_names())),
                 qPrintable(old.childNames));
        QVERIFY(!old.place.isEmpty());
        QVERIFY(!old.withdrawn);
        QCOMPARE(store->load(idOf(queued)).value().SerializeAsString(), queued.SerializeAsString());
        const auto pending = store->pendingOutbox().value();
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.first().recordId, idOf(queued));
        QCOMPARE(pending.first().sha256, QByteArray("\x01", 1));
        // v4: rows from before the hand-over flag are not handed over, so
        // the sync engine's first repair compares each once.
        const auto unhanded = store->pendingNotHandedOver().value();
        QCOMPARE(unhanded.size(), 1);
        QCOMPARE(unhanded.first().recordId, idOf(queued));
        QVERIFY(!store->markHandedOver({{idOf(queued), 1}}));
        QVERIFY(store->pendingNotHandedOver().value().isEmpty());
        QCOMPARE(store->pendingOutbox().value().size(), 1); // still waiting for the hub
        // The new status is accepted, in both tables, on migrated rows.
        QVERIFY(store
                    ->applyOutcomes({{idOf(queued), 1, OutboxOutcome::Kind::HeldAtHub,
                                      QStringLiteral(": conflict: held")}})
                    .ok());
        QCOMPARE(store->statusCounts().value().value(RecordStatus::HeldAtHub), 1);
        QCOMPARE(store->pendingOutbox().value().size(), 0);
        QVERIFY(store->verifyEveryPage().ok());
    }

    // An accidental "New record" can go; anything the officer recorded can
    // only be withdrawn, and a withdrawn record still goes to the hub.
    void onlyAnEmptyDraftIsDeletedAnyOtherIsWithdrawnAndSent()
    {
        QTemporaryDir tmp;
        auto store = openStore(tmp.filePath("s"), randomKey());
        QVERIFY(store);
        const v1::IncidentRecord empty = protocol::defaults::newDraft(
            QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString(), m_clock);
        QVERIFY(store->saveDraft(empty).ok());
        protocol::SyntheticRecordFactory factory(21, m_clock, m_registry);
        v1::IncidentRecord half = factory.next();
        half.mutable_children(0)->clear_seen(); // not submittable as it stands
        QVERIFY(store->saveDraft(half).ok());
        QCOMPARE(store->submit(idOf(half)).error().kind, StoreErrorKind::Invalid);

        // Anything recorded: never deleted.
        QCOMPARE(store->deleteEmptyDraft(idOf(half)).kind, StoreErrorKind::WrongState);
        QVERIFY(store->load(idOf(half)).ok());
        QVERIFY(store->deleteEmptyDraft(idOf(empty)).ok());
        QCOMPARE(store->load(idOf(empty)).error().kind, StoreErrorKind::NotFound);

        // Withdrawal needs a reason, then freezes and queues it as it stands.
        QCOMPARE(store->withdraw(idOf(half), QStringLiteral("  ")).error().kind,
                 StoreErrorKind::Invalid);
        const auto w = store->withdraw(idOf(half), QStringLiteral("Duplicate of SYN-CAD-2"));
        QVERIFY2(w.ok(), qPrintable(w.error().message));
        QVERIFY(!w.value().urgent); // nothing in it is acted on as urgent
        const v1::IncidentRecord sent = store->load(idOf(half)).value();
        QCOMPARE(sent.withdrawal().reason(), std::string("Duplicate of SYN-CAD-2"));
        QCOMPARE(sent.withdrawal().at().unix_ms(), m_clock.nowMs());
        QVERIFY(sent.has_submitted_at());
        const auto pending = store->pendingOutbox().value();
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.first().recordId, idOf(half));
        QVERIFY(store->listRecords().value().first().withdrawn);
        // Frozen: neither edited, deleted nor withdrawn again.
        QCOMPARE(store->saveDraft(half).kind, StoreErrorKind::Frozen);
        QCOMPARE(store->deleteEmptyDraft(idOf(half)).kind, StoreErrorKind::WrongState);
        QVERIFY(store->withdraw(idOf(half), QStringLiteral("again")).value().alreadySubmitted);
        // An amendment's draft is never "empty", whatever it holds.
        QVERIFY(store->amend(idOf(half), QStringLiteral("Wrong child")).ok());
        QCOMPARE(store->deleteEmptyDraft(idOf(half)).kind, StoreErrorKind::WrongState);
    }

    void aConflictIsHeldAtTheHubNotQueuedForEver()
    {
        QTemporaryDir tmp;
        auto store = openStore(tmp.filePath("s"), randomKey());
        QVERIFY(store);
        protocol::SyntheticRecordFactory factory(11, m_clock, m_registry);
        const v1::IncidentRecord r = factory.next();
        const QString id = idOf(r);
        QVERIFY(store->saveDraft(r).ok());
        QVERIFY(store->submit(id).ok());
        QVERIFY(store
                    ->applyOutcomes({{id, 1, OutboxOutcome::Kind::HeldAtHub,
                                      QStringLiteral(": conflict: another copy")}})
                    .ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::HeldAtHub);
        QCOMPARE(store->statusCounts().value().value(RecordStatus::Queued), 0);
        QCOMPARE(store->pendingOutbox().value().size(), 0);
        // Not acknowledged: the content stays on the device.
        QCOMPARE(store->purge(id).kind, StoreErrorKind::WrongState);
        // A late answer changes nothing.
        QVERIFY(store->applyOutcomes({{id, 1, OutboxOutcome::Kind::Acknowledged, {}}}).ok());
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::HeldAtHub);
        // Not amended on the device either: the hub's version 1 is another
        // copy, and its staff resolve which stands (protocol::canAmend).
        QCOMPARE(store->amend(id, QStringLiteral("Added a detail")).error().kind,
                 StoreErrorKind::WrongState);
        QCOMPARE(store->listRecords().value().first().status, RecordStatus::HeldAtHub);
    }

    void refusesANewerSchema()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("s");
        const DataKey key = randomKey();
        {
            auto store = openStore(dir, key);
            QVERIFY(store);
        }
        {
            sql::SqlError e;
            auto db = sql::Database::open(QDir(dir).filePath(RecordStore::databaseFileName()),
                                          sql::Database::OpenMode::ReadWrite, &e);
            QVERIFY(db->setRawKey(key.data(), key.size(), 4096).ok());
            QVERIFY(db->exec("PRAGMA user_version = 99;").ok());
        }
        QCOMPARE(
            RecordStore::open(dir, key, m_clock, protocol::RiskChecklistRegistry::sharedBuiltIns())
                .error()
                .kind,
            StoreErrorKind::TooNew);
    }
};

QTEST_GUILESS_MAIN(TestRecordStore)
#include "tst_recordstore.moc"
