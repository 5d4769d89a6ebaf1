#include "keychaincredentialstore.h"

#include "filecredentialstore.h"
#include "files/privatefiles.h"

#include <QCryptographicHash>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
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

LayeredCredentialStore::LayeredCredentialStore(std::unique_ptr<CredentialStore> primary,
                                               std::unique_ptr<FileCredentialStore> file,
                                               QString markerPath)
    : m_primary(std::move(primary))
    , m_file(std::move(file))
    , m_markerPath(std::move(markerPath))
{}

bool LayeredCredentialStore::primaryHasHeld() const
{
    return QFileInfo::exists(m_markerPath);
}

CredentialStoreError LayeredCredentialStore::write(const QString &name, const QByteArray &secret)
{
    const CredentialStoreError k = m_primary->write(name, secret);
    if (k.ok()) {
        if (!primaryHasHeld() && !privatefiles::atomicWrite(m_markerPath, "1\n", 2, nullptr))
            return {CredentialStoreErrorKind::Io,
                    QStringLiteral("credential store: cannot note the Secret Service in use")};
        m_file->remove(name); // one copy only, in the better place
        return {};
    }
    // Once the Secret Service has held the secrets, it alone does: a
    // Secret Service that does not answer means later, never files.
    if (primaryHasHeld())
        return k;
    return m_file->write(name, secret);
}

CredentialStoreError LayeredCredentialStore::read(const QString &name, QByteArray *secret)
{
    const CredentialStoreError k = m_primary->read(name, secret);
    if (k.ok() || primaryHasHeld())
        return k; // Unavailable: retry later; NotFound: not in the file either
    const CredentialStoreError f = m_file->read(name, secret);
    if (f.ok() || k.kind == CredentialStoreErrorKind::NotFound)
        return f;
    return k; // not in the file and the Secret Service did not answer: retry later
}

CredentialStoreError LayeredCredentialStore::remove(const QString &name)
{
    const CredentialStoreError k = m_primary->remove(name);
    const CredentialStoreError f = m_file->remove(name);
    if (!f.ok())
        return f;
    if (k.kind == CredentialStoreErrorKind::Unavailable && !primaryHasHeld())
        return {};
    return k;
}

QString LayeredCredentialStore::backendName() const
{
    return m_primary->backendName() + QStringLiteral(" + ") + m_file->backendName();
}

std::unique_ptr<CredentialStore> createPlatformCredentialStore(const QString &deviceDir)
{
    // One keychain entry set per device directory, so two stores on one
    // desktop (a developer's test device, say) never share a credential.
    const QByteArray tag =
        QCryptographicHash::hash(deviceDir.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    return std::make_unique<LayeredCredentialStore>(
        std::make_unique<KeychainCredentialStore>(QStringLiteral("Safeguard-") +
                                                  QLatin1String(tag)),
        std::make_unique<FileCredentialStore>(deviceDir),
        QDir(deviceDir).filePath(LayeredCredentialStore::markerFileName()));
}

} // namespace safeguard::platform
