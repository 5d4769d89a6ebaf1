#include "keychaincredentialstore.h"

#include "filecredentialstore.h"

#include <QCryptographicHash>
#include <QEventLoop>
#include <qt6keychain/keychain.h>

namespace safeguard::platform {

namespace {

template<typename Job> CredentialStoreError runJob(Job &job)
{
    job.setAutoDelete(false);
    job.setInsecureFallback(false);
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    job.start();
    loop.exec();
    switch (job.error()) {
    case QKeychain::NoError:
        return {};
    case QKeychain::EntryNotFound:
        return {CredentialStoreErrorKind::NotFound, QStringLiteral("no credential stored")};
    default:
        // QtKeychain's text names the backend's failure; it never holds the secret.
        return {CredentialStoreErrorKind::Unavailable, job.errorString()};
    }
}

} // namespace

KeychainCredentialStore::KeychainCredentialStore(QString service)
    : m_service(std::move(service))
{}

CredentialStoreError KeychainCredentialStore::write(const QString &name, const QByteArray &secret)
{
    QKeychain::WritePasswordJob job(m_service);
    job.setKey(name);
    job.setBinaryData(secret);
    return runJob(job);
}

CredentialStoreError KeychainCredentialStore::read(const QString &name, QByteArray *secret)
{
    QKeychain::ReadPasswordJob job(m_service);
    job.setKey(name);
    CredentialStoreError e = runJob(job);
    if (e.ok())
        *secret = job.binaryData();
    return e;
}

CredentialStoreError KeychainCredentialStore::remove(const QString &name)
{
    QKeychain::DeletePasswordJob job(m_service);
    job.setKey(name);
    CredentialStoreError e = runJob(job);
    return e.kind == CredentialStoreErrorKind::NotFound ? CredentialStoreError{} : e;
}

bool KeychainCredentialStore::isAvailable()
{
    QByteArray ignored;
    const CredentialStoreError e = read(QStringLiteral("availability-probe"), &ignored);
    return e.ok() || e.kind == CredentialStoreErrorKind::NotFound;
}

namespace {

// The Secret Service where it answers, else a 0600 file; reads look in both,
// so a credential written while the Secret Service was down (or up) is
// still found on a later launch when it is up (or down).
class LayeredCredentialStore final : public CredentialStore
{
public:
    LayeredCredentialStore(std::unique_ptr<KeychainCredentialStore> keychain,
                           std::unique_ptr<FileCredentialStore> file)
        : m_keychain(std::move(keychain))
        , m_file(std::move(file))
    {}

    CredentialStoreError write(const QString &name, const QByteArray &secret) override
    {
        if (m_keychain->write(name, secret).ok()) {
            m_file->remove(name); // one copy only, in the better place
            return {};
        }
        return m_file->write(name, secret);
    }

    CredentialStoreError read(const QString &name, QByteArray *secret) override
    {
        const CredentialStoreError k = m_keychain->read(name, secret);
        if (k.ok())
            return k;
        const CredentialStoreError f = m_file->read(name, secret);
        if (f.ok() || k.kind == CredentialStoreErrorKind::NotFound)
            return f;
        return k; // not in the file and the Secret Service did not answer: retry later
    }

    CredentialStoreError remove(const QString &name) override
    {
        const CredentialStoreError k = m_keychain->remove(name);
        const CredentialStoreError f = m_file->remove(name);
        return f.ok()
                   ? (k.kind == CredentialStoreErrorKind::Unavailable ? CredentialStoreError{} : k)
                   : f;
    }

    QString backendName() const override
    {
        return m_keychain->backendName() + QStringLiteral(" + ") + m_file->backendName();
    }

private:
    std::unique_ptr<KeychainCredentialStore> m_keychain;
    std::unique_ptr<FileCredentialStore> m_file;
};

} // namespace

std::unique_ptr<CredentialStore> createPlatformCredentialStore(const QString &deviceDir)
{
    // One keychain entry set per device directory, so two stores on one
    // desktop (a developer's test device, say) never share a credential.
    const QByteArray tag =
        QCryptographicHash::hash(deviceDir.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    return std::make_unique<LayeredCredentialStore>(
        std::make_unique<KeychainCredentialStore>(QStringLiteral("Safeguard-") +
                                                  QLatin1String(tag)),
        std::make_unique<FileCredentialStore>(deviceDir));
}

} // namespace safeguard::platform
