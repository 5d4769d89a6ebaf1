#include "signing.h"

#include <sodium.h>

namespace safeguard::syncwire {

namespace signing {

namespace {

void appendString(std::string &out, std::string_view s)
{
    s = s.substr(0, 0xffff);
    out.push_back(char(s.size() & 0xff));
    out.push_back(char((s.size() >> 8) & 0xff));
    out.append(s);
}

void appendU32(std::string &out, quint32 v)
{
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(char((v >> shift) & 0xff));
}

void appendU64(std::string &out, quint64 v)
{
    for (int shift = 0; shift < 64; shift += 8)
        out.push_back(char((v >> shift) & 0xff));
}

} // namespace

std::string sessionStatement(QByteArrayView ephemeralPublicKey, std::string_view deviceId,
                             std::string_view hubId)
{
    std::string out;
    out.reserve(kSessionContext.size() + 2 * 3 + 32 + deviceId.size() + hubId.size());
    out.append(kSessionContext);
    appendString(
        out, std::string_view(ephemeralPublicKey.data(), std::size_t(ephemeralPublicKey.size())));
    appendString(out, deviceId);
    appendString(out, hubId);
    return out;
}

std::string receiptStatement(const v1::SyncReceipt &receipt, std::string_view deviceId)
{
    std::string out;
    out.reserve(256 + std::size_t(receipt.results_size()) * 128);
    out.append(kReceiptContext);
    appendString(out, receipt.batch_id());
    appendString(out, receipt.hub_id());
    appendString(out, deviceId);
    appendU64(out, quint64(receipt.received_at().unix_ms()));
    out.push_back(receipt.policy().wipe() ? char(1) : char(0));
    appendU32(out, quint32(receipt.results_size()));
    for (const v1::RecordResult &r : receipt.results()) {
        appendString(out, r.record_id());
        appendU32(out, r.version());
        appendString(out, r.sha256());
        appendU32(out, quint32(r.result()));
        appendU32(out, quint32(r.reasons_size()));
        for (const v1::RejectReason &reason : r.reasons()) {
            appendString(out, reason.path());
            appendString(out, reason.code());
            appendString(out, reason.message());
        }
    }
    return out;
}

std::string instrumentStatement(std::string_view hubId, std::string_view checklistId,
                                quint32 version, std::string_view sha256)
{
    std::string out;
    out.append(kInstrumentContext);
    appendString(out, hubId);
    appendString(out, checklistId);
    appendU32(out, version);
    appendString(out, sha256);
    return out;
}

bool verify(std::string_view statement, std::string_view signature, std::string_view publicKey)
{
    if (sodium_init() < 0 || signature.size() != kSignatureBytes ||
        publicKey.size() != kPublicKeyBytes)
        return false;
    return crypto_sign_verify_detached(
               reinterpret_cast<const unsigned char *>(signature.data()),
               reinterpret_cast<const unsigned char *>(statement.data()), statement.size(),
               reinterpret_cast<const unsigned char *>(publicKey.data())) == 0;
}

bool verifyReceipt(const v1::SyncReceipt &receipt, std::string_view deviceId,
                   QByteArrayView hubSigningKey)
{
    return verify(receiptStatement(receipt, deviceId), receipt.signature(),
                  std::string_view(hubSigningKey.data(), std::size_t(hubSigningKey.size())));
}

bool verifyInstrument(const v1::RiskInstrument &instrument, std::string_view hubId,
                      QByteArrayView hubSigningKey)
{
    if (instrument.sha256().size() != crypto_hash_sha256_BYTES)
        return false;
    if (!instrument.definition().empty()) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest,
                           reinterpret_cast<const unsigned char *>(instrument.definition().data()),
                           instrument.definition().size());
        if (sodium_memcmp(digest, instrument.sha256().data(), sizeof digest) != 0)
            return false;
    }
    return verify(instrumentStatement(hubId, instrument.checklist_id(), instrument.version(),
                                      instrument.sha256()),
                  instrument.signature(),
                  std::string_view(hubSigningKey.data(), std::size_t(hubSigningKey.size())));
}

} // namespace signing

std::unique_ptr<SigningKey> SigningKey::generate()
{
    if (sodium_init() < 0)
        return nullptr;
    std::unique_ptr<SigningKey> key(new SigningKey);
    key->m_secret = static_cast<unsigned char *>(sodium_malloc(signing::kSecretKeyBytes));
    if (!key->m_secret)
        return nullptr;
    crypto_sign_keypair(key->m_public, key->m_secret);
    return key;
}

std::unique_ptr<SigningKey> SigningKey::fromSecretKey(QByteArrayView secretKey)
{
    if (sodium_init() < 0 || secretKey.size() != qsizetype(signing::kSecretKeyBytes))
        return nullptr;
    std::unique_ptr<SigningKey> key(new SigningKey);
    key->m_secret = static_cast<unsigned char *>(sodium_malloc(signing::kSecretKeyBytes));
    if (!key->m_secret)
        return nullptr;
    const auto *in = reinterpret_cast<const unsigned char *>(secretKey.data());
    // The public half again from the seed: a damaged or spliced key is
    // refused rather than signing with a key whose public half lies.
    unsigned char seed[crypto_sign_SEEDBYTES];
    std::copy(in, in + crypto_sign_SEEDBYTES, seed);
    crypto_sign_seed_keypair(key->m_public, key->m_secret, seed);
    sodium_memzero(seed, sizeof seed);
    if (sodium_memcmp(key->m_public, in + crypto_sign_SEEDBYTES, signing::kPublicKeyBytes) != 0)
        return nullptr;
    return key;
}

SigningKey::~SigningKey()
{
    if (m_secret)
        sodium_free(m_secret);
}

QByteArray SigningKey::publicKey() const
{
    return QByteArray(reinterpret_cast<const char *>(m_public), qsizetype(sizeof m_public));
}

QByteArray SigningKey::sign(std::string_view statement) const
{
    QByteArray signature(qsizetype(signing::kSignatureBytes), Qt::Uninitialized);
    crypto_sign_detached(reinterpret_cast<unsigned char *>(signature.data()), nullptr,
                         reinterpret_cast<const unsigned char *>(statement.data()),
                         statement.size(), m_secret);
    return signature;
}

} // namespace safeguard::syncwire
