#include "batchbuilder.h"

#include "protocol/derivedfacts.h"

#include <QUuid>
#include <sodium.h>

namespace safeguard::syncwire {

BatchBuilder::BatchBuilder(QByteArray sealingPublicKey, SealBinding binding)
    : m_publicKey(std::move(sealingPublicKey))
    , m_binding(std::move(binding))
{
    Q_ASSERT(m_publicKey.size() == crypto_box_PUBLICKEYBYTES);
    [[maybe_unused]] const int ready = sodium_init();
}

BatchBuilder::BatchBuilder(SealingSession &session)
    : BatchBuilder(session.hubPublicKey(), session.binding())
{
    m_session = &session;
}

BatchBuilder::~BatchBuilder() = default;

SealingSession &BatchBuilder::session() const
{
    if (m_session)
        return *m_session;
    if (!m_ownSession)
        m_ownSession = std::make_unique<SealingSession>(m_publicKey, m_binding, 0);
    return *m_ownSession;
}

QByteArray BatchBuilder::sha256(const QByteArray &bytes)
{
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(out.data()),
                       reinterpret_cast<const unsigned char *>(bytes.constData()),
                       quint64(bytes.size()));
    return out;
}

namespace {

v1::RecordEnvelope envelopeFor(const QString &recordId, quint32 version, v1::Priority priority,
                               const QByteArray &serializedRecord)
{
    v1::RecordEnvelope envelope;
    envelope.set_record_id(recordId.toStdString());
    envelope.set_version(version);
    envelope.set_priority(priority);
    const QByteArray digest = BatchBuilder::sha256(serializedRecord);
    envelope.set_sha256(digest.constData(), size_t(digest.size()));
    return envelope;
}

v1::Priority priorityOf(const v1::IncidentRecord &record)
{
    return protocol::derived::isUrgent(record) ? v1::PRIORITY_URGENT : v1::PRIORITY_NORMAL;
}

QByteArray bytesOf(const v1::IncidentRecord &record)
{
    const std::string bytes = record.SerializeAsString();
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

} // namespace

v1::RecordEnvelope BatchBuilder::seal(const QString &recordId, quint32 version,
                                      v1::Priority priority, const QByteArray &serializedRecord,
                                      SealingError *error) const
{
    v1::RecordEnvelope envelope = envelopeFor(recordId, version, priority, serializedRecord);
    envelope.set_seal_scheme(v1::SEAL_SCHEME_SESSION_XCHACHA20);
    SealingSession &s = session();
    if (const auto sealed = s.seal(recordId, version, serializedRecord, error)) {
        envelope.set_sealed(sealed->constData(), size_t(sealed->size()));
        envelope.set_session_signature(s.signature().constData(), size_t(s.signature().size()));
    }
    return envelope;
}

v1::RecordEnvelope BatchBuilder::seal(const v1::IncidentRecord &record) const
{
    return seal(QString::fromStdString(record.record_id()), record.version(), priorityOf(record),
                bytesOf(record));
}

v1::SyncBatch BatchBuilder::batch(quint64 sequence, qint64 sentAtMs, int utcOffsetMinutes) const
{
    v1::SyncBatch b;
    b.set_batch_id(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString());
    b.set_device_id(m_binding.deviceId.toStdString());
    b.set_sequence(sequence);
    b.mutable_sent_at()->set_unix_ms(sentAtMs);
    b.mutable_sent_at()->set_utc_offset_minutes(utcOffsetMinutes);
    return b;
}

} // namespace safeguard::syncwire
