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
    constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::open(temp.constData(), kFlags, 0600);
    if (fd < 0 && errno == EEXIST) {
        // Left by a crash, or planted: removed (a symlink itself, never its
        // target) and created afresh.
        ::unlink(temp.constData());
        fd = ::open(temp.constData(), kFlags, 0600);
    }
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

namespace {

ReadOutcome readNoFollow(const QString &path, std::size_t maxBytes, bool privateOnly,
                         QByteArray *out, QString *error)
{
    const QString name = QFileInfo(path).fileName();
    auto say = [error](const QString &text) {
        if (error)
            *error = text;
    };
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            say(QStringLiteral("%1 is missing").arg(name));
            return ReadOutcome::Missing;
        }
        say(errno == ELOOP ? QStringLiteral("%1 is a symbolic link: refused").arg(name)
                           : QStringLiteral("cannot read %1").arg(name));
        return errno == ELOOP ? ReadOutcome::Refused : ReadOutcome::Failed;
    }
    struct stat st
    {
    };
    ReadOutcome outcome = ReadOutcome::Read;
    if (::fstat(fd, &st) != 0) {
        say(QStringLiteral("cannot read %1").arg(name));
        outcome = ReadOutcome::Failed;
    } else if (!S_ISREG(st.st_mode)) {
        say(QStringLiteral("%1 is not a regular file: refused").arg(name));
        outcome = ReadOutcome::Refused;
    } else if (privateOnly && (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)) {
        say(QStringLiteral("%1 belongs to someone else or others may open it: refused").arg(name));
        outcome = ReadOutcome::Refused;
    } else if (std::size_t(st.st_size) > maxBytes) {
        say(QStringLiteral("%1 is too large").arg(name));
        outcome = ReadOutcome::Failed;
    } else {
        QByteArray data(qsizetype(st.st_size), Qt::Uninitialized);
        qsizetype done = 0;
        while (done < data.size()) {
            const ssize_t n = ::read(fd, data.data() + done, std::size_t(data.size() - done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += n;
        }
        if (done != data.size()) {
            say(QStringLiteral("cannot read %1").arg(name));
            outcome = ReadOutcome::Failed;
        } else {
            *out = std::move(data);
        }
    }
    ::close(fd);
    return outcome;
}

} // namespace

bool readSmallFile(const QString &path, std::size_t maxBytes, QByteArray *out, QString *error)
{
    return readNoFollow(path, maxBytes, false, out, error) == ReadOutcome::Read;
}

ReadOutcome readPrivateFile(const QString &path, std::size_t maxBytes, QByteArray *out,
                            QString *error)
{
    return readNoFollow(path, maxBytes, true, out, error);
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
