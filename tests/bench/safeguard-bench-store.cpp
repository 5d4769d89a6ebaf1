// safeguard-bench-store: the encrypted store's figures, on the real disk.
//
//   safeguard-bench store [--smoke] [--dir DIR]
//
// Submit latency (p50/p99) and throughput for N durable submits of realistic
// synthetic records (N = 10,000; 200 with --smoke), the same submits on the
// same engine, pragmas and schema without encryption (interleaved in chunks
// so both see the same disk conditions) as "vs_plain" lines, unlock time at
// the production Argon2id default (floor with --smoke), database open time,
// bytes on disk per record, and the daily key rotation of the full store
// (sqlcipher_export to a fresh key, commit, rename: what blocks the app once
// a day) against a plain durable copy of the same file. One JSON object per
// line.
#include "benchoutput.h"
#include "protocol/clock.h"
#include "protocol/goodpractice.h"
#include "protocol/limits.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/storesession.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

using namespace safeguard;
using namespace safeguard::store;

namespace {

using bench::percentile;
using bench::report;

[[noreturn]] void die(const QString &what)
{
    bench::die("safeguard-bench-store", what);
}

qint64 dirBytes(const QString &dir)
{
    qint64 total = 0;
    for (const QFileInfo &fi : QDir(dir).entryInfoList(QDir::Files | QDir::Hidden))
        if (fi.fileName().startsWith(RecordStore::databaseFileName()))
            total += fi.size();
    return total;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    QString root = QDir(QCoreApplication::applicationDirPath())
                       .filePath(QStringLiteral("../bench-data/store"));
    if (const int i = int(args.indexOf(QStringLiteral("--dir"))); i > 0 && i + 1 < args.size())
        root = args[i + 1];
    const int n = smoke ? 200 : 10000;
    constexpr int kChunk = 100;

    QDir(root).removeRecursively();
    if (!QDir().mkpath(root))
        die(QStringLiteral("cannot create %1").arg(root));
    struct statfs fs
    {
    };
    if (statfs(QFile::encodeName(root).constData(), &fs) == 0 && fs.f_type == TMPFS_MAGIC)
        die(QStringLiteral("%1 is on tmpfs; durable-commit figures would be meaningless")
                .arg(root));

    protocol::SystemClock &clock = protocol::SystemClock::instance();
    const QString cipherDir = QDir(root).filePath(QStringLiteral("cipher"));
    const QString plainDir = QDir(root).filePath(QStringLiteral("plain"));
    const SecureBuffer passphrase =
        SecureBuffer::fromPassphrase(QStringLiteral("orbit lantern cabbage velvet harbour"));
    const KdfParams kdf = smoke ? KdfLimits::kFloor : KdfLimits::kDefault;

    KeyVault vault(cipherDir, clock);
    DataKey key;
    if (VaultError e = vault.create(passphrase, &key, kdf); !e.ok())
        die(e.message);
    key = DataKey();
    QElapsedTimer t;
    t.start();
    UnlockResult unlocked = vault.unlock(passphrase);
    const double unlockS = double(t.nsecsElapsed()) / 1e9;
    if (unlocked.status != UnlockStatus::Unlocked)
        die(unlocked.message);
    report(QStringLiteral("store.unlock"), unlockS, "s", "lower",
           {{QStringLiteral("kdf_ops"), double(kdf.opsLimit)},
            {QStringLiteral("kdf_mem_mib"), double(kdf.memLimitBytes >> 20)}});

    auto cipherOpen = RecordStore::open(cipherDir, unlocked.key, clock,
                                        protocol::RiskChecklistRegistry::sharedBuiltIns());
    auto plainOpen = RecordStore::openUnencryptedForBenchmark(
        plainDir, clock, protocol::RiskChecklistRegistry::sharedBuiltIns());
    if (!cipherOpen || !plainOpen)
        die(QStringLiteral("open failed"));
    std::unique_ptr<RecordStore> cipher = std::move(cipherOpen.value());
    std::unique_ptr<RecordStore> plain = std::move(plainOpen.value());

    // The same records in both stores.
    const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
    protocol::SyntheticRecordFactory factory(20261127, clock, registry);
    QStringList ids;
    qint64 recordBytes = 0;
    for (int done = 0; done < n;) {
        QList<v1::IncidentRecord> batch;
        for (int i = 0; i < 500 && done < n; ++i, ++done) {
            batch.append(factory.next(QStringLiteral("SYN-OFFICER-0001"),
                                      QStringLiteral("SYN-DEVICE-0001")));
            ids.append(QString::fromStdString(batch.last().record_id()));
            recordBytes += qint64(batch.last().ByteSizeLong());
        }
        if (cipher->saveDrafts(batch) || plain->saveDrafts(batch))
            die(QStringLiteral("saving drafts failed"));
    }
    report(QStringLiteral("store.record_size"), double(recordBytes) / n, "bytes", "lower");

    // Where a submit's time goes besides the database: the shared rules.
    {
        protocol::GoodPracticeValidator validator(registry);
        std::vector<double> v;
        for (int i = 0; i < std::min(n, 500); ++i) {
            const v1::IncidentRecord r = cipher->load(ids[i]).value();
            QElapsedTimer vt;
            vt.start();
            auto issues = validator.check(r);
            issues += protocol::checkStructure(r);
            issues += protocol::checkLimits(r);
            v.push_back(double(vt.nsecsElapsed()) / 1e6);
        }
        report(QStringLiteral("store.submit_validation_p50"), percentile(v, 0.5), "ms", "lower");
    }

    std::vector<double> cipherMs, plainMs;
    double cipherTotal = 0, plainTotal = 0;
    auto submitRange = [&](RecordStore &store, int from, int to, std::vector<double> &lat,
                           double &total) {
        for (int i = from; i < to; ++i) {
            QElapsedTimer st;
            st.start();
            auto sub = store.submit(ids[i]);
            const double ms = double(st.nsecsElapsed()) / 1e6;
            if (!sub)
                die(QStringLiteral("submit failed: ") + sub.error().message);
            lat.push_back(ms);
            total += ms / 1000;
        }
    };
    for (int from = 0; from < n; from += kChunk) {
        const int to = std::min(n, from + kChunk);
        submitRange(*cipher, from, to, cipherMs, cipherTotal);
        submitRange(*plain, from, to, plainMs, plainTotal);
    }
    const QString suffix = QStringLiteral("_%1").arg(n);
    report(QStringLiteral("store.submit_p50"), percentile(cipherMs, 0.5), "ms", "lower");
    report(QStringLiteral("store.submit_p99"), percentile(cipherMs, 0.99), "ms", "lower");
    report(QStringLiteral("store.submit_throughput") + suffix, n / cipherTotal, "records/s",
           "higher", {{QStringLiteral("total_s"), cipherTotal}});
    report(QStringLiteral("store.plain_submit_p50"), percentile(plainMs, 0.5), "ms", "lower");
    report(QStringLiteral("store.plain_submit_p99"), percentile(plainMs, 0.99), "ms", "lower");
    report(QStringLiteral("store.submit_vs_plain") + suffix, cipherTotal / n, "s/record", "lower",
           {{QStringLiteral("baseline"), plainTotal / n},
            {QStringLiteral("ratio"), cipherTotal / plainTotal}});

    if (cipher->verifyEveryPage() || plain->verifyEveryPage())
        die(QStringLiteral("verification failed"));
    cipher.reset();
    plain.reset();
    const qint64 cipherBytes = dirBytes(cipherDir), plainBytes = dirBytes(plainDir);
    report(QStringLiteral("store.disk_vs_plain"), double(cipherBytes) / n, "bytes/record", "lower",
           {{QStringLiteral("baseline"), double(plainBytes) / n},
            {QStringLiteral("ratio"), double(cipherBytes) / double(plainBytes)}});

    // Open of the populated store (key already unwrapped): keying, first
    // read, pragmas, schema check.
    std::vector<double> openMs;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer ot;
        ot.start();
        auto s = RecordStore::open(cipherDir, unlocked.key, clock,
                                   protocol::RiskChecklistRegistry::sharedBuiltIns());
        openMs.push_back(double(ot.nsecsElapsed()) / 1e6);
        if (!s)
            die(s.error().message);
    }
    report(QStringLiteral("store.open"), percentile(openMs, 0.5), "ms", "lower");

    // A session signature made inside the store (the device key never
    // leaves it): read the key, sign, zero. Once per sealing session,
    // against one record's submit.
    {
        auto s = RecordStore::open(cipherDir, unlocked.key, clock,
                                   protocol::RiskChecklistRegistry::sharedBuiltIns());
        if (!s)
            die(s.error().message);
        if (!s.value()->deviceSigningPublicKey())
            die(QStringLiteral("no device signing key"));
        std::vector<double> signMs;
        const std::string statement(120, 'S');
        for (int i = 0; i < 200; ++i) {
            QElapsedTimer st;
            st.start();
            const auto sig = s.value()->signWithDeviceKey(statement);
            signMs.push_back(double(st.nsecsElapsed()) / 1e6);
            if (!sig || sig.value().size() != 64)
                die(QStringLiteral("the device key did not sign"));
        }
        const double submitP50 = percentile(cipherMs, 0.5);
        report(
            QStringLiteral("store.sign_session"), percentile(signMs, 0.5), "ms", "lower",
            {{QStringLiteral("baseline"), submitP50},
             {QStringLiteral("baseline_what"), QStringLiteral("store.submit_p50")},
             {QStringLiteral("ratio"), submitP50 > 0 ? percentile(signMs, 0.5) / submitP50 : 0}});
    }

    // The daily rotation, against copying the same bytes durably (read,
    // write, fsync): the floor for any re-encryption that writes a new file.
    {
        const QString db = QDir(cipherDir).filePath(RecordStore::databaseFileName());
        const qint64 bytes = QFileInfo(db).size();
        auto durableCopy = [&] {
            QFile in(db);
            const QString copyPath = QDir(root).filePath(QStringLiteral("copy.db"));
            QFile out(copyPath);
            if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly))
                die(QStringLiteral("cannot copy the store"));
            QElapsedTimer ct;
            ct.start();
            while (!in.atEnd())
                out.write(in.read(1 << 20));
            out.flush();
            ::fsync(out.handle());
            const double s = double(ct.nsecsElapsed()) / 1e9;
            out.close();
            QFile::remove(copyPath);
            return s;
        };
        StoreSession session(cipherDir, clock);
        if (session.unlock(passphrase).status != UnlockStatus::Unlocked)
            die(QStringLiteral("unlock for the rotation failed"));
        std::vector<double> rotateS, copyS;
        for (int i = 0; i < 3; ++i) {
            copyS.push_back(durableCopy());
            QElapsedTimer rt;
            rt.start();
            if (VaultError e = session.rotateKeys(); !e.ok())
                die(QStringLiteral("rotation failed: ") + e.message);
            rotateS.push_back(double(rt.nsecsElapsed()) / 1e9);
        }
        if (session.recordStore()->verifyEveryPage())
            die(QStringLiteral("the rotated store does not verify"));
        const double rotate = percentile(rotateS, 0.5), copy = percentile(copyS, 0.5);
        report(QStringLiteral("store.rotate_keys") + suffix, rotate, "s", "lower",
               {{QStringLiteral("store_mib"), double(bytes) / (1 << 20)},
                {QStringLiteral("baseline_durable_copy_s"), copy},
                {QStringLiteral("ratio"), rotate / copy}});
    }

    QDir(root).removeRecursively();
    return 0;
}
