#pragma once

#include <QByteArray>
#include <QString>
#include <memory>

namespace safeguard::platform {

enum class CredentialStoreErrorKind
{
    None,
    NotFound,    // nothing stored under that name
    Unavailable, // the platform's key store is missing or refused
    Io,          // the file-backed store could not read or write
};

struct CredentialStoreError
{
    CredentialStoreErrorKind kind = CredentialStoreErrorKind::None;
    QString message; // never holds the secret
    bool ok() const { return kind == CredentialStoreErrorKind::None; }
    explicit operator bool() const { return !ok(); }
};

// Where the device keeps the secret the hub issued at enrolment (the bearer
// credential for POST /v1/sync). It must be readable while the app is
// locked, because the sync engine sends sealed records without the officer's
// key; so it is protected by the platform (a Secret Service on a Linux
// desktop, the Keystore/Keychain on a phone), not by the officer's
// passphrase. Calls are synchronous; implementations are not thread-safe.
class CredentialStore
{
public:
    virtual ~CredentialStore() = default;
    virtual CredentialStoreError write(const QString &name, const QByteArray &secret) = 0;
    virtual CredentialStoreError read(const QString &name, QByteArray *secret) = 0;
    virtual CredentialStoreError remove(const QString &name) = 0;
    // A short, non-secret description for logs ("secret-service", "file", "fake").
    virtual QString backendName() const = 0;
};

// The platform's store for a device directory: on Linux QtKeychain (insecure
// plaintext fallback off) when a Secret Service answers, else the 0600
// file-backed store in deviceDir (weaker: see docs/SECURITY.md).
std::unique_ptr<CredentialStore> createPlatformCredentialStore(const QString &deviceDir);

} // namespace safeguard::platform
