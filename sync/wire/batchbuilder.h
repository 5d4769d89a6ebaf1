#pragma once

#include "safeguard/v1/sync.pb.h"
#include "sealingsession.h"

#include <QByteArray>
#include <QString>
#include <memory>

namespace safeguard::syncwire {

// Seals submitted records to the hub's X25519 public key and gathers them
// into a v1::SyncBatch. seal() uses a SealingSession (one X25519 operation
// per session on either side; the session key lives only in locked memory,
// so the device keeps nothing on disk that can open what it has sealed):
// the caller's, or one of the builder's own opened at the first seal() and
// ended with the builder. Every seal is bound to the device and hub of the
// builder's SealBinding (see syncwire::sessionseal). The envelope carries the SHA-256 of the exact
// plaintext bytes, which the hub checks after opening the seal.
class BatchBuilder
{
public:
    // sealingPublicKey: the 32-byte key from the enrolment code; binding:
    // the enrolled device's id (also the batches' device id) and the hub's.
    BatchBuilder(QByteArray sealingPublicKey, SealBinding binding);
    // Seals with session (and its key and binding), which must outlive the
    // builder.
    explicit BatchBuilder(SealingSession &session);
    ~BatchBuilder();

    // An envelope for one record's exact serialized bytes, session-sealed.
    // When the session refuses (ended), *error says why and the envelope's
    // sealed bytes are empty (the hub would reject it as unsealable).
    v1::RecordEnvelope seal(const QString &recordId, quint32 version, v1::Priority priority,
                            const QByteArray &serializedRecord,
                            SealingError *error = nullptr) const;
    // Serializes, judges urgency with derived::isUrgent, and seals.
    v1::RecordEnvelope seal(const v1::IncidentRecord &record) const;

    // A batch with a fresh UUID batch id; sentAtMs/offset from the device clock.
    v1::SyncBatch batch(quint64 sequence, qint64 sentAtMs, int utcOffsetMinutes) const;

    static QByteArray sha256(const QByteArray &bytes);

private:
    SealingSession &session() const;

    QByteArray m_publicKey;
    SealBinding m_binding;
    SealingSession *m_session = nullptr;                  // the caller's, or m_ownSession
    mutable std::unique_ptr<SealingSession> m_ownSession; // opened at the first seal()
};

} // namespace safeguard::syncwire
