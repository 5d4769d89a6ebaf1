#include "filewipekeystore.h"

#include "files/privatefiles.h"

#include <QDir>
#include <algorithm>
#include <array>
#include <cstring>
#include <sodium.h>

namespace safeguard::platform {

namespace {

constexpr char kMagic[8] = {'S', 'G', 'W', 'I', 'P', 'E', 'K', '1'};
constexpr std::size_t kSlotBytes = 8 + WipeKeyStore::kKeyBytes + 16;
constexpr std::size_t kSlotOffset[2] = {8, 8 + kSlotBytes};
constexpr std::size_t kFileBytes = 128;
static_assert(kSlotOffset[1] + kSlotBytes <= kFileBytes);

// One slot as it is on disk; wiped with sodium_memzero when done.
struct Slot
{
    std::array<unsigned char, kSlotBytes> bytes{};
    ~Slot() { sodium_memzero(bytes.data(), bytes.size()); }

    std::uint64_t generation() const
    {
        std::uint64_t g = 0;
        for (int i = 0; i < 8; ++i)
            g |= std::uint64_t(bytes[std::size_t(i)]) << (8 * i);
        return g;
    }
    bool empty() const
    {
        return std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; });
    }
    bool intact() const
    {
        unsigned char sum[16];
        crypto_generichash(sum, sizeof sum, bytes.data(), 8 + WipeKeyStore::kKeyBytes, nullptr, 0);
        return sodium_memcmp(sum, bytes.data() + 8 + WipeKeyStore::kKeyBytes, 16) == 0;
    }
    void fill(std::uint64_t generation)
    {
        for (int i = 0; i < 8; ++i)
            bytes[std::size_t(i)] = static_cast<unsigned char>(generation >> (8 * i));
        randombytes_buf(bytes.data() + 8, WipeKeyStore::kKeyBytes);
        crypto_generichash(bytes.data() + 8 + WipeKeyStore::kKeyBytes, 16, bytes.data(),
                           8 + WipeKeyStore::kKeyBytes, nullptr, 0);
    }
    const unsigned char *key() const { return bytes.data() + 8; }
};

using Outcome = WipeKeyStore::Outcome;

Outcome outcomeFor(privatefiles::ReadOutcome r)
{
    switch (r) {
    case privatefiles::ReadOutcome::Read:
        return Outcome::Ok;
    case privatefiles::ReadOutcome::Missing:
        return Outcome::Missing;
    case privatefiles::ReadOutcome::Refused:
        return Outcome::Refused;
    case privatefiles::ReadOutcome::Failed:
        break;
    }
    return Outcome::Failed;
}

} // namespace

FileWipeKeyStore::FileWipeKeyStore(QString dir)
    : m_dir(std::move(dir))
{
    if (sodium_init() < 0)
        qFatal("libsodium could not be initialised");
}

namespace {

// Opens wipe.key (making it when create) and reads both slot.
struct Opened
{
    privatefiles::InPlaceFile file;
    Slot slot[2];
    Outcome outcome = Outcome::Failed;
};

void openSlots(const QString &path, bool create, Opened *o, QString *error)
{
    privatefiles::ReadOutcome r = privatefiles::ReadOutcome::Failed;
    o->file = privatefiles::InPlaceFile::open(path, kFileBytes, create, &r, error);
    o->outcome = outcomeFor(r);
    if (o->outcome != Outcome::Ok)
        return;
    char magic[8] = {};
    if (!o->file.readAt(0, magic, sizeof magic) ||
        !o->file.readAt(kSlotOffset[0], o->slot[0].bytes.data(), kSlotBytes) ||
        !o->file.readAt(kSlotOffset[1], o->slot[1].bytes.data(), kSlotBytes)) {
        o->outcome = Outcome::Failed;
        *error = QStringLiteral("cannot read wipe.key");
        return;
    }
    if (std::memcmp(magic, kMagic, sizeof magic) != 0) {
        const bool blank = std::all_of(magic, magic + 8, [](char c) { return c == 0; });
        if (!(blank && create && o->file.writeAt(0, kMagic, sizeof kMagic))) {
            o->outcome = Outcome::Damaged;
            *error = QStringLiteral("wipe.key is damaged");
        }
    }
}

} // namespace

Outcome FileWipeKeyStore::read(std::uint64_t generation, unsigned char *keyOut)
{
    Opened o;
    openSlots(QDir(m_dir).filePath(fileName()), false, &o, &m_error);
    if (o.outcome != Outcome::Ok)
        return o.outcome;
    for (const Slot &s : o.slot) {
        if (generation == 0 || s.empty() || s.generation() != generation)
            continue;
        if (!s.intact()) {
            m_error = QStringLiteral("the wipe key is damaged");
            return Outcome::Damaged;
        }
        std::memcpy(keyOut, s.key(), kKeyBytes);
        return Outcome::Ok;
    }
    m_error = QStringLiteral("the wipe key is gone");
    return Outcome::Missing;
}

Outcome FileWipeKeyStore::add(std::uint64_t generation, std::uint64_t keep, unsigned char *keyOut)
{
    if (generation == 0 || generation == keep) {
        m_error = QStringLiteral("no such wipe key generation");
        return Outcome::Failed;
    }
    QString error;
    if (!privatefiles::ensurePrivateDir(m_dir, &error)) {
        m_error = error;
        return Outcome::Failed;
    }
    Opened o;
    openSlots(QDir(m_dir).filePath(fileName()), true, &o, &m_error);
    if (o.outcome != Outcome::Ok)
        return o.outcome;
    // The slot that does not hold keep (slot 0 when neither does).
    const bool zeroKept = !o.slot[0].empty() && o.slot[0].generation() == keep && keep != 0;
    const std::size_t i = zeroKept ? 1 : 0;
    Slot fresh;
    fresh.fill(generation);
    if (!o.file.writeAt(kSlotOffset[i], fresh.bytes.data(), kSlotBytes)) {
        m_error = QStringLiteral("cannot write wipe.key");
        return Outcome::Failed;
    }
    std::memcpy(keyOut, fresh.key(), kKeyBytes);
    return Outcome::Ok;
}

Outcome FileWipeKeyStore::destroyAllBut(std::uint64_t keep)
{
    Opened o;
    openSlots(QDir(m_dir).filePath(fileName()), false, &o, &m_error);
    if (o.outcome == Outcome::Missing)
        return Outcome::Ok; // nothing to destroy
    if (o.outcome != Outcome::Ok && o.outcome != Outcome::Damaged)
        return o.outcome;
    const std::array<unsigned char, kSlotBytes> zeros{};
    for (std::size_t i = 0; i < 2; ++i) {
        const Slot &s = o.slot[i];
        if (s.empty() || (keep != 0 && s.generation() == keep && s.intact()))
            continue;
        // Overwritten where it lies: the same inode and block, then fdatasync.
        if (!o.file.writeAt(kSlotOffset[i], zeros.data(), kSlotBytes)) {
            m_error = QStringLiteral("cannot overwrite wipe.key");
            return Outcome::Failed;
        }
    }
    return Outcome::Ok;
}

} // namespace safeguard::platform
