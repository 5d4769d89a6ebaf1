#pragma once

#include <QString>
#include <cstddef>
#include <sys/types.h>

namespace safeguard::platform {

// File-system steps for files only the app's user may read: a 0700
// directory, 0600 files, and replacement that survives power loss (write a
// temporary file, fsync it, rename it over the old one, fsync the
// directory). All functions return false and set errno-based text in
// *error on failure; none of them ever writes file content to a log.
namespace privatefiles {

// Creates the directory (and parents) if needed and forces mode 0700.
bool ensurePrivateDir(const QString &dir, QString *error);

// Atomically replaces path with data, mode 0600, durable when it returns.
// The temporary file is created with O_EXCL | O_NOFOLLOW (a planted file or
// symlink is never written through) and its mode set with fchmod.
bool atomicWrite(const QString &path, const void *data, std::size_t size, QString *error);

// Reads a whole small file (at most maxBytes); false if missing or larger,
// a symlink, or not a regular file.
bool readSmallFile(const QString &path, std::size_t maxBytes, QByteArray *out, QString *error);

enum class ReadOutcome
{
    Read,
    Missing,
    Refused, // a symlink, not a regular file, another owner, or readable by others
    Failed,  // an I/O error, or larger than maxBytes
};
// readSmallFile for secrets: also refuses a file that another user owns or
// that group or others may read or write (someone put it there, or loosened
// it), rather than trusting what it holds.
ReadOutcome readPrivateFile(const QString &path, std::size_t maxBytes, QByteArray *out,
                            QString *error);

// Overwrites the file's bytes with random data, fsyncs and unlinks it
// (never through a symbolic link, and only a regular file). On
// flash storage the overwrite is best effort (wear levelling may keep old
// blocks): what makes data unreadable is destroying the key, not this.
bool shred(const QString &path);

bool fsyncDir(const QString &dir);

// A small file of fixed size that is only ever written in place: the same
// inode, the same blocks, for its whole life (pwrite + fdatasync; never a
// temporary file and a rename, which leaves the old bytes in free blocks).
// For secrets a wipe must destroy (the wipe key) and counters that change on
// every attempt (the vault's failed attempts). Opened with O_NOFOLLOW;
// refused unless it is a regular file of this user that no one else may
// open. Move-only; closes on destruction.
class InPlaceFile
{
public:
    // Opens path. With create, a missing file is made (O_EXCL, mode 0600 set
    // with fchmod, size bytes of zeros, fsynced with its directory), and a
    // file left short by a crash during that is zero-filled to size in place.
    static InPlaceFile open(const QString &path, std::size_t size, bool create,
                            ReadOutcome *outcome, QString *error);
    InPlaceFile() = default;
    InPlaceFile(InPlaceFile &&other) noexcept;
    InPlaceFile &operator=(InPlaceFile &&other) noexcept;
    InPlaceFile(const InPlaceFile &) = delete;
    InPlaceFile &operator=(const InPlaceFile &) = delete;
    ~InPlaceFile();

    bool isOpen() const { return m_fd >= 0; }
    bool readAt(std::size_t offset, void *data, std::size_t size) const;
    // pwrite at offset, then fdatasync: durable when it returns true.
    bool writeAt(std::size_t offset, const void *data, std::size_t size);

private:
    int m_fd = -1;
};

// An exclusive advisory lock (flock) on a directory, held for the object's
// life: one process at a time changes the key vault. Never waits: held() is
// false when another process holds it.
class DirLock
{
public:
    explicit DirLock(const QString &dir);
    ~DirLock();
    DirLock(const DirLock &) = delete;
    DirLock &operator=(const DirLock &) = delete;
    bool held() const { return m_held; }
    // Lets go early (before a call that takes the lock itself).
    void release();

private:
    int m_fd = -1;
    bool m_held = false;
};

// Sets the process umask to 077 for its lifetime. The umask is process-wide:
// do not create files with other intended modes on other threads meanwhile.
class PrivateUmask
{
public:
    PrivateUmask();
    ~PrivateUmask();
    PrivateUmask(const PrivateUmask &) = delete;
    PrivateUmask &operator=(const PrivateUmask &) = delete;

private:
    mode_t m_old;
};

} // namespace privatefiles
} // namespace safeguard::platform
