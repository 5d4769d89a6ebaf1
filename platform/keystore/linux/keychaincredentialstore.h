#pragma once

#include "filecredentialstore.h"
#include "keystore/credentialstore.h"

#include <memory>

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

// The Secret Service where it answers, else a 0600 file. Reads look in
// both only until the Secret Service has held the secrets once (a marker
// file says so): from then on it alone does, and a Secret Service that does
// not answer means "retry", never the files, so a file planted beside
// outbox.db is not read. (Deleting the marker as well is the attack the
// encrypted store's own copy of the enrolment answers; docs/SECURITY.md.)
class LayeredCredentialStore final : public CredentialStore
{
public:
    static QString markerFileName() { return QStringLiteral("credentials.secret-service"); }

    LayeredCredentialStore(std::unique_ptr<CredentialStore> primary,
                           std::unique_ptr<FileCredentialStore> file, QString markerPath);

    CredentialStoreError write(const QString &name, const QByteArray &secret) override;
    CredentialStoreError read(const QString &name, QByteArray *secret) override;
    CredentialStoreError remove(const QString &name) override;
    QString backendName() const override;

private:
    bool primaryHasHeld() const;

    std::unique_ptr<CredentialStore> m_primary;
    std::unique_ptr<FileCredentialStore> m_file;
    QString m_markerPath;
};

} // namespace safeguard::platform
