#include "securebuffer.h"

#include <cstring>
#include <sodium.h>
#include <utility>

namespace safeguard::store {

bool initialiseSodium()
{
    return sodium_init() >= 0;
}

SecureBuffer::SecureBuffer(std::size_t size)
{
    initialiseSodium();
    // sodium_malloc needs a non-zero size to return something freeable.
    m_data = static_cast<unsigned char *>(sodium_malloc(size ? size : 1));
    if (m_data) {
        sodium_memzero(m_data, size ? size : 1);
        m_size = size;
    }
}

SecureBuffer::SecureBuffer(SecureBuffer &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{}

SecureBuffer &SecureBuffer::operator=(SecureBuffer &&other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

SecureBuffer::~SecureBuffer()
{
    release();
}

void SecureBuffer::release()
{
    if (m_data)
        sodium_free(m_data); // zeroes before unmapping
    m_data = nullptr;
    m_size = 0;
}

void SecureBuffer::truncate(std::size_t size)
{
    if (size >= m_size)
        return;
    sodium_memzero(m_data + size, m_size - size);
    m_size = size;
}

SecureBuffer SecureBuffer::copyOf(const void *data, std::size_t size)
{
    SecureBuffer b(size);
    if (!b.isNull() && size)
        std::memcpy(b.m_data, data, size);
    return b;
}

SecureBuffer SecureBuffer::fromPassphrase(const QString &passphrase)
{
    // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair gives 4 for 2).
    SecureBuffer b(std::size_t(passphrase.size()) * 3);
    if (b.isNull())
        return b;
    std::size_t n = 0;
    const char16_t *u = reinterpret_cast<const char16_t *>(passphrase.utf16());
    const qsizetype len = passphrase.size();
    for (qsizetype i = 0; i < len; ++i) {
        char32_t cp = u[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len && u[i + 1] >= 0xDC00 &&
            u[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (char32_t(u[i + 1]) - 0xDC00);
            ++i;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD; // a lone surrogate
        }
        unsigned char *o = b.m_data + n;
        if (cp < 0x80) {
            o[0] = static_cast<unsigned char>(cp);
            n += 1;
        } else if (cp < 0x800) {
            o[0] = static_cast<unsigned char>(0xC0 | (cp >> 6));
            o[1] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
            n += 2;
        } else if (cp < 0x10000) {
            o[0] = static_cast<unsigned char>(0xE0 | (cp >> 12));
            o[1] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
            o[2] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
            n += 3;
        } else {
            o[0] = static_cast<unsigned char>(0xF0 | (cp >> 18));
            o[1] = static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F));
            o[2] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
            o[3] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
            n += 4;
        }
    }
    b.truncate(n);
    return b;
}

} // namespace safeguard::store
