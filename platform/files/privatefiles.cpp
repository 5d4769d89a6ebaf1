#include "privatefiles.h"

#include <QByteArray>
#include <QDir>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace safeguard::platform::privatefiles {

namespace {

QString errnoText(const char *what)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(what),
                                        QString::fromLocal8Bit(std::strerror(errno)));
}

bool writeAll(int fd, const unsigned char *p, std::size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= std::size_t(w);
    }
    return true;
}

} // namespace

PrivateUmask::PrivateUmask()
    : m_old(::umask(077))
{}

PrivateUmask::~PrivateUmask()
{
    ::umask(m_old);
}

bool ensurePrivateDir(const QString &dir, QString *error)
{
    PrivateUmask mask;
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("cannot create the store directory");
        return false;
    }
    if (::chmod(QFile::encodeName(dir).constData(), 0700) != 0) {
        if (error)
            *error = errnoText("chmod store directory");
        return false;
    }
    return true;
}

bool fsyncDir(const QString &dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool atomicWrite(const QString &path, const void *data, std::size_t size, QString *error)
{
    const QByteArray target = QFile::encodeName(path);
    const QByteArray temp = target + ".tmp";
    PrivateUmask mask;
    const int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (error)
            *error = errnoText("create temporary file");
        return false;
    }
    bool ok = ::fchmod(fd, 0600) == 0 &&
              writeAll(fd, static_cast<const unsigned char *>(data), size) && ::fsync(fd) == 0;
    if (!ok && error)
        *error = errnoText("write temporary file");
    ::close(fd);
    if (ok && ::rename(temp.constData(), target.constData()) != 0) {
        ok = false;
        if (error)
            *error = errnoText("rename");
    }
    if (!ok) {
        ::unlink(temp.constData());
        return false;
    }
    if (!fsyncDir(QFileInfo(path).absolutePath())) {
        if (error)
            *error = errnoText("fsync directory");
        return false;
    }
    return true;
}

bool readSmallFile(const QString &path, std::size_t maxBytes, QByteArray *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read %1").arg(QFileInfo(path).fileName());
        return false;
    }
    if (std::size_t(f.size()) > maxBytes) {
        if (error)
            *error = QStringLiteral("%1 is too large").arg(QFileInfo(path).fileName());
        return false;
    }
    *out = f.readAll();
    return true;
}

bool shred(const QString &path)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    struct stat st
    {
    };
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
        unsigned char block[4096];
        off_t left = st.st_size;
        while (left > 0) {
            const std::size_t n =
                std::size_t(left < off_t(sizeof block) ? left : off_t(sizeof block));
            randombytes_buf(block, n);
            if (!writeAll(fd, block, n))
                break;
            left -= off_t(n);
        }
        ::fsync(fd);
    }
    ::close(fd);
    return ::unlink(name.constData()) == 0;
}

} // namespace safeguard::platform::privatefiles
