#pragma once

#include <QByteArrayView>
#include <QString>
#include <cstddef>
#include <optional>

namespace safeguard::hub {

// A secret the hub holds for its whole run (the sealing secret key, the TLS
// private key's PEM) in libsodium's guarded heap: sodium_malloc places it
// between inaccessible guard pages and mlock()s it, so it is never swapped
// out, and sodium_free zeroes it. Move-only, so a secret has exactly one
// owner and everything else refers to it; a QByteArray copy would be freed
// without being zeroed and could be swapped. One NUL byte always follows
// the bytes, so PEM text can be handed to C APIs that want a string. An
// allocation that fails throws std::bad_alloc, as new does.
class SecretBytes
{
public:
    SecretBytes() = default;
    // size zero bytes.
    explicit SecretBytes(std::size_t size);
    static SecretBytes copyOf(const void *bytes, std::size_t size);
    // A regular file's whole content, read straight into guarded memory
    // (no Qt buffer ever holds it); nullopt when it cannot be read or is
    // larger than maxBytes.
    static std::optional<SecretBytes> readFile(const QString &path, std::size_t maxBytes);

    ~SecretBytes();
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;

    const unsigned char *data() const { return m_data; }
    unsigned char *data() { return m_data; }
    std::size_t size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // The bytes followed by their NUL ("" when empty).
    const char *c_str() const;
    // A view for APIs that only read (OpenSSL's memory BIOs, file writes);
    // valid while this object holds the bytes.
    QByteArrayView view() const;

    // Zeroes and frees the bytes now; the object is empty afterwards.
    void wipe();

private:
    unsigned char *m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace safeguard::hub
