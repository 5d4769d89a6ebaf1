#include "deviceregistry.h"

#include "hubidentity.h"
#include "wire/enrolmentcode.h"

#include <QUuid>
#include <sodium.h>

namespace safeguard::hub {

DeviceRegistry::DeviceRegistry(HubStore &store, const protocol::Clock &clock)
    : m_store(store)
    , m_clock(clock)
{
    [[maybe_unused]] const int ready = sodium_init();
}

QByteArray DeviceRegistry::hashSecret(const QByteArray &secret)
{
    // The secrets are 32 random bytes, so a fast unkeyed hash is enough: there
    // is nothing to brute-force.
    QByteArray out(crypto_generichash_BYTES, Qt::Uninitialized);
    crypto_generichash(reinterpret_cast<unsigned char *>(out.data()), size_t(out.size()),
                       reinterpret_cast<const unsigned char *>(secret.constData()),
                       quint64(secret.size()), nullptr, 0);
    return out;
}

std::optional<v1::EnrolmentCode>
DeviceRegistry::issueCode(const HubIdentity &identity, const QString &officerId,
                          const QString &hubUrl, qint64 lifetimeSecs, HubStoreError *error)
{
    QByteArray secret(32, Qt::Uninitialized);
    randombytes_buf(secret.data(), size_t(secret.size()));
    EnrolmentCodeRow row;
    row.codeId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    row.secretHash = hashSecret(secret);
    row.officerId = officerId;
    row.createdAtMs = m_clock.nowMs();
    row.expiresAtMs = row.createdAtMs + lifetimeSecs * 1000;
    if (auto e = m_store.addEnrolmentCode(row); !e.ok()) {
        if (error)
            *error = e;
        return std::nullopt;
    }
    v1::EnrolmentCode code;
    code.set_hub_url(hubUrl.toStdString());
    code.set_tls_pin_sha256(identity.tlsPin.toStdString());
    code.set_backup_pin_sha256(identity.backupPin.toStdString());
    code.set_sealing_public_key(identity.sealingPublicKey.toStdString());
    code.set_code_id(row.codeId.toStdString());
    code.set_secret(secret.toStdString());
    code.set_expires_at_unix_ms(row.expiresAtMs);
    code.set_hub_id(identity.hubId.toStdString());
    code.set_officer_id(officerId.toStdString());
    code.set_hub_signing_public_key(identity.receiptSigningPublicKey.toStdString());
    return code;
}

EnrolmentResult DeviceRegistry::enrol(const v1::EnrolmentRequest &request, const QString &hubId)
{
    EnrolmentResult result;
    // The device's own credential when it sent one (it can then retry with
    // the same code after a lost reply); otherwise one chosen here.
    const bool ownCredential = !request.device_credential().empty();
    QString credentialText;
    if (ownCredential) {
        const QByteArray text = QByteArray::fromStdString(request.device_credential());
        const auto raw = text.size() <= 64 ? syncwire::fromBase64Url(text) : std::nullopt;
        if (!raw || raw->size() != 32 || syncwire::toBase64Url(*raw) != text) {
            result.outcome = RedeemOutcome::Malformed;
            return result;
        }
        credentialText = QString::fromLatin1(text);
    } else {
        QByteArray credential(32, Qt::Uninitialized);
        randombytes_buf(credential.data(), size_t(credential.size()));
        credentialText = QString::fromLatin1(syncwire::toBase64Url(credential));
    }

    // The device's signing key: required, and a point libsodium accepts
    // (a malformed key could never verify, so the device could never send).
    const std::string &signingKey = request.device_signing_public_key();
    unsigned char curve[crypto_scalarmult_curve25519_BYTES];
    if (signingKey.size() != crypto_sign_PUBLICKEYBYTES ||
        crypto_sign_ed25519_pk_to_curve25519(
            curve, reinterpret_cast<const unsigned char *>(signingKey.data())) != 0) {
        result.outcome = RedeemOutcome::Malformed;
        return result;
    }

    const QString codeId = QString::fromStdString(request.code_id()).left(64);
    DeviceRow device;
    device.signingPublicKey = QByteArray::fromStdString(signingKey);
    device.deviceId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    device.credentialHash = hashSecret(credentialText.toLatin1());
    result.outcome =
        m_store.redeemCode(codeId, hashSecret(QByteArray::fromStdString(request.secret())),
                           m_clock.nowMs(), device, QString::fromStdString(request.device_name()));
    if (result.outcome != RedeemOutcome::Enrolled)
        return result;
    const auto stored = m_store.findDevice(device.deviceId);
    result.response.set_device_id(device.deviceId.toStdString());
    if (!ownCredential)
        result.response.set_device_credential(credentialText.toStdString());
    result.response.set_hub_id(hubId.toStdString());
    result.response.mutable_policy()->set_retention_hours(kDefaultRetentionHours);
    if (stored)
        result.response.set_officer_id(stored->officerId.toStdString());
    return result;
}

AuthResult DeviceRegistry::authenticate(const QByteArray &header)
{
    static const QByteArray kScheme = QByteArrayLiteral("Bearer ");
    if (header.isEmpty())
        return {AuthOutcome::Missing, {}, {}, {}};
    if (!header.startsWith(kScheme) || header.size() > 256)
        return {AuthOutcome::Invalid, {}, {}, {}};
    const QByteArray token = header.mid(kScheme.size()).trimmed();
    const qsizetype dot = token.indexOf('.');
    if (dot <= 0)
        return {AuthOutcome::Invalid, {}, {}, {}};
    const QString deviceId = QString::fromLatin1(token.left(dot));
    if (QUuid::fromString(deviceId).isNull())
        return {AuthOutcome::Invalid, {}, {}, {}};
    HubStoreError error;
    const auto device = m_store.findDevice(deviceId, &error);
    if (!device)
        return {error.ok() ? AuthOutcome::Invalid : AuthOutcome::StoreFailed, {}, {}, {}};
    const QByteArray presented = hashSecret(token.mid(dot + 1));
    if (presented.size() != device->credentialHash.size() ||
        sodium_memcmp(presented.constData(), device->credentialHash.constData(),
                      size_t(presented.size())) != 0)
        return {AuthOutcome::Invalid, deviceId, {}, {}};
    // Only a device that proves it holds the credential learns it is revoked.
    if (device->revoked)
        return {AuthOutcome::Revoked, deviceId, device->officerId, device->signingPublicKey};
    return {AuthOutcome::Authenticated, deviceId, device->officerId, device->signingPublicKey};
}

} // namespace safeguard::hub
