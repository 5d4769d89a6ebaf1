#include "filecredentialstore.h"

#include "files/privatefiles.h"

#include <QDir>
#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace safeguard::platform {

namespace {

constexpr qint64 kMaxSecretBytes = 4096;

CredentialStoreError ioError(const char *during)
{
    return {CredentialStoreErrorKind::Io,
            QStringLiteral("credential store: %1: %2")
                .arg(QLatin1String(during), QString::fromLocal8Bit(std::strerror(errno)))};
}

bool validName(const QString &name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (const QChar c : name) {
        if (!(c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_')))
            return false;
    }
    return true;
}

} // namespace

FileCredentialStore::FileCredentialStore(QString dir)
    : m_dir(std::move(dir))
{}

QString FileCredentialStore::pathFor(const QString &name) const
{
    return QDir(m_dir).filePath(name + QStringLiteral(".secret"));
}

CredentialStoreError FileCredentialStore::write(const QString &name, const QByteArray &secret)
{
    if (!validName(name) || secret.size() > kMaxSecretBytes)
        return {CredentialStoreErrorKind::Io, QStringLiteral("credential store: bad name or size")};
    const QByteArray dir = QFile::encodeName(m_dir);
    if (::mkdir(dir.constData(), 0700) != 0 && errno != EEXIST)
        return ioError("mkdir");
    ::chmod(dir.constData(), 0700);
    // A temporary file created O_EXCL | O_NOFOLLOW, fchmod 0600, fsynced,
    // renamed over the old one, the directory fsynced.
    QString error;
    if (!privatefiles::atomicWrite(pathFor(name), secret.constData(), std::size_t(secret.size()),
                                   &error))
        return {CredentialStoreErrorKind::Io, QStringLiteral("credential store: %1").arg(error)};
    return {};
}

CredentialStoreError FileCredentialStore::read(const QString &name, QByteArray *secret)
{
    if (!validName(name))
        return {CredentialStoreErrorKind::NotFound, QStringLiteral("credential store: bad name")};
    // The file sits beside outbox.db, where anyone with the device's files
    // can reach it: a symlink, a file of another owner or one others may
    // open is refused, not trusted.
    QString error;
    switch (privatefiles::readPrivateFile(pathFor(name), kMaxSecretBytes, secret, &error)) {
    case privatefiles::ReadOutcome::Read:
        return {};
    case privatefiles::ReadOutcome::Missing:
        return {CredentialStoreErrorKind::NotFound, QStringLiteral("no credential stored")};
    case privatefiles::ReadOutcome::Refused:
    case privatefiles::ReadOutcome::Failed:
        break;
    }
    return {CredentialStoreErrorKind::Io, QStringLiteral("credential store: %1").arg(error)};
}

CredentialStoreError FileCredentialStore::remove(const QString &name)
{
    if (!validName(name))
        return {CredentialStoreErrorKind::NotFound, QStringLiteral("credential store: bad name")};
    const QByteArray path = QFile::encodeName(pathFor(name));
    if (::unlink(path.constData()) != 0 && errno != ENOENT)
        return ioError("unlink");
    return {};
}

} // namespace safeguard::platform
