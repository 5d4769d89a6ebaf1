#include "keyvault.h"

#include "files/privatefiles.h"
#include "keystore/linux/filewipekeystore.h"
#include "passphrasestrength.h"
#include "process/crashpoint.h"

#include <QDir>
#include <QFile>
#include <array>
#include <cstring>
#include <limits>
#include <sodium.h>

namespace safeguard::store {

namespace privatefiles = platform::privatefiles;
using platform::crashPoint;
using platform::WipeKeyStore;

namespace {

// Layout (little-endian), 188 bytes:
//   0 magic "SGVAULT2" | 8 u32 format | 12 u32 maxAttempts | 16 u64 opslimit
//  24 u64 memlimit | 32 salt[16] | 48 nonce[24] | 72 u64 wipe key generation
//  80 i64 keyCreatedMs                                 <- associated data ends at 88
//  88 wrapped key + tag [48]
// 136 BLAKE2b-256 checksum of bytes 0..135 (damage detection, not security)
//     -- the header: written only by replacing the file --
// 168 u32 failedAttempts | 172 u64 lockedUntilMs | 180 u32 failures ever
// 184 u32 lockouts ever                               <- in place, not authenticated
constexpr char kMagic[8] = {'S', 'G', 'V', 'A', 'U', 'L', 'T', '2'};
constexpr std::uint32_t kFormat = 2;
constexpr std::size_t kSaltOff = 32, kNonceOff = 48, kGenerationOff = 72, kCreatedOff = 80;
constexpr std::size_t kAdEnd = 88, kWrappedOff = 88;
constexpr std::size_t kWrappedLen = kDataKeyBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kSumOff = 136, kHeaderEnd = 168;
constexpr std::size_t kFailedOff = 168, kLockedOff = 172, kTotalsOff = 180, kFileSize = 188;
static_assert(kWrappedOff + kWrappedLen == kSumOff && kSumOff + 32 == kHeaderEnd);
static_assert(crypto_pwhash_SALTBYTES == 16 && crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
constexpr int kMinAttempts = 3, kMaxAttempts = 100;
constexpr qint64 kLongestDelayMs = 3600 * 1000;

using VaultBytes = std::array<unsigned char, kFileSize>;

template<typename T> void put(unsigned char *b, std::size_t off, T v)
{
    for (std::size_t i = 0; i < sizeof(T); ++i)
        b[off + i] = static_cast<unsigned char>(std::uint64_t(v) >> (8 * i));
}

template<typename T> T get(const unsigned char *b, std::size_t off)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v |= std::uint64_t(b[off + i]) << (8 * i);
    return static_cast<T>(v);
}

struct Parsed
{
    VaultBytes bytes{};
    KdfParams params;
    int maxAttempts = 0;
    std::uint64_t generation = 0;
    qint64 keyCreatedMs = 0;
    // The in-place counter as read: unsigned on disk, checked here.
    std::uint32_t failed = 0;
    std::uint64_t lockedUntilMs = 0;
    // Totals since the vault was made, reported to the hub at check-in.
    std::uint32_t failuresEver = 0;
    std::uint32_t lockoutsEver = 0;
};

enum class ReadResult
{
    Ok,
    Missing,
    Damaged,
    OutOfRange
};

ReadResult parse(Parsed *p)
{
    const unsigned char *b = p->bytes.data();
    unsigned char sum[32];
    crypto_generichash(sum, sizeof sum, b, kSumOff, nullptr, 0);
    if (sodium_memcmp(sum, b + kSumOff, 32) != 0 || std::memcmp(b, kMagic, 8) != 0 ||
        get<std::uint32_t>(b, 8) != kFormat)
        return ReadResult::Damaged;
    p->maxAttempts = int(get<std::uint32_t>(b, 12));
    p->params = {get<std::uint64_t>(b, 16), get<std::uint64_t>(b, 24)};
    p->generation = get<std::uint64_t>(b, kGenerationOff);
    p->keyCreatedMs = get<qint64>(b, kCreatedOff);
    p->failed = get<std::uint32_t>(b, kFailedOff);
    p->lockedUntilMs = get<std::uint64_t>(b, kLockedOff);
    p->failuresEver = get<std::uint32_t>(b, kTotalsOff);
    p->lockoutsEver = get<std::uint32_t>(b, kTotalsOff + 4);
    if (!KdfLimits::withinLimits(p->params) || p->maxAttempts < kMinAttempts ||
        p->maxAttempts > kMaxAttempts || p->generation == 0)
        return ReadResult::OutOfRange;
    return ReadResult::Ok;
}

ReadResult readVault(const QString &path, Parsed *p)
{
    QByteArray raw;
    if (!QFile::exists(path))
        return ReadResult::Missing;
    if (!privatefiles::readSmallFile(path, 4096, &raw, nullptr) ||
        std::size_t(raw.size()) != kFileSize)
        return ReadResult::Damaged;
    std::memcpy(p->bytes.data(), raw.constData(), kFileSize);
    return parse(p);
}

// The counter as the vault acts on it. More failures than the limit count
// as the limit (the store is wiped); a lockout longer than the longest delay
// (an edit, or a clock that went back) is cut to what the failures earn.
int failedAttempts(const Parsed &p)
{
    return int(std::min<std::uint64_t>(p.failed, std::uint64_t(p.maxAttempts)));
}

qint64 lockedUntil(const Parsed &p, qint64 now)
{
    const std::uint64_t latest = std::uint64_t(std::max<qint64>(now, 0)) + kLongestDelayMs;
    if (p.lockedUntilMs > latest)
        return now + KeyVault::lockoutDelayMs(failedAttempts(p));
    return qint64(p.lockedUntilMs);
}

// A whole new vault file: header from p with a fresh checksum, counter zero.
QByteArray sealedFile(Parsed &p)
{
    crypto_generichash(p.bytes.data() + kSumOff, 32, p.bytes.data(), kSumOff, nullptr, 0);
    put<std::uint32_t>(p.bytes.data(), kFailedOff, 0);
    put<std::uint64_t>(p.bytes.data(), kLockedOff, 0);
    // The totals carry over: a rotation is not a new device.
    put<std::uint32_t>(p.bytes.data(), kTotalsOff, p.failuresEver);
    put<std::uint32_t>(p.bytes.data(), kTotalsOff + 4, p.lockoutsEver);
    return QByteArray(reinterpret_cast<const char *>(p.bytes.data()), qsizetype(kFileSize));
}

// Argon2id(passphrase, salt): the passphrase's half of the wrapping key.
SecureBuffer derivePassKey(const SecureBuffer &passphrase, const Parsed &p)
{
    SecureBuffer passKey(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (passKey.isNull())
        return passKey;
    if (crypto_pwhash(passKey.data(), passKey.size(),
                      reinterpret_cast<const char *>(passphrase.data()), passphrase.size(),
                      p.bytes.data() + kSaltOff, p.params.opsLimit,
                      std::size_t(p.params.memLimitBytes), crypto_pwhash_ALG_ARGON2ID13) != 0)
        return SecureBuffer();
    return passKey;
}

// The wrapping key: BLAKE2b keyed with the wipe key over the pass key. Both
// halves are needed; destroying the wipe key destroys every wrapping key.
SecureBuffer wrappingKey(const unsigned char *wipeKey, const SecureBuffer &passKey)
{
    static constexpr char kLabel[] = "safeguard vault kek v2";
    SecureBuffer input(sizeof kLabel + passKey.size());
    SecureBuffer kek(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (input.isNull() || kek.isNull() || passKey.isNull())
        return SecureBuffer();
    std::memcpy(input.data(), kLabel, sizeof kLabel);
    std::memcpy(input.data() + sizeof kLabel, passKey.data(), passKey.size());
    crypto_generichash(kek.data(), kek.size(), input.data(), input.size(), wipeKey,
                       WipeKeyStore::kKeyBytes);
    return kek;
}

bool wrap(const SecureBuffer &kek, const DataKey &key, Parsed &p)
{
    randombytes_buf(p.bytes.data() + kNonceOff, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    return !kek.isNull() &&
           crypto_aead_xchacha20poly1305_ietf_encrypt(
               p.bytes.data() + kWrappedOff, &clen, key.data(), key.size(), p.bytes.data(), kAdEnd,
               nullptr, p.bytes.data() + kNonceOff, kek.data()) == 0;
}

bool unwrap(const SecureBuffer &kek, const Parsed &p, DataKey *key)
{
    unsigned long long mlen = 0;
    return !kek.isNull() && !key->isNull() &&
           crypto_aead_xchacha20poly1305_ietf_decrypt(
               key->data(), &mlen, nullptr, p.bytes.data() + kWrappedOff, kWrappedLen,
               p.bytes.data(), kAdEnd, p.bytes.data() + kNonceOff, kek.data()) == 0 &&
           mlen == kDataKeyBytes;
}

QString plural(int n)
{
    return n == 1 ? QStringLiteral("1 attempt") : QStringLiteral("%1 attempts").arg(n);
}

QString wipedMessage()
{
    return QStringLiteral("This device's records were erased after too many wrong passphrases.");
}

VaultError inUse()
{
    return {VaultErrorKind::Storage,
            QStringLiteral("The store is in use by another copy of Safeguard.")};
}

// The store's own files, by name: a misconfigured directory (say, a home
// directory) must never lose anything else.
const char *const kStoreFiles[] = {"store.db", "store.db-wal", "store.db-shm", "store.db-journal"};
const QString kNextStorePrefix = QStringLiteral("store.db.g");

} // namespace

struct KeyVault::Impl
{
    explicit Impl(const QString &dir)
        : wipeKeys(dir)
    {}
    platform::FileWipeKeyStore wipeKeys;
};

bool KdfLimits::withinLimits(const KdfParams &p)
{
    return p.opsLimit >= kFloor.opsLimit && p.opsLimit <= kCeiling.opsLimit &&
           p.memLimitBytes >= kFloor.memLimitBytes && p.memLimitBytes <= kCeiling.memLimitBytes;
}

KeyVault::KeyVault(const QString &storeDir, const protocol::Clock &clock)
    : m_dir(storeDir)
    , m_clock(clock)
    , m_impl(std::make_unique<Impl>(storeDir))
{
    initialiseSodium();
}

KeyVault::~KeyVault() = default;

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
    static_assert(kSteps[std::size(kSteps) - 1] * 1000 == kLongestDelayMs);
    if (failures < kFirstDelayedFailure)
        return 0;
    const std::size_t i = std::size_t(failures - kFirstDelayedFailure);
    return 1000 * kSteps[std::min(i, std::size(kSteps) - 1)];
}

namespace {

// Discards what a crash left of an uncommitted rotation and finishes a
// committed one: the copy named for the vault's generation moves over
// store.db (with the old store's WAL and shared memory removed first: they
// belong to the old file); any other copy is shredded; every wipe key but
// the vault's is destroyed. The store must be closed.
VaultError recoverLocked(const QString &dirPath, std::uint64_t generation, WipeKeyStore &wipeKeys)
{
    const QDir dir(dirPath);
    const QString committed = kNextStorePrefix + QString::number(generation);
    bool pending = false;
    const QStringList copies =
        dir.entryList({kNextStorePrefix + QLatin1Char('*')}, QDir::Files | QDir::System);
    for (const QString &name : copies) {
        if (name == committed)
            pending = true;
        else
            privatefiles::shred(dir.filePath(name));
    }
    if (pending) {
        for (const char *name : {"store.db-wal", "store.db-shm", "store.db-journal"})
            privatefiles::shred(dir.filePath(QLatin1String(name)));
        if (::rename(QFile::encodeName(dir.filePath(committed)).constData(),
                     QFile::encodeName(dir.filePath(QStringLiteral("store.db"))).constData()) !=
                0 ||
            !privatefiles::fsyncDir(dirPath))
            return {VaultErrorKind::Storage,
                    QStringLiteral("Could not finish changing the store's key.")};
        crashPoint("vault.rotate.moved");
    }
    if (wipeKeys.destroyAllBut(generation) != WipeKeyStore::Outcome::Ok)
        return {VaultErrorKind::Storage, wipeKeys.lastError()};
    return {};
}

} // namespace

VaultError KeyVault::create(const SecureBuffer &passphrase, DataKey *keyOut, KdfParams params,
                            int maxAttempts, SecureBuffer *passKeyOut)
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
    if (!privatefiles::ensurePrivateDir(m_dir, &error))
        return {VaultErrorKind::Storage, error};
    privatefiles::DirLock lock(m_dir);
    if (!lock.held())
        return inUse();

    // A store without a vault is noise (a crash before the vault was made,
    // or a wipe cut short): it would only stop the new store from opening.
    const QDir dir(m_dir);
    for (const char *name : kStoreFiles)
        privatefiles::shred(dir.filePath(QLatin1String(name)));
    for (const QString &name : dir.entryList({kNextStorePrefix + QLatin1Char('*')}, QDir::Files))
        privatefiles::shred(dir.filePath(name));

    DataKey key(kDataKeyBytes);
    SecureBuffer wipeKey(WipeKeyStore::kKeyBytes);
    if (key.isNull() || wipeKey.isNull())
        return {VaultErrorKind::Crypto, QStringLiteral("Out of secure memory.")};
    randombytes_buf(key.data(), key.size());
    constexpr std::uint64_t kFirst = 1;
    if (m_impl->wipeKeys.add(kFirst, 0, wipeKey.data()) != WipeKeyStore::Outcome::Ok)
        return {VaultErrorKind::Storage, m_impl->wipeKeys.lastError()};
    crashPoint("vault.create.wipe-key");

    Parsed p;
    unsigned char *b = p.bytes.data();
    std::memcpy(b, kMagic, 8);
    put<std::uint32_t>(b, 8, kFormat);
    put<std::uint32_t>(b, 12, std::uint32_t(maxAttempts));
    put<std::uint64_t>(b, 16, params.opsLimit);
    put<std::uint64_t>(b, 24, params.memLimitBytes);
    put<std::uint64_t>(b, kGenerationOff, kFirst);
    put<qint64>(b, kCreatedOff, m_clock.nowMs());
    randombytes_buf(b + kSaltOff, crypto_pwhash_SALTBYTES);
    p.params = params;
    SecureBuffer passKey = derivePassKey(passphrase, p);
    if (passKey.isNull() || !wrap(wrappingKey(wipeKey.data(), passKey), key, p))
        return {VaultErrorKind::Crypto,
                QStringLiteral("Could not derive the key (not enough memory?).")};
    const QByteArray file = sealedFile(p);
    if (!privatefiles::atomicWrite(vaultPath(), file.constData(), std::size_t(file.size()), &error))
        return {VaultErrorKind::Storage, error};
    crashPoint("vault.create.vault");
    m_impl->wipeKeys.destroyAllBut(kFirst);
    QFile::remove(dir.filePath(tombstoneFileName()));
    if (keyOut)
        *keyOut = std::move(key);
    if (passKeyOut)
        *passKeyOut = std::move(passKey);
    return {};
}

std::optional<KeyVault::Status> KeyVault::status() const
{
    Parsed p;
    if (readVault(vaultPath(), &p) != ReadResult::Ok)
        return std::nullopt;
    return Status{failedAttempts(p), p.maxAttempts, lockedUntil(p, m_clock.nowMs()),
                  p.params,          p.generation,  p.keyCreatedMs,
                  p.failuresEver,    p.lockoutsEver};
}

bool KeyVault::rotationDue() const
{
    const auto s = status();
    return s && m_clock.nowMs() - s->keyCreatedMs >= kRotationIntervalMs;
}

namespace {

// One counted attempt at the passphrase. recover: finish or discard an
// interrupted rotation first (only with the store closed).
UnlockResult attempt(const QString &dir, const QString &vaultPath, const protocol::Clock &clock,
                     WipeKeyStore &wipeKeys, const SecureBuffer &passphrase, bool recover,
                     const std::function<void()> &wipe)
{
    UnlockResult r;
    if (!QFile::exists(vaultPath)) {
        if (QFile::exists(QDir(dir).filePath(KeyVault::tombstoneFileName()))) {
            r.status = UnlockStatus::Wiped;
            r.message = wipedMessage();
        } else {
            r.status = UnlockStatus::CorruptVault;
            r.message = QStringLiteral("There is no key vault on this device.");
        }
        return r;
    }
    privatefiles::DirLock lock(dir);
    if (!lock.held()) {
        r.status = UnlockStatus::StorageError;
        r.message = inUse().message;
        return r;
    }
    privatefiles::ReadOutcome opened = privatefiles::ReadOutcome::Failed;
    privatefiles::InPlaceFile file =
        privatefiles::InPlaceFile::open(vaultPath, kFileSize, false, &opened, nullptr);
    Parsed p;
    const ReadResult read =
        opened != privatefiles::ReadOutcome::Read || !file.readAt(0, p.bytes.data(), kFileSize)
            ? ReadResult::Damaged
            : parse(&p);
    if (read != ReadResult::Ok) {
        r.status = UnlockStatus::CorruptVault;
        r.message =
            read == ReadResult::OutOfRange
                ? QStringLiteral("The key vault's parameters are outside the allowed range.")
                : QStringLiteral("The key vault is damaged.");
        return r;
    }
    SecureBuffer wipeKey(WipeKeyStore::kKeyBytes);
    const WipeKeyStore::Outcome held = wipeKey.isNull()
                                           ? WipeKeyStore::Outcome::Failed
                                           : wipeKeys.read(p.generation, wipeKey.data());
    if (held == WipeKeyStore::Outcome::Missing || held == WipeKeyStore::Outcome::Damaged) {
        // The wipe key is gone (a wipe cut short after its first step): no
        // passphrase opens anything here any more. Finish the wipe.
        lock.release(); // wipe() takes it
        wipe();
        r.status = UnlockStatus::Wiped;
        r.message = QStringLiteral("This device's records have been erased.");
        return r;
    }
    if (held != WipeKeyStore::Outcome::Ok) {
        r.status = held == WipeKeyStore::Outcome::Refused ? UnlockStatus::CorruptVault
                                                          : UnlockStatus::StorageError;
        r.message = wipeKeys.lastError();
        return r;
    }

    if (recover) {
        if (const VaultError e = recoverLocked(dir, p.generation, wipeKeys); !e.ok()) {
            r.status = UnlockStatus::StorageError;
            r.message = e.message;
            return r;
        }
    }
    const qint64 now = clock.nowMs();
    int failed = failedAttempts(p);
    if (failed >= p.maxAttempts) {
        // A previous final attempt was interrupted before it could wipe.
        lock.release();
        wipe();
        r.status = UnlockStatus::Wiped;
        r.message = wipedMessage();
        return r;
    }
    const qint64 until = lockedUntil(p, now);
    if (now < until) {
        r.status = UnlockStatus::LockedOut;
        r.lockedUntil = QDateTime::fromMSecsSinceEpoch(until, Qt::UTC);
        r.attemptsLeft = p.maxAttempts - failed;
        r.message = QStringLiteral("Too many wrong passphrases. Try again later.");
        return r;
    }

    // Count the attempt durably, in place, before checking it.
    auto writeCounter = [&file, &p](std::uint32_t failures, std::uint64_t untilMs) {
        unsigned char counter[kFileSize - kFailedOff];
        put<std::uint32_t>(counter, 0, failures);
        put<std::uint64_t>(counter, 4, untilMs);
        put<std::uint32_t>(counter, 12, p.failuresEver);
        put<std::uint32_t>(counter, 16, p.lockoutsEver);
        return file.writeAt(kFailedOff, counter, sizeof counter);
    };
    ++failed;
    if (!writeCounter(std::uint32_t(failed), std::uint64_t(std::max<qint64>(until, 0)))) {
        r.status = UnlockStatus::StorageError;
        r.message = QStringLiteral("Could not record the attempt.");
        return r;
    }
    crashPoint("vault.unlock.counted");

    DataKey key(kDataKeyBytes);
    SecureBuffer passKey = derivePassKey(passphrase, p);
    if (key.isNull() || passKey.isNull()) {
        r.status = UnlockStatus::StorageError;
        r.message = QStringLiteral("Not enough memory to check the passphrase.");
        return r;
    }
    if (unwrap(wrappingKey(wipeKey.data(), passKey), p, &key)) {
        // If resetting fails the key is still right; the counter stays up.
        writeCounter(0, 0);
        r.status = UnlockStatus::Unlocked;
        r.attemptsLeft = p.maxAttempts;
        r.key = std::move(key);
        r.passKey = std::move(passKey);
        return r;
    }

    if (failed >= p.maxAttempts) {
        lock.release();
        wipe();
        r.status = UnlockStatus::Wiped;
        r.message =
            QStringLiteral("Too many wrong passphrases: this device's records have been erased.");
        return r;
    }
    const qint64 delay = KeyVault::lockoutDelayMs(failed);
    p.failuresEver = p.failuresEver == UINT32_MAX ? UINT32_MAX : p.failuresEver + 1;
    if (delay > 0)
        p.lockoutsEver = p.lockoutsEver == UINT32_MAX ? UINT32_MAX : p.lockoutsEver + 1;
    writeCounter(std::uint32_t(failed), delay > 0 ? std::uint64_t(now + delay) : 0);
    if (delay > 0)
        r.lockedUntil = QDateTime::fromMSecsSinceEpoch(now + delay, Qt::UTC);
    r.status = UnlockStatus::WrongPassphrase;
    r.attemptsLeft = p.maxAttempts - failed;
    r.message = QStringLiteral("Wrong passphrase. %1 left before this device's records are erased.")
                    .arg(plural(r.attemptsLeft));
    return r;
}

} // namespace

UnlockResult KeyVault::unlock(const SecureBuffer &passphrase)
{
    return attempt(m_dir, vaultPath(), m_clock, m_impl->wipeKeys, passphrase, true,
                   [this] { wipe(); });
}

namespace {

// Reads the vault and its wipe key, and checks passKey against them.
VaultError checkedVault(const QString &vaultPath, WipeKeyStore &wipeKeys,
                        const SecureBuffer &passKey, Parsed *p)
{
    if (readVault(vaultPath, p) != ReadResult::Ok)
        return {VaultErrorKind::Storage, QStringLiteral("The key vault is missing or damaged.")};
    SecureBuffer wipeKey(WipeKeyStore::kKeyBytes);
    DataKey key(kDataKeyBytes);
    if (wipeKey.isNull() || key.isNull())
        return {VaultErrorKind::Crypto, QStringLiteral("Out of secure memory.")};
    if (wipeKeys.read(p->generation, wipeKey.data()) != WipeKeyStore::Outcome::Ok)
        return {VaultErrorKind::Storage, wipeKeys.lastError()};
    if (!unwrap(wrappingKey(wipeKey.data(), passKey), *p, &key))
        return {VaultErrorKind::Unlock, QStringLiteral("The key does not open this vault.")};
    return {};
}

VaultError startRotation(const QString &dir, const protocol::Clock &clock, WipeKeyStore &wipeKeys,
                         Parsed &p, SecureBuffer newPassKey, KeyVault::Rotation *out)
{
    const std::uint64_t next = p.generation + 1;
    SecureBuffer wipeKey(WipeKeyStore::kKeyBytes);
    DataKey key(kDataKeyBytes);
    if (wipeKey.isNull() || key.isNull())
        return {VaultErrorKind::Crypto, QStringLiteral("Out of secure memory.")};
    randombytes_buf(key.data(), key.size());
    // A leftover copy for this generation (an earlier attempt that failed
    // before its commit) is discarded before the new one is made.
    const QString nextPath = QDir(dir).filePath(kNextStorePrefix + QString::number(next));
    privatefiles::shred(nextPath);
    privatefiles::shred(nextPath + QStringLiteral("-journal"));
    if (wipeKeys.add(next, p.generation, wipeKey.data()) != WipeKeyStore::Outcome::Ok)
        return {VaultErrorKind::Storage, wipeKeys.lastError()};
    crashPoint("vault.rotate.next-wipe-key");
    put<std::uint64_t>(p.bytes.data(), kGenerationOff, next);
    put<qint64>(p.bytes.data(), kCreatedOff, clock.nowMs());
    if (!wrap(wrappingKey(wipeKey.data(), newPassKey), key, p)) {
        wipeKeys.destroyAllBut(p.generation);
        return {VaultErrorKind::Crypto, QStringLiteral("Could not wrap the new key.")};
    }
    out->generation = next;
    out->newKey = std::move(key);
    out->newPassKey = std::move(newPassKey);
    out->nextStorePath = nextPath;
    out->nextVault = sealedFile(p);
    return {};
}

} // namespace

VaultError KeyVault::beginRotation(const SecureBuffer &passKey, Rotation *out)
{
    privatefiles::DirLock lock(m_dir);
    if (!lock.held())
        return inUse();
    Parsed p;
    if (VaultError e = checkedVault(vaultPath(), m_impl->wipeKeys, passKey, &p); !e.ok())
        return e;
    SecureBuffer copy(passKey.size());
    if (copy.isNull())
        return {VaultErrorKind::Crypto, QStringLiteral("Out of secure memory.")};
    std::memcpy(copy.data(), passKey.data(), passKey.size());
    return startRotation(m_dir, m_clock, m_impl->wipeKeys, p, std::move(copy), out);
}

VaultError KeyVault::beginPassphraseChange(const SecureBuffer &oldPassphrase,
                                           const SecureBuffer &newPassphrase, Rotation *out,
                                           UnlockResult *unlockOut)
{
    const PassphraseStrength strength = PassphraseStrength::judge(newPassphrase);
    if (!strength.acceptable())
        return {VaultErrorKind::WeakPassphrase, strength.advice};
    // The store is open: an interrupted rotation cannot be pending (unlock
    // finished it), and none may be started on the files under it.
    UnlockResult u = attempt(m_dir, vaultPath(), m_clock, m_impl->wipeKeys, oldPassphrase, false,
                             [this] { wipe(); });
    if (u.status != UnlockStatus::Unlocked) {
        VaultError e{VaultErrorKind::Unlock, u.message};
        if (unlockOut)
            *unlockOut = std::move(u);
        return e;
    }
    privatefiles::DirLock lock(m_dir);
    if (!lock.held())
        return inUse();
    Parsed p;
    if (VaultError e = checkedVault(vaultPath(), m_impl->wipeKeys, u.passKey, &p); !e.ok())
        return e;
    randombytes_buf(p.bytes.data() + kSaltOff, crypto_pwhash_SALTBYTES);
    SecureBuffer passKey = derivePassKey(newPassphrase, p);
    if (passKey.isNull())
        return {VaultErrorKind::Crypto,
                QStringLiteral("Could not derive the key (not enough memory?).")};
    if (unlockOut)
        *unlockOut = std::move(u);
    return startRotation(m_dir, m_clock, m_impl->wipeKeys, p, std::move(passKey), out);
}

VaultError KeyVault::commitRotation(const Rotation &rotation)
{
    privatefiles::DirLock lock(m_dir);
    if (!lock.held())
        return inUse();
    QString error;
    const bool written = privatefiles::atomicWrite(vaultPath(), rotation.nextVault.constData(),
                                                   std::size_t(rotation.nextVault.size()), &error);
    if (!written) {
        // The rename may have happened with only the directory's fsync
        // failing: then the new vault is the one in place, and it is the
        // caller's commit; anything else means the old vault still stands.
        Parsed p;
        if (readVault(vaultPath(), &p) != ReadResult::Ok || p.generation != rotation.generation)
            return {VaultErrorKind::Storage, error};
    }
    crashPoint("vault.rotate.committed");
    return {};
}

void KeyVault::abandonRotation(const Rotation &rotation)
{
    privatefiles::DirLock lock(m_dir);
    privatefiles::shred(rotation.nextStorePath);
    privatefiles::shred(rotation.nextStorePath + QStringLiteral("-journal"));
    Parsed p;
    if (readVault(vaultPath(), &p) == ReadResult::Ok && p.generation != rotation.generation)
        m_impl->wipeKeys.destroyAllBut(p.generation);
}

VaultError KeyVault::finishRotation()
{
    privatefiles::DirLock lock(m_dir);
    if (!lock.held())
        return inUse();
    Parsed p;
    if (readVault(vaultPath(), &p) != ReadResult::Ok)
        return {VaultErrorKind::Storage, QStringLiteral("The key vault is missing or damaged.")};
    VaultError e = recoverLocked(m_dir, p.generation, m_impl->wipeKeys);
    if (e.ok())
        crashPoint("vault.rotate.finished");
    return e;
}

DataKey KeyVault::unwrapCopy(const QByteArray &vaultBytes, const SecureBuffer &passphrase,
                             const QByteArray &wipeKey)
{
    Parsed p;
    if (std::size_t(vaultBytes.size()) < kHeaderEnd ||
        wipeKey.size() != qsizetype(WipeKeyStore::kKeyBytes))
        return DataKey();
    std::memcpy(p.bytes.data(), vaultBytes.constData(), kHeaderEnd);
    if (parse(&p) != ReadResult::Ok)
        return DataKey();
    DataKey key(kDataKeyBytes);
    const SecureBuffer passKey = derivePassKey(passphrase, p);
    if (!unwrap(wrappingKey(reinterpret_cast<const unsigned char *>(wipeKey.constData()), passKey),
                p, &key))
        return DataKey();
    return key;
}

bool KeyVault::wipe()
{
    // A wipe goes ahead even if another process holds the lock.
    privatefiles::DirLock lock(m_dir);
    // The wipe key first, in place: without it every vault copy and every
    // store page is noise, whatever else a crash leaves behind.
    const bool keyGone = m_impl->wipeKeys.destroyAllBut(0) == WipeKeyStore::Outcome::Ok;
    const QDir dir(m_dir);
    privatefiles::shred(vaultPath());
    privatefiles::shred(vaultPath() + QStringLiteral(".tmp"));
    for (const char *name : kStoreFiles)
        privatefiles::shred(dir.filePath(QLatin1String(name)));
    for (const QString &name :
         dir.entryList({kNextStorePrefix + QLatin1Char('*')}, QDir::Files | QDir::System))
        privatefiles::shred(dir.filePath(name));
    privatefiles::fsyncDir(m_dir);
    // The tombstone holds no secret; it lets the lock screen say what happened.
    privatefiles::atomicWrite(dir.filePath(tombstoneFileName()), "wiped\n", 6, nullptr);
    return keyGone && !QFile::exists(vaultPath());
}

} // namespace safeguard::store
