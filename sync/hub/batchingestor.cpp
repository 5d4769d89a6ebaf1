#include "batchingestor.h"

#include "deviceregistry.h"
#include "hubidentity.h"
#include "hublog.h"
#include "protocol/derivedfacts.h"
#include "protocol/goodpractice.h"
#include "protocol/limits.h"
#include "secretbytes.h"
#include "sessionkeycache.h"
#include "wire/batchbuilder.h"
#include "wire/signing.h"

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

BatchIngestor::BatchIngestor(HubStore &store, const protocol::Clock &clock,
                             const HubIdentity &identity)
    : m_store(store)
    , m_clock(clock)
    , m_hubId(identity.hubId)
    , m_hubIdUtf8(m_hubId.toStdString())
    // The cache is the only user of the hub's sealing keys (scheme 0 is no
    // longer opened here).
    , m_sessionKeys(
          std::make_unique<SessionKeyCache>(identity.sealingPublicKey, identity.sealingSecretKey))
    , m_receiptKey(identity.receiptSigningSecretKey)
    , m_checklists(protocol::RiskChecklistRegistry::withBuiltIns())
{
    [[maybe_unused]] const int ready = sodium_init();
}

void BatchIngestor::sign(v1::SyncReceipt &receipt, const QString &deviceId) const
{
    const std::string statement =
        syncwire::signing::receiptStatement(receipt, deviceId.toStdString());
    unsigned char signature[crypto_sign_BYTES];
    crypto_sign_detached(signature, nullptr,
                         reinterpret_cast<const unsigned char *>(statement.data()),
                         statement.size(), m_receiptKey.data());
    receipt.set_signature(signature, sizeof signature);
}

void BatchIngestor::offerInstrument(const protocol::RiskChecklist &checklist)
{
    v1::RiskInstrument instrument;
    const QByteArray definition = checklist.canonicalJson();
    instrument.set_checklist_id(checklist.id().toStdString());
    instrument.set_version(quint32(checklist.version()));
    instrument.set_definition(definition.constData(), std::size_t(definition.size()));
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(definition.constData()),
                       std::size_t(definition.size()));
    instrument.set_sha256(digest, sizeof digest);
    const std::string statement = syncwire::signing::instrumentStatement(
        m_hubIdUtf8, instrument.checklist_id(), instrument.version(), instrument.sha256());
    unsigned char signature[crypto_sign_BYTES];
    crypto_sign_detached(signature, nullptr,
                         reinterpret_cast<const unsigned char *>(statement.data()),
                         statement.size(), m_receiptKey.data());
    instrument.set_signature(signature, sizeof signature);
    m_instrument = std::move(instrument);
}

v1::SyncReceipt BatchIngestor::wipeReceipt(const QString &deviceId) const
{
    v1::SyncReceipt receipt;
    receipt.set_hub_id(m_hubId.toStdString());
    receipt.mutable_received_at()->set_unix_ms(m_clock.nowMs());
    receipt.mutable_policy()->set_retention_hours(DeviceRegistry::kDefaultRetentionHours);
    receipt.mutable_policy()->set_wipe(true);
    sign(receipt, deviceId);
    return receipt;
}

std::optional<QByteArray> BatchIngestor::openSeal(const v1::RecordEnvelope &envelope,
                                                  const SenderIds &sender,
                                                  protocol::RecordIssues *reasons) const
{
    const std::string &sealed = envelope.sealed();
    auto refuse = [reasons](const char *message,
                            const char *code = "unsealable") -> std::optional<QByteArray> {
        reasons->append(issue(code, message));
        return std::nullopt;
    };
    switch (envelope.seal_scheme()) {
    case v1::SEAL_SCHEME_UNSPECIFIED:
        // crypto_box_seal binds the sealed bytes to nothing: any device that
        // copied them from another's outbox could send them as its own.
        // Every install seals in sessions, so none is still opened.
        return refuse("sealed with crypto_box_seal (scheme 0), which this hub no longer opens: "
                      "it binds the record to no device");
    case v1::SEAL_SCHEME_SESSION_XCHACHA20: {
        namespace ss = syncwire::sessionseal;
        if (sealed.size() < ss::kOverheadBytes ||
            sealed.size() - ss::kOverheadBytes > size_t(protocol::Limits::kMaxRecordBytes))
            return refuse("the sealed record is empty or larger than a record may be");
        // Bound to the envelope's record id and version as received, to the
        // device that authenticated this request and to this hub.
        SessionKeyCache::OpenFailure why = SessionKeyCache::OpenFailure::Unsealable;
        auto plain = m_sessionKeys->open(sealed, envelope.record_id(), envelope.version(),
                                         sender.deviceId, m_hubIdUtf8, sender.signingPublicKey,
                                         envelope.session_signature(), &why);
        if (!plain && why == SessionKeyCache::OpenFailure::BadSignature)
            return refuse("the sealing session is not signed by this device's enrolled key: "
                          "sealed bytes replaced on the device are never taken as its own",
                          "bad_signature");
        if (!plain)
            return refuse("the record could not be opened with this hub's key as sealed by this "
                          "device for this hub");
        return plain;
    }
    default:
        return refuse("the record is sealed with a scheme this hub does not know");
    }
}

IngestItem BatchIngestor::open(const v1::RecordEnvelope &envelope, const v1::SyncBatch &batch,
                               qint64 nowMs, const SenderIds &sender) const
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

    const std::optional<QByteArray> opened = openSeal(envelope, sender, &item.reasons);
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
    v1::IncidentRecord &record =
        *google::protobuf::Arena::CreateMessage<v1::IncidentRecord>(&arena);
    if (!record.ParseFromArray(plain.constData(), int(plain.size()))) {
        item.reasons.append(issue("undecodable", "the record is not a valid IncidentRecord"));
        return item;
    }
    if (QString::fromStdString(record.record_id()) != item.recordId ||
        record.version() != item.version)
        item.reasons.append(issue("envelope_mismatch",
                                  "the envelope's record id or version differs from the record's"));
    // The owner is the authenticated device's officer. A record that names
    // another officer or device is a forgery or a misfiled record: never
    // stored as anyone's, and staff are alerted.
    if (!record.officer_id().empty() && record.officer_id() != sender.officerId)
        item.reasons.append(issue("attribution_mismatch",
                                  "the record names another officer than the one the sending "
                                  "device is enrolled for",
                                  QStringLiteral("officer_id")));
    // Another device of the same officer is the one case that is no
    // forgery: a device re-enrolled (a new device id) or replaced delivers
    // what it had written before; the seal is bound to the sending device
    // either way. It is flagged for staff.
    bool writtenOnOtherDevice = false;
    if (!record.device_id().empty() && record.device_id() != sender.deviceId) {
        const auto stated = m_store.findDevice(QString::fromStdString(record.device_id()));
        if (stated && stated->officerId.toStdString() == sender.officerId)
            writtenOnOtherDevice = true;
        else
            item.reasons.append(issue("attribution_mismatch",
                                      "the record names a device that is not one of the sending "
                                      "officer's",
                                      QStringLiteral("device_id")));
    }
    item.reasons += protocol::checkRecordSize(plain.size());
    // An enum value from a newer form than this hub knows is no reason to
    // refuse an authentic record: it is kept and flagged (and an unknown
    // grade counts as red for urgency).
    protocol::RecordIssues unknownValues;
    item.reasons += protocol::checkStructureAndLimits(record, &unknownValues);
    if (!item.reasons.isEmpty())
        return item;

    item.keep = true;
    item.parentVersion = record.parent_version();
    item.urgent = protocol::derived::isUrgent(record);
    protocol::RecordIssues flags = protocol::GoodPracticeValidator(m_checklists).check(record);
    flags += unknownValues;
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
    // Submitted before the device learnt its ids (an enrolment whose answer
    // came late): attributed from authentication, and said so.
    if (record.officer_id().empty() || record.device_id().empty())
        flags.append(issue("attribution_unstated",
                           "the record does not name its officer or device; attributed to the "
                           "device that sent it",
                           record.officer_id().empty() ? QStringLiteral("officer_id")
                                                       : QStringLiteral("device_id")));
    // Withdrawn by the officer: kept, out of urgency and of the picture,
    // and the reason is shown to staff.
    if (record.has_withdrawal())
        flags.append({QStringLiteral("withdrawal.reason"), QStringLiteral("withdrawn_by_officer"),
                      QStringLiteral("withdrawn by the officer: %1")
                          .arg(QString::fromStdString(record.withdrawal().reason()))});
    if (writtenOnOtherDevice)
        flags.append(issue("written_on_other_device",
                           "written on another device of the same officer (re-enrolled or "
                           "replaced) and sent by this one",
                           QStringLiteral("device_id")));
    if (sender.revoked)
        flags.append(issue("sent_by_revoked_device",
                           "sent after the device was revoked: its credential may be in other "
                           "hands; review before relying on it"));
    item.flags = std::move(flags);
    return item;
}

void BatchIngestor::openAll(const v1::SyncBatch &batch, qint64 nowMs, const SenderIds &sender,
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

IngestResult BatchIngestor::ingest(const QByteArray &body, const AuthenticatedDevice &sender)
{
    const QString &deviceId = sender.deviceId;
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
    write.officerId = sender.officerId;
    write.receivedAtMs = now;
    write.sentByRevokedDevice = sender.revoked;
    write.items.resize(size_t(batch.records_size()));
    const SenderIds ids{deviceId.toStdString(), sender.officerId.toStdString(), sender.revoked,
                        sender.signingPublicKey.toStdString()};
    openAll(batch, now, ids, write.items);

    std::vector<StoredResult> outcomes;
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
    if (sender.revoked)
        receipt.mutable_policy()->set_wipe(true);
    int counts[5] = {};
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const IngestItem &item = write.items[i];
        const StoredResult &stored = outcomes[i];
        auto *r = receipt.add_results();
        r->set_record_id(batch.records(int(i)).record_id());
        r->set_version(item.version);
        r->set_result(toWire(stored.outcome));
        // Echoed only when it is a SHA-256: a hostile envelope's long field
        // is not sent back in the receipt.
        if (const std::string &h = batch.records(int(i)).sha256(); h.size() == 32)
            r->set_sha256(h);
        ++counts[r->result()];
        if (stored.outcome == StoredOutcome::Rejected) {
            for (const auto &reason : item.reasons) {
                auto *w = r->add_reasons();
                w->set_path(reason.path.toStdString());
                w->set_code(reason.code.toStdString());
                w->set_message(reason.message.toStdString());
            }
        }
        if (!stored.alert.isEmpty()) {
            QJsonObject fields{{QStringLiteral("kind"), stored.alert},
                               {QStringLiteral("officer_id"), sender.officerId},
                               {QStringLiteral("device_id"), deviceId},
                               {QStringLiteral("batch_id"), write.batchId},
                               {QStringLiteral("record_id"), item.recordId},
                               {QStringLiteral("version"), qint64(item.version)}};
            if (!stored.otherDeviceId.isEmpty()) {
                fields.insert(QStringLiteral("other_officer_id"), stored.otherOfficerId);
                fields.insert(QStringLiteral("other_device_id"), stored.otherDeviceId);
            }
            HubLog::event("admin_alert", fields);
        }
    }
    HubLog::event("batch_ingested",
                  {{QStringLiteral("device_id"), deviceId},
                   {QStringLiteral("batch_id"), write.batchId},
                   {QStringLiteral("records"), batch.records_size()},
                   {QStringLiteral("accepted"), counts[v1::RecordResult::RESULT_ACCEPTED]},
                   {QStringLiteral("duplicate"), counts[v1::RecordResult::RESULT_DUPLICATE]},
                   {QStringLiteral("rejected"), counts[v1::RecordResult::RESULT_REJECTED]},
                   {QStringLiteral("conflict"), counts[v1::RecordResult::RESULT_CONFLICT]},
                   {QStringLiteral("sent_by_revoked_device"), sender.revoked}});
    // Last: the signature covers every verdict, the wipe order and the time.
    sign(receipt, deviceId);
    return result;
}

} // namespace safeguard::hub
