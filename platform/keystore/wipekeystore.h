#pragma once

#include <QString>
#include <cstddef>
#include <cstdint>

namespace safeguard::platform {

// Where the device keeps its wipe key: a random 256-bit key that the key
// vault combines with the passphrase-derived key to wrap the data key, so
// destroying this one small secret makes every copy of the vault, old or
// new, and every page of the store encrypted under a key it wrapped, noise
// (crypto-shredding). A secret a wipe must destroy may exist in ONE place
// only, so a store must never keep an old copy of it: no write through a
// temporary file and a rename, no backup, no sync to another device.
//
// Keys come in generations (1, 2, ...). A store holds at most two at once,
// the one the vault uses and, during a key rotation, the next one; add()
// never overwrites the generation the caller keeps. On Linux the store is
// a file written in place (FileWipeKeyStore); on a phone it belongs in the
// platform keystore (Android Keystore, iOS Keychain with
// ThisDeviceOnly), where deleting an entry is the platform's own shred.
class WipeKeyStore
{
public:
    static constexpr std::size_t kKeyBytes = 32;

    enum class Outcome
    {
        Ok,
        Missing, // no such generation (never made, or destroyed)
        Damaged, // present but unreadable: treat as destroyed
        Refused, // not ours (a symbolic link, another owner, open to others)
        Failed,  // an I/O error: nothing was changed
    };

    virtual ~WipeKeyStore() = default;
    // Copies generation's key into keyOut (kKeyBytes, the caller's secure memory).
    virtual Outcome read(std::uint64_t generation, unsigned char *keyOut) = 0;
    // Makes generation (> 0) a fresh random key, durably, without touching
    // keep; copies the key into keyOut.
    virtual Outcome add(std::uint64_t generation, std::uint64_t keep, unsigned char *keyOut) = 0;
    // Destroys every generation but keep (0: all of them), durably.
    virtual Outcome destroyAllBut(std::uint64_t keep) = 0;
    // The last failure, for the officer; never holds key material.
    virtual QString lastError() const = 0;
};

} // namespace safeguard::platform
