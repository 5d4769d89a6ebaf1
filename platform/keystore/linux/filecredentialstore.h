#pragma once

#include "keystore/credentialstore.h"

namespace safeguard::platform {

// Secrets as files named "<name>.secret" (mode 0600) in a 0700 directory,
// each replaced atomically (write, fsync, rename). The fallback for a Linux
// desktop without a Secret Service, and the store of simulated devices: it
// protects against other users of the machine only, not against anyone who
// can read this user's files (docs/SECURITY.md says so).
class FileCredentialStore : public CredentialStore
{
public:
    explicit FileCredentialStore(QString dir);
    CredentialStoreError write(const QString &name, const QByteArray &secret) override;
    CredentialStoreError read(const QString &name, QByteArray *secret) override;
    CredentialStoreError remove(const QString &name) override;
    QString backendName() const override { return QStringLiteral("file"); }

private:
    QString pathFor(const QString &name) const;
    QString m_dir;
};

} // namespace safeguard::platform
