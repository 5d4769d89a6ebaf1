#pragma once

#include "protocol/clock.h"
#include "securebuffer.h"

#include <QDateTime>
#include <QString>
#include <cstdint>
#include <optional>

namespace safeguard::store {

// Argon2id cost. memLimitBytes is what one guess needs in RAM, opsLimit the
// passes over it; both slow down offline guessing on a copied vault.
struct KdfParams
{
    std::uint64_t opsLimit = 0;
    std::uint64_t memLimitBytes = 0;
    friend bool operator==(const KdfParams &, const KdfParams &) = default;
};

// The fixed bounds. The floor is libsodium's "interactive" level (2 passes,
// 64 MiB, ~0.09 s here): below it a copied vault is cheap to attack, so
// nothing below it is accepted, tests included. The ceiling keeps a
// tampered header from making unlock exhaust memory or take minutes. The
// default (3 passes, 256 MiB) measured 0.43 s on the development machine.
struct KdfLimits
{
    static constexpr KdfParams kFloor{2, 64ull << 20};
    static constexpr KdfParams kCeiling{10, 1ull << 30};
    static constexpr KdfParams kDefault{3, 256ull << 20};
    static bool withinLimits(const KdfParams &p);
};

enum class UnlockStatus
{
    Unlocked,
    WrongPassphrase, // attemptsLeft says how many remain before the wipe
    LockedOut,       // lockedUntil says when the next attempt is allowed
    Wiped,           // too many failures destroyed the key; the data is gone
    CorruptVault,    // missing, damaged or out-of-range vault: nothing was tried
    StorageError,    // the attempt could not be recorded durably, so it was not made
};

// What unlock() returns. key is set only when status is Unlocked.
struct UnlockResult
{
    UnlockStatus status = UnlockStatus::CorruptVault;
    int attemptsLeft = 0;
    QDateTime lockedUntil; // UTC; invalid when not locked out
    QString message;       // for the officer; never holds key or passphrase
    DataKey key;
};

enum class VaultErrorKind
{
    None,
    AlreadyExists,
    WeakPassphrase,
    ParametersOutOfRange,
    Unlock,
    Storage,
    Crypto
};

struct VaultError
{
    VaultErrorKind kind = VaultErrorKind::None;
    QString message;
    bool ok() const { return kind == VaultErrorKind::None; }
};

// The officer's key vault: one file (vault.bin, mode 0600) in the store
// directory holding a random 256-bit data key wrapped under a key derived
// from the passphrase with Argon2id, sealed with XChaCha20-Poly1305. The
// header (magic, format, attempt limit, Argon2id parameters, salt) is the
// AEAD's associated data, so editing any of it makes unlock fail.
//
// The failed-attempt counter and lockout time sit after the sealed part,
// outside the associated data, because they change on every attempt and
// must be written before the key is known: each attempt increments and
// fsyncs the counter BEFORE Argon2id runs, so killing the process mid-check
// still costs an attempt. From the 4th failure an escalating delay applies
// (lockoutDelayMs, timed by the injected Clock); at maxAttempts the vault
// and the store's database files (by name) are overwritten and removed
// (crypto-shredding) and a small tombstone records that a wipe happened.
// Someone who can edit the file can reset the counter: that gains them no
// more than they already have with a copy of the vault, namely offline
// guessing at the Argon2id cost (see docs/SECURITY.md). A checksum over the
// whole file tells accidental damage (CorruptVault) from a wrong passphrase.
//
// Not thread-safe; one KeyVault per store directory per process.
class KeyVault
{
public:
    static constexpr int kDefaultMaxAttempts = 10;
    static constexpr int kFirstDelayedFailure = 4;

    KeyVault(const QString &storeDir, const protocol::Clock &clock);

    static QString vaultFileName() { return QStringLiteral("vault.bin"); }
    static QString tombstoneFileName() { return QStringLiteral("vault.wiped"); }
    QString vaultPath() const;
    bool exists() const;

    // Makes a fresh data key and the vault. Refuses a weak passphrase,
    // parameters outside KdfLimits and an existing vault.
    VaultError create(const SecureBuffer &passphrase, DataKey *keyOut,
                      KdfParams params = KdfLimits::kDefault,
                      int maxAttempts = kDefaultMaxAttempts);

    UnlockResult unlock(const SecureBuffer &passphrase);

    // Unlocks with the old passphrase (an attempt like any other) and
    // re-wraps the same data key under the new one with a new salt; the
    // database is not re-encrypted. On success the old passphrase no longer
    // opens anything. unlockOut (optional) receives the unlock outcome.
    VaultError changePassphrase(const SecureBuffer &oldPassphrase,
                                const SecureBuffer &newPassphrase,
                                UnlockResult *unlockOut = nullptr);

    // The unauthenticated part of the vault, readable without the key (for
    // the lock screen, and tests).
    struct Status
    {
        int failedAttempts = 0;
        int maxAttempts = 0;
        qint64 lockedUntilMs = 0;
        KdfParams params;
    };
    std::optional<Status> status() const;

    // Delay after the given number of consecutive failures (0 before the 4th).
    static qint64 lockoutDelayMs(int failures);

    // Destroys the wrapped key and the store's database files.
    // True when the wrapped key is gone (the store is noise without it).
    bool wipe();

private:
    const QString m_dir;
    const protocol::Clock &m_clock;
};

} // namespace safeguard::store
