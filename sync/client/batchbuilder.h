#pragma once

#include "safeguard/v1/sync.pb.h"

#include <QByteArray>
#include <QString>

namespace safeguard::syncwire {

// Seals submitted records to the hub's X25519 public key and gathers them
// into a v1::SyncBatch. Sealing uses libsodium's crypto_box_seal (an
// ephemeral sender key per record), so the device keeps nothing that can
// open what it has sealed. The envelope carries the SHA-256 of the exact
// plaintext bytes, which the hub checks after opening the seal.
class BatchBuilder
{
public:
    // sealingPublicKey: the 32-byte key from the enrolment code.
    BatchBuilder(QByteArray sealingPublicKey, QString deviceId);

    // An envelope for one record's exact serialized bytes.
    v1::RecordEnvelope seal(const QString &recordId, quint32 version, v1::Priority priority,
                            const QByteArray &serializedRecord) const;
    // Serializes, judges urgency with derived::isUrgent, and seals.
    v1::RecordEnvelope seal(const v1::IncidentRecord &record) const;

    // A batch with a fresh UUID batch id; sentAtMs/offset from the device clock.
    v1::SyncBatch batch(quint64 sequence, qint64 sentAtMs, int utcOffsetMinutes) const;

    static QByteArray sha256(const QByteArray &bytes);

private:
    QByteArray m_publicKey;
    QString m_deviceId;
};

} // namespace safeguard::syncwire
