#include "batchingestor.h"

#include "client/batchbuilder.h"
#include "deviceregistry.h"
#include "hublog.h"
#include "protocol/derivedfacts.h"
#include "protocol/goodpractice.h"
#include "protocol/limits.h"
#include "secretbytes.h"
#include "sessionkeycache.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <google/protobuf/arena.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <system_error>
#include <thread>

namespace safeguard::hub {

namespace {

protocol::RecordIssue issue(const char *code, const char *message, const QString &path = {})
{
    return {path, QString::fromLatin1(code), QString::fromLatin1(message)};
}

// SHA-256 of a record as the envelope states it. OpenSSL's, not libsodium's:
// it uses the CPU's SHA instructions where they exist (2 us instead of 10 us
// for a 3.6 KB record on the benchmark machine), and the hub hashes every
// record it receives. Same digest as BatchBuilder::sha256 on the device.
QByteArray sha256(const QByteArray &bytes)
{
    static EVP_MD *const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!md || EVP_Digest(bytes.constData(), size_t(bytes.size()), digest, &size, md, nullptr) != 1)
        return syncwire::BatchBuilder::sha256(bytes);
    return QByteArray(reinterpret_cast<const char *>(digest), int(size));
}

v1::RecordResult::Result toWire(StoredOutcome o)
{
    switch (o) {
    case StoredOutcome::Accepted:
        return v1::RecordResult::RESULT_ACCEPTED;
    case StoredOutcome::Duplicate:
        return v1::RecordResult::RESULT_DUPLICATE;
    case StoredOutcome::Conflict:
        return v1::RecordResult::RESULT_CONFLICT;
    case StoredOutcome::Rejected:
        return v1::RecordResult::RESULT_REJECTED;
    }
    return v1::RecordResult::RESULT_UNSPECIFIED;
}

} // namespace

BatchIngestor::~BatchIngestor() = default;

BatchIngestor::BatchIngestor(HubStore &store, const protocol::Clock &clock, QString hubId,
                             QByteArray sealingPublicKey, const SecretBytes &sealingSecretKey)
    : m_store(store)
    , m_clock(clock)
    , m_hubId(std::move(hubId))
    , m_publicKey(std::move(sealingPublicKey))
    , m_secretKey(sealingSecretKey)
    , m_sessionKeys(std::make_unique<SessionKeyCache>(m_publicKey, m_secretKey))
    , m_checklists(protocol::RiskChecklistRegistry::withBuiltIns())
{
    [[maybe_unused]] const int ready = sodium_init();
}

v1::SyncReceipt BatchIngestor::wipeReceipt() const
{
    v1::SyncReceipt receipt;
    receipt.set_hub_id(m_hubId.toStdString());
    receipt.mutable_received_at()->set_unix_ms(m_clock.nowMs());
    receipt.mutable_policy()->set_retention_hours(DeviceRegistry::kDefaultRetentionHours);
    receipt.mutable_policy()->set_wipe(true);
    return receipt;
}

std::optional<QByteArray> BatchIngestor::openSeal(const v1::RecordEnvelope &envelope,
                                                  protocol::RecordIssues *reasons) const
{
    const std::string &sealed = envelope.sealed();
    auto refuse = [reasons](const char *message) -> std::optional<QByteArray> {
        reasons->append(issue("unsealable", message));
        return std::nullopt;
    };
    const char *const tooLarge = "the sealed record is empty or larger than a record may be";
    const char *const wrongKey = "the record could not be opened with this hub's key";
    switch (envelope.seal_scheme()) {
    case v1::SEAL_SCHEME_UNSPECIFIED: {
        // crypto_box_seal, from apps older than the session scheme.
        if (sealed.size() < crypto_box_SEALBYTES ||
            sealed.size() - crypto_box_SEALBYTES > size_t(protocol::Limits::kMaxRecordBytes))
            return refuse(tooLarge);
        QByteArray plain(qsizetype(sealed.size() - crypto_box_SEALBYTES), Qt::Uninitialized);
        if (crypto_box_seal_open(reinterpret_cast<unsigned char *>(plain.data()),
                                 reinterpret_cast<const unsigned char *>(sealed.data()),
                                 sealed.size(),
                                 reinterpret_cast<const unsigned char *>(m_publicKey.constData()),
                                 m_secretKey.data()) != 0)
            return refuse(wrongKey);
        return plain;
    }
    case v1::SEAL_SCHEME_SESSION_XCHACHA20: {
        namespace ss = syncwire::sessionseal;
        if (sealed.size() < ss::kOverheadBytes ||
            sealed.size() - ss::kOverheadBytes > size_t(protocol::Limits::kMaxRecordBytes))
            return refuse(tooLarge);
        // Bound to the envelope's record id and version as received.
        auto plain = m_sessionKeys->open(sealed, envelope.record_id(), envelope.version());
        if (!plain)
            return refuse(wrongKey);
        return plain;
    }
    default:
        return refuse("the record is sealed with a scheme this hub does not know");
    }
}

IngestItem BatchIngestor::open(const v1::RecordEnvelope &envelope, const v1::SyncBatch &batch,
                               qint64 nowMs, Sender sender) const
{
    IngestItem item;
    item.recordId = QString::fromStdString(envelope.record_id()).left(64);
    item.version = envelope.version();
    item.sha256 = QByteArray::fromStdString(envelope.sha256());
    // A view of the request's bytes, not a copy: only a quarantined record
    // (rejected here, or a conflict found at commit) stores it, and the
    // batch outlives the commit (see IngestItem::sealed).
    item.sealed =
        QByteArray::fromRawData(envelope.sealed().data(), qsizetype(envelope.sealed().size()));

    const std::optional<QByteArray> opened = openSeal(envelope, &item.reasons);
    if (!opened)
        return item;
    const QByteArray &plain = *opened;
    item.plaintext = plain;
    if (sha256(plain) != item.sha256) {
        item.reasons.append(
            issue("hash_mismatch", "the record's SHA-256 does not match the envelope"));
        return item;
    }
    // A parsed record is a tree of a few hundred small objects: an arena
    // whose first block is on the stack spares a malloc and free for each.
    alignas(std::max_align_t) char firstBlock[16 * 1024];
    google::protobuf::ArenaOptions arenaOptions;
    arenaOptions.initial_block = firstBlock;
    arenaOptions.initial_block_size = sizeof firstBlock;
    google::protobuf::Arena arena(arenaOptions);
    v1::IncidentRecord &record = *google::protobuf::Arena::CreateMessage<v1::IncidentRecord>(&arena);
    if (!record.ParseFromArray(plain.constData(), int(plain.size()))) {
        item.reasons.append(issue("undecodable", "the record is not a valid IncidentRecord"));
        return item;
    }
    if (QString::fromStdString(record.record_id()) != item.recordId ||
        record.version() != item.version)
        item.reasons.append(issue("envelope_mismatch",
                                  "the envelope's record id or version differs from the record's"));
    item.reasons += protocol::checkRecordSize(plain.size());
    item.reasons += protocol::checkStructureAndLimits(record);
    if (!item.reasons.isEmpty())
        return item;

    item.keep = true;
    item.urgent = protocol::derived::isUrgent(record);
    protocol::RecordIssues flags = protocol::GoodPracticeValidator(m_checklists).check(record);
    auto skew = [&](const v1::LocalTimestamp &t, const char *path) {
        if (t.unix_ms() == 0)
            return;
        const qint64 delta = t.unix_ms() - nowMs;
        if (delta > kMaxClockSkewMs)
            flags.append(issue(
                "clock_skew",
                "the device clock was ahead of the hub's by more than 5 minutes (in the future)",
                QString::fromLatin1(path)));
        else if (-delta > kMaxClockSkewMs && std::string_view(path) == "sent_at")
            flags.append(issue("clock_skew",
                               "the device clock was behind the hub's by more than 5 minutes",
                               QString::fromLatin1(path)));
    };
    // A batch may be sent long after submit (offline for days), so only the
    // batch's own send time can show a slow clock; a submit time in the
    // future shows a fast one.
    skew(batch.sent_at(), "sent_at");
    skew(record.submitted_at(), "submitted_at");
    if (!record.device_id().empty() && record.device_id() != batch.device_id())
        flags.append(issue("device_mismatch",
                           "the record names another device than the one that sent it",
                           QStringLiteral("device_id")));
    if (sender == Sender::RevokedDevice)
        flags.append(issue("sent_by_revoked_device",
                           "sent after the device was revoked: its credential may be in other "
                           "hands; review before relying on it"));
    item.flagged = !flags.isEmpty();
    // Most records carry no flag: spare them a JSON document.
    item.flagsJson =
        flags.isEmpty()
            ? QStringLiteral("[]")
            : QString::fromUtf8(
                  QJsonDocument(protocol::toJson(flags)).toJson(QJsonDocument::Compact));
    return item;
}

void BatchIngestor::openAll(const v1::SyncBatch &batch, qint64 nowMs, Sender sender,
                            std::vector<IngestItem> &items) const
{
    // Opening a seal, hashing, parsing and checking a record is about 70 us
    // of CPU, so a batch of 500 would keep one core busy for 35 ms while
    // the others idle (one device drains with only 2 requests in flight).
    // Large batches are split across threads; each record's verdict is the
    // same whichever thread computes it.
    const int n = batch.records_size();
    const int threads =
        std::clamp(n / kRecordsPerThread, 1, std::max(1, int(std::thread::hardware_concurrency())));
    auto run = [&](int from, int to) {
        for (int i = from; i < to; ++i)
            items[size_t(i)] = open(batch.records(i), batch, nowMs, sender);
    };
    // The first record is opened before any helper starts, so a batch from
    // one sealing session derives its key once, not once per thread.
    const int first = std::min(n, 1);
    run(0, first);
    std::vector<std::thread> helpers;
    int inlineFrom = n; // ranges no helper thread could be started for
    for (int t = 1; t < threads; ++t) {
        try {
            helpers.emplace_back(run, n * t / threads, n * (t + 1) / threads);
        } catch (const std::system_error &) {
            inlineFrom = n * t / threads; // out of threads: do the rest here
            break;
        }
    }
    run(first, n / threads);
    run(inlineFrom, n);
    for (auto &h : helpers)
        h.join();
}

IngestResult BatchIngestor::ingest(const QByteArray &body, const QString &deviceId, Sender sender)
{
    IngestResult result;
    // A batch of 100 envelopes is a few hundred small objects (about 16 KB;
    // the strings' bytes stay on the heap); an arena frees them at once.
    // Blocks stay below glibc's 64 KiB free threshold, past which every free
    // consolidates the heap.
    google::protobuf::ArenaOptions arenaOptions;
    arenaOptions.start_block_size = 16 * 1024;
    arenaOptions.max_block_size = 32 * 1024;
    google::protobuf::Arena arena(arenaOptions);
    v1::SyncBatch &batch = *google::protobuf::Arena::CreateMessage<v1::SyncBatch>(&arena);
    if (!batch.ParseFromArray(body.constData(), int(body.size()))) {
        result.error = IngestError::Undecodable;
        result.reason = QStringLiteral("undecodable");
        return result;
    }
    if (QString::fromStdString(batch.device_id()) != deviceId) {
        result.error = IngestError::DeviceMismatch;
        result.reason = QStringLiteral("device_mismatch");
        return result;
    }
    if (batch.records_size() > protocol::Limits::kMaxBatchRecords) {
        result.error = IngestError::TooManyRecords;
        result.reason = QStringLiteral("too_many_records");
        return result;
    }
    const qint64 now = m_clock.nowMs();
    BatchWrite write;
    write.batchId = QString::fromStdString(batch.batch_id()).left(64);
    write.deviceId = deviceId;
    write.receivedAtMs = now;
    write.sentByRevokedDevice = sender == Sender::RevokedDevice;
    write.items.resize(size_t(batch.records_size()));
    openAll(batch, now, sender, write.items);

    std::vector<StoredOutcome> outcomes;
    if (auto e = m_store.commitBatch(write, outcomes); !e.ok()) {
        result.error = IngestError::StoreFailed;
        result.reason = QStringLiteral("store_unavailable");
        return result;
    }
    auto &receipt = result.receipt;
    receipt.set_batch_id(batch.batch_id());
    receipt.set_hub_id(m_hubId.toStdString());
    receipt.mutable_received_at()->set_unix_ms(now);
    receipt.mutable_policy()->set_retention_hours(DeviceRegistry::kDefaultRetentionHours);
    if (sender == Sender::RevokedDevice)
        receipt.mutable_policy()->set_wipe(true);
    int counts[5] = {};
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const IngestItem &item = write.items[i];
        auto *r = receipt.add_results();
        r->set_record_id(batch.records(int(i)).record_id());
        r->set_version(item.version);
        r->set_result(toWire(outcomes[i]));
        ++counts[r->result()];
        if (outcomes[i] == StoredOutcome::Rejected) {
            for (const auto &reason : item.reasons) {
                auto *w = r->add_reasons();
                w->set_path(reason.path.toStdString());
                w->set_code(reason.code.toStdString());
                w->set_message(reason.message.toStdString());
            }
        }
        if (outcomes[i] == StoredOutcome::Conflict)
            HubLog::event("admin_alert", {{QStringLiteral("kind"), QStringLiteral("conflict")},
                                          {QStringLiteral("device_id"), deviceId},
                                          {QStringLiteral("batch_id"), write.batchId},
                                          {QStringLiteral("record_id"), item.recordId},
                                          {QStringLiteral("version"), qint64(item.version)}});
    }
    HubLog::event("batch_ingested",
                  {{QStringLiteral("device_id"), deviceId},
                   {QStringLiteral("batch_id"), write.batchId},
                   {QStringLiteral("records"), batch.records_size()},
                   {QStringLiteral("accepted"), counts[v1::RecordResult::RESULT_ACCEPTED]},
                   {QStringLiteral("duplicate"), counts[v1::RecordResult::RESULT_DUPLICATE]},
                   {QStringLiteral("rejected"), counts[v1::RecordResult::RESULT_REJECTED]},
                   {QStringLiteral("conflict"), counts[v1::RecordResult::RESULT_CONFLICT]},
                   {QStringLiteral("sent_by_revoked_device"), sender == Sender::RevokedDevice}});
    return result;
}

} // namespace safeguard::hub
