#pragma once

#include "protocol/clock.h"
#include "securebuffer.h"

#include <QDateTime>
#include <QString>
#include <cstdint>
#include <memory>
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

// What unlock() returns. key and passKey are set only when status is Unlocked.
struct UnlockResult
{
    UnlockStatus status = UnlockStatus::CorruptVault;
    int attemptsLeft = 0;
    QDateTime lockedUntil; // UTC; invalid when not locked out
    QString message;       // for the officer; never holds key or passphrase
    // Wiped because the device had not reached its hub for longer than the
    // hub's max_offline_days, not because of wrong passphrases.
    bool wipedOffline = false;
    DataKey key;
    // The Argon2id output for this passphrase and salt. Held in locked
    // memory while the store is unlocked so the keys can be rotated without
    // asking for the passphrase again; freed at lock.
    SecureBuffer passKey;
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

// The officer's key vault, in the store directory:
//
// - vault.bin (0600): a random 256-bit data key wrapped with
//   XChaCha20-Poly1305 under BLAKE2b(wipe key, Argon2id(passphrase, salt)).
//   Its header (magic, format, attempt limit, Argon2id parameters, salt,
//   wipe key generation, when the data key was made) is the AEAD's
//   associated data, so editing any of it makes unlock fail. The header and
//   wrapped key are written only by replacing the file (create, passphrase
//   change, key rotation); old copies that the rename leaves in free blocks
//   are useless, because the wipe key they need is destroyed in place.
// - the failed-attempt counter and lockout time, at the end of vault.bin,
//   outside the associated data, written IN PLACE (pwrite + fdatasync on the
//   same inode) under a lock on the directory, unsigned and range-checked.
//   Each attempt is counted durably BEFORE Argon2id runs, so killing the
//   process mid-check still costs an attempt. From the 4th failure an
//   escalating delay applies (lockoutDelayMs, timed by the injected Clock);
//   at maxAttempts the store is wiped.
// - the wipe key (platform::WipeKeyStore; on Linux wipe.key, written in
//   place): the one secret a wipe destroys. Without it no copy of the
//   vault unwraps, whatever passphrase is tried.
//
// Rotation (forward secrecy): beginRotation() (or beginPassphraseChange())
// makes the next wipe key beside the current one and a fresh data key; the
// caller copies the store under the new key to nextStorePath;
// commitRotation() replaces vault.bin (the commit point); with the store
// closed, finishRotation() moves the copy over store.db and destroys the
// old wipe key. A crash at any step leaves exactly the old or the new
// passphrase and keys working: unlock() finishes or discards whatever a
// crash interrupted (the copy named for the vault's generation is the
// committed one; any other is discarded, and so is any wipe key the vault
// does not name).
//
// Someone who can edit the files can reset the counter: that gains them no
// more than a copy of the vault and the wipe key would, namely offline
// guessing at the Argon2id cost (see docs/SECURITY.md). A checksum over the
// header tells accidental damage (CorruptVault) from a wrong passphrase.
//
// Not thread-safe; one KeyVault per store directory per process.
class KeyVault
{
public:
    static constexpr int kDefaultMaxAttempts = 10;
    static constexpr int kFirstDelayedFailure = 4;
    // The data key and wipe key are replaced at least this often while unlocked.
    static constexpr qint64 kRotationIntervalMs = 24ll * 3600 * 1000;

    KeyVault(const QString &storeDir, const protocol::Clock &clock);
    ~KeyVault();
    KeyVault(const KeyVault &) = delete;
    KeyVault &operator=(const KeyVault &) = delete;

    static QString vaultFileName() { return QStringLiteral("vault.bin"); }
    static QString tombstoneFileName() { return QStringLiteral("vault.wiped"); }
    QString vaultPath() const;
    bool exists() const;

    // Makes a fresh data key, the wipe key and the vault; removes any store
    // files a crash or an interrupted wipe left behind. Refuses a weak
    // passphrase, parameters outside KdfLimits and an existing vault.
    VaultError create(const SecureBuffer &passphrase, DataKey *keyOut,
                      KdfParams params = KdfLimits::kDefault, int maxAttempts = kDefaultMaxAttempts,
                      SecureBuffer *passKeyOut = nullptr);

    // Finishes or discards an interrupted rotation first (see above); the
    // store must be closed.
    UnlockResult unlock(const SecureBuffer &passphrase);

    // A key rotation in progress: what the caller needs for the copy.
    struct Rotation
    {
        std::uint64_t generation = 0;
        DataKey newKey;          // the store's next data key
        SecureBuffer newPassKey; // the passKey that goes with the new vault
        QString nextStorePath;   // where the caller copies the store
        QByteArray nextVault;    // the vault that commitRotation() writes
    };
    // Starts a rotation to a fresh data key and wipe key under the same
    // passphrase (passKey, from unlock or create; checked against the vault).
    VaultError beginRotation(const SecureBuffer &passKey, Rotation *out);
    // Starts one under a new passphrase with a new salt. The old passphrase
    // is checked like any unlock attempt (counted; the last failure wipes);
    // unlockOut receives that outcome.
    VaultError beginPassphraseChange(const SecureBuffer &oldPassphrase,
                                     const SecureBuffer &newPassphrase, Rotation *out,
                                     UnlockResult *unlockOut = nullptr);
    // Replaces vault.bin: from here on only the new keys open the store.
    VaultError commitRotation(const Rotation &rotation);
    // Before the commit: discards the copy and the next wipe key.
    void abandonRotation(const Rotation &rotation);
    // After the commit, with the store closed: moves the copy into place and
    // destroys the old wipe key, so an old vault opens nothing.
    VaultError finishRotation();

    // The unauthenticated part of the vault, readable without the key (for
    // the lock screen, and tests).
    struct Status
    {
        int failedAttempts = 0;
        int maxAttempts = 0;
        qint64 lockedUntilMs = 0;
        KdfParams params;
        std::uint64_t generation = 0; // of the wipe key; +1 at every rotation
        qint64 keyCreatedMs = 0;      // when the current data key was made
        // Wrong passphrases and lockouts since the vault was made (they
        // survive unlocks and rotations): what the check-in reports.
        quint32 failuresEver = 0;
        quint32 lockoutsEver = 0;
    };
    std::optional<Status> status() const;
    // Whether the data key is older than kRotationIntervalMs.
    bool rotationDue() const;

    // Delay after the given number of consecutive failures (0 before the 4th).
    static qint64 lockoutDelayMs(int failures);

    // What someone holding raw bytes can do with them, for the raw-disk wipe
    // test: unwraps a copy of vault.bin (the bytes as they lie on disk) with
    // a passphrase and a candidate wipe key. Empty unless all three fit.
    static DataKey unwrapCopy(const QByteArray &vaultBytes, const SecureBuffer &passphrase,
                              const QByteArray &wipeKey);

    // Destroys the wipe key (in place) first, then the vault and the store's
    // database files. True when the wipe key is gone (everything encrypted
    // is noise without it).
    bool wipe();

private:
    struct Impl;
    const QString m_dir;
    const protocol::Clock &m_clock;
    std::unique_ptr<Impl> m_impl;
};

} // namespace safeguard::store
