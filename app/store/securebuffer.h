#pragma once

#include <QString>
#include <cstddef>

namespace safeguard::store {

// Bytes that must never be swapped, logged or left behind: passphrases, the
// data key, key-encryption keys. Lives in libsodium's guarded, mlock()ed
// memory and is zeroed when freed. Move-only, so there is never a second
// copy to forget. A passphrase arrives from the UI as a QString (Qt offers
// nothing else); fromPassphrase() encodes it straight into secure memory
// without an intermediate QByteArray, but the caller's QString still holds
// the characters until it is destroyed: keep its lifetime short.
class SecureBuffer
{
public:
    SecureBuffer() = default;
    explicit SecureBuffer(std::size_t size); // zero-filled; isNull() if out of secure memory
    SecureBuffer(SecureBuffer &&other) noexcept;
    SecureBuffer &operator=(SecureBuffer &&other) noexcept;
    SecureBuffer(const SecureBuffer &) = delete;
    SecureBuffer &operator=(const SecureBuffer &) = delete;
    ~SecureBuffer();

    static SecureBuffer fromPassphrase(const QString &passphrase); // UTF-8
    static SecureBuffer copyOf(const void *data, std::size_t size);

    bool isNull() const { return m_data == nullptr; }
    std::size_t size() const { return m_size; }
    unsigned char *data() { return m_data; }
    const unsigned char *data() const { return m_data; }
    // Shrinks the visible size (e.g. to drop a trailing newline); the
    // dropped bytes are zeroed at once.
    void truncate(std::size_t size);

private:
    void release();
    unsigned char *m_data = nullptr;
    std::size_t m_size = 0;
};

// The 256-bit key that encrypts the database. Only KeyVault makes one
// (fresh at vault creation, or unwrapped on unlock).
using DataKey = SecureBuffer;
inline constexpr std::size_t kDataKeyBytes = 32;

// Must be called once before any other function here; safe to repeat.
bool initialiseSodium();

} // namespace safeguard::store
