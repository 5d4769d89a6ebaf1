#include "hubcommandline.h"

#include "batchingestor.h"
#include "client/enrolmentcode.h"
#include "deviceregistry.h"
#include "hubidentity.h"
#include "hublog.h"
#include "hubserver.h"
#include "hubstore.h"
#include "protocol/clock.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <sys/stat.h>

namespace safeguard::hub {

namespace {

constexpr int kUsage = 64;

const char *kUsageText =
    "usage: safeguard-hub COMMAND [--data-dir DIR] [--database URL] [options]\n"
    "  init                               create the hub identity in DIR\n"
    "  serve [--listen HOST:PORT] [--plain-http] [--tls-cert F --tls-key F]\n"
    "        [--max-inflight N] [--max-body-bytes N] [--threads N] [--quiet]\n"
    "  enrol-device --officer ID [--hub-url URL] [--count K] [--expires-in SECONDS]\n"
    "  revoke-device --device ID\n"
    "  records [--officer ID] [--device ID] [--flag CODE] [--limit N]\n"
    "  alerts [--limit N]\n"
    "  stats\n"
    "DIR defaults to var/hub/, URL to sqlite:DIR/hub.db (postgresql: not implemented yet).\n";

struct Options
{
    QString command;
    QHash<QString, QString> values;
    QStringList flags;

    QString value(const char *name, const QString &fallback = {}) const
    {
        return values.value(QString::fromLatin1(name), fallback);
    }
    bool flag(const char *name) const { return flags.contains(QString::fromLatin1(name)); }
};

int usage(const QString &problem)
{
    std::fprintf(stderr, "safeguard-hub: %s\n%s", qPrintable(problem), kUsageText);
    return kUsage;
}

int failure(const QString &message)
{
    HubLog::event("fatal", {{QStringLiteral("message"), message}});
    return 1;
}

void printJson(const QJsonObject &o)
{
    const QByteArray text = QJsonDocument(o).toJson(QJsonDocument::Compact);
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::unique_ptr<HubStore> openStore(const Options &o, const QString &dataDir)
{
    if (auto e = makePrivateDirectory(dataDir); !e.ok()) {
        failure(e.message);
        return nullptr;
    }
    HubStoreError error;
    auto store =
        HubStore::open(o.value("--database", QStringLiteral("sqlite:") +
                                                 QDir(dataDir).filePath(QStringLiteral("hub.db"))),
                       &error);
    if (!store)
        failure(error.message);
    return store;
}

std::optional<HubIdentity> loadIdentity(const QString &dataDir, bool createIfMissing)
{
    if (createIfMissing && !HubIdentity::exists(dataDir)) {
        if (auto e = HubIdentity::init(dataDir); !e.ok()) {
            failure(e.message);
            return std::nullopt;
        }
        HubLog::event("hub_initialised", {});
    }
    IdentityError error;
    auto identity = HubIdentity::load(dataDir, &error);
    if (!identity)
        failure(error.message);
    return identity;
}

int init(const Options &, const QString &dataDir)
{
    if (HubIdentity::exists(dataDir))
        return failure(QStringLiteral("%1 already holds a hub identity").arg(dataDir));
    if (auto e = HubIdentity::init(dataDir); !e.ok())
        return failure(e.message);
    IdentityError error;
    const auto identity = HubIdentity::load(dataDir, &error);
    if (!identity)
        return failure(error.message);
    printJson({{QStringLiteral("event"), QStringLiteral("initialised")},
               {QStringLiteral("hub_id"), identity->hubId},
               {QStringLiteral("tls_pin_sha256"), identity->tlsPin},
               {QStringLiteral("backup_pin_sha256"), identity->backupPin}});
    return 0;
}

int serve(const Options &o, const QString &dataDir)
{
    // Block the stop signals before any thread starts, so every thread
    // inherits the mask and sigwait below is the only receiver.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    if (o.flag("--quiet"))
        HubLog::setQuiet(true);
    auto identity = loadIdentity(dataDir, true);
    if (!identity)
        return 1;
    if (o.values.contains(QStringLiteral("--tls-cert")) ||
        o.values.contains(QStringLiteral("--tls-key"))) {
        if (auto e = identity->useTlsFiles(o.value("--tls-cert"), o.value("--tls-key")); !e.ok())
            return failure(e.message);
    }
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;

    ServerOptions options;
    options.listen = o.value("--listen", options.listen);
    options.plainHttp = o.flag("--plain-http");
    options.certPem = identity->certPem;
    options.keyPem = identity->keyPem;
    bool ok = true;
    auto number = [&](const char *name, auto &target) {
        if (!o.values.contains(QString::fromLatin1(name)))
            return;
        bool good = false;
        const qint64 v = o.value(name).toLongLong(&good);
        if (!good || v < 0)
            ok = false;
        else
            target = std::remove_reference_t<decltype(target)>(v);
    };
    number("--max-inflight", options.maxInflight);
    number("--max-body-bytes", options.maxBodyBytes);
    number("--threads", options.threads);
    if (!ok || options.threads == 0)
        return usage(
            QStringLiteral("--max-inflight, --max-body-bytes and --threads take whole numbers"));

    auto &clock = protocol::SystemClock::instance();
    DeviceRegistry registry(*store, clock);
    BatchIngestor ingestor(*store, clock, identity->hubId, identity->sealingPublicKey,
                           identity->sealingSecretKey);
    HubServer server(*store, registry, ingestor, identity->hubId, options);
    if (auto e = server.start(); !e.ok())
        return failure(e.message);

    if (auto e = writePrivateFile(QDir(dataDir).filePath(QStringLiteral("hub.url")),
                                  server.url().toUtf8() + '\n');
        !e.ok())
        return failure(e.message);
    printJson(
        {{QStringLiteral("event"), QStringLiteral("listening")},
         {QStringLiteral("url"), server.url()},
         {QStringLiteral("hub_id"), identity->hubId},
         {QStringLiteral("tls_pin_sha256"), options.plainHttp ? QString() : identity->tlsPin}});
    HubLog::event("listening", {{QStringLiteral("url"), server.url()},
                                {QStringLiteral("hub_id"), identity->hubId}});

    int received = 0;
    sigwait(&stopSignals, &received);
    HubLog::event("stopping", {{QStringLiteral("signal"), received}});
    server.stop();
    HubLog::event("stopped", {});
    return 0;
}

int enrolDevice(const Options &o, const QString &dataDir)
{
    const QString officer = o.value("--officer");
    if (officer.isEmpty() || officer.size() > 100)
        return usage(QStringLiteral("enrol-device needs --officer ID"));
    QString hubUrl = o.value("--hub-url");
    if (hubUrl.isEmpty()) {
        QFile f(QDir(dataDir).filePath(QStringLiteral("hub.url")));
        if (f.open(QIODevice::ReadOnly))
            hubUrl = QString::fromUtf8(f.readAll()).trimmed();
    }
    if (hubUrl.isEmpty())
        return usage(
            QStringLiteral("enrol-device needs --hub-url URL (or a running hub's DIR/hub.url)"));
    bool ok = true;
    const int count = o.value("--count", QStringLiteral("1")).toInt(&ok);
    if (!ok || count < 1 || count > 10000)
        return usage(QStringLiteral("--count takes 1 to 10000"));
    const qint64 lifetime =
        o.value("--expires-in", QString::number(DeviceRegistry::kDefaultCodeLifetimeSecs))
            .toLongLong(&ok);
    if (!ok || lifetime < 0 || lifetime > 30LL * 24 * 3600)
        return usage(QStringLiteral("--expires-in takes 0 to 2592000 seconds"));

    auto identity = loadIdentity(dataDir, true);
    if (!identity)
        return 1;
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    DeviceRegistry registry(*store, protocol::SystemClock::instance());
    for (int i = 0; i < count; ++i) {
        HubStoreError error;
        const auto code = registry.issueCode(*identity, officer, hubUrl, lifetime, &error);
        if (!code)
            return failure(error.message);
        std::printf("%s\n", qPrintable(syncwire::EnrolmentCode::encode(*code)));
    }
    std::fflush(stdout);
    HubLog::event("codes_issued", {{QStringLiteral("count"), count}});
    return 0;
}

int revokeDevice(const Options &o, const QString &dataDir)
{
    const QString device = o.value("--device");
    if (device.isEmpty())
        return usage(QStringLiteral("revoke-device needs --device ID"));
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    bool found = false;
    if (auto e = store->revokeDevice(device, protocol::SystemClock::instance().nowMs(), &found);
        !e.ok())
        return failure(e.message);
    if (!found)
        return failure(QStringLiteral("no such device"));
    printJson({{QStringLiteral("event"), QStringLiteral("revoked")},
               {QStringLiteral("device_id"), device}});
    return 0;
}

int stats(const Options &o, const QString &dataDir)
{
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    HubStoreError error;
    const auto s = store->stats(&error);
    if (!s)
        return failure(error.message);
    printJson({{QStringLiteral("devices"), s->devices},
               {QStringLiteral("revoked_devices"), s->revokedDevices},
               {QStringLiteral("records"), s->records},
               {QStringLiteral("versions"), s->versions},
               {QStringLiteral("flagged"), s->flagged},
               {QStringLiteral("urgent"), s->urgent},
               {QStringLiteral("rejected_records"), s->rejectedRecords},
               {QStringLiteral("rejected_requests"), s->rejectedRequests},
               {QStringLiteral("conflicts"), s->conflicts},
               {QStringLiteral("enrolments"), s->enrolments},
               {QStringLiteral("record_id_collisions"), s->collisions},
               {QStringLiteral("attribution_refusals"), s->attributionRefusals},
               {QStringLiteral("orphaned_versions"), s->orphanedVersions}});
    return 0;
}

// --limit for the listings: 1 to 100000, 1000 by default.
std::optional<int> listLimit(const Options &o)
{
    bool ok = false;
    const int limit = o.value("--limit", QStringLiteral("1000")).toInt(&ok);
    if (!ok || limit < 1 || limit > 100000)
        return std::nullopt;
    return limit;
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// One JSON object a line per stored version: ids, owner, sender, times and
// flag codes, never content.
int records(const Options &o, const QString &dataDir)
{
    RecordFilter filter;
    filter.officerId = o.value("--officer");
    filter.deviceId = o.value("--device");
    filter.flag = o.value("--flag");
    const auto limit = listLimit(o);
    if (!limit)
        return usage(QStringLiteral("--limit takes 1 to 100000"));
    filter.limit = *limit;
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    HubStoreError error;
    const auto rows = store->listRecords(filter, &error);
    if (!rows)
        return failure(error.message);
    for (const RecordListing &r : *rows)
        printJson({{QStringLiteral("officer_id"), r.officerId},
                   {QStringLiteral("record_id"), r.recordId},
                   {QStringLiteral("version"), qint64(r.version)},
                   {QStringLiteral("parent_version"), qint64(r.parentVersion)},
                   {QStringLiteral("device_id"), r.deviceId},
                   {QStringLiteral("batch_id"), r.batchId},
                   {QStringLiteral("received_at"), isoTime(r.receivedAtMs)},
                   {QStringLiteral("urgent"), r.urgent},
                   {QStringLiteral("flags"), QJsonArray::fromStringList(r.flags)}});
    return 0;
}

int alerts(const Options &o, const QString &dataDir)
{
    const auto limit = listLimit(o);
    if (!limit)
        return usage(QStringLiteral("--limit takes 1 to 100000"));
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    HubStoreError error;
    const auto rows = store->listAlerts(*limit, &error);
    if (!rows)
        return failure(error.message);
    for (const AlertListing &a : *rows) {
        QJsonObject line{{QStringLiteral("id"), a.id},
                         {QStringLiteral("raised_at"), isoTime(a.raisedAtMs)},
                         {QStringLiteral("kind"), a.kind},
                         {QStringLiteral("officer_id"), a.officerId},
                         {QStringLiteral("device_id"), a.deviceId},
                         {QStringLiteral("batch_id"), a.batchId},
                         {QStringLiteral("record_id"), a.recordId},
                         {QStringLiteral("version"), qint64(a.version)},
                         {QStringLiteral("acknowledged"), a.acknowledged}};
        if (!a.otherDeviceId.isEmpty()) {
            line.insert(QStringLiteral("other_officer_id"), a.otherOfficerId);
            line.insert(QStringLiteral("other_device_id"), a.otherDeviceId);
        }
        printJson(line);
    }
    return 0;
}

} // namespace

int HubCommandLine::run(const QStringList &arguments)
{
    // Everything the hub creates is private: keys, the database, its WAL.
    ::umask(077);
    if (arguments.isEmpty() || arguments.first().startsWith(QLatin1Char('-')))
        return usage(QStringLiteral("no command"));
    Options o;
    o.command = arguments.first();
    static const QStringList kFlags = {QStringLiteral("--plain-http"), QStringLiteral("--quiet")};
    for (int i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments[i];
        if (kFlags.contains(a)) {
            o.flags.append(a);
        } else if (a.startsWith(QLatin1String("--")) && i + 1 < arguments.size()) {
            o.values.insert(a, arguments[++i]);
        } else {
            return usage(QStringLiteral("unexpected argument %1").arg(a));
        }
    }
    const QString dataDir = o.value("--data-dir", QStringLiteral("var/hub"));
    if (o.command == QLatin1String("init"))
        return init(o, dataDir);
    if (o.command == QLatin1String("serve"))
        return serve(o, dataDir);
    if (o.command == QLatin1String("enrol-device"))
        return enrolDevice(o, dataDir);
    if (o.command == QLatin1String("revoke-device"))
        return revokeDevice(o, dataDir);
    if (o.command == QLatin1String("stats"))
        return stats(o, dataDir);
    if (o.command == QLatin1String("records"))
        return records(o, dataDir);
    if (o.command == QLatin1String("alerts"))
        return alerts(o, dataDir);
    return usage(QStringLiteral("unknown command %1").arg(o.command));
}

} // namespace safeguard::hub
