#include "filecredentialstore.h"

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
    const QByteArray path = QFile::encodeName(pathFor(name));
    const QByteArray tmp = path + ".tmp";
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ioError("open");
    qint64 done = 0;
    while (done < secret.size()) {
        const ssize_t n = ::write(fd, secret.constData() + done, std::size_t(secret.size() - done));
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.constData());
            return ioError("write");
        }
        done += n;
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        return ioError("fsync");
    }
    ::close(fd);
    if (::rename(tmp.constData(), path.constData()) != 0)
        return ioError("rename");
    const int dfd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

CredentialStoreError FileCredentialStore::read(const QString &name, QByteArray *secret)
{
    if (!validName(name))
        return {CredentialStoreErrorKind::NotFound, QStringLiteral("credential store: bad name")};
    QFile f(pathFor(name));
    if (!f.exists())
        return {CredentialStoreErrorKind::NotFound, QStringLiteral("no credential stored")};
    if (!f.open(QIODevice::ReadOnly) || f.size() > kMaxSecretBytes)
        return {CredentialStoreErrorKind::Io, QStringLiteral("credential store: cannot read")};
    *secret = f.readAll();
    return {};
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
