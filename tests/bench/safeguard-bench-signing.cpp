// safeguard-bench-signing: what the protocol's two Ed25519 signatures cost,
// against the work they guard, in one process (no disk: pure CPU).
//
//   safeguard-bench signing [--smoke]
//
// - signing.session: one session signature made (device) and checked (hub),
//   against the hub opening one 500-record batch sealed in that session
//   (its one X25519 derivation and 500 XChaCha20-Poly1305 opens, through
//   the hub's own SessionKeyCache, signature check included).
// - signing.receipt: one 500-result receipt's statement built, signed (hub)
//   and checked (device), against the same batch open.
// A ratio is cost over cost: 0.05 means the signature adds 5 % to opening
// the batch it covers. Medians of many rounds (fewer with --smoke).
#include "benchoutput.h"
#include "hub/secretbytes.h"
#include "hub/sessionkeycache.h"
#include "wire/batchbuilder.h"
#include "wire/signing.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QUuid>
#include <cmath>
#include <sodium.h>

using namespace safeguard;

namespace {

constexpr int kBatchRecords = 500;
constexpr const char *kSuite = "safeguard-bench-signing";

double median(std::vector<double> v)
{
    return bench::percentile(std::move(v), 0.5);
}

double ratio(double cost, double baseline)
{
    return baseline > 0 ? std::round(cost / baseline * 10000) / 10000 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (sodium_init() < 0)
        bench::die(kSuite, QStringLiteral("libsodium did not initialise"));
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const int rounds = smoke ? 5 : 101;

    unsigned char hubPk[crypto_box_PUBLICKEYBYTES], hubSk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(hubPk, hubSk);
    const QByteArray hubPublic(reinterpret_cast<const char *>(hubPk), sizeof hubPk);
    const hub::SecretBytes hubSecret = hub::SecretBytes::copyOf(hubSk, sizeof hubSk);
    sodium_memzero(hubSk, sizeof hubSk);
    const auto device = syncwire::SigningKey::generate();
    const auto receiptKey = syncwire::SigningKey::generate();
    if (!device || !receiptKey)
        bench::die(kSuite, QStringLiteral("no secure memory for the signing keys"));
    const std::string deviceKey = device->publicKey().toStdString();
    const std::string deviceId = "00000000-0000-4000-8000-0000000000d1";
    const std::string hubId = "00000000-0000-4000-8000-00000000000b";
    // A synthetic record's size (about 4.5 KB on the wire, as sync measures).
    const QByteArray plaintext(4400, 'S');

    std::vector<double> openMs, sessionMs, receiptMs;
    for (int round = 0; round < rounds; ++round) {
        // One session's batch, sealed as the device seals it.
        syncwire::BatchBuilder builder(
            hubPublic, {QString::fromStdString(deviceId), QString::fromStdString(hubId),
                        [&](std::string_view st) { return device->sign(st); }});
        std::vector<v1::RecordEnvelope> envelopes;
        envelopes.reserve(kBatchRecords);
        for (int i = 0; i < kBatchRecords; ++i)
            envelopes.push_back(builder.seal(QUuid::createUuid().toString(QUuid::WithoutBraces), 1,
                                             v1::PRIORITY_NORMAL, plaintext));

        // The hub opening it: a fresh cache, so the session is checked and
        // derived once, as for a device's first batch of a session.
        hub::SessionKeyCache cache(hubPublic, hubSecret);
        QElapsedTimer t;
        t.start();
        for (const v1::RecordEnvelope &env : envelopes) {
            if (!cache.open(env.sealed(), env.record_id(), env.version(), deviceId, hubId,
                            deviceKey, env.session_signature()))
                bench::die(kSuite, QStringLiteral("a sealed record did not open"));
        }
        openMs.push_back(double(t.nsecsElapsed()) / 1e6);
        if (cache.verifications() != 1 || cache.derivations() != 1)
            bench::die(kSuite, QStringLiteral("the batch was not one session"));

        // One session signature, made and checked.
        unsigned char eph[32];
        randombytes_buf(eph, sizeof eph);
        t.restart();
        const std::string statement = syncwire::signing::sessionStatement(
            QByteArrayView(reinterpret_cast<const char *>(eph), 32), deviceId, hubId);
        const QByteArray sig = device->sign(statement);
        const bool sessionOk = syncwire::signing::verify(statement, sig.toStdString(), deviceKey);
        sessionMs.push_back(double(t.nsecsElapsed()) / 1e6);
        if (!sessionOk)
            bench::die(kSuite, QStringLiteral("a session signature did not verify"));

        // The batch's receipt: 500 results, signed by the hub, checked by
        // the device.
        v1::SyncReceipt receipt;
        receipt.set_batch_id(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString());
        receipt.set_hub_id(hubId);
        for (const v1::RecordEnvelope &env : envelopes) {
            v1::RecordResult *r = receipt.add_results();
            r->set_record_id(env.record_id());
            r->set_version(env.version());
            r->set_result(v1::RecordResult::RESULT_ACCEPTED);
            r->set_sha256(env.sha256());
        }
        t.restart();
        const QByteArray receiptSig =
            receiptKey->sign(syncwire::signing::receiptStatement(receipt, deviceId));
        receipt.set_signature(receiptSig.toStdString());
        const bool receiptOk =
            syncwire::signing::verifyReceipt(receipt, deviceId, receiptKey->publicKey());
        receiptMs.push_back(double(t.nsecsElapsed()) / 1e6);
        if (!receiptOk)
            bench::die(kSuite, QStringLiteral("a receipt signature did not verify"));
    }

    const double open = median(openMs);
    const QJsonObject common{{QStringLiteral("batch_records"), kBatchRecords},
                             {QStringLiteral("rounds"), rounds},
                             {QStringLiteral("baseline"), open},
                             {QStringLiteral("baseline_what"),
                              QStringLiteral("the hub opening one 500-record session batch")}};
    QJsonObject session = common;
    session.insert(QStringLiteral("ratio"), ratio(median(sessionMs), open));
    bench::report(QStringLiteral("signing.session"), median(sessionMs), "ms", "lower", session);
    QJsonObject receipt = common;
    receipt.insert(QStringLiteral("ratio"), ratio(median(receiptMs), open));
    bench::report(QStringLiteral("signing.receipt_500"), median(receiptMs), "ms", "lower", receipt);
    return 0;
}
