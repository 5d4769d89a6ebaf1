#include "sessionkeycache.h"

#include "secretbytes.h"
#include "wire/sealingsession.h"
#include "wire/signing.h"

#include <algorithm>
#include <cstring>
#include <sodium.h>

namespace safeguard::hub {

namespace ss = syncwire::sessionseal;

std::size_t SessionKeyCache::KeyHash::operator()(const PublicKey &k) const
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, k.data(), k.size(), sipKey);
    std::size_t h = 0;
    std::memcpy(&h, out, std::min(sizeof h, sizeof out));
    return h;
}

SessionKeyCache::SessionKeyCache(QByteArray hubPublicKey, const SecretBytes &hubSecretKey,
                                 int capacity)
    : m_publicKey(std::move(hubPublicKey))
    , m_secretKey(hubSecretKey)
    , m_capacity(std::max(1, capacity))
    , m_index(0, KeyHash{m_sipKey})
{
    [[maybe_unused]] const int ready = sodium_init();
    crypto_shorthash_keygen(m_sipKey);
    m_slots.resize(size_t(m_capacity));
    m_index.reserve(size_t(m_capacity));
    m_keys = static_cast<unsigned char *>(sodium_malloc(size_t(m_capacity) * ss::kKeyBytes));
}

SessionKeyCache::~SessionKeyCache()
{
    if (m_keys)
        sodium_free(m_keys); // zeroes every key
}

unsigned char *SessionKeyCache::slotKey(int slot) const
{
    return m_keys + size_t(slot) * ss::kKeyBytes;
}

int SessionKeyCache::size() const
{
    std::lock_guard lock(m_mutex);
    return int(m_index.size());
}

bool SessionKeyCache::lookup(const PublicKey &ephemeralPublicKey, unsigned char *key)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_index.find(ephemeralPublicKey);
    if (it == m_index.end())
        return false;
    m_slots[size_t(it->second)].referenced = true;
    std::memcpy(key, slotKey(it->second), ss::kKeyBytes);
    return true;
}

void SessionKeyCache::remember(const PublicKey &ephemeralPublicKey, const unsigned char *key)
{
    std::lock_guard lock(m_mutex);
    if (!m_keys || m_index.count(ephemeralPublicKey))
        return;
    // Clock: pass over referenced slots once (clearing the mark), take the
    // first free or unreferenced one. At most two turns of the hand.
    for (;;) {
        Slot &s = m_slots[size_t(m_hand)];
        if (!s.used || !s.referenced)
            break;
        s.referenced = false;
        m_hand = (m_hand + 1) % m_capacity;
    }
    const int slot = m_hand;
    m_hand = (m_hand + 1) % m_capacity;
    Slot &s = m_slots[size_t(slot)];
    if (s.used)
        m_index.erase(s.ephemeralPublicKey);
    s.ephemeralPublicKey = ephemeralPublicKey;
    s.used = true;
    s.referenced = false;
    std::memcpy(slotKey(slot), key, ss::kKeyBytes);
    m_index.emplace(ephemeralPublicKey, slot);
}

std::optional<QByteArray> SessionKeyCache::open(std::string_view sealed, std::string_view recordId,
                                                quint32 version, std::string_view deviceId,
                                                std::string_view hubId,
                                                std::string_view deviceSigningKey,
                                                std::string_view sessionSignature, OpenFailure *why)
{
    auto fail = [why](OpenFailure f) -> std::optional<QByteArray> {
        if (why)
            *why = f;
        return std::nullopt;
    };
    if (sealed.size() < ss::kOverheadBytes || m_publicKey.size() != int(ss::kPublicKeyBytes) ||
        m_secretKey.size() != crypto_box_SECRETKEYBYTES)
        return fail(OpenFailure::Unsealable);
    const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
    PublicKey ephemeral;
    std::copy(bytes, bytes + ss::kPublicKeyBytes, ephemeral.begin());
    const unsigned char *nonce = bytes + ss::kPublicKeyBytes;
    const unsigned char *cipher = bytes + ss::kHeaderBytes;
    const size_t cipherSize = sealed.size() - ss::kHeaderBytes;

    unsigned char key[ss::kKeyBytes];
    const bool cached = lookup(ephemeral, key);
    if (!cached) {
        // A session enters the cache only once its signature by this
        // device's key has been checked, so a hit needs no check: only the
        // signer (or the hub) can seal under its session key, and the
        // associated data binds every record to the device that sealed it.
        m_verifications.fetch_add(1, std::memory_order_relaxed);
        if (!syncwire::signing::verify(
                syncwire::signing::sessionStatement(
                    QByteArrayView(reinterpret_cast<const char *>(ephemeral.data()),
                                   qsizetype(ephemeral.size())),
                    deviceId, hubId),
                sessionSignature, deviceSigningKey))
            return fail(OpenFailure::BadSignature);
        m_derivations.fetch_add(1, std::memory_order_relaxed);
        if (!ss::deriveKey(key, m_secretKey.data(), ephemeral.data(), ephemeral.data(),
                           reinterpret_cast<const unsigned char *>(m_publicKey.constData())))
            return fail(OpenFailure::Unsealable);
    }
    const std::string ad = ss::associatedData(ephemeral.data(), recordId, version, deviceId, hubId);
    QByteArray plain(qsizetype(cipherSize - ss::kTagBytes), Qt::Uninitialized);
    unsigned long long plainSize = 0;
    const bool opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
                            reinterpret_cast<unsigned char *>(plain.data()), &plainSize, nullptr,
                            cipher, cipherSize, reinterpret_cast<const unsigned char *>(ad.data()),
                            ad.size(), nonce, key) == 0;
    if (opened && !cached)
        remember(ephemeral, key);
    sodium_memzero(key, sizeof key);
    if (!opened)
        return fail(OpenFailure::Unsealable);
    return plain;
}

} // namespace safeguard::hub
