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

// Overwrites the file's bytes with random data, fsyncs and unlinks it. On
// flash storage the overwrite is best effort (wear levelling may keep old
// blocks): what makes data unreadable is destroying the key, not this.
bool shred(const QString &path);

bool fsyncDir(const QString &dir);

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
