// The hub's enrolment, authentication, ingest and HTTP front in one process,
// with an injected clock, so the sanitizer build exercises them too.
#include "client/batchbuilder.h"
#include "client/enrolmentcode.h"
#include "hub/batchingestor.h"
#include "hub/deviceregistry.h"
#include "hub/hubidentity.h"
#include "hub/hublog.h"
#include "hub/hubserver.h"
#include "hub/sqlitehubstore.h"
#include "hubprocess.h"
#include "protocol/syntheticrecords.h"

#include <QTemporaryDir>
#include <QTest>

using namespace safeguard;
using namespace safeguard::hub;

class TestHubIngest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    protocol::ManualClock m_clock;
    std::unique_ptr<HubStore> m_store;
    std::optional<HubIdentity> m_identity;

    v1::EnrolmentRequest requestFor(const v1::EnrolmentCode &code)
    {
        v1::EnrolmentRequest r;
        r.set_code_id(code.code_id());
        r.set_secret(code.secret());
        return r;
    }

private slots:
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

    void codeExpiresAfter24Hours()
    {
        DeviceRegistry registry(*m_store, m_clock);
        const auto code = registry.issueCode(*m_identity, QStringLiteral("SYN-1"),
                                             QStringLiteral("http://127.0.0.1:1"),
                                             DeviceRegistry::kDefaultCodeLifetimeSecs, nullptr);
        QVERIFY(code);
        QVERIFY(syncwire::EnrolmentCode::parse(syncwire::EnrolmentCode::encode(*code)));
        m_clock.advanceSecs(24 * 3600);
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
        syncwire::BatchBuilder builder(m_identity->sealingPublicKey, deviceId);
        BatchIngestor ingestor(*m_store, m_clock, m_identity->hubId, m_identity->sealingPublicKey,
                               m_identity->sealingSecretKey);
        v1::IncidentRecord record = factory.next(QStringLiteral("SYN-1"), deviceId);
        v1::SyncBatch batch = builder.batch(1, deviceClock.nowMs(), 0);
        *batch.add_records() = builder.seal(record);
        const QByteArray body = QByteArray::fromStdString(batch.SerializeAsString());

        IngestResult first = ingestor.ingest(body, deviceId);
        QCOMPARE(first.error, IngestError::None);
        QCOMPARE(first.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(ingestor.ingest(body, deviceId).receipt.results(0).result(),
                 v1::RecordResult::RESULT_DUPLICATE);
        QCOMPARE(ingestor.ingest(body, QStringLiteral("another")).error,
                 IngestError::DeviceMismatch);
        QCOMPARE(ingestor.ingest(QByteArray("\xff\xff\xff", 3), deviceId).error,
                 IngestError::Undecodable);

        record.mutable_incident()->set_police_reference("SYN-OTHER");
        v1::SyncBatch conflicting = builder.batch(2, deviceClock.nowMs(), 0);
        *conflicting.add_records() = builder.seal(record);
        QCOMPARE(
            ingestor.ingest(QByteArray::fromStdString(conflicting.SerializeAsString()), deviceId)
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
        QVERIFY(ingestor.wipeReceipt().policy().wipe());
    }

    void serverAnswersFromHeaders()
    {
        DeviceRegistry registry(*m_store, m_clock);
        BatchIngestor ingestor(*m_store, m_clock, m_identity->hubId, m_identity->sealingPublicKey,
                               m_identity->sealingSecretKey);
        ServerOptions options;
        options.listen = QStringLiteral("127.0.0.1:0");
        options.plainHttp = true;
        options.threads = 1;
        HubServer server(*m_store, registry, ingestor, m_identity->hubId, options);
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

        options.plainHttp = true;
        options.listen = QStringLiteral("192.0.2.1:0");
        HubServer exposed(*m_store, registry, ingestor, m_identity->hubId, options);
        QCOMPARE(exposed.start().kind, ServerErrorKind::PlainHttpNotLoopback);
    }
};

QTEST_GUILESS_MAIN(TestHubIngest)
#include "tst_hubingest.moc"
