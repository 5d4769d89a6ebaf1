#pragma once

#include "safeguard/v1/sync.pb.h"

#include <QByteArray>
#include <QByteArrayView>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace safeguard::syncwire {

// The two Ed25519 signatures of the protocol, and the exact statements they
// cover, shared by the device and the hub so both build the bytes from one
// definition. Every statement starts with its own context string and
// length-prefixes each variable field (uint16 little endian, as in
// sessionseal), so no statement of one kind can be read as another and no
// two different field lists give the same bytes.
//
// - A session statement: the device's signing key over one sealing
//   session's ephemeral public key, the device id and the hub id. Signed once
//   per session (not per record) while the store is unlocked, since the key
//   lives only there; the hub verifies it once per session.
// - A receipt statement: the hub's receipt key over the batch id, hub id,
//   authenticated device id, received_at, the wipe order and, per result,
//   record id, version, sha256, result and reasons. Signed once per receipt.
// - An instrument statement: the hub's receipt key over the hub id and a
//   risk instrument's id, version and SHA-256, so a device offers officers
//   only the definition its own hub published. Signed once at serve start.
namespace signing {
inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64; // libsodium's seed || public key
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::string_view kSessionContext = "safeguard/v1/session-signature";
inline constexpr std::string_view kReceiptContext = "safeguard/v1/receipt-signature";
inline constexpr std::string_view kInstrumentContext = "safeguard/v1/instrument-signature";

std::string sessionStatement(QByteArrayView ephemeralPublicKey, std::string_view deviceId,
                             std::string_view hubId);
std::string receiptStatement(const v1::SyncReceipt &receipt, std::string_view deviceId);
std::string instrumentStatement(std::string_view hubId, std::string_view checklistId,
                                quint32 version, std::string_view sha256);

// True only for a 64-byte signature by the 32-byte publicKey over statement.
bool verify(std::string_view statement, std::string_view signature, std::string_view publicKey);
// True when the receipt carries a valid signature by hubSigningKey for this
// device.
bool verifyReceipt(const v1::SyncReceipt &receipt, std::string_view deviceId,
                   QByteArrayView hubSigningKey);
// True when the instrument is signed by hubSigningKey for hubId and its
// definition (when present) hashes to its sha256.
bool verifyInstrument(const v1::RiskInstrument &instrument, std::string_view hubId,
                      QByteArrayView hubSigningKey);
} // namespace signing

// One Ed25519 key pair, the secret half in libsodium's guarded, mlock()ed
// memory, zeroed when destroyed. The hub's receipt key and the tests'
// devices use it; the app keeps its device key inside the encrypted store
// and signs there. Neither copied nor moved.
class SigningKey
{
public:
    // A new random key pair; null when no secure memory is left.
    static std::unique_ptr<SigningKey> generate();
    // From the 64-byte secret key (seed || public key) as libsodium writes
    // it; null when it is not 64 bytes or its public half does not match
    // its seed.
    static std::unique_ptr<SigningKey> fromSecretKey(QByteArrayView secretKey);
    ~SigningKey();
    SigningKey(const SigningKey &) = delete;
    SigningKey &operator=(const SigningKey &) = delete;

    QByteArray publicKey() const;
    // The 64-byte signature over statement.
    QByteArray sign(std::string_view statement) const;
    // The secret key's 64 bytes, for the caller to store (and then zero).
    const unsigned char *secretKeyBytes() const { return m_secret; }

private:
    SigningKey() = default;
    unsigned char *m_secret = nullptr; // sodium_malloc'd, kSecretKeyBytes
    unsigned char m_public[signing::kPublicKeyBytes] = {};
};

} // namespace safeguard::syncwire
