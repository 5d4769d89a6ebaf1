#pragma once

#include "hubstore.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "safeguard/v1/sync.pb.h"

#include <QByteArray>
#include <QString>
#include <memory>
#include <optional>
#include <string>

namespace safeguard::hub {

class HubIdentity;
class SecretBytes;
class SessionKeyCache;

// Why a whole batch was refused (the HTTP layer maps each to a status).
enum class IngestError
{
    None,
    Undecodable,    // 400: not a SyncBatch
    DeviceMismatch, // 400: batch.device_id is not the authenticated device
    TooManyRecords, // 413: more envelopes than Limits::kMaxBatchRecords
    StoreFailed,    // 503: the database did not commit; nothing was stored
};

// Who sent a batch, as authentication found it: the only source of a
// record's owner and attribution (never the record's own fields).
struct AuthenticatedDevice
{
    QString deviceId;
    QString officerId; // the officer the device was enrolled for
    // Revoked, but proved it holds the credential: the batch is ingested as
    // any other (the sealed records can be opened only here, and would
    // otherwise be lost), every kept record is flagged
    // "sent_by_revoked_device" for staff to review (the credential may be
    // stolen), and the receipt carries the wipe order.
    bool revoked = false;
    // Its Ed25519 key from enrolment: every sealing session must be signed
    // with it (empty: none registered, so every record is "bad_signature").
    QByteArray signingPublicKey;
};

struct IngestResult
{
    IngestError error = IngestError::None;
    QString reason;          // machine code for the refusal
    v1::SyncReceipt receipt; // when error is None
};

// Turns one SyncBatch into stored records and a receipt. Per envelope: open
// the seal with the hub's X25519 key (the session scheme, whose key
// SessionKeyCache keeps per session, bound to the record id and version, the
// authenticated device and this hub; crypto_box_seal, which binds nothing,
// and unknown schemes are "unsealable"), compare SHA-256 of the plaintext
// with the envelope's, parse the IncidentRecord, match id and version,
// check its officer and device ids against the authenticated device
// ("attribution_mismatch"), and run the shared structural, limit and size
// checks; any failure REJECTs that record (quarantined) and nothing else. A
// kept record carries flags for good-practice gaps and device clock skew;
// they never reject it. The store adds the ownership flags (id collision,
// missing parent). The batch is committed in one durable transaction before
// the receipt is built.
class BatchIngestor
{
public:
    // Skew between the device's and the hub's clock beyond which a record is
    // flagged "clock_skew".
    static constexpr qint64 kMaxClockSkewMs = 5 * 60 * 1000;

    // The identity's secrets (sealing and receipt keys) are referred to,
    // never copied: it must outlive this object.
    // The risk instruments records are checked and scored on: the
    // built-in ones, plus any the force loads through policy
    // (--risk-checklist). Set before the first batch.
    void setChecklists(protocol::RiskChecklistRegistry checklists)
    {
        m_checklists = std::move(checklists);
    }
    // The force's own instrument, which devices are handed at their
    // check-in (DevicePolicy.risk_instrument) and offer for new records:
    // signed here once with the receipt key. Set before serving.
    void offerInstrument(const protocol::RiskChecklist &checklist);
    // The signed instrument with its definition, or nullptr when the force
    // has none (devices use their built-in DASH).
    const v1::RiskInstrument *offeredInstrument() const
    {
        return m_instrument ? &*m_instrument : nullptr;
    }
    BatchIngestor(HubStore &store, const protocol::Clock &clock, const HubIdentity &identity);
    ~BatchIngestor();

    IngestResult ingest(const QByteArray &body, const AuthenticatedDevice &sender);

    // The body of a 403 for a request that could not be ingested: an empty
    // receipt carrying the wipe order, signed for the device.
    v1::SyncReceipt wipeReceipt(const QString &deviceId) const;
    // Signs a receipt for the device it answers (syncwire::signing).
    void sign(v1::SyncReceipt &receipt, const QString &deviceId) const;

    // A batch with at least twice this many records is opened on several
    // threads (at most one per core).
    static constexpr int kRecordsPerThread = 64;

    // The session keys derived so far (tests read its counters).
    const SessionKeyCache &sessionKeys() const { return *m_sessionKeys; }

private:
    // The sender's ids as UTF-8, converted once per batch.
    struct SenderIds
    {
        std::string deviceId, officerId;
        bool revoked = false;
        std::string signingPublicKey;
    };
    void openAll(const v1::SyncBatch &batch, qint64 nowMs, const SenderIds &sender,
                 std::vector<IngestItem> &items) const;
    std::optional<QByteArray> openSeal(const v1::RecordEnvelope &envelope, const SenderIds &sender,
                                       protocol::RecordIssues *reasons) const;
    IngestItem open(const v1::RecordEnvelope &envelope, const v1::SyncBatch &batch, qint64 nowMs,
                    const SenderIds &sender) const;

    HubStore &m_store;
    const protocol::Clock &m_clock;
    QString m_hubId;
    std::string m_hubIdUtf8;
    std::unique_ptr<SessionKeyCache> m_sessionKeys; // thread-safe: openAll shares it
    const SecretBytes &m_receiptKey;                // Ed25519, 64 bytes
    protocol::RiskChecklistRegistry m_checklists;
    std::optional<v1::RiskInstrument> m_instrument;
};

} // namespace safeguard::hub
