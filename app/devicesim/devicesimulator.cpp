#include "devicesimulator.h"

#include "protocol/recordstatus.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/securebuffer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <fcntl.h>
#include <unistd.h>

namespace safeguard::store {

namespace {

enum Exit
{
    kOk = 0,
    kUsage = 1,
    kAuth = 2,
    kCipherVersion = 3,
    kCorrupt = 4,
    kStorage = 5
};

constexpr std::size_t kMaxPassphraseBytes = 1024;

// Reads the passphrase file into secure memory without a QByteArray copy.
SecureBuffer readPassphrase(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SecureBuffer();
    SecureBuffer buf(kMaxPassphraseBytes + 1);
    std::size_t n = 0;
    while (!buf.isNull() && n < buf.size()) {
        const ssize_t r = ::read(fd, buf.data() + n, buf.size() - n);
        if (r <= 0)
            break;
        n += std::size_t(r);
    }
    ::close(fd);
    if (buf.isNull() || n > kMaxPassphraseBytes)
        return SecureBuffer();
    if (n > 0 && buf.data()[n - 1] == '\n')
        --n;
    if (n > 0 && buf.data()[n - 1] == '\r')
        --n;
    buf.truncate(n);
    return buf;
}

int exitFor(StoreErrorKind kind)
{
    switch (kind) {
    case StoreErrorKind::Corrupt:
    case StoreErrorKind::TooNew:
        return kCorrupt;
    case StoreErrorKind::Io:
    case StoreErrorKind::DiskFull:
    case StoreErrorKind::Busy:
        return kStorage;
    default:
        return kUsage;
    }
}

} // namespace

DeviceSimulator::DeviceSimulator(const protocol::Clock &clock, std::FILE *out, std::FILE *err)
    : m_clock(clock)
    , m_out(out)
    , m_err(err)
{}

int DeviceSimulator::run(const QStringList &argsIn)
{
    QStringList args = argsIn;
    QString storeDir, passFile;
    KdfParams kdf = KdfLimits::kDefault;
    quint32 seed = QRandomGenerator::system()->generate();
    auto fail = [this](int code, const QString &msg) {
        std::fprintf(m_err, "safeguard-devicesim: %s\n", qPrintable(msg));
        return code;
    };
    auto usage = [&] {
        return fail(kUsage,
                    QStringLiteral("usage: safeguard-devicesim --store DIR --passphrase-file FILE "
                                   "[--kdf-ops N --kdf-mem-mib M] [--seed S] "
                                   "init|generate N|submit-all|verify"));
    };
    QStringList positional;
    while (!args.isEmpty()) {
        const QString a = args.takeFirst();
        auto value = [&](QString *out) {
            if (args.isEmpty())
                return false;
            *out = args.takeFirst();
            return true;
        };
        QString v;
        if (a == QLatin1String("--store")) {
            if (!value(&storeDir))
                return usage();
        } else if (a == QLatin1String("--passphrase-file")) {
            if (!value(&passFile))
                return usage();
        } else if (a == QLatin1String("--kdf-ops")) {
            if (!value(&v))
                return usage();
            kdf.opsLimit = v.toULongLong();
        } else if (a == QLatin1String("--kdf-mem-mib")) {
            if (!value(&v))
                return usage();
            kdf.memLimitBytes = v.toULongLong() << 20;
        } else if (a == QLatin1String("--seed")) {
            if (!value(&v))
                return usage();
            seed = v.toUInt();
        } else {
            positional.append(a);
        }
    }
    if (storeDir.isEmpty() || passFile.isEmpty() || positional.isEmpty())
        return usage();
    const QString command = positional.takeFirst();

    const SecureBuffer passphrase = readPassphrase(passFile);
    if (passphrase.isNull())
        return fail(kUsage, QStringLiteral("cannot read the passphrase file"));

    KeyVault vault(storeDir, m_clock);
    if (command == QLatin1String("init")) {
        DataKey key;
        const VaultError ve = vault.create(passphrase, &key, kdf);
        if (!ve.ok())
            return fail(ve.kind == VaultErrorKind::Storage ? kStorage : kUsage, ve.message);
        auto store = RecordStore::open(storeDir, key, m_clock);
        if (!store)
            return fail(exitFor(store.error().kind), store.error().message);
        std::fprintf(m_out, "{\"initialised\":true,\"schema_version\":%d}\n",
                     store.value()->schemaVersion());
        return kOk;
    }

    int count = 0;
    if (command == QLatin1String("generate")) {
        bool ok = false;
        count = positional.value(0).toInt(&ok);
        if (!ok || count < 0)
            return usage();
    } else if (command != QLatin1String("submit-all") && command != QLatin1String("verify")) {
        return usage();
    }

    UnlockResult unlocked = vault.unlock(passphrase);
    switch (unlocked.status) {
    case UnlockStatus::Unlocked:
        break;
    case UnlockStatus::WrongPassphrase:
    case UnlockStatus::LockedOut:
    case UnlockStatus::Wiped:
        return fail(kAuth, unlocked.message);
    case UnlockStatus::CorruptVault:
        return fail(kCorrupt, unlocked.message);
    case UnlockStatus::StorageError:
        return fail(kStorage, unlocked.message);
    }
    auto opened = RecordStore::open(storeDir, unlocked.key, m_clock);
    if (!opened)
        return fail(exitFor(opened.error().kind), opened.error().message);
    RecordStore &store = *opened.value();

    if (command == QLatin1String("generate")) {
        const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(seed, m_clock, registry);
        constexpr int kBatch = 500;
        for (int done = 0; done < count;) {
            QList<v1::IncidentRecord> batch;
            for (int i = 0; i < kBatch && done < count; ++i, ++done)
                batch.append(factory.next(QStringLiteral("SYN-OFFICER-0001"),
                                          QStringLiteral("SYN-DEVICE-0001")));
            if (const StoreError e = store.saveDrafts(batch); e)
                return fail(exitFor(e.kind), e.message);
        }
        std::fprintf(m_out, "{\"generated\":%d}\n", count);
        return kOk;
    }

    if (command == QLatin1String("submit-all")) {
        auto list = store.listRecords();
        if (!list)
            return fail(exitFor(list.error().kind), list.error().message);
        int submitted = 0;
        for (const RecordSummary &s : list.value()) {
            if (s.status != protocol::RecordStatus::Draft)
                continue;
            // One durable transaction per submit, as the app does: when the
            // id is printed, the submission survives a crash or power loss.
            auto sub = store.submit(s.recordId);
            if (!sub)
                return fail(exitFor(sub.error().kind), sub.error().message);
            std::fprintf(m_out, "%s\n", qPrintable(s.recordId));
            std::fflush(m_out);
            ++submitted;
        }
        std::fprintf(m_out, "{\"submitted\":%d}\n", submitted);
        return kOk;
    }

    // verify
    if (const StoreError e = store.verifyEveryPage(); e)
        return fail(exitFor(e.kind), e.message);
    const QString cipher = store.cipherVersion();
    if (!cipher.startsWith(QLatin1String("3.4.")))
        return fail(kCipherVersion, QStringLiteral("unexpected SQLCipher version %1").arg(cipher));
    auto counts = store.statusCounts();
    if (!counts)
        return fail(exitFor(counts.error().kind), counts.error().message);
    QJsonObject o = protocol::statusCountsToJson(counts.value());
    o.insert(QStringLiteral("cipher_version"), cipher);
    o.insert(QStringLiteral("schema_version"), store.schemaVersion());
    std::fprintf(m_out, "%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    return kOk;
}

} // namespace safeguard::store
