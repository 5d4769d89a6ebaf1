#include "hubcommandline.h"

#include "batchingestor.h"
#include "deviceregistry.h"
#include "files/privatefiles.h"
#include "hubidentity.h"
#include "hublog.h"
#include "hubserver.h"
#include "hubstore.h"
#include "picture/demodata.h"
#include "picture/picturestore.h"
#include "process/processhardening.h"
#include "protocol/clock.h"
#include "protocol/limits.h"
#include "protocol/loopbackaddress.h"
#include "staffserver.h"
#include "wire/batchbuilder.h"
#include "wire/enrolmentcode.h"
#include "wire/signing.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>
#include <thread>

namespace safeguard::hub {

namespace {

constexpr int kUsage = 64;

const char *kUsageText =
    "usage: safeguard-hub COMMAND [--data-dir DIR] [--database URL] [options]\n"
    "operator commands:\n"
    "  init                               create the hub identity in DIR\n"
    "  serve [--listen IPV4:PORT] [--plain-http] [--tls-cert F --tls-key F]\n"
    "        [--max-inflight N] [--max-body-bytes N] [--threads N] [--quiet]\n"
    "        [--max-offline-days N]   (a device unseen that long wipes at its next unlock)\n"
    "        [--picture-key-file F]   (default DIR/picture.key; keep it off DIR's volume)\n"
    "        [--staff-listen 127.0.0.1:PORT]   (the staff API; loopback only for now)\n"
    "        [--rules-file F]   (the force's concern rules; a change re-evaluates every history)\n"
    "        [--encompass-directory F]   (the force's settings, term dates, bank holidays)\n"
    "        [--risk-checklist F]   (a risk instrument of the force's, beside the built-in DASH)\n"
    "  renew-cert [--days N]              re-issue the TLS certificate on the same key (the\n"
    "                                     pin stays; devices need nothing); default 825 days\n"
    "        [--valid-from-days D]   (start D days from now; negative for expiry drills)\n"
    "  seed-demo                          fill an empty hub with the picture's synthetic demo\n"
    "                                     set, through the real ingest path\n"
    "staff commands (--by NAME: who runs it, 1 to 100 printable characters; audited):\n"
    "  enrol-device --by NAME --officer ID [--hub-url URL] [--count K]\n"
    "               [--expires-in SECONDS]   (default 3600: codes live an hour)\n"
    "  revoke-device --by NAME --device ID\n"
    "  records --by NAME [--officer ID] [--device ID] [--flag CODE] [--limit N]\n"
    "  alerts --by NAME [--limit N]\n"
    "  devices --by NAME [--not-seen-days N] [--all]   devices not seen for N days\n"
    "                                     (default 7; --all lists every device)\n"
    "  stats --by NAME\n"
    "DIR defaults to var/hub/, URL to sqlite:DIR/hub.db (postgresql: not implemented yet).\n"
    "Hosts are addresses, never names: plain http:// only on 127.0.0.0/8 or [::1].\n";

constexpr int kMaxStaffNameChars = 100;

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

// Why name cannot be a --by value (empty when it can): 1 to 100 printable
// characters, not all blank. It goes into the audit as it is.
QString staffNameProblem(const QString &name)
{
    const auto chars = name.toUcs4();
    if (chars.isEmpty() || chars.size() > kMaxStaffNameChars || name.trimmed().isEmpty())
        return QStringLiteral("--by takes the name of who runs the command, 1 to %1 characters")
            .arg(kMaxStaffNameChars);
    for (const auto c : chars) {
        if (!QChar::isPrint(char32_t(c)))
            return QStringLiteral("--by takes printable characters only");
    }
    return {};
}

// Why a device could not use url from an enrolment code (empty when it
// can): HTTPS to any host, plain HTTP only to a loopback literal, the rule
// the device applies before it sends anything.
QString hubUrlProblem(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty() ||
        (scheme != QLatin1String("https") && scheme != QLatin1String("http")))
        return QStringLiteral("--hub-url wants https://HOST:PORT (got %1)").arg(text);
    if (scheme == QLatin1String("http") && !protocol::isLoopbackLiteral(url.host()))
        return QStringLiteral("--hub-url %1: plain http:// is allowed only to a loopback address "
                              "(127.0.0.0/8 or [::1], not a name); devices elsewhere need https://")
            .arg(text);
    return {};
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

// The picture's keys and store (DIR/picture.db). A missing key file is made
// only when there is no picture yet: a new key for an existing picture would
// leave everything in it unreadable.
struct Picture
{
    // On the heap: the store refers to the keys, and a Picture is moved.
    std::unique_ptr<picture::PictureKeys> keys;
    std::unique_ptr<picture::ConcernRules> rules;           // null: the built-in rules
    std::unique_ptr<picture::EncompassDirectory> directory; // null: the built-in one
    // The built-in risk instruments and the force's (--risk-checklist).
    std::shared_ptr<const protocol::RiskChecklistRegistry> checklists;
    // The force's one (also in checklists), which serve hands to devices.
    std::optional<protocol::RiskChecklist> forceChecklist;
    std::unique_ptr<picture::PictureStore> store;

    // Another connection to the same picture, under the same policy.
    std::unique_ptr<picture::PictureStore> open(const QString &path, bool readOnly,
                                                QString *error) const
    {
        return picture::PictureStore::openSqlite(path, *keys, error, readOnly, rules.get(),
                                                 directory.get(), checklists);
    }
};

std::optional<Picture> openPicture(const Options &o, const QString &dataDir, bool readOnly = false)
{
    const QString dbPath = QDir(dataDir).filePath(QStringLiteral("picture.db"));
    const QString keyPath =
        o.value("--picture-key-file", QDir(dataDir).filePath(QStringLiteral("picture.key")));
    if (QFile::exists(dbPath) && !QFile::exists(keyPath)) {
        failure(QStringLiteral("%1 exists but its key %2 does not: restore the key (a new one "
                               "would make the picture unreadable)")
                    .arg(dbPath, keyPath));
        return std::nullopt;
    }
    Picture p;
    QString error;
    auto keys = picture::PictureKeys::openOrCreate(keyPath, &error);
    if (!keys) {
        failure(error);
        return std::nullopt;
    }
    p.keys = std::make_unique<picture::PictureKeys>(std::move(*keys));
    // The force's policy: its concern rules and its Encompass directory.
    const auto readJson = [&](const char *option, QByteArray *out) {
        const QString path = o.value(option);
        if (path.isEmpty())
            return true;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly) || f.size() > 4 * 1024 * 1024) {
            failure(QStringLiteral("%1 %2: cannot read it (or over 4 MiB)")
                        .arg(QLatin1String(option), path));
            return false;
        }
        *out = f.readAll();
        return true;
    };
    QByteArray rulesJson, directoryJson;
    if (!readJson("--rules-file", &rulesJson) || !readJson("--encompass-directory", &directoryJson))
        return std::nullopt;
    if (!rulesJson.isEmpty()) {
        auto rules = picture::ConcernRules::fromJson(rulesJson, &error);
        if (!rules) {
            failure(QStringLiteral("--rules-file: %1").arg(error));
            return std::nullopt;
        }
        p.rules = std::make_unique<picture::ConcernRules>(std::move(*rules));
    }
    // A risk instrument of the force's own (DARA in the College's wording, a
    // local version of the DASH): checked as any definition from outside
    // is, and refused with its reason rather than half-loaded.
    QByteArray checklistJson;
    if (!readJson("--risk-checklist", &checklistJson))
        return std::nullopt;
    auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
    if (!checklistJson.isEmpty()) {
        auto loaded = protocol::RiskChecklist::fromJson(checklistJson);
        if (const auto *e = std::get_if<protocol::ChecklistLoadError>(&loaded)) {
            failure(QStringLiteral("--risk-checklist: %1").arg(e->message));
            return std::nullopt;
        }
        p.forceChecklist = std::get<protocol::RiskChecklist>(loaded);
        // Devices are handed it at every check-in that lacks it.
        if (p.forceChecklist->canonicalJson().size() > protocol::Limits::kMaxRiskInstrumentBytes) {
            failure(QStringLiteral("--risk-checklist: over %1 bytes, more than a device takes")
                        .arg(protocol::Limits::kMaxRiskInstrumentBytes));
            return std::nullopt;
        }
    }
    // Every instrument this hub ever published, kept in DIR/instruments:
    // drafts begun on one reach the hub after it was withdrawn or
    // superseded, and are still checked and scored on it; and an id and
    // version published once can never change content, across restarts.
    const QString published = QDir(dataDir).filePath(QStringLiteral("instruments"));
    const auto fileFor = [&](const protocol::RiskChecklist &c) {
        return QDir(published).filePath(QStringLiteral("%1-v%2.json").arg(c.id()).arg(c.version()));
    };
    for (const QFileInfo &f :
         QDir(published).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        QByteArray bytes;
        QString readError;
        if (!platform::privatefiles::readSmallFile(
                f.filePath(), protocol::Limits::kMaxRiskInstrumentBytes, &bytes, &readError)) {
            failure(QStringLiteral("%1: %2").arg(f.filePath(), readError));
            return std::nullopt;
        }
        auto kept = protocol::RiskChecklist::fromJson(bytes);
        if (const auto *e = std::get_if<protocol::ChecklistLoadError>(&kept)) {
            failure(QStringLiteral("%1: %2").arg(f.filePath(), e->message));
            return std::nullopt;
        }
        const auto &c = std::get<protocol::RiskChecklist>(kept);
        if (p.forceChecklist && c.id() == p.forceChecklist->id() &&
            c.version() == p.forceChecklist->version()) {
            if (c.canonicalJson() != p.forceChecklist->canonicalJson()) {
                failure(QStringLiteral("--risk-checklist: %1 version %2 was published before "
                                       "with other content (%3); publish changes as a new "
                                       "version")
                            .arg(c.id())
                            .arg(c.version())
                            .arg(f.filePath()));
                return std::nullopt;
            }
            continue; // offered below
        }
        if (auto e = checklists.add(c, protocol::RiskChecklistRegistry::Use::RecordsOnly)) {
            failure(QStringLiteral("%1: %2").arg(f.filePath(), e->message));
            return std::nullopt;
        }
    }
    if (p.forceChecklist) {
        if (auto e = checklists.add(*p.forceChecklist)) {
            failure(QStringLiteral("--risk-checklist: %1").arg(e->message));
            return std::nullopt;
        }
        if (!readOnly && !QFile::exists(fileFor(*p.forceChecklist))) {
            QString writeError;
            const QByteArray bytes = p.forceChecklist->canonicalJson();
            if (!platform::privatefiles::ensurePrivateDir(published, &writeError) ||
                !platform::privatefiles::atomicWrite(fileFor(*p.forceChecklist), bytes.constData(),
                                                     std::size_t(bytes.size()), &writeError)) {
                failure(QStringLiteral("%1: %2").arg(published, writeError));
                return std::nullopt;
            }
        }
    }
    p.checklists = std::make_shared<const protocol::RiskChecklistRegistry>(std::move(checklists));
    if (!directoryJson.isEmpty()) {
        auto directory = picture::EncompassDirectory::fromJson(directoryJson, &error);
        if (!directory) {
            failure(QStringLiteral("--encompass-directory: %1").arg(error));
            return std::nullopt;
        }
        p.directory = std::make_unique<picture::EncompassDirectory>(std::move(*directory));
    }
    p.store = p.open(dbPath, readOnly, &error);
    if (!p.store) {
        failure(error);
        return std::nullopt;
    }
    return p;
}

// Runs the picture's work beside the server: what ingest enqueued is taken
// (urgent first) and applied; when the queue is empty it waits a moment.
// Several hub processes share the queue through its leases.
class PictureWorker
{
public:
    PictureWorker(HubStore &hub, picture::PictureStore &store)
        : m_hub(hub)
        , m_store(store)
        , m_name(QStringLiteral("serve-%1").arg(QCoreApplication::applicationPid()))
        , m_thread([this] { run(); })
    {}
    ~PictureWorker()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

private:
    void run()
    {
        std::unique_lock lock(m_mutex);
        while (!m_stop) {
            lock.unlock();
            QString error;
            int skipped = 0;
            const int applied = picture::runPictureWork(m_hub, m_store, m_name,
                                                        protocol::SystemClock::instance().nowMs(),
                                                        200, &error, &skipped);
            if (applied < 0 || !error.isEmpty())
                HubLog::event("picture_error", {{QStringLiteral("reason"), error}});
            else if (applied > 0 || skipped > 0)
                HubLog::event("picture_applied", {{QStringLiteral("versions"), applied},
                                                  {QStringLiteral("unreadable"), skipped}});
            lock.lock();
            if (applied <= 0 && !m_stop)
                m_wake.wait_for(lock, std::chrono::milliseconds(applied < 0 ? 5000 : 250));
        }
    }

    HubStore &m_hub;
    picture::PictureStore &m_store;
    const QString m_name;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

// Audits a staff command (who: --by, checked in run(); action: the
// command; detail: ids, counts, times, never record content or a secret)
// before the command shows or reports anything. False, with the reason
// logged, when the row could not be written: the caller then returns 1 and
// shows nothing, so the audit misses nothing staff saw or did. Every
// command that reads or changes the hub's data calls it.
bool auditStaff(HubStore &store, const Options &o, const QString &action,
                const QJsonObject &detail = {})
{
    const QString text = QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact));
    if (auto e = store.auditStaffAction(protocol::SystemClock::instance().nowMs(), o.value("--by"),
                                        action, text);
        !e.ok()) {
        failure(e.message);
        return false;
    }
    return true;
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

int renewCert(const Options &o, const QString &dataDir)
{
    bool ok = false;
    const int days = o.value("--days", QString::number(HubIdentity::kCertificateDays)).toInt(&ok);
    if (!ok || days < 1 || days > 3650)
        return usage(QStringLiteral("--days must be 1 to 3650"));
    const int from = o.value("--valid-from-days", QStringLiteral("0")).toInt(&ok);
    if (!ok || from < -3650 || from > 3650)
        return usage(QStringLiteral("--valid-from-days must be -3650 to 3650"));
    // An hour's slack at the start, as at init, for clocks a little behind.
    const qint64 start = from == 0 ? -3600 : qint64(from) * 86400;
    if (auto e = HubIdentity::renewCertificate(dataDir, start, days); !e.ok())
        return failure(e.message);
    IdentityError error;
    const auto identity = HubIdentity::load(dataDir, &error);
    if (!identity)
        return failure(error.message);
    printJson({{QStringLiteral("event"), QStringLiteral("certificate_renewed")},
               {QStringLiteral("tls_pin_sha256"), identity->tlsPin},
               {QStringLiteral("days"), days}});
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
    const platform::ProcessHardening hardening = platform::readProcessHardening();
    HubLog::event("process_hardened", {{QStringLiteral("dumpable"), hardening.dumpable},
                                       {QStringLiteral("core_limit"), hardening.coreLimit},
                                       {QStringLiteral("core_limit_max"), hardening.coreLimitMax}});
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
    auto picture = openPicture(o, dataDir);
    if (!picture)
        return 1;
    if (const int people = picture->store->reevaluatedOnOpen(); people > 0)
        HubLog::event("picture_rules_changed",
                      {{QStringLiteral("rules_version"), picture->store->rulesVersion()},
                       {QStringLiteral("people_reevaluated"), people}});

    ServerOptions options;
    options.listen = o.value("--listen", options.listen);
    options.plainHttp = o.flag("--plain-http");
    options.certPem = identity->certPem;
    options.keyPem = std::move(identity->keyPem); // the server's alone from here
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
    number("--max-offline-days", options.maxOfflineDays);
    if (!ok || options.threads == 0 || options.maxOfflineDays > 3650)
        return usage(QStringLiteral("--max-inflight, --max-body-bytes, --threads and "
                                    "--max-offline-days (0 to 3650) take whole numbers"));

    // The staff API first: a bad --staff-listen stops the hub before it
    // tells anyone it is listening.
    std::unique_ptr<StaffServer> staff;
    if (o.values.contains(QStringLiteral("--staff-listen"))) {
        QString error;
        // A connection of its own: staff decisions write (merges, the
        // audit trail) while the worker writes through its own.
        auto connection =
            picture->open(QDir(dataDir).filePath(QStringLiteral("picture.db")), false, &error);
        if (!connection)
            return failure(error);
        staff = std::make_unique<StaffServer>(std::move(connection), o.value("--staff-listen"));
        if (!staff->start(&error))
            return failure(error);
        printJson({{QStringLiteral("event"), QStringLiteral("staff_listening")},
                   {QStringLiteral("url"), staff->url()}});
        HubLog::event("staff_listening", {{QStringLiteral("url"), staff->url()}});
    }
    auto &clock = protocol::SystemClock::instance();
    DeviceRegistry registry(*store, clock);
    BatchIngestor ingestor(*store, clock, *identity);
    ingestor.setChecklists(*picture->checklists);
    if (picture->forceChecklist)
        ingestor.offerInstrument(*picture->forceChecklist);
    const bool plainHttp = options.plainHttp;
    HubServer server(*store, registry, ingestor, identity->hubId, std::move(options));
    if (auto e = server.start(); !e.ok())
        return failure(e.message);

    if (auto e = writePrivateFile(QDir(dataDir).filePath(QStringLiteral("hub.url")),
                                  server.url().toUtf8() + '\n');
        !e.ok())
        return failure(e.message);
    printJson({{QStringLiteral("event"), QStringLiteral("listening")},
               {QStringLiteral("url"), server.url()},
               {QStringLiteral("hub_id"), identity->hubId},
               {QStringLiteral("tls_pin_sha256"), plainHttp ? QString() : identity->tlsPin}});
    HubLog::event("listening", {{QStringLiteral("url"), server.url()},
                                {QStringLiteral("hub_id"), identity->hubId}});
    if (!plainHttp) {
        const QJsonObject cert = HubIdentity::certificateStatus(
            HubIdentity::certificateNotAfterMs(identity->certPem), clock.nowMs());
        if (cert.value(QStringLiteral("tls_certificate_expiring")).toBool())
            HubLog::event("tls_certificate_expiring", cert);
    }
    auto worker = std::make_unique<PictureWorker>(*store, *picture->store);

    int received = 0;
    sigwait(&stopSignals, &received);
    HubLog::event("stopping", {{QStringLiteral("signal"), received}});
    server.stop();
    staff.reset();
    worker.reset(); // finishes the version it is on
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
    if (const QString problem = hubUrlProblem(hubUrl); !problem.isEmpty())
        return usage(problem);
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
    QStringList codes;
    qint64 expiresAtMs = 0;
    for (int i = 0; i < count; ++i) {
        HubStoreError error;
        const auto code = registry.issueCode(*identity, officer, hubUrl, lifetime, &error);
        if (!code)
            return failure(error.message);
        codes.append(syncwire::EnrolmentCode::encode(*code));
        expiresAtMs = code->expires_at_unix_ms();
    }
    // Printed only once audited: a code nobody saw cannot be redeemed.
    if (!auditStaff(*store, o, o.command,
                    {{QStringLiteral("officer_id"), officer},
                     {QStringLiteral("count"), count},
                     {QStringLiteral("expires_in_secs"), lifetime},
                     {QStringLiteral("expires_at_ms"), expiresAtMs}}))
        return 1;
    for (const QString &code : codes)
        std::printf("%s\n", qPrintable(code));
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
    if (!auditStaff(*store, o, o.command,
                    {{QStringLiteral("device_id"), device}, {QStringLiteral("found"), found}}))
        return 1;
    if (!found)
        return failure(QStringLiteral("no such device"));
    printJson({{QStringLiteral("event"), QStringLiteral("revoked")},
               {QStringLiteral("device_id"), device}});
    return 0;
}

// The picture's demonstration set through the real ingest path: a synthetic
// device enrolled per officer with an enrolment code, each officer's
// records sealed by the device's own batch builder and ingested as a sync
// batch, then the picture's work run to the end. Fills an empty hub only.
int seedDemo(const Options &o, const QString &dataDir)
{
    auto identity = loadIdentity(dataDir, true);
    if (!identity)
        return 1;
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    HubStoreError error;
    const auto before = store->stats(&error);
    if (!before)
        return failure(error.message);
    if (before->versions > 0)
        return failure(QStringLiteral("%1 already holds records: seed-demo fills an empty hub "
                                      "only (use a new --data-dir)")
                           .arg(dataDir));
    auto picture = openPicture(o, dataDir);
    if (!picture)
        return 1;

    auto &clock = protocol::SystemClock::instance();
    DeviceRegistry registry(*store, clock);
    BatchIngestor ingestor(*store, clock, *identity);
    const protocol::RiskChecklistRegistry checklists =
        protocol::RiskChecklistRegistry::withBuiltIns();
    QHash<QString, QList<v1::IncidentRecord>> byOfficer;
    QStringList officers;
    for (const picture::DemoRecord &d : picture::demoRecords(checklists)) {
        if (!byOfficer.contains(d.officerId))
            officers << d.officerId;
        byOfficer[d.officerId].append(d.record);
    }
    int accepted = 0, refused = 0;
    for (const QString &officer : officers) {
        const auto code = registry.issueCode(*identity, officer,
                                             QStringLiteral("http://127.0.0.1:1"), 600, &error);
        if (!code)
            return failure(error.message);
        QByteArray credential(32, Qt::Uninitialized);
        randombytes_buf(credential.data(), size_t(credential.size()));
        const auto deviceKey = syncwire::SigningKey::generate();
        if (!deviceKey)
            return failure(QStringLiteral("no secure memory for the demo device's key"));
        v1::EnrolmentRequest request;
        request.set_code_id(code->code_id());
        request.set_secret(code->secret());
        request.set_device_name("seed-demo SYNTHETIC");
        request.set_device_credential(syncwire::toBase64Url(credential).toStdString());
        request.set_device_signing_public_key(deviceKey->publicKey().toStdString());
        const EnrolmentResult enrolled = registry.enrol(request, identity->hubId);
        if (enrolled.outcome != RedeemOutcome::Enrolled)
            return failure(QStringLiteral("the demo device could not enrol"));
        const QString deviceId = QString::fromStdString(enrolled.response.device_id());
        const AuthResult auth = registry.authenticate("Bearer " + deviceId.toLatin1() + '.' +
                                                      syncwire::toBase64Url(credential));
        if (auth.outcome != AuthOutcome::Authenticated)
            return failure(QStringLiteral("the demo device could not authenticate"));
        syncwire::BatchBuilder builder(
            identity->sealingPublicKey,
            {deviceId, identity->hubId,
             [&deviceKey](std::string_view statement) { return deviceKey->sign(statement); }});
        v1::SyncBatch batch = builder.batch(1, clock.nowMs(), 0);
        for (v1::IncidentRecord r : byOfficer.value(officer)) {
            r.set_device_id(deviceId.toStdString());
            *batch.add_records() = builder.seal(r);
        }
        const IngestResult result =
            ingestor.ingest(QByteArray::fromStdString(batch.SerializeAsString()),
                            {deviceId, auth.officerId, false, auth.signingPublicKey});
        if (result.error != IngestError::None)
            return failure(QStringLiteral("the demo batch was refused: %1").arg(result.reason));
        for (const v1::RecordResult &r : result.receipt.results()) {
            if (r.result() == v1::RecordResult::RESULT_ACCEPTED) {
                ++accepted;
                continue;
            }
            ++refused;
            QStringList why;
            for (const v1::RejectReason &reason : r.reasons())
                why << QString::fromStdString(reason.path() + " " + reason.code());
            std::fprintf(stderr, "safeguard-hub: demo record %s not accepted: %s\n",
                         r.record_id().c_str(), qPrintable(why.join(QStringLiteral("; "))));
        }
    }
    if (refused > 0)
        return failure(QStringLiteral("%1 demo record(s) were not accepted").arg(refused));

    // The picture: everything ingest queued (a serving hub's worker may
    // take some; the queue's leases keep each version to one of us).
    int applied = 0;
    for (int idle = 0;;) {
        QString pictureError;
        const int n = picture::runPictureWork(*store, *picture->store, QStringLiteral("seed-demo"),
                                              clock.nowMs(), 100, &pictureError);
        if (n < 0)
            return failure(pictureError);
        if (!pictureError.isEmpty())
            return failure(
                QStringLiteral("the picture did not take a demo record: %1").arg(pictureError));
        applied += n;
        const auto s = store->stats(&error);
        if (!s)
            return failure(error.message);
        if (s->pictureFailed > 0)
            return failure(QStringLiteral("the picture gave up on a demo record"));
        if (n == 0 && s->pictureQueued == 0)
            break;
        // Another worker's lease (a hub serving this directory): wait for
        // it, but not for ever.
        if (n == 0 && ++idle > 600)
            return failure(QStringLiteral("the picture's queue did not drain in a minute"));
        if (n == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const picture::PictureCounts counts = picture->store->counts();
    printJson({{QStringLiteral("event"), QStringLiteral("demo_seeded")},
               {QStringLiteral("officers"), int(officers.size())},
               {QStringLiteral("records"), accepted},
               {QStringLiteral("picture_applied"), applied},
               {QStringLiteral("children"), counts.children},
               {QStringLiteral("adults"), counts.adults},
               {QStringLiteral("match_proposals"), counts.proposals},
               {QStringLiteral("rules_triggered"), counts.rulesTriggered}});
    return 0;
}

int stats(const Options &o, const QString &dataDir)
{
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    if (!auditStaff(*store, o, o.command))
        return 1;
    HubStoreError error;
    const auto s = store->stats(&error);
    if (!s)
        return failure(error.message);
    // Read-only beside a running hub; no picture yet counts nothing.
    picture::PictureCounts counts;
    if (QFile::exists(QDir(dataDir).filePath(QStringLiteral("picture.db")))) {
        auto picture = openPicture(o, dataDir, true);
        if (!picture)
            return 1;
        counts = picture->store->counts();
    }
    // The built-in certificate's dates (not one given with --tls-cert).
    QJsonObject certificate;
    if (IdentityError ie; HubIdentity::exists(dataDir))
        if (const auto identity = HubIdentity::load(dataDir, &ie))
            certificate = HubIdentity::certificateStatus(
                HubIdentity::certificateNotAfterMs(identity->certPem),
                protocol::SystemClock::instance().nowMs());
    QJsonObject out{{QStringLiteral("devices"), s->devices},
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
                    {QStringLiteral("orphaned_versions"), s->orphanedVersions},
                    {QStringLiteral("picture_queued"), s->pictureQueued},
                    {QStringLiteral("picture_failed"), s->pictureFailed},
                    {QStringLiteral("children"), counts.children},
                    {QStringLiteral("adults"), counts.adults},
                    {QStringLiteral("match_proposals"), counts.proposals},
                    {QStringLiteral("rules_triggered"), counts.rulesTriggered},
                    {QStringLiteral("picture_lag_seconds"),
                     s->pictureOldestEnqueuedMs == 0
                         ? 0
                         : qMax<qint64>(0, (protocol::SystemClock::instance().nowMs() -
                                            s->pictureOldestEnqueuedMs) /
                                               1000)}};
    for (auto it = certificate.begin(); it != certificate.end(); ++it)
        out.insert(it.key(), it.value());
    printJson(out);
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
    // Who looked at which officer's or device's records is accountability
    // data, even though the listing holds no content.
    if (!auditStaff(*store, o, o.command,
                    {{QStringLiteral("officer_id"), filter.officerId},
                     {QStringLiteral("device_id"), filter.deviceId},
                     {QStringLiteral("flag"), filter.flag}}))
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

int devices(const Options &o, const QString &dataDir)
{
    bool ok = true;
    const int days = o.value("--not-seen-days", QStringLiteral("7")).toInt(&ok);
    if (!ok || days < 0 || days > 3650)
        return usage(QStringLiteral("--not-seen-days takes 0 to 3650"));
    auto store = openStore(o, dataDir);
    if (!store)
        return 1;
    if (!auditStaff(
            *store, o, o.command,
            {{QStringLiteral("not_seen_days"), days}, {QStringLiteral("all"), o.flag("--all")}}))
        return 1;
    HubStoreError error;
    const auto rows = store->listDevices(&error);
    if (!rows)
        return failure(error.message);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 cutoff = now - qint64(days) * 24 * 3600 * 1000;
    for (const DeviceListing &d : *rows) {
        // Never seen since enrolment counts from the enrolment.
        const qint64 seen = d.lastSeenMs > 0 ? d.lastSeenMs : d.enrolledAtMs;
        const bool stale = seen <= cutoff;
        if (!stale && !o.flag("--all"))
            continue;
        QJsonObject line{{QStringLiteral("device_id"), d.deviceId},
                         {QStringLiteral("officer_id"), d.officerId},
                         {QStringLiteral("device_name"), d.deviceName},
                         {QStringLiteral("enrolled_at"), isoTime(d.enrolledAtMs)},
                         {QStringLiteral("last_seen_at"),
                          d.lastSeenMs > 0 ? QJsonValue(isoTime(d.lastSeenMs)) : QJsonValue()},
                         {QStringLiteral("days_not_seen"), double(now - seen) / 86400000.0},
                         {QStringLiteral("not_seen"), stale},
                         {QStringLiteral("revoked"), d.revokedAtMs > 0},
                         {QStringLiteral("failed_unlocks_total"), qint64(d.failedUnlocks)},
                         {QStringLiteral("lockouts_total"), qint64(d.lockouts)}};
        printJson(line);
    }
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
    if (!auditStaff(*store, o, o.command))
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
    // Before anything is read: every command may hold a secret in memory.
    if (!platform::hardenProcess())
        return failure(QStringLiteral("cannot turn core dumps off (prctl, setrlimit)"));
    // Everything the hub creates is private: keys, the database, its WAL.
    ::umask(077);
    if (arguments.isEmpty() || arguments.first().startsWith(QLatin1Char('-')))
        return usage(QStringLiteral("no command"));
    Options o;
    o.command = arguments.first();
    static const QStringList kFlags = {QStringLiteral("--plain-http"), QStringLiteral("--quiet"),
                                       QStringLiteral("--all")};
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

    // Operator commands run the hub itself (by hand once, then by the
    // service manager) and show no device's or record's data. Every other
    // command is a staff command: it reads or changes the hub's data, takes
    // --by and is audited (auditStaff). A new command says which it is here.
    enum class Who
    {
        Operator,
        Staff
    };
    struct Command
    {
        const char *name;
        Who who;
        int (*run)(const Options &, const QString &);
    };
    static const Command kCommands[] = {
        {"init", Who::Operator, init},
        {"serve", Who::Operator, serve},
        {"renew-cert", Who::Operator, renewCert},
        {"seed-demo", Who::Operator, seedDemo},
        {"enrol-device", Who::Staff, enrolDevice},
        {"revoke-device", Who::Staff, revokeDevice},
        {"stats", Who::Staff, stats},
        {"records", Who::Staff, records},
        {"alerts", Who::Staff, alerts},
        {"devices", Who::Staff, devices},
    };
    for (const Command &c : kCommands) {
        if (o.command != QLatin1String(c.name))
            continue;
        if (c.who == Who::Staff) {
            if (!o.values.contains(QStringLiteral("--by")))
                return usage(QStringLiteral("%1 is a staff command: it needs --by NAME (who runs "
                                            "it, for the audit)")
                                 .arg(o.command));
            if (const QString problem = staffNameProblem(o.value("--by")); !problem.isEmpty())
                return usage(problem);
        }
        return c.run(o, dataDir);
    }
    return usage(QStringLiteral("unknown command %1").arg(o.command));
}

} // namespace safeguard::hub
