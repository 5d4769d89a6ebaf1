#pragma once

#include "keystore/credentialstore.h"

namespace safeguard::platform {

// Secrets in the desktop's Secret Service (GNOME Keyring, KWallet) through
// QtKeychain, under the service name "Safeguard" plus a per-device-directory
// suffix. QtKeychain's insecure plaintext fallback is off: where no Secret
// Service answers, calls fail with Unavailable and the caller picks the
// file-backed store instead. Jobs are asynchronous in QtKeychain; this class
// waits for each in a local event loop.
class KeychainCredentialStore : public CredentialStore
{
public:
    explicit KeychainCredentialStore(QString service);
    CredentialStoreError write(const QString &name, const QByteArray &secret) override;
    CredentialStoreError read(const QString &name, QByteArray *secret) override;
    CredentialStoreError remove(const QString &name) override;
    QString backendName() const override { return QStringLiteral("secret-service"); }

    // True when a Secret Service answers a harmless read.
    bool isAvailable();

private:
    QString m_service;
};

} // namespace safeguard::platform
