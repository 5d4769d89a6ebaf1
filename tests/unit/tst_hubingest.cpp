// The hub's enrolment, authentication, ingest and HTTP front in one process,
// with an injected clock, so the sanitizer build exercises them too.
#include "hub/anonymousrefusaltally.h"
#include "hub/batchingestor.h"
#include "hub/deviceregistry.h"
#include "hub/devicesightings.h"
#include "hub/hubidentity.h"
#include "hub/hublog.h"
#include "hub/hubserver.h"
#include "hub/sessionkeycache.h"
#include "hub/sqlitehubstore.h"
#include "hubprocess.h"
#include "protocol/syntheticrecords.h"
#include "sqlite/sqldatabase.h"
#include "wire/batchbuilder.h"
#include "wire/enrolmentcode.h"
#include "wire/signing.h"

#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <map>
#include <sodium.h>
#include <thread>

using namespace safeguard;
using namespace safeguard::hub;

class TestHubIngest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    protocol::ManualClock m_clock;
    std::unique_ptr<HubStore> m_store;
    std::optional<HubIdentity> m_identity;
    // Every test device's signing key (each device's own in the app, kept in
    // its encrypted store).
    std::unique_ptr<syncwire::SigningKey> m_deviceKey = syncwire::SigningKey::generate();

    v1::EnrolmentRequest requestFor(const v1::EnrolmentCode &code)
    {
        v1::EnrolmentRequest r;
        r.set_code_id(code.code_id());
        r.set_secret(code.secret());
        r.set_device_signing_public_key(m_deviceKey->publicKey().toStdString());
        return r;
    }

    // A device enrolled on m_store; its id.
    QString enrolledDevice()
    {
        DeviceRegistry registry(*m_store, m_clock);
        const auto code = registry.issueCode(*m_identity, QStringLiteral("SYN-1"),
                                             QStringLiteral("http://127.0.0.1:1"), 60, nullptr);
        const EnrolmentResult e = registry.enrol(requestFor(*code), m_identity->hubId);
        return e.outcome == RedeemOutcome::Enrolled ? QString::fromStdString(e.response.device_id())
                                                    : QString();
    }

    // The sender as authentication finds it: every test device is SYN-1's.
    AuthenticatedDevice sender(const QString &deviceId) const
    {
        return {deviceId, QStringLiteral("SYN-1"), false, m_deviceKey->publicKey()};
    }
    // Sealing sessions signed with the enrolled device key.
    syncwire::SealBinding bind(const QString &deviceId) const
    {
        const syncwire::SigningKey *key = m_deviceKey.get();
        return {deviceId, m_identity->hubId,
                [key](std::string_view statement) { return key->sign(statement); }};
    }

    static QByteArray bytesOf(const v1::IncidentRecord &r)
    {
        return QByteArray::fromStdString(r.SerializeAsString());
    }

private slots:
    void discardAllowanceIsBoundedAndNeverBelowTheLimit()
    {
        const qint64 MiB = 1024 * 1024;
        const qint64 batch = protocol::Limits::kMaxBatchBytes;
        // The default sync limit: four times it, which is the cap.
        QCOMPARE(HubServer::discardAllowance(batch, batch), 32 * MiB);
        QCOMPARE(HubServer::kMaxDiscardBytes, 32 * MiB);
        // A hub with a small limit still reads what a device sends before
        // it has heard that limit.
        QCOMPARE(HubServer::discardAllowance(64 * 1024, batch), batch);
        // Enrolment: four times its limit.
        QCOMPARE(HubServer::discardAllowance(64 * 1024), 256 * 1024);
        // A limit past the cap: nothing more than the limit is read.
        QCOMPARE(HubServer::discardAllowance(100 * MiB, batch), 100 * MiB);
    }

    void anonymousRefusalTallyWritesOncePerInterval()
    {
        AnonymousRefusalTally tally(10000);
        const auto first = tally.add(401, 1000); // on record at once
        QVERIFY(first);
        QCOMPARE(first->total, 1);
        for (int i = 0; i < 499; ++i)
            QVERIFY(!tally.add(i % 2 ? 401 : 404, 1000 + i));
        QVERIFY(!tally.takeDue(5000));
        auto second = tally.takeDue(11000);
        QVERIFY(second);
        QCOMPARE(second->total, 499);
        QCOMPARE(second->byStatus[401], 249);
        QCOMPARE(second->byStatus[404], 250);
        QCOMPARE(second->fromMs, 1000);
        QVERIFY(!tally.takeDue(30000)); // nothing counted: nothing to write
        QVERIFY(tally.add(404, 30000)); // after a quiet interval: at once
        QVERIFY(!tally.add(404, 30001));
        const auto last = tally.takeDue(30002, true); // shutdown
        QVERIFY(last);
        QCOMPARE(last->total, 1);
        QVERIFY(!tally.takeDue(30003, true));
    }

    void initTestCase()
    {
        HubLog::setQuiet(true);
        const QString data = m_dir.filePath(QStringLiteral("hub"));
        QVERIFY(HubIdentity::init(data).ok());
        QVERIFY(!HubIdentity::init(data).ok()); // never overwrites an identity
        IdentityError error;
        m_identity = HubIdentity::load(data, &error);
        QVERIFY2(m_identity, qPrintable(error.message));
        QCOMPARE(HubIdentity::pinOfPrivateKey(m_identity->keyPem), m_identity->tlsPin);
        HubStoreError storeError;
        m_store = HubStore::open(QStringLiteral("sqlite:") + data + QStringLiteral("/hub.db"),
                                 &storeError);
        QVERIFY2(m_store, qPrintable(storeError.message));
        QVERIFY(m_store->ping());
    }

    void sightingsAreWrittenOncePerIntervalAndARiseIsAlertedAtOnce()
    {
        // A fleet checking in every 15 minutes must not cost a durable row
        // per check-in: last-seen times are held in memory and written at
        // most once per device per interval.
        const QString device = QStringLiteral("00000000-0000-4000-8000-00000000c0de");
        DeviceSightings sightings(*m_store);
        const qint64 t0 = 1'800'000'000'000;
        for (int i = 0; i < 100; ++i)
            sightings.seen(device, QStringLiteral("SYN-1"), t0 + i * 1000);
        QCOMPARE(sightings.writes(), 1); // the first, at once
        QCOMPARE(sightings.lastSeenMs(device), t0 + 99 * 1000);
        QCOMPARE(m_store->findSighting(device)->lastSeenMs, t0);
        sightings.seen(device, QStringLiteral("SYN-1"), t0 + DeviceSightings::kWriteIntervalMs);
        QCOMPARE(sightings.writes(), 2);
        QCOMPARE(m_store->findSighting(device)->lastSeenMs, t0 + DeviceSightings::kWriteIntervalMs);

        // A report whose totals rose is written and alerted at once, once.
        const auto alerts = [&] {
            int n = 0;
            const auto listed = m_store->listAlerts(1000);
            for (const AlertListing &a : listed.value())
                n += a.kind == QLatin1String("unlock_failures") && a.deviceId == device;
            return n;
        };
        const qint64 t1 = t0 + DeviceSightings::kWriteIntervalMs + 1000;
        sightings.seen(device, QStringLiteral("SYN-1"), t1, UnlockReport{4, 1});
        QCOMPARE(sightings.writes(), 3);
        QCOMPARE(alerts(), 1);
        sightings.seen(device, QStringLiteral("SYN-1"), t1 + 1000, UnlockReport{4, 1});
        QCOMPARE(sightings.writes(), 3);
        QCOMPARE(alerts(), 1);
        QCOMPARE(m_store->findSighting(device)->failedUnlocks, 4u);

        // A restarted hub knows what was reported before: no second alert.
        DeviceSightings restarted(*m_store);
        restarted.seen(device, QStringLiteral("SYN-1"), t1 + 2000, UnlockReport{4, 1});
        QCOMPARE(alerts(), 1);
        // Shutdown writes what is still only in memory.
        sightings.flush();
        QCOMPARE(m_store->findSighting(device)->lastSeenMs, t1 + 1000);

        // A revoked device that keeps calling is audited once an interval.
        QVERIFY(sightings.auditRevoked(device, t1));
        QVERIFY(!sightings.auditRevoked(device, t1 + 60'000));
        QVERIFY(sightings.auditRevoked(device, t1 + DeviceSightings::kWriteIntervalMs));
    }

    void codeExpiresAfterAnHourByDefault()
    {
        QCOMPARE(DeviceRegistry::kDefaultCodeLifetimeSecs, 3600);
        DeviceRegistry registry(*m_store, m_clock);
        const auto code = registry.issueCode(*m_identity, QStringLiteral("SYN-1"),
                                             QStringLiteral("http://127.0.0.1:1"),
                                             DeviceRegistry::kDefaultCodeLifetimeSecs, nullptr);
        QVERIFY(code);
        QVERIFY(syncwire::EnrolmentCode::parse(syncwire::EnrolmentCode::encode(*code)));
        m_clock.advanceSecs(3600);
        QCOMPARE(registry.enrol(requestFor(*code), m_identity->hubId).outcome,
                 RedeemOutcome::Expired);
        m_clock.advanceSecs(-1);
        QCOMPARE(registry.enrol(requestFor(*code), m_identity->hubId).outcome,
                 RedeemOutcome::Enrolled);
        QCOMPARE(registry.enrol(requestFor(*code), m_identity->hubId).outcome,
                 RedeemOutcome::AlreadyUsed);
    }

    void ingestIsIdempotentAndNeverOverwrites()
    {
        DeviceRegistry registry(*m_store, m_clock);
        const auto code = registry.issueCode(*m_identity, QStringLiteral("SYN-1"),
                                             QStringLiteral("http://127.0.0.1:1"), 60, nullptr);
        const EnrolmentResult enrolled = registry.enrol(requestFor(*code), m_identity->hubId);
        QCOMPARE(enrolled.outcome, RedeemOutcome::Enrolled);
        const QString deviceId = QString::fromStdString(enrolled.response.device_id());
        const QByteArray header = "Bearer " +
                                  QByteArray::fromStdString(enrolled.response.device_id()) + '.' +
                                  QByteArray::fromStdString(enrolled.response.device_credential());
        QCOMPARE(registry.authenticate(header).outcome, AuthOutcome::Authenticated);
        QCOMPARE(registry.authenticate(header + 'x').outcome, AuthOutcome::Invalid);
        QCOMPARE(registry.authenticate({}).outcome, AuthOutcome::Missing);

        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(9, deviceClock, checklists);
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, bind(deviceId));
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        v1::IncidentRecord record = factory.next(QStringLiteral("SYN-1"), deviceId);
        v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
        *batch.add_records() = builder.seal(record);
        const QByteArray body = QByteArray::fromStdString(batch.SerializeAsString());

        IngestResult first = ingestor.ingest(body, sender(deviceId));
        QCOMPARE(first.error, IngestError::None);
        QCOMPARE(first.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);
        // Each result echoes the bytes it is about, so the device can tell
        // that a DUPLICATE is for its own bytes.
        QCOMPARE(first.receipt.results(0).sha256(), batch.records(0).sha256());
        const IngestResult again = ingestor.ingest(body, sender(deviceId));
        QCOMPARE(again.receipt.results(0).result(), v1::RecordResult::RESULT_DUPLICATE);
        QCOMPARE(again.receipt.results(0).sha256(), batch.records(0).sha256());
        // Only a SHA-256 is echoed: a hostile envelope's long field is not.
        v1::SyncBatch padded = batch;
        padded.mutable_records(0)->set_sha256(std::string(100000, 'x'));
        const IngestResult odd = ingestor.ingest(
            QByteArray::fromStdString(padded.SerializeAsString()), sender(deviceId));
        QCOMPARE(odd.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
        QVERIFY(odd.receipt.results(0).sha256().empty());
        QCOMPARE(ingestor.ingest(body, sender(QStringLiteral("another"))).error,
                 IngestError::DeviceMismatch);
        QCOMPARE(ingestor.ingest(QByteArray("\xff\xff\xff", 3), sender(deviceId)).error,
                 IngestError::Undecodable);

        record.mutable_incident()->set_police_reference("SYN-OTHER");
        v1::SyncBatch conflicting = builder.batch(2, deviceClock.nowMs(), 0);
        *conflicting.add_records() = builder.seal(record);
        QCOMPARE(ingestor
                     .ingest(QByteArray::fromStdString(conflicting.SerializeAsString()),
                             sender(deviceId))
                     .receipt.results(0)
                     .result(),
                 v1::RecordResult::RESULT_CONFLICT);

        const auto stats = m_store->stats();
        QVERIFY(stats);
        QCOMPARE(stats->versions, 1);
        QCOMPARE(stats->conflicts, 1);

        bool found = false;
        QVERIFY(m_store->revokeDevice(deviceId, m_clock.nowMs(), &found).ok());
        QVERIFY(found);
        QCOMPARE(registry.authenticate(header).outcome, AuthOutcome::Revoked);
        QVERIFY(ingestor.wipeReceipt(deviceId).policy().wipe());
    }

    // Group commit under contention: 8 devices send the same 60 records
    // (each in its own order, in batches of 7, twice over), one device also
    // sends a different payload under 6 of the same ids and versions, and
    // every batch carries a tampered envelope. Every authentic record must be
    // stored exactly once, and every reply must agree with what was committed.
    void concurrentBatchesStoreEveryRecordOnce()
    {
        QTemporaryDir dir;
        HubStoreError storeError;
        auto store = HubStore::open(
            QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("g.db")), &storeError);
        QVERIFY2(store, qPrintable(storeError.message));
        DeviceRegistry registry(*store, m_clock);
        BatchIngestor ingestor(*store, m_clock, *m_identity);

        constexpr int kDevices = 8, kRecords = 60, kConflicting = 6, kBatch = 7, kRounds = 2;
        std::vector<QString> deviceIds;
        for (int d = 0; d < kDevices; ++d) {
            const auto code = registry.issueCode(*m_identity, QStringLiteral("SYN-1"),
                                                 QStringLiteral("http://127.0.0.1:1"), 60, nullptr);
            const EnrolmentResult e = registry.enrol(requestFor(*code), m_identity->hubId);
            QCOMPARE(e.outcome, RedeemOutcome::Enrolled);
            deviceIds.push_back(QString::fromStdString(e.response.device_id()));
        }
        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(31, deviceClock, checklists);
        std::vector<v1::IncidentRecord> records, variants;
        // The officer's devices (a replacement and its spares) all send the
        // same records; the records name no device, as one submitted before
        // its device learnt its id.
        for (int i = 0; i < kRecords; ++i)
            records.push_back(factory.next(QStringLiteral("SYN-1"), QString()));
        for (int i = 0; i < kConflicting; ++i) {
            v1::IncidentRecord v = records[size_t(i * 7)];
            v.mutable_incident()->set_police_reference("SYN-VARIANT");
            variants.push_back(v);
        }

        // Each device's bodies, built before the threads start.
        std::vector<std::vector<QByteArray>> bodies{size_t(kDevices)};
        for (int d = 0; d < kDevices; ++d) {
            syncwire::BatchBuilder builder(m_identity->sealingPublicKey,
                                           bind(deviceIds[size_t(d)]));
            std::vector<v1::IncidentRecord> mine;
            for (int round = 0; round < kRounds; ++round)
                for (int i = 0; i < kRecords; ++i)
                    mine.push_back(records[size_t((i * (2 * d + 1) + d + round * 13) % kRecords)]);
            if (d == kDevices - 1)
                for (const auto &v : variants)
                    mine.insert(mine.begin() + 3, v);
            quint64 sequence = 0;
            for (size_t i = 0; i < mine.size(); i += kBatch) {
                v1::SyncBatch batch = builder.batch(++sequence, deviceClock.nowMs(), 0);
                for (size_t k = i; k < std::min(mine.size(), i + kBatch); ++k)
                    *batch.add_records() = builder.seal(mine[k]);
                v1::RecordEnvelope *tampered = batch.add_records();
                *tampered = builder.seal(records[i % kRecords]);
                tampered->mutable_sealed()->back() ^= 1;
                bodies[size_t(d)].push_back(QByteArray::fromStdString(batch.SerializeAsString()));
            }
        }

        // (record id, sha256) -> how each reply judged it.
        struct Tally
        {
            int accepted = 0, duplicate = 0, conflict = 0;
        };
        std::mutex tallyMutex;
        std::map<std::pair<std::string, std::string>, Tally> tally;
        std::atomic<int> rejected{0}, failures{0};
        std::vector<std::thread> threads;
        for (int d = 0; d < kDevices; ++d) {
            threads.emplace_back([&, d] {
                for (const QByteArray &body : bodies[size_t(d)]) {
                    const IngestResult r = ingestor.ingest(body, sender(deviceIds[size_t(d)]));
                    v1::SyncBatch sent;
                    sent.ParseFromArray(body.constData(), int(body.size()));
                    if (r.error != IngestError::None ||
                        r.receipt.results_size() != sent.records_size()) {
                        ++failures;
                        continue;
                    }
                    std::lock_guard lock(tallyMutex);
                    for (int i = 0; i < sent.records_size(); ++i) {
                        const auto &result = r.receipt.results(i);
                        if (result.record_id() != sent.records(i).record_id())
                            ++failures;
                        Tally &t = tally[{sent.records(i).record_id(), sent.records(i).sha256()}];
                        switch (result.result()) {
                        case v1::RecordResult::RESULT_ACCEPTED:
                            ++t.accepted;
                            break;
                        case v1::RecordResult::RESULT_DUPLICATE:
                            ++t.duplicate;
                            break;
                        case v1::RecordResult::RESULT_CONFLICT:
                            ++t.conflict;
                            break;
                        case v1::RecordResult::RESULT_REJECTED:
                            ++rejected;
                            break;
                        default:
                            ++failures;
                        }
                    }
                }
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(failures.load(), 0);

        int sentBatches = 0;
        for (const auto &b : bodies)
            sentBatches += int(b.size());
        QCOMPARE(rejected.load(), sentBatches); // one tampered envelope per batch

        // Read what was committed, independently of the store's interface.
        sql::SqlError error;
        auto db = sql::Database::open(dir.filePath(QStringLiteral("g.db")),
                                      sql::Database::OpenMode::ReadOnly, &error);
        QVERIFY(db);
        std::map<std::string, std::string> held; // record id -> stored sha256
        auto rows = db->prepare("SELECT record_id, sha256, version FROM records");
        while (rows.step()) {
            QVERIFY(rows.columnInt64(2) == 1);
            held[rows.columnString(0)] = rows.columnBlob(1).toStdString();
        }
        QCOMPARE(int(held.size()), kRecords);
        int conflicts = 0;
        for (const auto &[key, t] : tally) {
            const auto it = held.find(key.first);
            QVERIFY(it != held.end());
            if (it->second == key.second) {
                // The stored payload was accepted by exactly one reply.
                QCOMPARE(t.accepted, 1);
                QCOMPARE(t.conflict, 0);
            } else {
                QCOMPARE(t.accepted, 0);
                QCOMPARE(t.duplicate, 0);
                conflicts += t.conflict;
            }
        }
        // Replies and the committed state agree, count for count.
        QCOMPARE(
            int(db->queryInt("SELECT count(*) FROM alerts WHERE kind = 'conflict'").value_or(-1)),
            conflicts);
        QCOMPARE(int(db->queryInt("SELECT count(*) FROM quarantine").value_or(-1)),
                 conflicts + sentBatches);
        QCOMPARE(int(db->queryInt("SELECT count(*) FROM audit WHERE event LIKE 'record_%'")
                         .value_or(-1)),
                 kDevices * kRounds * kRecords + kConflicting + sentBatches);
        QVERIFY(conflicts >= kConflicting); // each id's other payload arrived at least once

        // A batch large enough to be opened on several threads: verdicts in
        // envelope order, the tampered one (in the second half) alone rejected.
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, bind(deviceIds[0]));
        v1::SyncBatch big = builder.batch(1000, deviceClock.nowMs(), 0);
        constexpr int kBig = 3 * BatchIngestor::kRecordsPerThread;
        for (int i = 0; i < kBig; ++i)
            *big.add_records() = builder.seal(records[size_t(i % kRecords)]);
        big.mutable_records(kBig - 5)->mutable_sealed()->back() ^= 1;
        const IngestResult bigResult = ingestor.ingest(
            QByteArray::fromStdString(big.SerializeAsString()), sender(deviceIds[0]));
        QCOMPARE(bigResult.error, IngestError::None);
        QCOMPARE(bigResult.receipt.results_size(), kBig);
        for (int i = 0; i < kBig; ++i) {
            const auto &result = bigResult.receipt.results(i);
            QCOMPARE(result.record_id(), big.records(i).record_id());
            const bool storedIsThis = held[big.records(i).record_id()] == big.records(i).sha256();
            QCOMPARE(result.result(), i == kBig - 5  ? v1::RecordResult::RESULT_REJECTED
                                      : storedIsThis ? v1::RecordResult::RESULT_DUPLICATE
                                                     : v1::RecordResult::RESULT_CONFLICT);
        }

        if (auto *sqlite = dynamic_cast<SqliteHubStore *>(store.get()))
            qInfo("group commit: %lld batches in %lld transactions", sqlite->batchesCommitted(),
                  sqlite->groupsCommitted());
    }

    // A hub.db from before schema 2 (records WITHOUT ROWID) keeps every
    // record through the upgrade, and a resent record is still a DUPLICATE.
    void schemaOneDatabaseIsUpgradedInPlace()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.db"));
        {
            sql::SqlError error;
            auto db = sql::Database::open(path, sql::Database::OpenMode::ReadWriteCreate, &error);
            QVERIFY(db);
            QVERIFY(
                db->exec("PRAGMA journal_mode=WAL;"
                         "CREATE TABLE records (record_id TEXT NOT NULL, version INTEGER NOT NULL,"
                         " sha256 BLOB NOT NULL, bytes BLOB NOT NULL, flags TEXT NOT NULL,"
                         " flagged INTEGER NOT NULL, urgent INTEGER NOT NULL,"
                         " received_at INTEGER NOT NULL, device_id TEXT NOT NULL,"
                         " batch_id TEXT NOT NULL, PRIMARY KEY (record_id, version)) WITHOUT ROWID;"
                         "INSERT INTO records VALUES ('r-1', 1, x'01', x'0203', '[]', 0, 1, 5,"
                         " 'd-1', 'b-1');"
                         "PRAGMA user_version = 1;")
                    .ok());
        }
        HubStoreError storeError;
        auto store = HubStore::open(QStringLiteral("sqlite:") + path, &storeError);
        QVERIFY2(store, qPrintable(storeError.message));
        const auto stats = store->stats();
        QVERIFY(stats);
        QCOMPARE(stats->versions, 1);
        QCOMPARE(stats->urgent, 1);

        BatchWrite write;
        write.batchId = QStringLiteral("b-2");
        write.deviceId = QStringLiteral("d-1");
        write.officerId = QString(); // d-1 is unknown: its rows were given no officer
        IngestItem same;
        same.recordId = QStringLiteral("r-1");
        same.version = 1;
        same.sha256 = QByteArray("\x01", 1);
        same.keep = true;
        same.plaintext = QByteArray("\x02\x03", 2);
        IngestItem other = same;
        other.sha256 = QByteArray("\x09", 1);
        IngestItem fresh = same;
        fresh.recordId = QStringLiteral("r-2");
        write.items = {same, other, fresh};
        std::vector<StoredResult> results;
        QVERIFY(store->commitBatch(write, results).ok());
        std::vector<StoredOutcome> outcomes;
        for (const auto &r : results)
            outcomes.push_back(r.outcome);
        QCOMPARE(outcomes,
                 (std::vector<StoredOutcome>{StoredOutcome::Duplicate, StoredOutcome::Conflict,
                                             StoredOutcome::Accepted}));
        store.reset();
        sql::SqlError error;
        auto db = sql::Database::open(path, sql::Database::OpenMode::ReadOnly, &error);
        QVERIFY(db);
        QCOMPARE(int(db->queryInt("PRAGMA user_version").value_or(-1)), 7);
        // Schema 7: each device's signing key from its enrolment.
        QVERIFY(db->queryInt("SELECT count(signing_public_key) FROM devices"));
        // Schema 6: where last-seen times and unlock reports are kept.
        QCOMPARE(int(db->queryInt("SELECT count(*) FROM device_sightings").value_or(-1)), 0);
        // The record held before the upgrade is work for the picture too,
        // beside the one accepted since.
        QCOMPARE(int(db->queryInt("SELECT count(*) FROM picture_queue").value_or(-1)), 2);
        QCOMPARE(int(db->queryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'records'"
                                  " AND sql LIKE '%WITHOUT ROWID%'")
                         .value_or(-1)),
                 0);
    }

    // Every accepted version is the picture's work, enqueued in its ingest
    // transaction (a duplicate or conflict is not); a worker claims urgent
    // work first, holds it for a lease, and finishes only its own claims.
    void pictureWorkIsQueuedAndClaimedUrgentFirst()
    {
        QTemporaryDir dir;
        HubStoreError storeError;
        auto store = HubStore::open(
            QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("hub.db")), &storeError);
        QVERIFY2(store, qPrintable(storeError.message));
        BatchWrite write;
        write.batchId = QStringLiteral("b-1");
        write.deviceId = QStringLiteral("d-1");
        write.officerId = QStringLiteral("SYN-OFFICER-0001");
        write.receivedAtMs = 1000;
        for (int i = 0; i < 4; ++i) {
            IngestItem item;
            item.recordId = QStringLiteral("r-%1").arg(i);
            item.version = 1;
            item.sha256 = QByteArray(1, char(i));
            item.keep = true;
            item.plaintext = QByteArray("SYNTHETIC-") + QByteArray::number(i);
            item.urgent = i == 2;
            write.items.push_back(item);
        }
        std::vector<StoredResult> results;
        QVERIFY(store->commitBatch(write, results).ok());
        write.batchId = QStringLiteral("b-2");
        results.clear();
        QVERIFY(store->commitBatch(write, results).ok()); // all duplicates
        QCOMPARE(store->stats()->pictureQueued, 4);
        QCOMPARE(store->stats()->pictureOldestEnqueuedMs, 1000);

        auto a = store->claimPictureWork(QStringLiteral("worker-a"), 2, 2000, 60000);
        QVERIFY(a);
        QCOMPARE(a->size(), 2u);
        QCOMPARE((*a)[0].recordId, QStringLiteral("r-2")); // urgent first
        QVERIFY((*a)[0].urgent);
        QCOMPARE((*a)[0].bytes, QByteArray("SYNTHETIC-2"));
        QCOMPARE((*a)[0].officerId, QStringLiteral("SYN-OFFICER-0001"));
        QCOMPARE((*a)[1].recordId, QStringLiteral("r-0"));
        // Another worker gets the rest, never what worker-a's lease covers.
        auto b = store->claimPictureWork(QStringLiteral("worker-b"), 10, 30000, 60000);
        QCOMPARE(b->size(), 2u);
        QCOMPARE((*b)[0].recordId, QStringLiteral("r-1"));
        QVERIFY(store->claimPictureWork(QStringLiteral("worker-b"), 10, 30001, 60000)->empty());
        // worker-a crashed: once its lease lapses, its work is taken again,
        // and its late "finish" does not remove worker-b's claim.
        auto again = store->claimPictureWork(QStringLiteral("worker-b"), 10, 62001, 60000);
        QCOMPARE(again->size(), 2u);
        std::vector<qint64> rows;
        for (const PictureWork &w : *a)
            rows.push_back(w.rowid);
        QVERIFY(store->finishPictureWork(QStringLiteral("worker-a"), rows).ok());
        QCOMPARE(store->stats()->pictureQueued, 4);
        for (const PictureWork &w : *b)
            rows.push_back(w.rowid);
        QVERIFY(store->finishPictureWork(QStringLiteral("worker-b"), rows).ok());
        QCOMPARE(store->stats()->pictureQueued, 0);
        QCOMPARE(store->stats()->pictureOldestEnqueuedMs, 0);
    }

    // A version the picture can never take in (its worker fails or dies on
    // it every time) is claimed kMaxPictureAttempts times, then left in the
    // queue for staff: counted as picture_failed, never retried for ever,
    // and never in the way of what comes after it.
    void aVersionThatNeverAppliesIsLeftForStaff()
    {
        QTemporaryDir dir;
        HubStoreError storeError;
        auto store = HubStore::open(
            QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("hub.db")), &storeError);
        QVERIFY2(store, qPrintable(storeError.message));
        BatchWrite write;
        write.batchId = QStringLiteral("b-1");
        write.deviceId = QStringLiteral("d-1");
        write.officerId = QStringLiteral("SYN-OFFICER-0001");
        write.receivedAtMs = 1000;
        IngestItem item;
        item.recordId = QStringLiteral("r-poison");
        item.version = 1;
        item.sha256 = QByteArray(1, 'p');
        item.keep = true;
        item.plaintext = QByteArray("SYNTHETIC-poison");
        write.items.push_back(item);
        std::vector<StoredResult> results;
        QVERIFY(store->commitBatch(write, results).ok());
        qint64 now = 2000;
        for (int i = 0; i < kMaxPictureAttempts; ++i) {
            auto claim = store->claimPictureWork(QStringLiteral("worker"), 10, now, 1000);
            QVERIFY(claim);
            QCOMPARE(claim->size(), 1u);
            now += 1001; // the lease lapses: the worker died on it
        }
        QVERIFY(store->claimPictureWork(QStringLiteral("worker"), 10, now, 1000)->empty());
        QCOMPARE(store->stats()->pictureQueued, 0);
        QCOMPARE(store->stats()->pictureFailed, 1);
        // What arrives next is taken as ever.
        write.batchId = QStringLiteral("b-2");
        write.items[0].recordId = QStringLiteral("r-next");
        results.clear();
        QVERIFY(store->commitBatch(write, results).ok());
        auto next = store->claimPictureWork(QStringLiteral("worker"), 10, now, 1000);
        QCOMPARE(next->size(), 1u);
        QCOMPARE((*next)[0].recordId, QStringLiteral("r-next"));
    }

    // crypto_box_seal (scheme 0) binds a sealed record to nothing, so the
    // hub no longer opens it: the record is "unsealable" and the rest of the
    // batch goes on. Only the session scheme is listed to devices.
    void legacySealIsRefused()
    {
        const QString deviceId = enrolledDevice();
        QVERIFY(!deviceId.isEmpty());
        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(41, deviceClock, checklists);
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, bind(deviceId));
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
        const v1::IncidentRecord legacyRecord = factory.next(QStringLiteral("SYN-1"), deviceId);
        v1::RecordEnvelope legacy = builder.seal(legacyRecord);
        const QByteArray plain = bytesOf(legacyRecord);
        std::string sealed(size_t(plain.size()) + crypto_box_SEALBYTES, '\0');
        crypto_box_seal(
            reinterpret_cast<unsigned char *>(sealed.data()),
            reinterpret_cast<const unsigned char *>(plain.constData()), quint64(plain.size()),
            reinterpret_cast<const unsigned char *>(m_identity->sealingPublicKey.constData()));
        legacy.set_sealed(sealed);
        legacy.set_seal_scheme(v1::SEAL_SCHEME_UNSPECIFIED);
        *batch.add_records() = legacy;
        *batch.add_records() = builder.seal(factory.next(QStringLiteral("SYN-1"), deviceId));
        const IngestResult r =
            ingestor.ingest(QByteArray::fromStdString(batch.SerializeAsString()), sender(deviceId));
        QCOMPARE(r.error, IngestError::None);
        QCOMPARE(r.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(r.receipt.results(0).reasons(0).code(), std::string("unsealable"));
        QCOMPARE(r.receipt.results(1).result(), v1::RecordResult::RESULT_ACCEPTED);
        // Every receipt is signed by the hub's receipt key for this device.
        QVERIFY(syncwire::signing::verifyReceipt(r.receipt, deviceId.toStdString(),
                                                 m_identity->receiptSigningPublicKey));
        QVERIFY(!syncwire::signing::verifyReceipt(r.receipt, "another-device",
                                                  m_identity->receiptSigningPublicKey));
    }

    // Both forms are accepted unflagged when complete: a form-1 record is
    // judged as of form 1, a form-2 record as of form 2.
    void formOneAndFormTwoRecordsAreBothAccepted()
    {
        const QString deviceId = enrolledDevice();
        QVERIFY(!deviceId.isEmpty());
        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory one(61, deviceClock, checklists);
        protocol::SyntheticRecordFactory two(62, deviceClock, checklists);
        two.setFormVersion(2);
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, bind(deviceId));
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
        for (int i = 0; i < 40; ++i)
            *batch.add_records() =
                builder.seal((i % 2 ? two : one).next(QStringLiteral("SYN-1"), deviceId));
        const qint64 flaggedBefore = m_store->stats()->flagged;
        const IngestResult r =
            ingestor.ingest(QByteArray::fromStdString(batch.SerializeAsString()), sender(deviceId));
        QCOMPARE(r.error, IngestError::None);
        for (const auto &result : r.receipt.results())
            QCOMPARE(result.result(), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(m_store->stats()->flagged, flaggedBefore);
    }

    // A record from a newer form than this hub knows (an enum value it has
    // no name for) is authentic: kept and flagged unknown_value, and an
    // unknown grade makes it urgent. A form-2 record carrying form 1's
    // replaced fields is broken and refused.
    void newerEnumValuesAreKeptAndFlagged()
    {
        const QString deviceId = enrolledDevice();
        QVERIFY(!deviceId.isEmpty());
        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(53, deviceClock, checklists);
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, bind(deviceId));
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        v1::IncidentRecord newer = factory.next(QStringLiteral("SYN-1"), deviceId);
        newer.mutable_incident()->set_type(v1::INCIDENT_TYPE_WELFARE_CHECK); // not urgent by type
        for (auto &c : *newer.mutable_children())
            c.set_grade(v1::GRADE_GREEN);
        newer.mutable_children(0)->set_grade(v1::Grade(9));
        newer.mutable_children(0)->mutable_identity()->mutable_education()->set_setting_type(
            v1::SettingType(40));
        v1::IncidentRecord legacy = factory.next(QStringLiteral("SYN-1"), deviceId);
        legacy.set_form_version(2);
        legacy.mutable_children(0)->add_indicators(v1::INDICATOR_NEGLECT);
        v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
        *batch.add_records() = builder.seal(newer);
        *batch.add_records() = builder.seal(legacy);
        const IngestResult r =
            ingestor.ingest(QByteArray::fromStdString(batch.SerializeAsString()), sender(deviceId));
        QCOMPARE(r.error, IngestError::None);
        QCOMPARE(r.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(r.receipt.results(1).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(r.receipt.results(1).reasons(0).code(), std::string("legacy_field"));

        RecordFilter filter;
        filter.flag = QStringLiteral("unknown_value");
        const auto rows = m_store->listRecords(filter);
        QVERIFY(rows);
        const auto it = std::find_if(rows->begin(), rows->end(), [&](const RecordListing &l) {
            return l.recordId == QString::fromStdString(newer.record_id());
        });
        QVERIFY(it != rows->end());
        QVERIFY(it->urgent);
        QCOMPARE(it->flags.count(QStringLiteral("unknown_value")), 2);
    }

    // Whatever is wrong with a session seal, the record is rejected and
    // quarantined, and the rest of the batch goes on: "bad_signature" when
    // the session is not one this device signed for this hub (its key
    // changed, or the device signing key no longer vouches for it),
    // "unsealable" otherwise.
    void brokenSessionSealsAreRefused_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("code");
        for (const char *d :
             {"ciphertext", "tag", "nonce", "other_record_id", "other_version", "truncated_header",
              "truncated_tag", "empty", "unknown_scheme", "labelled_legacy"})
            QTest::newRow(d) << QString::fromLatin1(d) << QStringLiteral("unsealable");
        for (const char *d : {"ephemeral_key", "low_order_key", "sealed_by_other_device",
                              "sealed_for_other_hub", "unsigned", "signed_by_other_key"})
            QTest::newRow(d) << QString::fromLatin1(d) << QStringLiteral("bad_signature");
    }
    void brokenSessionSealsAreRefused()
    {
        QFETCH(QString, damage);
        QFETCH(QString, code);
        const QString deviceId = enrolledDevice();
        QVERIFY(!deviceId.isEmpty());
        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(43, deviceClock, checklists);
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, bind(deviceId));
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        const v1::IncidentRecord victim = factory.next(QStringLiteral("SYN-1"), deviceId);
        const v1::IncidentRecord other = factory.next(QStringLiteral("SYN-1"), deviceId);
        v1::RecordEnvelope broken = builder.seal(victim);
        namespace ss = syncwire::sessionseal;
        std::string &sealed = *broken.mutable_sealed();
        if (damage == QLatin1String("ciphertext"))
            sealed[ss::kHeaderBytes + 10] ^= 0x01;
        else if (damage == QLatin1String("tag"))
            sealed.back() ^= 0x80;
        else if (damage == QLatin1String("nonce"))
            sealed[ss::kPublicKeyBytes + 3] ^= 0x01;
        else if (damage == QLatin1String("ephemeral_key"))
            sealed[5] ^= 0x01;
        else if (damage == QLatin1String("other_record_id"))
            broken.set_record_id(other.record_id()); // the blob moved to another envelope
        else if (damage == QLatin1String("other_version"))
            broken.set_version(victim.version() + 1);
        else if (damage == QLatin1String("truncated_header"))
            sealed.resize(ss::kHeaderBytes + 3);
        else if (damage == QLatin1String("truncated_tag"))
            sealed.pop_back();
        else if (damage == QLatin1String("empty"))
            sealed.clear();
        else if (damage == QLatin1String("unknown_scheme"))
            broken.set_seal_scheme(v1::SealScheme(7));
        else if (damage == QLatin1String("labelled_legacy"))
            broken.set_seal_scheme(v1::SEAL_SCHEME_UNSPECIFIED);
        else if (damage == QLatin1String("low_order_key"))
            std::fill(sealed.begin(), sealed.begin() + ss::kPublicKeyBytes, '\0');
        else if (damage == QLatin1String("sealed_by_other_device")) // copied from its outbox
            broken = syncwire::BatchBuilder(m_identity->sealingPublicKey, bind(enrolledDevice()))
                         .seal(victim);
        else if (damage == QLatin1String("sealed_for_other_hub"))
            broken = syncwire::BatchBuilder(
                         m_identity->sealingPublicKey,
                         {deviceId, QStringLiteral("another-hub"), bind(deviceId).sign})
                         .seal(victim);
        else if (damage == QLatin1String("unsigned")) // sealed bytes replaced on the device
            broken = syncwire::BatchBuilder(m_identity->sealingPublicKey,
                                            {deviceId, m_identity->hubId, {}})
                         .seal(victim);
        else if (damage == QLatin1String("signed_by_other_key")) {
            const auto otherKey = syncwire::SigningKey::generate();
            broken = syncwire::BatchBuilder(
                         m_identity->sealingPublicKey,
                         {deviceId, m_identity->hubId,
                          [&otherKey](std::string_view st) { return otherKey->sign(st); }})
                         .seal(victim);
        }
        v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
        *batch.add_records() = broken;
        *batch.add_records() = builder.seal(other);
        const IngestResult r =
            ingestor.ingest(QByteArray::fromStdString(batch.SerializeAsString()), sender(deviceId));
        QCOMPARE(r.error, IngestError::None);
        QCOMPARE(r.receipt.results_size(), 2);
        QCOMPARE(r.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(r.receipt.results(0).reasons_size(), 1);
        QCOMPARE(QString::fromStdString(r.receipt.results(0).reasons(0).code()), code);
        QCOMPARE(r.receipt.results(1).result(), v1::RecordResult::RESULT_ACCEPTED);
        // Every receipt is signed by the hub's receipt key for this device.
        QVERIFY(syncwire::signing::verifyReceipt(r.receipt, deviceId.toStdString(),
                                                 m_identity->receiptSigningPublicKey));
        QVERIFY(!syncwire::signing::verifyReceipt(r.receipt, "another-device",
                                                  m_identity->receiptSigningPublicKey));
    }

    // One session, one X25519 on the hub: a 300-record batch (opened on
    // several threads) and a second batch from the same session derive the
    // key once; a new session derives once more.
    void oneSessionCostsOneKeyDerivation()
    {
        const QString deviceId = enrolledDevice();
        QVERIFY(!deviceId.isEmpty());
        protocol::ManualClock deviceClock(m_clock.nowUtc());
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(47, deviceClock, checklists);
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        syncwire::SealingSession session(m_identity->sealingPublicKey, bind(deviceId),
                                         deviceClock.nowMs());
        QVERIFY(session.isOpen());
        syncwire::BatchBuilder builder(session);
        for (int n : {300, 20}) {
            v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
            for (int i = 0; i < n; ++i)
                *batch.add_records() =
                    builder.seal(factory.next(QStringLiteral("SYN-1"), deviceId));
            const IngestResult r = ingestor.ingest(
                QByteArray::fromStdString(batch.SerializeAsString()), sender(deviceId));
            QCOMPARE(r.error, IngestError::None);
            for (const auto &result : r.receipt.results())
                QCOMPARE(result.result(), v1::RecordResult::RESULT_ACCEPTED);
        }
        QCOMPARE(session.recordsSealed(), 320);
        QCOMPARE(ingestor.sessionKeys().derivations(), 1);
        QCOMPARE(ingestor.sessionKeys().size(), 1);

        syncwire::BatchBuilder fresh(m_identity->sealingPublicKey,
                                     bind(deviceId)); // its own session
        v1::SyncBatch batch = fresh.batch(2, deviceClock.nowMs(), 0);
        *batch.add_records() = fresh.seal(factory.next(QStringLiteral("SYN-1"), deviceId));
        QCOMPARE(
            ingestor.ingest(QByteArray::fromStdString(batch.SerializeAsString()), sender(deviceId))
                .receipt.results(0)
                .result(),
            v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(ingestor.sessionKeys().derivations(), 2);
    }

    // More sessions than the cache holds: it stays at its capacity, keeps
    // the recent ones, and derives an evicted one again. A key that opens
    // nothing is never cached.
    void sessionKeyCacheStaysBounded()
    {
        constexpr int kCapacity = 8, kSessions = 50;
        SessionKeyCache cache(m_identity->sealingPublicKey, m_identity->sealingSecretKey,
                              kCapacity);
        const QByteArray record("a record's bytes");
        const QString id = QStringLiteral("00000000-0000-4000-8000-000000000001");
        const QString kDevice = QStringLiteral("00000000-0000-4000-8000-0000000000d1");
        const std::string device = kDevice.toStdString(), hub = m_identity->hubId.toStdString();
        const std::string key = m_deviceKey->publicKey().toStdString();
        std::vector<std::unique_ptr<syncwire::SealingSession>> sessions;
        auto open = [&](syncwire::SealingSession &session,
                        SessionKeyCache::OpenFailure *why = nullptr) {
            return cache.open(session.seal(id, 1, record)->toStdString(), id.toStdString(), 1,
                              device, hub, key, session.signature().toStdString(), why);
        };
        for (int i = 0; i < kSessions; ++i) {
            sessions.push_back(std::make_unique<syncwire::SealingSession>(
                m_identity->sealingPublicKey, bind(kDevice), 0));
            const auto opened = open(*sessions.back());
            QVERIFY(opened);
            QCOMPARE(*opened, record);
            QVERIFY(cache.size() <= kCapacity);
        }
        QCOMPARE(cache.size(), kCapacity);
        QCOMPARE(cache.derivations(), kSessions);
        // One signature check per session, not per record.
        QCOMPARE(cache.verifications(), kSessions);
        // The latest session is still cached; the first was evicted.
        QVERIFY(open(*sessions.back()));
        QCOMPARE(cache.derivations(), kSessions);
        QCOMPARE(cache.verifications(), kSessions);
        QVERIFY(open(*sessions.front()));
        QCOMPARE(cache.derivations(), kSessions + 1);
        QCOMPARE(cache.verifications(), kSessions + 1);
        QCOMPARE(cache.size(), kCapacity);

        // A session not signed by the enrolled key (unsigned, or signed by
        // another key) is refused before any X25519 work.
        syncwire::SealingSession unsigned_(m_identity->sealingPublicKey,
                                           {kDevice, m_identity->hubId, {}}, 0);
        SessionKeyCache::OpenFailure why = SessionKeyCache::OpenFailure::Unsealable;
        QVERIFY(!open(unsigned_, &why));
        QCOMPARE(why, SessionKeyCache::OpenFailure::BadSignature);
        const auto otherKey = syncwire::SigningKey::generate();
        syncwire::SealingSession otherSigned(
            m_identity->sealingPublicKey,
            {kDevice, m_identity->hubId,
             [&otherKey](std::string_view st) { return otherKey->sign(st); }},
            0);
        why = SessionKeyCache::OpenFailure::Unsealable;
        QVERIFY(!open(otherSigned, &why));
        QCOMPARE(why, SessionKeyCache::OpenFailure::BadSignature);
        // A cached session's key is the device's own: another device's
        // envelope with that session (and signature) does not open.
        QVERIFY(!cache.open(sessions.back()->seal(id, 1, record)->toStdString(), id.toStdString(),
                            1, "00000000-0000-4000-8000-0000000000d2", hub, key,
                            sessions.back()->signature().toStdString()));
        QCOMPARE(cache.derivations(), kSessions + 1);

        // Random bytes shaped like a session seal, with a valid signature
        // over their first 32 bytes: derived, refused, not kept.
        std::string junk(syncwire::sessionseal::kOverheadBytes + 40, '\0');
        randombytes_buf(junk.data(), junk.size());
        const std::string junkSignature =
            m_deviceKey
                ->sign(syncwire::signing::sessionStatement(
                    QByteArrayView(junk.data(), syncwire::sessionseal::kPublicKeyBytes), device,
                    hub))
                .toStdString();
        const int before = cache.size();
        const qint64 derived = cache.derivations();
        QVERIFY(!cache.open(junk, id.toStdString(), 1, device, hub, key, junkSignature));
        QCOMPARE(cache.derivations(), derived + 1);
        QVERIFY(!cache.open(junk, id.toStdString(), 1, device, hub, key, junkSignature));
        QCOMPARE(cache.derivations(), derived + 2); // not cached: derived again
        QCOMPARE(cache.size(), before);
    }

    // The device's session: it opens with a valid hub key, seals, and once
    // ended holds no key and refuses to seal with a clear error.
    void endedSealingSessionHoldsNoKey()
    {
        syncwire::SealingSession session(m_identity->sealingPublicKey, bind(QStringLiteral("d")),
                                         1000);
        QVERIFY(session.isOpen());
        QVERIFY(session.error().ok());
        QCOMPARE(session.ephemeralPublicKey().size(), 32);
        const QString id = QStringLiteral("00000000-0000-4000-8000-000000000002");
        const auto sealed = session.seal(id, 3, QByteArray("bytes"));
        QVERIFY(sealed);
        QCOMPARE(sealed->left(32), session.ephemeralPublicKey());
        QCOMPARE(sealed->size(), qsizetype(syncwire::sessionseal::kOverheadBytes + 5));
        // Two seals of the same bytes differ (a fresh nonce each).
        QVERIFY(*session.seal(id, 3, QByteArray("bytes")) != *sealed);
        QVERIFY(!session.isDue(1000 + syncwire::SealingSession::kMaxAgeMs - 1));
        QVERIFY(session.isDue(1000 + syncwire::SealingSession::kMaxAgeMs));
        QVERIFY(session.isDue(999)); // the clock went back
        // And after kMaxRecords records (2 sealed so far).
        for (int i = 2; i < syncwire::SealingSession::kMaxRecords - 1; ++i)
            QVERIFY(session.seal(id, 3, QByteArray(1, 'b')));
        QVERIFY(!session.isDue(1000));
        QVERIFY(session.seal(id, 3, QByteArray(1, 'b')));
        QCOMPARE(session.recordsSealed(), syncwire::SealingSession::kMaxRecords);
        QVERIFY(session.isDue(1000));

        session.end();
        QVERIFY(!session.isOpen());
        QVERIFY(session.isDue(1000));
        syncwire::SealingError error;
        QVERIFY(!session.seal(id, 3, QByteArray("bytes"), &error));
        QCOMPARE(error.kind, syncwire::SealingErrorKind::SessionEnded);
        QVERIFY(!error.message.isEmpty());
        session.end(); // twice is harmless

        syncwire::SealingSession shortKey(QByteArray(31, 'k'), {}, 0);
        QVERIFY(!shortKey.isOpen());
        QCOMPARE(shortKey.error().kind, syncwire::SealingErrorKind::BadHubKey);
        syncwire::SealingSession lowOrder(QByteArray(32, '\0'), {}, 0);
        QVERIFY(!lowOrder.isOpen());
        QCOMPARE(lowOrder.error().kind, syncwire::SealingErrorKind::BadHubKey);
        QVERIFY(!lowOrder.seal(id, 3, QByteArray("bytes"), &error));
        QCOMPARE(error.kind, syncwire::SealingErrorKind::BadHubKey);
    }

    void serverAnswersFromHeaders()
    {
        DeviceRegistry registry(*m_store, m_clock);
        BatchIngestor ingestor(*m_store, m_clock, *m_identity);
        auto plainHttpOn = [](const char *listen) {
            ServerOptions options;
            options.listen = QString::fromLatin1(listen);
            options.plainHttp = true;
            options.threads = 1;
            return options;
        };
        HubServer server(*m_store, registry, ingestor, m_identity->hubId,
                         plainHttpOn("127.0.0.1:0"));
        QVERIFY(server.start().ok());
        const QUrl url(server.url());
        QCOMPARE(testing::RawHttp::exchange(
                     url, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                     .status,
                 200);
        QCOMPARE(testing::RawHttp::post(url, "/v1/sync", "x").status, 401);
        QCOMPARE(testing::RawHttp::post(url, "/v1/devices/enrol", "x", "text/plain").status, 415);
        QCOMPARE(testing::RawHttp::post(url, "/v1/devices/enrol", QByteArray(10, '\xff')).status,
                 400);
        server.stop();

        HubServer exposed(*m_store, registry, ingestor, m_identity->hubId,
                          plainHttpOn("192.0.2.1:0"));
        QCOMPARE(exposed.start().kind, ServerErrorKind::PlainHttpNotLoopback);
        // A name is not an address, and never loopback: whatever "localhost"
        // resolves to is not for the hub to trust.
        HubServer named(*m_store, registry, ingestor, m_identity->hubId,
                        plainHttpOn("localhost:0"));
        const ServerError namedError = named.start();
        QCOMPARE(namedError.kind, ServerErrorKind::BadListenAddress);
        QVERIFY2(namedError.message.contains(QLatin1String("not a name")),
                 qPrintable(namedError.message));
        QVERIFY(!HubServer::isLoopbackHost(QStringLiteral("localhost")));
        QVERIFY(HubServer::isLoopbackHost(QStringLiteral("127.0.0.1")));
        QVERIFY(HubServer::isLoopbackHost(QStringLiteral("::1")));
    }
};

QTEST_GUILESS_MAIN(TestHubIngest)
#include "tst_hubingest.moc"
