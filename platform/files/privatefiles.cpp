#include "privatefiles.h"

#include <QByteArray>
#include <QDir>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

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
    const int fd = ::open(name.constData(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return true;
        // A symbolic link (or anything else unopenable) is removed itself,
        // never written through.
        return ::unlink(name.constData()) == 0;
    }
    struct stat st
    {
    };
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
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

InPlaceFile InPlaceFile::open(const QString &path, std::size_t size, bool create,
                              ReadOutcome *outcome, QString *error)
{
    const QString name = QFileInfo(path).fileName();
    auto refuse = [&](ReadOutcome why, const QString &text) {
        if (outcome)
            *outcome = why;
        if (error)
            *error = text;
        return InPlaceFile();
    };
    const QByteArray encoded = QFile::encodeName(path);
    bool created = false;
    int fd = ::open(encoded.constData(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        PrivateUmask mask;
        fd = ::open(encoded.constData(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        created = fd >= 0;
    }
    if (fd < 0) {
        if (errno == ENOENT)
            return refuse(ReadOutcome::Missing, QStringLiteral("%1 is missing").arg(name));
        if (errno == ELOOP)
            return refuse(ReadOutcome::Refused,
                          QStringLiteral("%1 is a symbolic link: refused").arg(name));
        return refuse(ReadOutcome::Failed, errnoText("open"));
    }
    InPlaceFile file;
    file.m_fd = fd;
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0)
        return refuse(ReadOutcome::Failed, errnoText("stat"));
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
        return refuse(ReadOutcome::Refused,
                      QStringLiteral("%1 is not this user's regular file: refused").arg(name));
    if (created && ::fchmod(fd, 0600) != 0)
        return refuse(ReadOutcome::Failed, errnoText("fchmod"));
    if ((st.st_mode & 077) != 0 && !created)
        return refuse(ReadOutcome::Refused,
                      QStringLiteral("%1 may be opened by others: refused").arg(name));
    if (std::size_t(st.st_size) < size && create) {
        // New, or left short by a crash while it was being made: zeros up to
        // size, in place.
        const std::size_t have = std::size_t(st.st_size);
        QByteArray zeros(qsizetype(size - have), '\0');
        if (!file.writeAt(have, zeros.constData(), std::size_t(zeros.size())) ||
            (created && !fsyncDir(QFileInfo(path).absolutePath())))
            return refuse(ReadOutcome::Failed, errnoText("create"));
    } else if (std::size_t(st.st_size) != size) {
        return refuse(ReadOutcome::Failed, QStringLiteral("%1 has the wrong size").arg(name));
    }
    if (outcome)
        *outcome = ReadOutcome::Read;
    return file;
}

InPlaceFile::InPlaceFile(InPlaceFile &&other) noexcept
    : m_fd(std::exchange(other.m_fd, -1))
{}

InPlaceFile &InPlaceFile::operator=(InPlaceFile &&other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

InPlaceFile::~InPlaceFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool InPlaceFile::readAt(std::size_t offset, void *data, std::size_t size) const
{
    auto *p = static_cast<unsigned char *>(data);
    while (size > 0) {
        const ssize_t n = ::pread(m_fd, p, size, off_t(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        offset += std::size_t(n);
        size -= std::size_t(n);
    }
    return true;
}

bool InPlaceFile::writeAt(std::size_t offset, const void *data, std::size_t size)
{
    const auto *p = static_cast<const unsigned char *>(data);
    std::size_t left = size;
    std::size_t at = offset;
    while (left > 0) {
        const ssize_t n = ::pwrite(m_fd, p, left, off_t(at));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        at += std::size_t(n);
        left -= std::size_t(n);
    }
    return ::fdatasync(m_fd) == 0;
}

DirLock::DirLock(const QString &dir)
    : m_fd(::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC))
{
    m_held = m_fd >= 0 && ::flock(m_fd, LOCK_EX | LOCK_NB) == 0;
}

DirLock::~DirLock()
{
    release();
}

void DirLock::release()
{
    if (m_fd >= 0)
        ::close(m_fd); // releases the lock
    m_fd = -1;
    m_held = false;
}

} // namespace safeguard::platform::privatefiles
