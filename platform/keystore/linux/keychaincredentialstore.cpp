#include "keychaincredentialstore.h"
#include "filecredentialstore.h"

#include <QCryptographicHash>
#include <QEventLoop>
#include <qt6keychain/keychain.h>

namespace safeguard::platform {

namespace {

template <typename Job> CredentialStoreError runJob(Job &job)
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

std::unique_ptr<CredentialStore> createPlatformCredentialStore(const QString &deviceDir)
{
    // One keychain entry set per device directory, so two stores on one
    // desktop (a developer's test device, say) never share a credential.
    const QByteArray tag =
        QCryptographicHash::hash(deviceDir.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    auto keychain =
        std::make_unique<KeychainCredentialStore>(QStringLiteral("Safeguard-") + QLatin1String(tag));
    if (keychain->isAvailable())
        return keychain;
    return std::make_unique<FileCredentialStore>(deviceDir);
}

} // namespace safeguard::platform
