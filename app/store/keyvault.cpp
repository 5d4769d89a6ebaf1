#include "keyvault.h"

#include "files/privatefiles.h"
#include "passphrasestrength.h"

#include <QDir>
#include <QFile>
#include <array>
#include <cstring>
#include <sodium.h>

namespace safeguard::store {

namespace {

// Layout (little-endian), 164 bytes:
//   0 magic "SGVAULT1" | 8 u32 format | 12 u32 maxAttempts | 16 u64 opslimit
//  24 u64 memlimit | 32 salt[16] | 48 nonce[24]        <- associated data ends at 72
//  72 wrapped key + tag [48]
// 120 u32 failedAttempts | 124 i64 lockedUntilMs      <- not authenticated
// 132 BLAKE2b-256 checksum of bytes 0..131 (damage detection, not security)
constexpr char kMagic[8] = {'S', 'G', 'V', 'A', 'U', 'L', 'T', '1'};
constexpr std::uint32_t kFormat = 1;
constexpr std::size_t kSaltOff = 32, kNonceOff = 48, kAdEnd = 72, kWrappedOff = 72;
constexpr std::size_t kWrappedLen = kDataKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kFailedOff = 120, kLockedOff = 124, kSumOff = 132, kFileSize = 164;
static_assert(kWrappedOff + kWrappedLen == kFailedOff);
static_assert(crypto_pwhash_SALTBYTES == 16 && crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
constexpr int kMinAttempts = 3, kMaxAttempts = 100;

using VaultBytes = std::array<unsigned char, kFileSize>;

template<typename T> void put(VaultBytes &b, std::size_t off, T v)
{
    for (std::size_t i = 0; i < sizeof(T); ++i)
        b[off + i] = static_cast<unsigned char>(std::uint64_t(v) >> (8 * i));
}

template<typename T> T get(const VaultBytes &b, std::size_t off)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v |= std::uint64_t(b[off + i]) << (8 * i);
    return static_cast<T>(v);
}

void seal(VaultBytes &b)
{
    crypto_generichash(b.data() + kSumOff, 32, b.data(), kSumOff, nullptr, 0);
}

struct Parsed
{
    VaultBytes bytes{};
    KdfParams params;
    int maxAttempts = 0;
    int failed = 0;
    qint64 lockedUntilMs = 0;
};

enum class ReadResult
{
    Ok,
    Missing,
    Damaged,
    OutOfRange
};

ReadResult readVault(const QString &path, Parsed *p)
{
    QByteArray raw;
    if (!QFile::exists(path))
        return ReadResult::Missing;
    if (!platform::privatefiles::readSmallFile(path, 4096, &raw, nullptr) ||
        std::size_t(raw.size()) != kFileSize)
        return ReadResult::Damaged;
    std::memcpy(p->bytes.data(), raw.constData(), kFileSize);
    unsigned char sum[32];
    crypto_generichash(sum, sizeof sum, p->bytes.data(), kSumOff, nullptr, 0);
    if (sodium_memcmp(sum, p->bytes.data() + kSumOff, 32) != 0 ||
        std::memcmp(p->bytes.data(), kMagic, 8) != 0 || get<std::uint32_t>(p->bytes, 8) != kFormat)
        return ReadResult::Damaged;
    p->maxAttempts = int(get<std::uint32_t>(p->bytes, 12));
    p->params = {get<std::uint64_t>(p->bytes, 16), get<std::uint64_t>(p->bytes, 24)};
    p->failed = int(get<std::uint32_t>(p->bytes, kFailedOff));
    p->lockedUntilMs = get<qint64>(p->bytes, kLockedOff);
    if (!KdfLimits::withinLimits(p->params) || p->maxAttempts < kMinAttempts ||
        p->maxAttempts > kMaxAttempts)
        return ReadResult::OutOfRange;
    return ReadResult::Ok;
}

bool writeVault(const QString &path, Parsed &p, QString *error)
{
    put<std::uint32_t>(p.bytes, kFailedOff, std::uint32_t(p.failed));
    put<qint64>(p.bytes, kLockedOff, p.lockedUntilMs);
    seal(p.bytes);
    return platform::privatefiles::atomicWrite(path, p.bytes.data(), p.bytes.size(), error);
}

// Derives the key-encryption key into secure memory.
SecureBuffer deriveKek(const SecureBuffer &passphrase, const Parsed &p)
{
    SecureBuffer kek(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (kek.isNull())
        return kek;
    if (crypto_pwhash(kek.data(), kek.size(), reinterpret_cast<const char *>(passphrase.data()),
                      passphrase.size(), p.bytes.data() + kSaltOff, p.params.opsLimit,
                      std::size_t(p.params.memLimitBytes), crypto_pwhash_ALG_ARGON2ID13) != 0)
        return SecureBuffer();
    return kek;
}

// Fills salt, nonce and the wrapped key for the header already in p.
bool wrapKey(const SecureBuffer &passphrase, const DataKey &key, Parsed &p)
{
    randombytes_buf(p.bytes.data() + kSaltOff, crypto_pwhash_SALTBYTES);
    randombytes_buf(p.bytes.data() + kNonceOff, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const SecureBuffer kek = deriveKek(passphrase, p);
    if (kek.isNull())
        return false;
    unsigned long long clen = 0;
    return crypto_aead_xchacha20poly1305_ietf_encrypt(
               p.bytes.data() + kWrappedOff, &clen, key.data(), key.size(), p.bytes.data(), kAdEnd,
               nullptr, p.bytes.data() + kNonceOff, kek.data()) == 0;
}

QString plural(int n)
{
    return n == 1 ? QStringLiteral("1 attempt") : QStringLiteral("%1 attempts").arg(n);
}

} // namespace

bool KdfLimits::withinLimits(const KdfParams &p)
{
    return p.opsLimit >= kFloor.opsLimit && p.opsLimit <= kCeiling.opsLimit &&
           p.memLimitBytes >= kFloor.memLimitBytes && p.memLimitBytes <= kCeiling.memLimitBytes;
}

KeyVault::KeyVault(const QString &storeDir, const protocol::Clock &clock)
    : m_dir(storeDir)
    , m_clock(clock)
{
    initialiseSodium();
}

QString KeyVault::vaultPath() const
{
    return QDir(m_dir).filePath(vaultFileName());
}

bool KeyVault::exists() const
{
    return QFile::exists(vaultPath());
}

qint64 KeyVault::lockoutDelayMs(int failures)
{
    static constexpr qint64 kSteps[] = {30, 60, 120, 300, 900, 1800, 3600};
    if (failures < kFirstDelayedFailure)
        return 0;
    const std::size_t i = std::size_t(failures - kFirstDelayedFailure);
    return 1000 * kSteps[std::min(i, std::size(kSteps) - 1)];
}

VaultError KeyVault::create(const SecureBuffer &passphrase, DataKey *keyOut, KdfParams params,
                            int maxAttempts)
{
    if (!KdfLimits::withinLimits(params) || maxAttempts < kMinAttempts ||
        maxAttempts > kMaxAttempts)
        return {VaultErrorKind::ParametersOutOfRange,
                QStringLiteral("Key vault parameters are outside the allowed range.")};
    if (exists())
        return {VaultErrorKind::AlreadyExists, QStringLiteral("A key vault already exists here.")};
    const PassphraseStrength strength = PassphraseStrength::judge(passphrase);
    if (!strength.acceptable())
        return {VaultErrorKind::WeakPassphrase, strength.advice};
    QString error;
    if (!platform::privatefiles::ensurePrivateDir(m_dir, &error))
        return {VaultErrorKind::Storage, error};

    DataKey key(kDataKeyBytes);
    if (key.isNull())
        return {VaultErrorKind::Crypto, QStringLiteral("Out of secure memory.")};
    randombytes_buf(key.data(), key.size());

    Parsed p;
    std::memcpy(p.bytes.data(), kMagic, 8);
    put<std::uint32_t>(p.bytes, 8, kFormat);
    put<std::uint32_t>(p.bytes, 12, std::uint32_t(maxAttempts));
    put<std::uint64_t>(p.bytes, 16, params.opsLimit);
    put<std::uint64_t>(p.bytes, 24, params.memLimitBytes);
    p.params = params;
    p.maxAttempts = maxAttempts;
    if (!wrapKey(passphrase, key, p))
        return {VaultErrorKind::Crypto,
                QStringLiteral("Could not derive the key (not enough memory?).")};
    if (!writeVault(vaultPath(), p, &error))
        return {VaultErrorKind::Storage, error};
    QFile::remove(QDir(m_dir).filePath(tombstoneFileName()));
    if (keyOut)
        *keyOut = std::move(key);
    return {};
}

std::optional<KeyVault::Status> KeyVault::status() const
{
    Parsed p;
    if (readVault(vaultPath(), &p) != ReadResult::Ok)
        return std::nullopt;
    return Status{p.failed, p.maxAttempts, p.lockedUntilMs, p.params};
}

UnlockResult KeyVault::unlock(const SecureBuffer &passphrase)
{
    UnlockResult r;
    Parsed p;
    switch (readVault(vaultPath(), &p)) {
    case ReadResult::Ok:
        break;
    case ReadResult::Missing:
        if (QFile::exists(QDir(m_dir).filePath(tombstoneFileName()))) {
            r.status = UnlockStatus::Wiped;
            r.message = QStringLiteral(
                "This device's records were erased after too many wrong passphrases.");
        } else {
            r.status = UnlockStatus::CorruptVault;
            r.message = QStringLiteral("There is no key vault on this device.");
        }
        return r;
    case ReadResult::Damaged:
        r.status = UnlockStatus::CorruptVault;
        r.message = QStringLiteral("The key vault is damaged.");
        return r;
    case ReadResult::OutOfRange:
        r.status = UnlockStatus::CorruptVault;
        r.message = QStringLiteral("The key vault's parameters are outside the allowed range.");
        return r;
    }

    const qint64 now = m_clock.nowMs();
    if (p.failed >= p.maxAttempts) {
        // A previous final attempt was interrupted before it could wipe.
        wipe();
        r.status = UnlockStatus::Wiped;
        r.message =
            QStringLiteral("This device's records were erased after too many wrong passphrases.");
        return r;
    }
    if (now < p.lockedUntilMs) {
        r.status = UnlockStatus::LockedOut;
        r.lockedUntil = QDateTime::fromMSecsSinceEpoch(p.lockedUntilMs, Qt::UTC);
        r.attemptsLeft = p.maxAttempts - p.failed;
        r.message = QStringLiteral("Too many wrong passphrases. Try again later.");
        return r;
    }

    // Count the attempt durably before checking it.
    ++p.failed;
    QString error;
    if (!writeVault(vaultPath(), p, &error)) {
        r.status = UnlockStatus::StorageError;
        r.message = QStringLiteral("Could not record the attempt: ") + error;
        return r;
    }

    DataKey key(kDataKeyBytes);
    const SecureBuffer kek = deriveKek(passphrase, p);
    if (key.isNull() || kek.isNull()) {
        r.status = UnlockStatus::StorageError;
        r.message = QStringLiteral("Not enough memory to check the passphrase.");
        return r;
    }
    unsigned long long mlen = 0;
    const bool opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
                            key.data(), &mlen, nullptr, p.bytes.data() + kWrappedOff, kWrappedLen,
                            p.bytes.data(), kAdEnd, p.bytes.data() + kNonceOff, kek.data()) == 0 &&
                        mlen == kDataKeyBytes;
    if (opened) {
        p.failed = 0;
        p.lockedUntilMs = 0;
        // If resetting fails the key is still right; the counter stays up.
        writeVault(vaultPath(), p, nullptr);
        r.status = UnlockStatus::Unlocked;
        r.attemptsLeft = p.maxAttempts;
        r.key = std::move(key);
        return r;
    }

    if (p.failed >= p.maxAttempts) {
        wipe();
        r.status = UnlockStatus::Wiped;
        r.message =
            QStringLiteral("Too many wrong passphrases: this device's records have been erased.");
        return r;
    }
    const qint64 delay = lockoutDelayMs(p.failed);
    if (delay > 0) {
        p.lockedUntilMs = now + delay;
        writeVault(vaultPath(), p, nullptr);
        r.lockedUntil = QDateTime::fromMSecsSinceEpoch(p.lockedUntilMs, Qt::UTC);
    }
    r.status = UnlockStatus::WrongPassphrase;
    r.attemptsLeft = p.maxAttempts - p.failed;
    r.message = QStringLiteral("Wrong passphrase. %1 left before this device's records are erased.")
                    .arg(plural(r.attemptsLeft));
    return r;
}

VaultError KeyVault::changePassphrase(const SecureBuffer &oldPassphrase,
                                      const SecureBuffer &newPassphrase, UnlockResult *unlockOut)
{
    const PassphraseStrength strength = PassphraseStrength::judge(newPassphrase);
    if (!strength.acceptable())
        return {VaultErrorKind::WeakPassphrase, strength.advice};
    UnlockResult u = unlock(oldPassphrase);
    if (u.status != UnlockStatus::Unlocked) {
        VaultError e{VaultErrorKind::Unlock, u.message};
        if (unlockOut)
            *unlockOut = std::move(u);
        return e;
    }
    Parsed p;
    if (readVault(vaultPath(), &p) != ReadResult::Ok)
        return {VaultErrorKind::Storage, QStringLiteral("The key vault changed while in use.")};
    p.failed = 0;
    p.lockedUntilMs = 0;
    if (!wrapKey(newPassphrase, u.key, p))
        return {VaultErrorKind::Crypto,
                QStringLiteral("Could not derive the key (not enough memory?).")};
    QString error;
    if (!writeVault(vaultPath(), p, &error))
        return {VaultErrorKind::Storage, error};
    if (unlockOut)
        *unlockOut = std::move(u);
    return {};
}

bool KeyVault::wipe()
{
    // The vault first: without the wrapped key the database is noise.
    platform::privatefiles::shred(vaultPath());
    // Only the files the store makes, by name: a misconfigured directory
    // (say, a home directory) must never lose anything else.
    const QDir dir(m_dir);
    for (const char *name :
         {"vault.bin.tmp", "store.db", "store.db-wal", "store.db-shm", "store.db-journal"})
        platform::privatefiles::shred(dir.filePath(QLatin1String(name)));
    platform::privatefiles::fsyncDir(m_dir);
    // The tombstone holds no secret; it lets the lock screen say what happened.
    platform::privatefiles::atomicWrite(dir.filePath(tombstoneFileName()), "wiped\n", 6, nullptr);
    return !QFile::exists(vaultPath());
}

} // namespace safeguard::store
