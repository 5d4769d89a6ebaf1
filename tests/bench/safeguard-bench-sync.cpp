// safeguard-bench sync: the sync engine end to end against a real hub on
// loopback, durable commits on both ends (outbox.db and the hub's database
// with synchronous=FULL). Figures, one JSON line each:
//   sync_drain_1_device    a locked device drains 10,000 submitted records
//                          (safeguard-devicesim sync), records/s
//   sync_drain_16_devices  the same 10,000 records from 16 devices at once;
//                          baseline and ratio (seconds per record, cost over
//                          cost) against one device
//   sync_bytes_per_record  bytes on the wire per record, one device
//   sync_urgent_latency_p50/_p99  an urgent record submitted while a
//                          5,000-record backlog drains, until its receipt
//   sync_submit_ms         the engine's share of one submit (seal, outbox
//                          commit, hand-over) with 10,000 records waiting,
//                          offline; baseline and ratio against none waiting
//                          (the repair used to scan every pending row here)
// --smoke runs the same steps on a few hundred records in a few seconds.
#include "client/sealedoutbox.h"
#include "client/syncengine.h"
#include "fakeconnectivity.h"
#include "fakecredentialstore.h"
#include "hubprocess.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/storerecordsource.h"
#include "wire/batchbuilder.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <linux/magic.h>
#include <memory>
#include <optional>
#include <sodium.h>
#include <sys/vfs.h>

using namespace safeguard;

namespace {

const QString kHub = QStringLiteral(SAFEGUARD_HUB_BINARY);
const QString kDeviceSim = QStringLiteral(SAFEGUARD_DEVICESIM_BINARY);

void figure(const QString &name, double value, const char *unit, const char *better,
            QJsonObject extra = {})
{
    extra.insert(QStringLiteral("name"), name);
    extra.insert(QStringLiteral("value"), std::round(value * 100) / 100);
    extra.insert(QStringLiteral("unit"), QString::fromLatin1(unit));
    extra.insert(QStringLiteral("better"), QString::fromLatin1(better));
    std::printf("%s\n", QJsonDocument(extra).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

// Marks the run failed and says why: a benchmark that fails must name the step.
void fail(bool *ok, const char *why)
{
    *ok = false;
    std::fprintf(stderr, "safeguard-bench-sync: %s\n", why);
}

// Runs safeguard-devicesim; the last stdout line as JSON.
QJsonObject sim(const QStringList &args, bool *ok)
{
    QProcess p;
    p.start(kDeviceSim, args);
    p.waitForFinished(-1);
    const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
    *ok = *ok && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (p.exitCode() != 0)
        std::fprintf(stderr, "devicesim %s failed: %s\n", qPrintable(args.join(QLatin1Char(' '))),
                     p.readAllStandardError().right(400).constData());
    return QJsonDocument::fromJson(lines.last()).object();
}

// A drain of `records` spread over `devices` devices; the sync JSON.
QJsonObject drain(testing::HubProcess &hub, const QString &root, int devices, int records, bool *ok)
{
    const QString pass = QDir(root).filePath(QStringLiteral("pass"));
    QFile f(pass);
    f.open(QIODevice::WriteOnly);
    f.write("orbit lantern cabbage velvet harbour\n");
    f.close();
    const QString codes = QDir(root).filePath(QStringLiteral("codes"));
    QFile c(codes);
    c.open(QIODevice::WriteOnly);
    c.write(hub.enrolmentCodes(devices).join(QLatin1Char('\n')).toLatin1());
    c.close();
    const QStringList base = {QStringLiteral("--store"),
                              QDir(root).filePath(QStringLiteral("devices")),
                              QStringLiteral("--devices"), QString::number(devices)};
    const QStringList withPass = base + QStringList{QStringLiteral("--passphrase-file"), pass};
    sim(withPass + QStringList{QStringLiteral("--kdf-ops"), QStringLiteral("2"),
                               QStringLiteral("--kdf-mem-mib"), QStringLiteral("64"),
                               QStringLiteral("init")},
        ok);
    sim(withPass + QStringList{QStringLiteral("generate"), QString::number(records / devices)}, ok);
    sim(withPass + QStringList{QStringLiteral("--codes"), codes, QStringLiteral("enrol")}, ok);
    sim(withPass + QStringList{QStringLiteral("submit-all")}, ok);
    // The measured step: locked devices (no passphrase) drain their outboxes.
    return sim(base + QStringList{QStringLiteral("sync")}, ok);
}

// A device's encrypted store in dir, unlocked (the app's: the device key
// that signs sealing sessions and the trusted enrolment live there).
struct UnlockedStore
{
    std::unique_ptr<store::RecordStore> records;
    std::unique_ptr<store::StoreRecordSource> source;

    static std::optional<UnlockedStore> open(const QString &dir, const protocol::Clock &clock)
    {
        store::KeyVault vault(dir, clock);
        store::DataKey key;
        if (!vault
                 .create(
                     store::SecureBuffer::fromPassphrase(QStringLiteral("orbit lantern cabbage")),
                     &key, store::KdfLimits::kFloor)
                 .ok())
            return std::nullopt;
        auto opened = store::RecordStore::open(dir, key, clock,
                                               protocol::RiskChecklistRegistry::sharedBuiltIns());
        if (!opened)
            return std::nullopt;
        UnlockedStore s;
        s.records = std::move(opened.value());
        s.source = std::make_unique<store::StoreRecordSource>(*s.records);
        return s;
    }
};

// Urgent latency behind a backlog, with the engine in this process.
std::vector<double> urgentLatencies(testing::HubProcess &hub, int backlog, int samples)
{
    std::vector<double> out;
    protocol::ManualClock clock(QDateTime::currentDateTimeUtc());
    const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
    protocol::SyntheticRecordFactory factory(77, clock, registry);
    while (int(out.size()) < samples) {
        QTemporaryDir dir(QDir::currentPath() + QStringLiteral("/.bench-urgent-XXXXXX"));
        platform::FakeCredentialStore credentials;
        auto unlocked = UnlockedStore::open(dir.path(), clock);
        if (!unlocked)
            break;
        syncclient::SyncEngine engine(dir.path(),
                                      {&clock, &credentials, {}, nullptr, {}, {}, {}, {}});
        engine.unlocked(unlocked->source.get());
        QEventLoop loop;
        QObject::connect(&engine, &syncclient::SyncEngine::enrolmentFinished, &loop,
                         &QEventLoop::quit);
        engine.enrol(hub.enrolmentCodes(1).value(0));
        loop.exec();
        const syncclient::Enrolment e = *engine.outbox()->enrolment();
        store::RecordStore *signer = unlocked->records.get();
        syncwire::BatchBuilder builder(e.sealingPublicKey,
                                       {e.deviceId, e.hubId, [signer](std::string_view st) {
                                            auto sig = signer->signWithDeviceKey(st);
                                            return sig ? sig.value() : QByteArray();
                                        }});
        auto entry = [&](bool urgent) {
            const v1::IncidentRecord r = factory.next(e.officerId, e.deviceId);
            const QByteArray bytes = QByteArray::fromStdString(r.SerializeAsString());
            const auto env =
                builder.seal(QString::fromStdString(r.record_id()), r.version(),
                             urgent ? v1::PRIORITY_URGENT : v1::PRIORITY_NORMAL, bytes);
            return syncclient::SealedEntry{0,
                                           QString::fromStdString(r.record_id()),
                                           int(r.version()),
                                           urgent,
                                           QByteArray::fromStdString(env.sha256()),
                                           bytes.size(),
                                           QByteArray::fromStdString(env.sealed()),
                                           env.seal_scheme(),
                                           QByteArray::fromStdString(env.session_signature())};
        };
        QList<syncclient::SealedEntry> normal;
        for (int i = 0; i < backlog; ++i)
            normal.append(entry(false));
        engine.outbox()->add(normal, clock.nowMs());

        QHash<QString, QElapsedTimer> waiting;
        QObject::connect(&engine, &syncclient::SyncEngine::entriesDecided, &engine,
                         [&](const QList<syncclient::EntryResult> &results) {
                             for (const auto &r : results) {
                                 auto it = waiting.find(r.recordId);
                                 if (it != waiting.end()) {
                                     out.push_back(double(it->nsecsElapsed()) / 1e6);
                                     waiting.erase(it);
                                 }
                             }
                         });
        engine.start();
        // An urgent submit every 40 ms while the backlog drains.
        QTimer submit;
        QObject::connect(&submit, &QTimer::timeout, &engine, [&] {
            if (engine.waitingCount() - engine.urgentWaitingCount() < 500)
                return; // measure only behind a real backlog
            const syncclient::SealedEntry u = entry(true);
            QElapsedTimer t;
            t.start();
            waiting.insert(u.recordId, t);
            engine.outbox()->add({u}, clock.nowMs());
            engine.syncNow(); // what recordSubmitted() does after sealing
        });
        submit.start(40);
        QEventLoop drainLoop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &drainLoop, [&] {
            if (engine.isQuiescent() && waiting.isEmpty())
                drainLoop.quit();
        });
        poll.start(5);
        drainLoop.exec();
        if (out.empty())
            break; // the backlog drained too fast to measure anything
    }
    return out;
}

struct EngineCosts
{
    double submitMs = 0;  // median engine share of one submit
    double unlockMs = 0;  // median engine share of an unlock (reconcile included)
    double pendingMs = 0; // median of the store's own pending() read alone
};

// The engine's share of one submit and of an unlock, median ms, with
// `waiting` records already submitted and waiting (offline: nothing is sent
// meanwhile). The unlock runs on the officer's screen's thread: the verdict
// check, the repair's first step and the reconcile of the store's pending
// versions against the whole outbox.
EngineCosts engineCosts(const QString &root, int waiting, int samples, bool *ok)
{
    EngineCosts costs;
    protocol::ManualClock clock(QDateTime::currentDateTimeUtc());
    const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
    platform::FakeCredentialStore credentials;
    platform::FakeConnectivity connectivity;
    connectivity.setReachability(platform::Connectivity::Reachability::Offline);
    auto unlocked = UnlockedStore::open(root, clock);
    if (!unlocked) {
        fail(ok, "cannot create the submit store");
        return costs;
    }
    store::RecordStore *recordStore = unlocked->records.get();
    store::StoreRecordSource &source = *unlocked->source;
    syncclient::SyncEngine::Dependencies deps;
    deps.clock = &clock;
    deps.credentials = &credentials;
    deps.connectivity = &connectivity;
    syncclient::SyncEngine engine(root, deps);
    engine.start();
    // An enrolment as the enrolment client writes it (no hub is reached).
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pk, sk);
    syncclient::Enrolment e;
    e.hubUrl = QStringLiteral("http://127.0.0.1:9");
    e.hubId = QStringLiteral("00000000-0000-4000-8000-00000000000b");
    e.deviceId = QStringLiteral("00000000-0000-4000-8000-0000000000d1");
    e.officerId = QStringLiteral("SYN-OFFICER-0001");
    e.tlsPin = QStringLiteral("SYNTHETIC-PIN");
    e.sealingPublicKey = QByteArray(reinterpret_cast<const char *>(pk), sizeof pk);
    e.hubSigningKey = QByteArray(32, 'H'); // no receipt comes: offline throughout
    // The key pair enrolment makes (EnrolmentClient asks for it first).
    if (!recordStore->deviceSigningPublicKey()) {
        fail(ok, "cannot make the device signing key");
        return costs;
    }
    source.keepEnrolment(e);
    engine.outbox()->setEnrolment(e);
    credentials.write(syncclient::SyncEngine::credentialName(), "SYNTHETIC-CREDENTIAL");
    credentials.write(syncclient::SyncEngine::enrolmentDigestName(),
                      syncclient::SyncEngine::enrolmentDigest(e));
    engine.start();
    engine.unlocked(&source);
    protocol::SyntheticRecordFactory factory(41, clock, registry);
    auto submitSome = [&](int n, std::vector<double> *timings) {
        QList<v1::IncidentRecord> drafts;
        for (int i = 0; i < n; ++i)
            drafts.append(factory.next(e.officerId, e.deviceId));
        if (!recordStore->saveDrafts(drafts).ok()) {
            fail(ok, "saveDrafts failed");
            return;
        }
        for (const auto &r : drafts) {
            auto s = recordStore->submit(QString::fromStdString(r.record_id()));
            if (!s) {
                fail(ok, "submit failed");
                return;
            }
            QElapsedTimer t;
            t.start();
            if (const syncclient::SyncError e = engine.recordSubmitted(s.value()); !e.ok()) {
                fail(ok, qPrintable(QStringLiteral("recordSubmitted: ") + e.message));
                return;
            }
            if (timings)
                timings->push_back(double(t.nsecsElapsed()) / 1e6);
        }
    };
    for (int done = 0; done < waiting; done += 500)
        submitSome(std::min(500, waiting - done), nullptr);
    std::vector<double> timings;
    submitSome(samples, &timings);
    if (engine.waitingCount() != waiting + samples)
        fail(ok, "the outbox does not hold every submitted record");
    costs.submitMs = percentile(timings, 0.5);
    std::vector<double> unlocks, reads;
    for (int i = 0; i < 5; ++i) {
        engine.locked();
        QElapsedTimer t;
        t.start();
        if (const syncclient::SyncError e = engine.unlocked(&source); !e.ok())
            fail(ok, qPrintable(QStringLiteral("unlocked: ") + e.message));
        unlocks.push_back(double(t.nsecsElapsed()) / 1e6);
        QList<protocol::Submission> pending;
        t.restart();
        if (!source.pending(&pending).ok() || pending.size() != waiting + samples)
            fail(ok, "the store's pending read is not every submitted record");
        reads.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    // A sound outbox: the reconcile found nothing to seal again.
    if (engine.waitingCount() != waiting + samples)
        fail(ok, "an unlock changed what the outbox holds");
    costs.unlockMs = percentile(unlocks, 0.5);
    costs.pendingMs = percentile(reads, 0.5);
    sodium_memzero(sk, sizeof sk);
    return costs;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(
        QStringLiteral("safeguard.sync.debug=false\nsafeguard.sync.info=false"));
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const int records = smoke ? 320 : 10000;
    const int devices = smoke ? 4 : 16;
    const int backlog = smoke ? 1000 : 5000;

    testing::HubProcess hub(kHub);
    if (!hub.start({QStringLiteral("--plain-http"), QStringLiteral("--quiet")}) &&
        !hub.start({QStringLiteral("--plain-http")})) {
        std::fprintf(stderr, "cannot start the hub\n");
        return 1;
    }
    bool ok = true;
    QTemporaryDir one(QDir::currentPath() + QStringLiteral("/.bench-sync-XXXXXX"));
    const QJsonObject single = drain(hub, one.path(), 1, records, &ok);
    const double rate1 = single.value(QStringLiteral("records_per_s")).toDouble();
    const double acked1 = single.value(QStringLiteral("acknowledged")).toDouble();
    figure(QStringLiteral("sync_drain_1_device"), rate1, "records/s", "higher",
           {{QStringLiteral("records"), acked1},
            {QStringLiteral("seconds"), single.value(QStringLiteral("seconds"))},
            {QStringLiteral("requests"), single.value(QStringLiteral("requests"))}});
    figure(QStringLiteral("sync_bytes_per_record"),
           acked1 > 0 ? single.value(QStringLiteral("bytes_on_wire")).toDouble() / acked1 : 0,
           "bytes", "lower");

    QTemporaryDir many(QDir::currentPath() + QStringLiteral("/.bench-sync-XXXXXX"));
    const QJsonObject fleet = drain(hub, many.path(), devices, records, &ok);
    const double rateN = fleet.value(QStringLiteral("records_per_s")).toDouble();
    figure(QStringLiteral("sync_drain_%1_devices").arg(devices), rateN, "records/s", "higher",
           {{QStringLiteral("records"), fleet.value(QStringLiteral("acknowledged"))},
            {QStringLiteral("seconds"), fleet.value(QStringLiteral("seconds"))},
            {QStringLiteral("baseline"), rate1},
            // cost over cost: seconds per record with N devices / with one
            {QStringLiteral("ratio"), rateN > 0 ? std::round(rate1 / rateN * 1000) / 1000 : 0}});

    const std::vector<double> latencies = urgentLatencies(hub, backlog, smoke ? 5 : 100);
    figure(
        QStringLiteral("sync_urgent_latency_p50"), percentile(latencies, 0.5), "ms", "lower",
        {{QStringLiteral("backlog"), backlog}, {QStringLiteral("samples"), int(latencies.size())}});
    figure(
        QStringLiteral("sync_urgent_latency_p99"), percentile(latencies, 0.99), "ms", "lower",
        {{QStringLiteral("backlog"), backlog}, {QStringLiteral("samples"), int(latencies.size())}});
    // The engine's share of a submit with a backlog waiting, against none.
    const int waitingBacklog = smoke ? 1000 : 10000;
    const int submitSamples = smoke ? 20 : 200;
    const QString submitRoot = QDir::currentPath() + QStringLiteral("/.bench-sync-submit");
    for (const QString &sub : {QStringLiteral("/empty"), QStringLiteral("/backlog")}) {
        QDir(submitRoot + sub).removeRecursively();
        QDir().mkpath(submitRoot + sub);
    }
    struct statfs fs
    {
    };
    if (statfs(QFile::encodeName(submitRoot).constData(), &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
        std::fprintf(stderr, "%s is on tmpfs; durable-commit figures would be meaningless\n",
                     qPrintable(submitRoot));
        return 1;
    }
    const EngineCosts idleCosts =
        engineCosts(submitRoot + QStringLiteral("/empty"), 0, submitSamples, &ok);
    const EngineCosts busyCosts =
        engineCosts(submitRoot + QStringLiteral("/backlog"), waitingBacklog, submitSamples, &ok);
    const double idle = idleCosts.submitMs;
    const double busy = busyCosts.submitMs;
    QDir(submitRoot).removeRecursively();
    figure(QStringLiteral("sync_submit_ms"), busy, "ms", "lower",
           {{QStringLiteral("waiting"), waitingBacklog},
            {QStringLiteral("baseline"), idle},
            {QStringLiteral("ratio"), idle > 0 ? std::round(busy / idle * 1000) / 1000 : 0}});
    // An unlock with the backlog waiting against one with only the samples;
    // pending_read_ms is the store's own read of what waits, which any
    // unlock must do: the rest is the outbox scan and the comparison.
    figure(
        QStringLiteral("sync_unlock_ms"), busyCosts.unlockMs, "ms", "lower",
        {{QStringLiteral("waiting"), waitingBacklog + submitSamples},
         {QStringLiteral("baseline"), idleCosts.unlockMs},
         {QStringLiteral("baseline_waiting"), submitSamples},
         {QStringLiteral("pending_read_ms"), std::round(busyCosts.pendingMs * 100) / 100},
         {QStringLiteral("ratio"),
          idleCosts.unlockMs > 0 ? std::round(busyCosts.unlockMs / idleCosts.unlockMs * 1000) / 1000
                                 : 0}});
    if (acked1 < records)
        fail(&ok, "the single-device drain did not acknowledge every record");
    if (latencies.empty())
        fail(&ok, "no urgent latency was measured");
    return ok ? 0 : 1;
}
