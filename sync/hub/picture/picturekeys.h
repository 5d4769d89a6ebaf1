#pragma once

#include "hub/secretbytes.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <optional>

namespace safeguard::hub::picture {

// The picture's keys: names, dates of birth and addresses are stored
// sealed (XChaCha20-Poly1305, libsodium's AEAD), and found again through
// keyed blind indexes (BLAKE2b with a key of its own) of normalised names,
// phonetic codes, dates of birth and postcodes, so the database file holds
// none of them in the clear. Both keys derive from one master key
// (crypto_kdf_derive_from_key: libsodium 1.0.18 has no HKDF) kept in a file
// apart from the database, 0600, in guarded memory while the hub runs.
class PictureKeys
{
public:
    static constexpr std::size_t kMasterBytes = 32;
    static constexpr std::size_t kIndexBytes = 16;

    // Reads the master key file, or creates it (random, 0600, O_EXCL) when
    // it does not exist. Refuses one that others can read or of the wrong
    // size, with the reason in *error.
    static std::optional<PictureKeys> openOrCreate(const QString &path, QString *error);
    static PictureKeys fromMaster(const SecretBytes &master);

    // nonce || ciphertext || tag; ad binds it to where it is stored (its
    // row), so a sealed value moved to another row does not open.
    QByteArray seal(QByteArrayView plain, QByteArrayView ad) const;
    std::optional<QByteArray> open(QByteArrayView sealed, QByteArrayView ad) const;
    // A keyed digest of one normalised value of one kind ("name", "dob",
    // "postcode", "soundex"...): equal values give equal indexes, and
    // without the key nothing links an index to its value.
    QByteArray blindIndex(QByteArrayView kind, const QString &value) const;

private:
    PictureKeys() = default;
    SecretBytes m_sealKey;
    SecretBytes m_indexKey;
};

} // namespace safeguard::hub::picture
