#pragma once

#include <QByteArray>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace safeguard::hub {

class SecretBytes;

// Opens records sealed with the session scheme
// (v1::SEAL_SCHEME_SESSION_XCHACHA20, layout in syncwire::sessionseal)
// and remembers each session's key k by its ephemeral public key, so a
// device's whole session costs the hub one X25519 operation instead of one
// per record (crypto_box_seal).
//
// Bounded: at most capacity() keys, evicted by the clock (second-chance)
// algorithm, kept in libsodium's guarded, mlock()ed memory and zeroed when
// evicted or destroyed. A key enters the cache only after it has opened a
// record, so bytes that merely look like a session cannot push real
// sessions out. A hostile enrolled device that starts a new session for
// every record costs the hub what crypto_box_seal always did (one X25519
// per record) plus a cache insert, and can at worst evict other devices'
// keys, which are derived again on their next record. Safe to call from
// several threads (BatchIngestor opens large batches on several); a mutex
// guards the lookup, which is tiny next to the decryption done outside it.
// Two threads meeting the same new session at once may both derive its key;
// the result is the same and one copy is kept.
class SessionKeyCache
{
public:
    static constexpr int kDefaultCapacity = 1024;

    // hubSecretKey is referred to, never copied: it must outlive the cache.
    SessionKeyCache(QByteArray hubPublicKey, const SecretBytes &hubSecretKey,
                    int capacity = kDefaultCapacity);
    ~SessionKeyCache();
    SessionKeyCache(const SessionKeyCache &) = delete;
    SessionKeyCache &operator=(const SessionKeyCache &) = delete;

    enum class OpenFailure
    {
        Unsealable,   // too short, bad key, wrong tag or associated data
        BadSignature, // a new session whose signature by the device's key fails
    };
    // The plaintext of sealed, bound to the envelope's record id and version,
    // the device that authenticated the request and this hub's id; nullopt
    // when it does not open (*why says how). A session not yet cached must
    // carry sessionSignature, the device's Ed25519 signature
    // (deviceSigningKey, from its enrolment) over
    // syncwire::signing::sessionStatement: it is checked once, before the
    // X25519 derivation, and only a session that then opens a record is
    // cached. Never throws.
    std::optional<QByteArray> open(std::string_view sealed, std::string_view recordId,
                                   quint32 version, std::string_view deviceId,
                                   std::string_view hubId, std::string_view deviceSigningKey,
                                   std::string_view sessionSignature, OpenFailure *why = nullptr);

    // X25519 derivations so far (cache misses that were computed).
    qint64 derivations() const { return m_derivations.load(std::memory_order_relaxed); }
    // Session signatures checked so far (one per session not cached).
    qint64 verifications() const { return m_verifications.load(std::memory_order_relaxed); }
    int size() const;
    int capacity() const { return m_capacity; }

private:
    using PublicKey = std::array<unsigned char, 32>;
    struct KeyHash
    {
        const unsigned char *sipKey;
        std::size_t operator()(const PublicKey &k) const;
    };
    struct Slot
    {
        PublicKey ephemeralPublicKey{};
        bool used = false;
        bool referenced = false;
    };

    bool lookup(const PublicKey &ephemeralPublicKey, unsigned char *key);
    void remember(const PublicKey &ephemeralPublicKey, const unsigned char *key);
    unsigned char *slotKey(int slot) const;

    QByteArray m_publicKey;
    const SecretBytes &m_secretKey;
    const int m_capacity;
    // The map's hash is keyed (SipHash, random key) because the public keys
    // come from the network.
    unsigned char m_sipKey[16];
    mutable std::mutex m_mutex;
    std::unordered_map<PublicKey, int, KeyHash> m_index;
    std::vector<Slot> m_slots;
    unsigned char *m_keys = nullptr; // sodium_malloc'd, capacity x 32 bytes
    int m_hand = 0;
    std::atomic<qint64> m_derivations{0};
    std::atomic<qint64> m_verifications{0};
};

} // namespace safeguard::hub
