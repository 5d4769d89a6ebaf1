#include "picturekeys.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace safeguard::hub::picture {

namespace {

// crypto_kdf contexts are 8 bytes; one per purpose.
constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "sgpictur";
constexpr std::uint64_t kSealSubkey = 1;
constexpr std::uint64_t kIndexSubkey = 2;

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

bool createKeyFile(const QString &path, QString *error)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ||
               fail(error, QStringLiteral("cannot create the picture key file: %1")
                               .arg(QString::fromLocal8Bit(std::strerror(errno))));
    SecretBytes key(PictureKeys::kMasterBytes);
    randombytes_buf(key.data(), key.size());
    std::size_t written = 0;
    while (written < key.size()) {
        const ssize_t n = ::write(fd, key.data() + written, key.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ::close(fd);
            ::unlink(native.constData());
            return fail(error, QStringLiteral("cannot write the picture key file"));
        }
        written += std::size_t(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) {
        ::unlink(native.constData());
        return fail(error, QStringLiteral("cannot write the picture key file"));
    }
    return true;
}

} // namespace

std::optional<PictureKeys> PictureKeys::openOrCreate(const QString &path, QString *error)
{
    if (sodium_init() < 0) {
        fail(error, QStringLiteral("libsodium did not initialise"));
        return std::nullopt;
    }
    if (!createKeyFile(path, error))
        return std::nullopt;
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0 || !S_ISREG(st.st_mode)) {
        fail(error, QStringLiteral("the picture key file is not a regular file"));
        return std::nullopt;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        fail(error, QStringLiteral("the picture key file can be read by others: chmod 600 it"));
        return std::nullopt;
    }
    auto master = SecretBytes::readFile(path, kMasterBytes);
    if (!master || master->size() != kMasterBytes) {
        fail(error, QStringLiteral("the picture key file is not a %1-byte key").arg(kMasterBytes));
        return std::nullopt;
    }
    return fromMaster(*master);
}

PictureKeys PictureKeys::fromMaster(const SecretBytes &master)
{
    PictureKeys k;
    k.m_sealKey = SecretBytes(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    k.m_indexKey = SecretBytes(crypto_generichash_KEYBYTES);
    crypto_kdf_derive_from_key(k.m_sealKey.data(), k.m_sealKey.size(), kSealSubkey, kContext,
                               master.data());
    crypto_kdf_derive_from_key(k.m_indexKey.data(), k.m_indexKey.size(), kIndexSubkey, kContext,
                               master.data());
    return k;
}

QByteArray PictureKeys::seal(QByteArrayView plain, QByteArrayView ad) const
{
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    QByteArray out(
        qsizetype(kNonce + std::size_t(plain.size()) + crypto_aead_xchacha20poly1305_ietf_ABYTES),
        Qt::Uninitialized);
    auto *bytes = reinterpret_cast<unsigned char *>(out.data());
    randombytes_buf(bytes, kNonce);
    unsigned long long length = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        bytes + kNonce, &length, reinterpret_cast<const unsigned char *>(plain.data()),
        std::size_t(plain.size()), reinterpret_cast<const unsigned char *>(ad.data()),
        std::size_t(ad.size()), nullptr, bytes, m_sealKey.data());
    out.resize(qsizetype(kNonce + length));
    return out;
}

std::optional<QByteArray> PictureKeys::open(QByteArrayView sealed, QByteArrayView ad) const
{
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (std::size_t(sealed.size()) < kNonce + kTag)
        return std::nullopt;
    const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
    QByteArray plain(qsizetype(std::size_t(sealed.size()) - kNonce - kTag), Qt::Uninitialized);
    unsigned long long length = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char *>(plain.data()), &length, nullptr, bytes + kNonce,
            std::size_t(sealed.size()) - kNonce, reinterpret_cast<const unsigned char *>(ad.data()),
            std::size_t(ad.size()), bytes, m_sealKey.data()) != 0)
        return std::nullopt;
    plain.resize(qsizetype(length));
    return plain;
}

QByteArray PictureKeys::blindIndex(QByteArrayView kind, const QString &value) const
{
    // kind NUL value: "name" + "x" never equals "namex" + "".
    QByteArray input = kind.toByteArray();
    input.append('\0');
    input.append(value.toUtf8());
    QByteArray out(qsizetype(kIndexBytes), Qt::Uninitialized);
    crypto_generichash(reinterpret_cast<unsigned char *>(out.data()), kIndexBytes,
                       reinterpret_cast<const unsigned char *>(input.constData()),
                       std::size_t(input.size()), m_indexKey.data(), m_indexKey.size());
    sodium_memzero(input.data(), std::size_t(input.size()));
    return out;
}

} // namespace safeguard::hub::picture
