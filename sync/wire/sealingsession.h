#pragma once

#include <QByteArray>
#include <QString>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace safeguard::syncwire {

// The wire format of the "session" seal scheme
// (v1::SEAL_SCHEME_SESSION_XCHACHA20), shared by the device's
// SealingSession and the hub's SessionKeyCache so both sides build the key
// and the associated data from one definition:
//
//   k      = BLAKE2b-256(kKdfContext || X25519(e_sk, hub_pk) || e_pk || hub_pk)
//   AD     = kAdContext || e_pk || version (uint32, little endian)
//            || str(record_id) || str(device_id) || str(hub_id)
//            where str(s) = length of s's UTF-8 (uint16, little endian) || s
//   sealed = e_pk (32) || nonce (24, random) || XChaCha20-Poly1305-IETF(k, nonce, AD, record)
//
// The associated data binds a sealed blob to its envelope's record id and
// version, to the device that sealed it (the hub checks it against the
// device that authenticated the request) and to the hub it was sealed for:
// moved to another envelope, replayed by another device or sent to another
// hub it no longer opens. The length prefixes keep two different triples
// from ever giving the same bytes.
namespace sessionseal {
inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kNonceBytes = 24;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kHeaderBytes = kPublicKeyBytes + kNonceBytes;
inline constexpr std::size_t kOverheadBytes = kHeaderBytes + kTagBytes;
inline constexpr std::string_view kKdfContext = "safeguard/v1/session-seal/key";
inline constexpr std::string_view kAdContext = "safeguard/v1/session-seal/ad";

// k from the X25519 shared point; false (out zeroed) when the point is all
// zeros (a low-order public key on either side).
bool deriveKey(unsigned char key[kKeyBytes], const unsigned char secretKey[32],
               const unsigned char peerPublicKey[32], const unsigned char ephemeralPublicKey[32],
               const unsigned char hubPublicKey[32]);
// The longest id that fits a length prefix; longer ids are cut (no id the
// protocol allows is near it).
inline constexpr std::size_t kMaxIdBytes = 0xffff;
std::string associatedData(const unsigned char ephemeralPublicKey[kPublicKeyBytes],
                           std::string_view recordId, quint32 version, std::string_view deviceId,
                           std::string_view hubId);
} // namespace sessionseal

// Who seals and for whom: the enrolled device's id and its hub's id, both
// bound into every record's associated data, and how the device signs a
// session (signing::sessionStatement): the app signs inside its encrypted
// store, where its key lives. Without a signer a session is unsigned, and
// the hub rejects what it seals ("bad_signature"): tests of that use it.
struct SealBinding
{
    QString deviceId;
    QString hubId;
    // The 64-byte Ed25519 signature over the statement; empty on failure.
    std::function<QByteArray(std::string_view statement)> sign;
};

// Why a session refused to seal.
enum class SealingErrorKind
{
    None,
    BadHubKey,    // the hub's public key is not 32 bytes or is a low-order point
    OutOfMemory,  // no secure memory for the session key
    SessionEnded, // end() was called (the store was locked): open a new session
    NotSigned,    // the binding's signer gave no signature (the store refused)
};

struct SealingError
{
    SealingErrorKind kind = SealingErrorKind::None;
    QString message;
    bool ok() const { return kind == SealingErrorKind::None; }
};

// A device's sealing session with the hub: one ephemeral X25519 key pair,
// whose secret half is wiped as soon as the session key k is derived from
// it and the hub's public key. Every record is then sealed with k and a
// fresh random nonce (XChaCha20-Poly1305), which costs the hub one X25519
// operation per session instead of one per record (crypto_box_seal).
//
// The security property of crypto_box_seal holds for what is on disk: k is
// never written anywhere; it lives only in libsodium's guarded, mlock()ed
// memory and is zeroed by end() and the destructor, so nothing the device
// stores can open a sealed entry. While the session is open, the process's
// memory can (as can the unlocked store the records came from). The sync
// engine therefore holds a session only while the store is unlocked and
// rotates it after kMaxRecords records or kMaxAgeMs. Neither copied nor
// moved: one owner. Not thread-safe.
class SealingSession
{
public:
    static constexpr int kMaxRecords = 10000;
    static constexpr qint64 kMaxAgeMs = 60 * 60 * 1000;

    // Opens a session to hubPublicKey (32 bytes) for the binding's device
    // and hub; openedAtMs is the caller's clock, used only by isDue(). Check
    // isOpen() or error() after.
    SealingSession(const QByteArray &hubPublicKey, SealBinding binding, qint64 openedAtMs);
    ~SealingSession();
    SealingSession(const SealingSession &) = delete;
    SealingSession &operator=(const SealingSession &) = delete;

    bool isOpen() const { return m_key != nullptr; }
    // Why the session is not open (None while it is).
    const SealingError &error() const { return m_error; }
    // Wipes and frees k; every later seal() is refused with SessionEnded.
    void end();

    // True when the session should be replaced: closed, sealed kMaxRecords
    // records, or older than kMaxAgeMs (or the clock went backwards).
    bool isDue(qint64 nowMs) const;

    const QByteArray &hubPublicKey() const { return m_hubPublicKey; }
    const SealBinding &binding() const { return m_binding; }
    QByteArray ephemeralPublicKey() const;
    // The device's signature over this session (RecordEnvelope.
    // session_signature); empty when the binding has no signer.
    const QByteArray &signature() const { return m_signature; }
    int recordsSealed() const { return m_recordsSealed; }

    // The sealed bytes (layout above) of one record bound to its envelope's
    // record id and version and to the session's binding.
    std::optional<QByteArray> seal(const QString &recordId, quint32 version,
                                   const QByteArray &plaintext, SealingError *error = nullptr);

private:
    QByteArray m_hubPublicKey;
    SealBinding m_binding;
    std::string m_deviceIdUtf8, m_hubIdUtf8;
    qint64 m_openedAtMs = 0;
    QByteArray m_signature;
    unsigned char m_ephemeralPublicKey[sessionseal::kPublicKeyBytes] = {};
    unsigned char *m_key = nullptr; // sodium_malloc'd, kKeyBytes
    int m_recordsSealed = 0;
    SealingError m_error;
};

} // namespace safeguard::syncwire
