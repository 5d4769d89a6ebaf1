#include "sealingsession.h"

#include "signing.h"

#include <sodium.h>

namespace safeguard::syncwire {

namespace sessionseal {

bool deriveKey(unsigned char key[kKeyBytes], const unsigned char secretKey[32],
               const unsigned char peerPublicKey[32], const unsigned char ephemeralPublicKey[32],
               const unsigned char hubPublicKey[32])
{
    unsigned char shared[crypto_scalarmult_BYTES];
    // libsodium refuses (-1) when the result is all zeros: a low-order point.
    if (crypto_scalarmult(shared, secretKey, peerPublicKey) != 0) {
        sodium_memzero(shared, sizeof shared);
        sodium_memzero(key, kKeyBytes);
        return false;
    }
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, kKeyBytes);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(kKdfContext.data()),
                              kKdfContext.size());
    crypto_generichash_update(&state, shared, sizeof shared);
    crypto_generichash_update(&state, ephemeralPublicKey, kPublicKeyBytes);
    crypto_generichash_update(&state, hubPublicKey, kPublicKeyBytes);
    crypto_generichash_final(&state, key, kKeyBytes);
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(&state, sizeof state);
    return true;
}

std::string associatedData(const unsigned char ephemeralPublicKey[kPublicKeyBytes],
                           std::string_view recordId, quint32 version, std::string_view deviceId,
                           std::string_view hubId)
{
    std::string ad;
    ad.reserve(kAdContext.size() + kPublicKeyBytes + 4 + 6 + recordId.size() + deviceId.size() +
               hubId.size());
    ad.append(kAdContext);
    ad.append(reinterpret_cast<const char *>(ephemeralPublicKey), kPublicKeyBytes);
    for (int shift = 0; shift < 32; shift += 8)
        ad.push_back(char((version >> shift) & 0xff));
    for (std::string_view s : {recordId, deviceId, hubId}) {
        s = s.substr(0, kMaxIdBytes);
        ad.push_back(char(s.size() & 0xff));
        ad.push_back(char((s.size() >> 8) & 0xff));
        ad.append(s);
    }
    return ad;
}

} // namespace sessionseal

SealingSession::SealingSession(const QByteArray &hubPublicKey, SealBinding binding,
                               qint64 openedAtMs)
    : m_hubPublicKey(hubPublicKey)
    , m_binding(std::move(binding))
    , m_deviceIdUtf8(m_binding.deviceId.toStdString())
    , m_hubIdUtf8(m_binding.hubId.toStdString())
    , m_openedAtMs(openedAtMs)
{
    if (sodium_init() < 0 || hubPublicKey.size() != int(sessionseal::kPublicKeyBytes)) {
        m_error = {SealingErrorKind::BadHubKey,
                   QStringLiteral("the hub's sealing key is not 32 bytes")};
        return;
    }
    auto *key = static_cast<unsigned char *>(sodium_malloc(sessionseal::kKeyBytes));
    if (!key) {
        m_error = {SealingErrorKind::OutOfMemory,
                   QStringLiteral("no secure memory for a sealing key")};
        return;
    }
    unsigned char ephemeralSecret[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(m_ephemeralPublicKey, ephemeralSecret);
    const auto *hub = reinterpret_cast<const unsigned char *>(m_hubPublicKey.constData());
    const bool derived =
        sessionseal::deriveKey(key, ephemeralSecret, hub, m_ephemeralPublicKey, hub);
    // The ephemeral secret is never needed again: only k can seal from now on.
    sodium_memzero(ephemeralSecret, sizeof ephemeralSecret);
    if (!derived) {
        sodium_free(key);
        m_error = {SealingErrorKind::BadHubKey,
                   QStringLiteral("the hub's sealing key is unusable")};
        return;
    }
    if (m_binding.sign) {
        // Once per session: the hub checks it once per session too.
        m_signature = m_binding.sign(signing::sessionStatement(
            QByteArrayView(reinterpret_cast<const char *>(m_ephemeralPublicKey),
                           qsizetype(sessionseal::kPublicKeyBytes)),
            m_deviceIdUtf8, m_hubIdUtf8));
        if (m_signature.size() != qsizetype(signing::kSignatureBytes)) {
            sodium_free(key);
            m_signature.clear();
            m_error = {SealingErrorKind::NotSigned,
                       QStringLiteral("the device's signing key did not sign the session")};
            return;
        }
    }
    m_key = key;
}

SealingSession::~SealingSession()
{
    end();
}

void SealingSession::end()
{
    if (m_key)
        sodium_free(m_key); // zeroes the memory before releasing it
    m_key = nullptr;
    if (m_error.ok())
        m_error = {SealingErrorKind::SessionEnded,
                   QStringLiteral("the sealing session has ended (the store was locked)")};
}

bool SealingSession::isDue(qint64 nowMs) const
{
    return !isOpen() || m_recordsSealed >= kMaxRecords || nowMs < m_openedAtMs ||
           nowMs - m_openedAtMs >= kMaxAgeMs;
}

QByteArray SealingSession::ephemeralPublicKey() const
{
    return QByteArray(reinterpret_cast<const char *>(m_ephemeralPublicKey),
                      qsizetype(sessionseal::kPublicKeyBytes));
}

std::optional<QByteArray> SealingSession::seal(const QString &recordId, quint32 version,
                                               const QByteArray &plaintext, SealingError *error)
{
    auto fail = [error](SealingError e) -> std::optional<QByteArray> {
        if (error)
            *error = std::move(e);
        return std::nullopt;
    };
    if (!m_key)
        return fail(m_error);

    using namespace sessionseal;
    const std::string id = recordId.toStdString();
    const std::string ad =
        associatedData(m_ephemeralPublicKey, id, version, m_deviceIdUtf8, m_hubIdUtf8);
    QByteArray sealed(qsizetype(kOverheadBytes) + plaintext.size(), Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(sealed.data());
    std::copy(m_ephemeralPublicKey, m_ephemeralPublicKey + kPublicKeyBytes, out);
    unsigned char *nonce = out + kPublicKeyBytes;
    randombytes_buf(nonce, kNonceBytes);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + kHeaderBytes, &written,
        reinterpret_cast<const unsigned char *>(plaintext.constData()), quint64(plaintext.size()),
        reinterpret_cast<const unsigned char *>(ad.data()), ad.size(), nullptr, nonce, m_key);
    Q_ASSERT(written == quint64(plaintext.size()) + kTagBytes);
    ++m_recordsSealed;
    return sealed;
}

} // namespace safeguard::syncwire
