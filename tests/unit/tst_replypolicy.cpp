// The device's reply rules, receipt rules and backoff with no network:
// every status class, every Retry-After form and every malformed receipt.
#include "client/receiptreader.h"
#include "client/replypolicy.h"
#include "client/syncbackoff.h"
#include "wire/signing.h"

#include <QTest>

using namespace safeguard;
using namespace safeguard::syncclient;

Q_DECLARE_METATYPE(safeguard::syncclient::ReplyKind)
Q_DECLARE_METATYPE(safeguard::syncclient::SyncFault)
Q_DECLARE_METATYPE(safeguard::syncclient::ReceiptProblem)

namespace {

Reply answered(int status, QByteArray retryAfter = {}, QByteArray body = {})
{
    Reply r;
    r.transport = TransportOutcome::Answered;
    r.status = status;
    r.retryAfter = retryAfter;
    r.body = body;
    r.requestBytes = 1000;
    r.uploadedBytes = 1000;
    r.nowMs = QDateTime(QDate(2026, 12, 2), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();
    return r;
}

const QString kHub = QStringLiteral("00000000-0000-4000-8000-00000000000a");
const QString kBatch = QStringLiteral("SYN-BATCH-1");
const QString kDevice = QStringLiteral("00000000-0000-4000-8000-0000000000d1");

// The hub's receipt key, as the enrolment code pins it.
const syncwire::SigningKey &hubKey()
{
    static const auto key = syncwire::SigningKey::generate();
    return *key;
}

ReceiptReader::Expected expected(int n)
{
    ReceiptReader::Expected e{kBatch, kHub, {}, kDevice, hubKey().publicKey()};
    for (int i = 0; i < n; ++i) {
        SealedEntry s;
        s.id = 10 + i;
        s.recordId = QStringLiteral("SYN-REC-%1").arg(i);
        s.version = 1 + i % 2;
        s.sha256 = QByteArray(32, char('a' + i));
        e.entries.append(s);
    }
    return e;
}

v1::SyncReceipt receiptFor(const ReceiptReader::Expected &e, bool echo = true)
{
    v1::SyncReceipt r;
    r.set_batch_id(e.batchId.toStdString());
    r.set_hub_id(e.hubId.toStdString());
    for (const SealedEntry &s : e.entries) {
        auto *x = r.add_results();
        x->set_record_id(s.recordId.toStdString());
        x->set_version(quint32(s.version));
        x->set_result(v1::RecordResult::RESULT_ACCEPTED);
        if (echo)
            x->set_sha256(s.sha256.toStdString());
    }
    r.mutable_policy()->set_retention_hours(24);
    return r;
}

// Signed as the hub signs (for kDevice unless told), and serialized.
QByteArray bytes(v1::SyncReceipt r, const syncwire::SigningKey &key = hubKey(),
                 const QString &device = kDevice)
{
    r.set_signature(
        key.sign(syncwire::signing::receiptStatement(r, device.toStdString())).toStdString());
    return QByteArray::fromStdString(r.SerializeAsString());
}

QByteArray unsignedBytes(const v1::SyncReceipt &r)
{
    return QByteArray::fromStdString(r.SerializeAsString());
}

} // namespace

class TestReplyPolicy : public QObject
{
    Q_OBJECT

private slots:
    void everyStatusClassHasOneAction_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<ReplyKind>("kind");
        QTest::addColumn<bool>("hasFault");
        QTest::addColumn<SyncFault>("fault");
        QTest::addColumn<bool>("counts");
        using K = ReplyKind;
        using F = SyncFault;
        QTest::newRow("200") << 200 << K::Receipt << false << F::UnexpectedStatus << false;
        QTest::newRow("204") << 204 << K::Receipt << false << F::UnexpectedStatus << false;
        QTest::newRow("100") << 100 << K::Retry << true << F::UnexpectedStatus << true;
        QTest::newRow("301") << 301 << K::Retry << true << F::Redirect << false;
        QTest::newRow("302") << 302 << K::Retry << true << F::Redirect << false;
        QTest::newRow("307") << 307 << K::Retry << true << F::Redirect << false;
        QTest::newRow("400") << 400 << K::Refused << true << F::ClientBug << false;
        QTest::newRow("401") << 401 << K::Reenrol << true << F::Unauthorised << false;
        QTest::newRow("403") << 403 << K::WipeOrder << false << F::UnexpectedStatus << false;
        QTest::newRow("404") << 404 << K::Refused << true << F::ClientBug << false;
        QTest::newRow("405") << 405 << K::Refused << true << F::ClientBug << false;
        QTest::newRow("408") << 408 << K::Retry << true << F::Throttled << false;
        QTest::newRow("409") << 409 << K::Retry << true << F::UnexpectedStatus << true;
        QTest::newRow("410") << 410 << K::Retry << true << F::UnexpectedStatus << true;
        QTest::newRow("413") << 413 << K::TooLarge << false << F::TooLarge << false;
        QTest::newRow("415") << 415 << K::Refused << true << F::ClientBug << false;
        QTest::newRow("418") << 418 << K::Retry << true << F::UnexpectedStatus << true;
        QTest::newRow("429") << 429 << K::Retry << true << F::Throttled << false;
        QTest::newRow("500") << 500 << K::Retry << true << F::ServerError << true;
        QTest::newRow("502") << 502 << K::Retry << true << F::ServerError << true;
        QTest::newRow("503") << 503 << K::Retry << true << F::Throttled << false;
        QTest::newRow("504") << 504 << K::Retry << true << F::ServerError << true;
        QTest::newRow("507") << 507 << K::Retry << true << F::UnexpectedStatus << true;
        QTest::newRow("599") << 599 << K::Retry << true << F::UnexpectedStatus << true;
        QTest::newRow("999") << 999 << K::Retry << true << F::UnexpectedStatus << true;
    }
    void everyStatusClassHasOneAction()
    {
        QFETCH(int, status);
        QFETCH(ReplyKind, kind);
        QFETCH(bool, hasFault);
        QFETCH(SyncFault, fault);
        QFETCH(bool, counts);
        const ReplyAction a = ReplyPolicy::decide(answered(status));
        QCOMPARE(a.kind, kind);
        QCOMPARE(a.hasFault, hasFault);
        if (hasFault)
            QCOMPARE(a.fault, fault);
        QCOMPARE(a.countsAgainstEntries, counts);
        QVERIFY(!a.noAnswer);
    }

    void transportOutcomesBeforeAnyStatus()
    {
        Reply r = answered(0);
        r.transport = TransportOutcome::NetworkError;
        ReplyAction a = ReplyPolicy::decide(r);
        QCOMPARE(a.kind, ReplyKind::Retry);
        QVERIFY(a.noAnswer);
        QVERIFY(!a.hasFault);
        QVERIFY(!a.countsAgainstEntries);

        // Cut part way through the upload: a proxy's smaller limit.
        r.uploadedBytes = 400;
        a = ReplyPolicy::decide(r);
        QCOMPARE(a.kind, ReplyKind::TooLarge);
        QVERIFY(a.noAnswer);
        // Nothing handed over (offline, refused): not a size problem.
        r.uploadedBytes = 0;
        QCOMPARE(ReplyPolicy::decide(r).kind, ReplyKind::Retry);

        r.transport = TransportOutcome::PinMismatch;
        a = ReplyPolicy::decide(r);
        QCOMPARE(a.kind, ReplyKind::Retry);
        QCOMPARE(a.fault, SyncFault::PinMismatch);
        QVERIFY(!a.noAnswer);

        r.transport = TransportOutcome::Refused;
        a = ReplyPolicy::decide(r);
        QCOMPARE(a.kind, ReplyKind::Refused);
        QCOMPARE(a.fault, SyncFault::ClientBug);
    }

    void retryAfterInEveryForm_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<bool>("malformed");
        QTest::newRow("absent") << QByteArray() << qint64(-1) << false;
        QTest::newRow("zero") << QByteArray("0") << qint64(0) << false;
        QTest::newRow("five") << QByteArray("5") << qint64(5000) << false;
        QTest::newRow("spaces") << QByteArray(" 7 ") << qint64(7000) << false;
        QTest::newRow("huge") << QByteArray("99999999999999999999") << qint64(999999999) * 1000
                              << false;
        QTest::newRow("negative") << QByteArray("-5") << qint64(-1) << true;
        QTest::newRow("fraction") << QByteArray("1.5") << qint64(-1) << true;
        QTest::newRow("words") << QByteArray("soon") << qint64(-1) << true;
        QTest::newRow("blank") << QByteArray("  ") << qint64(-1) << true;
        // HTTP-dates, against 2026-12-02 09:00:00 UTC.
        QTest::newRow("date ahead")
            << QByteArray("Wed, 02 Dec 2026 09:00:30 GMT") << qint64(30000) << false;
        QTest::newRow("date past")
            << QByteArray("Tue, 01 Dec 2026 09:00:00 GMT") << qint64(0) << false;
    }
    void retryAfterInEveryForm()
    {
        QFETCH(QByteArray, header);
        QFETCH(qint64, ms);
        QFETCH(bool, malformed);
        const ReplyAction a = ReplyPolicy::decide(answered(503, header));
        QCOMPARE(a.kind, ReplyKind::Retry);
        QCOMPARE(a.retryAfterMs, ms);
        QCOMPARE(a.retryAfterMalformed, malformed);
    }

    void aRefusalStatesItsLimitsOnlyInShortJson()
    {
        ReplyAction a = ReplyPolicy::decide(answered(
            413, {},
            "{\"error\":\"body_too_large\",\"max_body_bytes\":262144,\"max_batch_records\":20}"));
        QCOMPARE(a.kind, ReplyKind::TooLarge);
        QCOMPARE(a.statedMaxBodyBytes, qint64(262144));
        QCOMPARE(a.statedMaxBatchRecords, 20);
        // A proxy's page states nothing.
        a = ReplyPolicy::decide(answered(413, {}, "<html><body>Request Entity Too Large"));
        QCOMPARE(a.statedMaxBodyBytes, qint64(0));
        QCOMPARE(a.statedMaxBatchRecords, 0);
        a = ReplyPolicy::decide(answered(413, {}, "{\"max_body_bytes\":-4}"));
        QCOMPARE(a.statedMaxBodyBytes, qint64(0));
        QByteArray padded = "{\"max_body_bytes\":9, \"pad\":\"" + QByteArray(8192, 'x') + "\"}";
        QCOMPARE(ReplyPolicy::decide(answered(413, {}, padded)).statedMaxBodyBytes, qint64(0));
    }

    void backoffHasAFloorJitterAndACap()
    {
        const SyncBackoff b;
        auto none = [](quint64) { return quint64(0); };
        auto most = [](quint64 bound) { return bound; };
        // Retry-After 0, or nothing, never means "at once".
        QCOMPARE(b.delayMs(1, 0, none), qint64(1000));
        QCOMPARE(b.delayMs(1, -1, none), qint64(1000));
        // The exponential step wins over a smaller Retry-After...
        QCOMPARE(b.delayMs(4, 2000, none), qint64(8000));
        // ...and a larger Retry-After over the step.
        QCOMPARE(b.delayMs(1, 30000, none), qint64(30000));
        // Up to half again as jitter.
        QCOMPARE(b.delayMs(1, 30000, most), qint64(45000));
        QCOMPARE(b.delayMs(3, -1, most), qint64(6000));
        // The step stops at five minutes; nothing waits over an hour.
        QCOMPARE(b.delayMs(30, -1, none), qint64(5 * 60 * 1000));
        QCOMPARE(b.delayMs(1, qint64(999999999) * 1000, none), qint64(3600 * 1000));
        QCOMPARE(b.delayMs(1, qint64(999999999) * 1000, most), qint64(3600 * 1000));
        // A source that returns out of range cannot push past the bound.
        QCOMPARE(b.delayMs(1, -1, [](quint64) { return quint64(1) << 60; }), qint64(1500));
    }

    void aReceiptIsReadOnlyForThisBatchFromThisHub()
    {
        const auto e = expected(3);
        v1::SyncReceipt r = receiptFor(e);
        r.mutable_results(1)->set_result(v1::RecordResult::RESULT_DUPLICATE);
        r.mutable_results(2)->set_result(v1::RecordResult::RESULT_REJECTED);
        auto *reason = r.mutable_results(2)->add_reasons();
        reason->set_path("children[0].name");
        reason->set_code("too_long");
        reason->set_message("Too long.");
        const ReceiptReading ok = ReceiptReader::read(bytes(r), e);
        QVERIFY(ok.ok());
        QCOMPARE(ok.results.size(), 3);
        QCOMPARE(ok.results[0].state, EntryState::Acknowledged);
        QCOMPARE(ok.results[0].entryId, qint64(10));
        QCOMPARE(ok.results[1].state, EntryState::Acknowledged);
        QCOMPARE(ok.results[2].state, EntryState::NeedsCorrection);
        QCOMPARE(ok.results[2].reasons, QStringLiteral("children[0].name: too_long: Too long."));
        QCOMPARE(ok.policy.retention_hours(), 24u);

        // Every result must echo the hash it is about, under the signature.
        QCOMPARE(ReceiptReader::read(bytes(receiptFor(e, false)), e).problem,
                 ReceiptProblem::HashDiffers);
        // Unsigned, signed by another key, or signed for another device:
        // not this hub's word to this device.
        const auto other = syncwire::SigningKey::generate();
        QCOMPARE(ReceiptReader::read(unsignedBytes(r), e).problem, ReceiptProblem::BadSignature);
        QCOMPARE(ReceiptReader::read(bytes(r, *other), e).problem, ReceiptProblem::BadSignature);
        QCOMPARE(
            ReceiptReader::read(bytes(r, hubKey(), QStringLiteral("another-device")), e).problem,
            ReceiptProblem::BadSignature);
        // A signed receipt edited after signing (a verdict turned round).
        v1::SyncReceipt turned;
        QVERIFY(turned.ParseFromString(bytes(r).toStdString()));
        turned.mutable_results(2)->set_result(v1::RecordResult::RESULT_ACCEPTED);
        turned.mutable_results(2)->clear_reasons();
        QCOMPARE(ReceiptReader::read(unsignedBytes(turned), e).problem,
                 ReceiptProblem::BadSignature);
        // The stored copy reads back the same verdicts only under the key.
        const auto verdicts =
            ReceiptReader::signedVerdicts(bytes(r), kDevice, kHub, hubKey().publicKey());
        QVERIFY(verdicts);
        QCOMPARE(verdicts->size(), 3);
        QCOMPARE(verdicts->at(2).state, EntryState::NeedsCorrection);
        QCOMPARE(verdicts->at(2).codes, QStringList{QStringLiteral("too_long")});
        QCOMPARE(verdicts->at(1).sha256, e.entries.at(1).sha256);
        QVERIFY(!ReceiptReader::signedVerdicts(unsignedBytes(turned), kDevice, kHub,
                                               hubKey().publicKey()));
        QVERIFY(!ReceiptReader::signedVerdicts(bytes(r), kDevice, kHub, other->publicKey()));
        QVERIFY(!ReceiptReader::signedVerdicts(bytes(r), QStringLiteral("another-device"), kHub,
                                               hubKey().publicKey()));
    }

    void everyMalformedReceiptIsRefused_data()
    {
        QTest::addColumn<int>("breakage");
        QTest::addColumn<ReceiptProblem>("problem");
        QTest::newRow("garbage") << 0 << ReceiptProblem::Undecodable;
        QTest::newRow("html") << 1 << ReceiptProblem::Undecodable;
        QTest::newRow("empty") << 2 << ReceiptProblem::BatchIdDiffers;
        QTest::newRow("other batch") << 3 << ReceiptProblem::BatchIdDiffers;
        QTest::newRow("other hub") << 4 << ReceiptProblem::HubIdDiffers;
        QTest::newRow("one result short") << 5 << ReceiptProblem::ResultCountDiffers;
        QTest::newRow("one result more") << 6 << ReceiptProblem::ResultCountDiffers;
        QTest::newRow("swapped") << 7 << ReceiptProblem::ResultsOutOfOrder;
        QTest::newRow("other version") << 8 << ReceiptProblem::ResultsOutOfOrder;
        QTest::newRow("unspecified") << 9 << ReceiptProblem::UnknownResult;
        QTest::newRow("newer result") << 10 << ReceiptProblem::UnknownResult;
        QTest::newRow("other bytes") << 11 << ReceiptProblem::HashDiffers;
        QTest::newRow("short hash") << 12 << ReceiptProblem::HashDiffers;
        QTest::newRow("unsigned") << 13 << ReceiptProblem::BadSignature;
    }
    void everyMalformedReceiptIsRefused()
    {
        QFETCH(int, breakage);
        QFETCH(ReceiptProblem, problem);
        const auto e = expected(3);
        v1::SyncReceipt r = receiptFor(e);
        QByteArray body;
        switch (breakage) {
        case 0:
            body = QByteArray("\xff\xff\xff\xff\x0f", 5);
            break;
        case 1:
            body = "<html><body>Please log in to the hotel Wi-Fi</body></html>";
            break;
        case 2:
            body = QByteArray();
            break;
        case 3:
            r.set_batch_id("SYN-BATCH-2");
            break;
        case 4:
            r.set_hub_id("00000000-0000-4000-8000-00000000000b");
            break;
        case 5:
            r.mutable_results()->RemoveLast();
            break;
        case 6:
            *r.add_results() = r.results(0);
            break;
        case 7:
            r.mutable_results()->SwapElements(0, 1);
            break;
        case 8:
            r.mutable_results(0)->set_version(7);
            break;
        case 9:
            r.mutable_results(1)->set_result(v1::RecordResult::RESULT_UNSPECIFIED);
            break;
        case 10:
            r.mutable_results(1)->set_result(static_cast<v1::RecordResult::Result>(9));
            break;
        case 11:
            r.mutable_results(2)->set_sha256(std::string(32, 'z'));
            break;
        case 12:
            r.mutable_results(2)->set_sha256(std::string(31, 'c'));
            break;
        case 13:
            break;
        }
        if (breakage == 13)
            body = unsignedBytes(r);
        else if (breakage >= 3)
            body = bytes(r);
        const ReceiptReading read = ReceiptReader::read(body, e);
        QCOMPARE(read.problem, problem);
        QVERIFY(read.results.isEmpty());
    }

    void aWipeOrderIsReadWithOrWithoutItsReceipt()
    {
        const auto e = expected(2);
        v1::SyncReceipt r = receiptFor(e);
        r.mutable_policy()->set_wipe(true);
        ReceiptReading w = ReceiptReader::readWipeOrder(bytes(r), e);
        QVERIFY(w.ok());
        QVERIFY(w.wipe);
        QCOMPARE(w.results.size(), 2);

        // The empty receipt a revoked device's unreadable request gets.
        v1::SyncReceipt bare;
        bare.set_hub_id(kHub.toStdString());
        bare.mutable_policy()->set_wipe(true);
        w = ReceiptReader::readWipeOrder(bytes(bare), e);
        QVERIFY(w.wipe);
        QCOMPARE(w.problem, ReceiptProblem::BatchIdDiffers);
        QVERIFY(w.results.isEmpty());

        // Not from this hub, or no order: nothing to obey.
        bare.set_hub_id("00000000-0000-4000-8000-00000000000b");
        QCOMPARE(ReceiptReader::readWipeOrder(bytes(bare), e).problem,
                 ReceiptProblem::NotAWipeOrder);
        r.mutable_policy()->set_wipe(false);
        QCOMPARE(ReceiptReader::readWipeOrder(bytes(r), e).problem, ReceiptProblem::NotAWipeOrder);
        QCOMPARE(ReceiptReader::readWipeOrder("<html>Forbidden</html>", e).problem,
                 ReceiptProblem::NotAWipeOrder);
        // Unsigned, or signed by another key: pinned TLS alone orders no wipe.
        bare.set_hub_id(kHub.toStdString());
        QVERIFY(ReceiptReader::readWipeOrder(bytes(bare), e).wipe);
        QCOMPARE(ReceiptReader::readWipeOrder(unsignedBytes(bare), e).problem,
                 ReceiptProblem::NotAWipeOrder);
        QCOMPARE(
            ReceiptReader::readWipeOrder(bytes(bare, *syncwire::SigningKey::generate()), e).problem,
            ReceiptProblem::NotAWipeOrder);
    }
};

QTEST_GUILESS_MAIN(TestReplyPolicy)
#include "tst_replypolicy.moc"
