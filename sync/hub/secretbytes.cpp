#include "secretbytes.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace safeguard::hub {

SecretBytes::SecretBytes(std::size_t size)
{
    if (size == 0)
        return;
    // sodium_malloc needs the page size that sodium_init() looks up.
    if (sodium_init() < 0)
        throw std::bad_alloc();
    m_data = static_cast<unsigned char *>(sodium_malloc(size + 1));
    if (!m_data)
        throw std::bad_alloc();
    sodium_memzero(m_data, size + 1);
    m_size = size;
}

SecretBytes SecretBytes::copyOf(const void *bytes, std::size_t size)
{
    SecretBytes s(size);
    if (size)
        std::memcpy(s.m_data, bytes, size);
    return s;
}

std::optional<SecretBytes> SecretBytes::readFile(const QString &path, std::size_t maxBytes)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    struct stat st
    {
    };
    std::optional<SecretBytes> result;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
        std::size_t(st.st_size) <= maxBytes) {
        SecretBytes bytes(std::size_t(st.st_size));
        std::size_t done = 0;
        bool failed = false;
        while (done < bytes.size()) {
            const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) { // an error, or the file shrank while we read it
                failed = true;
                break;
            }
            done += std::size_t(n);
        }
        if (!failed)
            result = std::move(bytes);
    }
    ::close(fd);
    return result;
}

SecretBytes::~SecretBytes()
{
    wipe();
}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept
    : m_data(other.m_data)
    , m_size(other.m_size)
{
    other.m_data = nullptr;
    other.m_size = 0;
}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept
{
    if (this != &other) {
        wipe();
        m_data = other.m_data;
        m_size = other.m_size;
        other.m_data = nullptr;
        other.m_size = 0;
    }
    return *this;
}

const char *SecretBytes::c_str() const
{
    return m_data ? reinterpret_cast<const char *>(m_data) : "";
}

QByteArrayView SecretBytes::view() const
{
    return QByteArrayView(m_data, qsizetype(m_size));
}

void SecretBytes::wipe()
{
    if (m_data)
        sodium_free(m_data); // zeroes the bytes before it unmaps them
    m_data = nullptr;
    m_size = 0;
}

} // namespace safeguard::hub
