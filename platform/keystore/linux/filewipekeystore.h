#pragma once

#include "keystore/wipekeystore.h"

namespace safeguard::platform {

// The wipe key on Linux: wipe.key in the store directory, 128 bytes, made
// once and then only ever written in place (privatefiles::InPlaceFile:
// pwrite + fdatasync on the same inode), so on a file system that writes
// in place (ext4, XFS) destroying a generation overwrites the only copy.
// Not the Secret Service and not the file credential store: both replace
// their files by rename, which leaves old copies in free blocks.
//
// Layout: "SGWIPEK1", then two slots of 56 bytes, each a u64 generation
// (little-endian), the 32-byte key and a 16-byte BLAKE2b checksum of both;
// an all-zero slot is empty. A slot is written with one pwrite of 56 bytes
// and the slot the vault uses is never written while another is, so a torn
// write can only damage the slot being made or destroyed.
class FileWipeKeyStore final : public WipeKeyStore
{
public:
    static QString fileName() { return QStringLiteral("wipe.key"); }
    explicit FileWipeKeyStore(QString dir);

    Outcome read(std::uint64_t generation, unsigned char *keyOut) override;
    Outcome add(std::uint64_t generation, std::uint64_t keep, unsigned char *keyOut) override;
    Outcome destroyAllBut(std::uint64_t keep) override;
    QString lastError() const override { return m_error; }

private:
    QString m_dir;
    QString m_error;
};

} // namespace safeguard::platform
