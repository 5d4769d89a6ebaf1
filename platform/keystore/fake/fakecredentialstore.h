#pragma once

#include "keystore/credentialstore.h"

#include <QHash>

namespace safeguard::platform {

// An in-memory CredentialStore for tests: nothing touches the desktop's
// keychain or the disk. failWith() makes every later call fail that way.
class FakeCredentialStore : public CredentialStore
{
public:
    CredentialStoreError write(const QString &name, const QByteArray &secret) override
    {
        if (m_failure)
            return m_failure;
        m_secrets.insert(name, secret);
        return {};
    }
    CredentialStoreError read(const QString &name, QByteArray *secret) override
    {
        if (m_failure)
            return m_failure;
        if (!m_secrets.contains(name))
            return {CredentialStoreErrorKind::NotFound, QStringLiteral("no credential stored")};
        *secret = m_secrets.value(name);
        return {};
    }
    CredentialStoreError remove(const QString &name) override
    {
        m_secrets.remove(name);
        return m_failure;
    }
    QString backendName() const override { return QStringLiteral("fake"); }

    void failWith(CredentialStoreError e) { m_failure = std::move(e); }
    int size() const { return int(m_secrets.size()); }

private:
    QHash<QString, QByteArray> m_secrets;
    CredentialStoreError m_failure;
};

} // namespace safeguard::platform
