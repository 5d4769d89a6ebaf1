#include "devicesimulator.h"

#include "client/sealedoutbox.h"
#include "client/syncengine.h"
#include "keystore/linux/filecredentialstore.h"
#include "protocol/derivedfacts.h"
#include "protocol/recordstatus.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/securebuffer.h"
#include "store/storerecordsource.h"
#include "store/storesession.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QMetaEnum>
#include <QRandomGenerator>
#include <QTimer>
#include <fcntl.h>
#include <memory>
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
    kStorage = 5,
    // Why sync stopped short of a drained outbox (one code per reason).
    kTimedOut = 10,
    kParked = 11,
    kRevoked = 12,
    kReenrolmentNeeded = 13,
    kSyncError = 14,
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

// The lock screen's totals for the check-in, as the app reports them.
syncclient::SyncEngine::UnlockCounts unlockCounts(StoreSession &session)
{
    const auto status = session.vault().status();
    return status ? syncclient::SyncEngine::UnlockCounts{status->failuresEver, status->lockoutsEver}
                  : syncclient::SyncEngine::UnlockCounts{};
}

// The hub's max_offline_days, as the app applies it: a device its hub has
// not answered for longer wipes before any passphrase is tried.
bool offlineTooLong(const QString &dir, const protocol::Clock &clock)
{
    syncclient::OutboxError error;
    auto outbox = syncclient::SealedOutbox::open(dir, &error);
    const auto enrolment = outbox ? outbox->enrolment() : std::nullopt;
    return enrolment && enrolment->isValid() && outbox->offlineTooLong(clock.nowMs());
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
    QString storeDir, passFile, codesFile;
    int devices = 0; // 0: one device in --store itself
    int timeoutSecs = 600;
    KdfParams kdf = KdfLimits::kDefault;
    quint32 seed = QRandomGenerator::system()->generate();
    // The form the simulated officers fill in: the current one, or an older
    // one to stand for devices still on an earlier build.
    int formVersion = protocol::derived::kCurrentFormVersion;
    auto usage = [&] {
        return fail(
            kUsage,
            QStringLiteral("usage: safeguard-devicesim --store DIR --passphrase-file FILE "
                           "[--kdf-ops N --kdf-mem-mib M] [--seed S] [--form-version 1|2] "
                           "[--devices K --codes FILE] [--timeout SECONDS] "
                           "init|generate N|submit-all|verify|rotate-keys|change-passphrase FILE|"
                           "enrol [CODE]|sync"));
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
        } else if (a == QLatin1String("--devices")) {
            if (!value(&v) || v.toInt() < 1)
                return usage();
            devices = v.toInt();
        } else if (a == QLatin1String("--codes")) {
            if (!value(&codesFile))
                return usage();
        } else if (a == QLatin1String("--timeout")) {
            if (!value(&v) || v.toInt() < 1)
                return usage();
            timeoutSecs = v.toInt();
        } else if (a == QLatin1String("--form-version")) {
            if (!value(&v) || v.toInt() < 1 || v.toInt() > protocol::derived::kCurrentFormVersion)
                return usage();
            formVersion = v.toInt();
        } else if (a == QLatin1String("--seed")) {
            if (!value(&v))
                return usage();
            seed = v.toUInt();
        } else {
            positional.append(a);
        }
    }
    if (storeDir.isEmpty() || positional.isEmpty())
        return usage();
    const QString command = positional.takeFirst();

    QStringList dirs;
    if (devices == 0) {
        dirs.append(storeDir);
    } else {
        for (int i = 1; i <= devices; ++i)
            dirs.append(QDir(storeDir).filePath(QStringLiteral("device-%1").arg(i)));
    }

    if (dirs.size() == 1)
        storeDir = dirs.first();

    // sync works on a locked device: no passphrase needed. enrol needs it:
    // the device's signing key and the trusted copy of the enrolment live
    // only in the encrypted store.
    if (command == QLatin1String("enrol")) {
        if (passFile.isEmpty())
            return usage();
        QStringList codes;
        if (!codesFile.isEmpty()) {
            QFile f(codesFile);
            if (!f.open(QIODevice::ReadOnly))
                return fail(kUsage, QStringLiteral("cannot read the codes file"));
            for (const QByteArray &line : f.readAll().split('\n')) {
                if (!line.trimmed().isEmpty())
                    codes.append(QString::fromLatin1(line.trimmed()));
            }
        } else if (!positional.isEmpty()) {
            codes.append(positional.first());
        }
        if (codes.size() < dirs.size())
            return fail(kUsage, QStringLiteral("one enrolment code per device is needed"));
        return enrol(dirs, codes, passFile);
    }
    if (command == QLatin1String("sync"))
        return sync(dirs, passFile, timeoutSecs);

    if (passFile.isEmpty())
        return usage();
    if (dirs.size() > 1) {
        // The other commands run device by device.
        for (const QString &dir : dirs) {
            QStringList one = argsIn;
            const int d = int(one.indexOf(QStringLiteral("--devices")));
            one.remove(d, 2);
            const int st = int(one.indexOf(QStringLiteral("--store")));
            one[st + 1] = dir;
            if (const int rc = run(one); rc != kOk)
                return rc;
        }
        return kOk;
    }

    const SecureBuffer passphrase = readPassphrase(passFile);
    if (passphrase.isNull())
        return fail(kUsage, QStringLiteral("cannot read the passphrase file"));

    // The app's own session with the store: the same unlock, lock and wipe.
    StoreSession session(storeDir, m_clock);
    if (command == QLatin1String("init")) {
        const VaultError ve = session.create(passphrase, kdf);
        if (const StoreError &oe = session.lastOpenError(); !oe.ok())
            return fail(exitFor(oe.kind), oe.message);
        if (!ve.ok())
            return fail(ve.kind == VaultErrorKind::Storage ? kStorage : kUsage, ve.message);
        std::fprintf(m_out, "{\"initialised\":true,\"schema_version\":%d}\n",
                     session.recordStore()->schemaVersion());
        return kOk;
    }

    int count = 0;
    if (command == QLatin1String("generate")) {
        bool ok = false;
        count = positional.value(0).toInt(&ok);
        if (!ok || count < 0)
            return usage();
    } else if (command != QLatin1String("submit-all") && command != QLatin1String("verify") &&
               command != QLatin1String("rotate-keys") &&
               command != QLatin1String("change-passphrase")) {
        return usage();
    }
    SecureBuffer newPassphrase;
    if (command == QLatin1String("change-passphrase")) {
        if (positional.isEmpty())
            return usage();
        newPassphrase = readPassphrase(positional.first());
        if (newPassphrase.isNull())
            return fail(kUsage, QStringLiteral("cannot read the new passphrase file"));
    }

    if (offlineTooLong(storeDir, m_clock)) {
        session.wipe();
        return fail(kAuth, QStringLiteral("this device had not reached its hub for longer than "
                                          "the hub allows: its store was wiped"));
    }
    UnlockResult unlocked = session.unlock(passphrase);
    switch (unlocked.status) {
    case UnlockStatus::Unlocked:
        break;
    case UnlockStatus::WrongPassphrase:
    case UnlockStatus::LockedOut:
    case UnlockStatus::Wiped:
        return fail(kAuth, unlocked.message);
    case UnlockStatus::CorruptVault:
        // The vault, or the store it opens (then said as the store's error).
        if (const StoreError &oe = session.lastOpenError(); !oe.ok())
            return fail(exitFor(oe.kind), oe.message);
        return fail(kCorrupt, unlocked.message);
    case UnlockStatus::StorageError:
        return fail(kStorage, unlocked.message);
    }
    RecordStore &store = *session.recordStore(); // Unlocked: the store is open
    const auto generation = [&session] {
        const auto status = session.vault().status();
        return status ? qint64(status->generation) : qint64(0);
    };

    if (command == QLatin1String("rotate-keys") || command == QLatin1String("change-passphrase")) {
        UnlockResult check;
        const VaultError e = command == QLatin1String("rotate-keys")
                                 ? session.rotateKeys()
                                 : session.changePassphrase(passphrase, newPassphrase, &check);
        if (!e.ok())
            return fail(e.kind == VaultErrorKind::WeakPassphrase ? kUsage
                        : e.kind == VaultErrorKind::Unlock       ? kAuth
                                                                 : kStorage,
                        e.message);
        std::fprintf(m_out, "{\"%s\":true,\"key_generation\":%lld}\n",
                     command == QLatin1String("rotate-keys") ? "rotated" : "passphrase_changed",
                     static_cast<long long>(generation()));
        return kOk;
    }

    // Records are attributed as the app attributes them: to the officer and
    // device of the enrolment (the hub refuses any other), or to no one yet
    // on a device that is not enrolled (filled in at submit once it is).
    // From the store's trusted copy, never the plain outbox.
    const auto enrolment = [&]() -> std::optional<StoredEnrolment> {
        auto e = store.enrolment();
        return e ? e.value() : std::nullopt;
    };

    if (command == QLatin1String("generate")) {
        const auto enrolled = enrolment();
        protocol::SyntheticRecordFactory factory(seed, m_clock, *session.checklists());
        factory.setFormVersion(formVersion);
        constexpr int kBatch = 500;
        const QString officer = enrolled ? enrolled->officerId : QStringLiteral("SYN-OFFICER-0001");
        const QString device = enrolled ? enrolled->deviceId : QString();
        for (int done = 0; done < count;) {
            QList<v1::IncidentRecord> batch;
            for (int i = 0; i < kBatch && done < count; ++i, ++done)
                batch.append(factory.next(officer, device));
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
        const auto enrolled = enrolment();
        for (const RecordSummary &s : list.value()) {
            if (s.status != protocol::RecordStatus::Draft)
                continue;
            if (enrolled) {
                // As the app's submit does: the enrolment names the author.
                auto draft = store.load(s.recordId);
                if (!draft)
                    return fail(exitFor(draft.error().kind), draft.error().message);
                v1::IncidentRecord &r = draft.value();
                if (r.officer_id() != enrolled->officerId.toStdString() ||
                    r.device_id() != enrolled->deviceId.toStdString()) {
                    r.set_officer_id(enrolled->officerId.toStdString());
                    r.set_device_id(enrolled->deviceId.toStdString());
                    if (const StoreError e = store.saveDraft(r); e)
                        return fail(exitFor(e.kind), e.message);
                }
            }
            // One durable transaction per submit, as the app does: when the
            // id is printed, the submission survives a crash or power loss.
            auto sub = store.submit(s.recordId);
            if (!sub)
                return fail(exitFor(sub.error().kind), sub.error().message);
            std::fprintf(m_out, "%s\n", qPrintable(s.recordId));
            std::fflush(m_out);
            ++submitted;
        }
        // On an enrolled device every submission is sealed into the outbox
        // (in the app this happens per submit; a crash in between is what
        // the engine's reconcile at unlock repairs).
        platform::FileCredentialStore credentials(storeDir);
        syncclient::SyncEngine engine(storeDir,
                                      {&m_clock, &credentials, {}, nullptr, {}, {}, {}, {}});
        StoreRecordSource source(store);
        const syncclient::SyncError se = engine.sealSubmissions(&source);
        if (!se.ok() && se.kind != syncclient::SyncErrorKind::NotEnrolled)
            return fail(kStorage, se.message);
        std::fprintf(m_out, "{\"submitted\":%d,\"sealed\":%s}\n", submitted,
                     !se.ok() ? "false" : "true");
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
    o.insert(QStringLiteral("key_generation"), generation());
    std::fprintf(m_out, "%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    return kOk;
}

int DeviceSimulator::enrol(const QStringList &dirs, const QStringList &codes,
                           const QString &passFile)
{
    const SecureBuffer passphrase = readPassphrase(passFile);
    if (passphrase.isNull())
        return fail(kUsage, QStringLiteral("cannot read the passphrase file"));
    int failures = 0;
    for (int i = 0; i < dirs.size(); ++i) {
        // Unlocked as the app is when the officer enters a code.
        StoreSession session(dirs.at(i), m_clock);
        const UnlockResult unlocked = session.unlock(passphrase);
        if (const StoreError &oe = session.lastOpenError(); !oe.ok())
            return fail(exitFor(oe.kind), oe.message);
        if (unlocked.status != UnlockStatus::Unlocked)
            return fail(kAuth, unlocked.message);
        StoreRecordSource source(*session.recordStore());
        platform::FileCredentialStore credentials(dirs.at(i));
        syncclient::SyncEngine engine(dirs.at(i),
                                      {&m_clock, &credentials, {}, nullptr, {}, {}, {}, {}});
        if (const syncclient::SyncError e = engine.unlocked(&source);
            !e.ok() && e.kind != syncclient::SyncErrorKind::NotEnrolled)
            return fail(kStorage, e.message);
        syncclient::SyncError result{syncclient::SyncErrorKind::Transport,
                                     QStringLiteral("timeout")};
        QEventLoop loop;
        QObject::connect(&engine, &syncclient::SyncEngine::enrolmentFinished, &loop,
                         [&](const syncclient::SyncError &e) {
                             result = e;
                             loop.quit();
                         });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        engine.enrol(codes.at(i));
        loop.exec();
        engine.locked();
        if (!result.ok()) {
            std::fprintf(m_err, "safeguard-devicesim: enrol: %s\n", qPrintable(result.message));
            ++failures;
            continue;
        }
        std::fprintf(m_out, "{\"enrolled\":true,\"device_id\":\"%s\"}\n",
                     qPrintable(engine.deviceId()));
    }
    return failures == 0 ? kOk : kAuth;
}

int DeviceSimulator::sync(const QStringList &dirs, const QString &passFile, int timeoutSecs)
{
    struct Device
    {
        std::unique_ptr<platform::FileCredentialStore> credentials;
        std::unique_ptr<StoreSession> session; // the app's: a wipe order wipes as the app does
        std::unique_ptr<StoreRecordSource> source;
        std::unique_ptr<syncclient::SyncEngine> engine;
    };
    std::vector<Device> fleet;
    auto faults = std::make_shared<QMap<QString, int>>();
    SecureBuffer passphrase;
    if (!passFile.isEmpty()) {
        passphrase = readPassphrase(passFile);
        if (passphrase.isNull())
            return fail(kUsage, QStringLiteral("cannot read the passphrase file"));
    }
    QElapsedTimer clock;
    clock.start();
    for (const QString &dir : dirs) {
        Device d;
        d.credentials = std::make_unique<platform::FileCredentialStore>(dir);
        d.session = std::make_unique<StoreSession>(dir, m_clock);
        syncclient::SyncEngine::Dependencies deps{
            &m_clock, d.credentials.get(),
            {},       nullptr,
            {},       [session = d.session.get()] { return session->wipe(); },
            {},       [session = d.session.get()] { return unlockCounts(*session); }};
        d.engine = std::make_unique<syncclient::SyncEngine>(dir, deps);
        // Every fault, counted by kind for the summary (tampering found at
        // unlock is reported here, never silently repaired).
        QObject::connect(d.engine.get(), &syncclient::SyncEngine::faultReported, d.engine.get(),
                         [faults](syncclient::SyncFault f) { ++(*faults)[syncclient::toKey(f)]; });
        fleet.push_back(std::move(d));
    }
    for (Device &d : fleet) {
        const syncclient::SyncError e = d.engine->start();
        // A changed enrolment is put right from the store at unlock.
        if (!e.ok() &&
            !(e.kind == syncclient::SyncErrorKind::EnrolmentChanged && !passphrase.isNull()))
            return fail(e.kind == syncclient::SyncErrorKind::NotEnrolled ? kUsage : kStorage,
                        e.message);
    }
    // With a passphrase the device is unlocked: verdicts reach the store.
    if (!passphrase.isNull()) {
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            StoreSession &session = *fleet[i].session;
            if (fleet[i].engine->offlineTooLong()) {
                session.wipe();
                return fail(kAuth, QStringLiteral("this device had not reached its hub for longer "
                                                  "than the hub allows: its store was wiped"));
            }
            const UnlockResult unlocked = session.unlock(passphrase);
            if (const StoreError &oe = session.lastOpenError(); !oe.ok())
                return fail(exitFor(oe.kind), oe.message);
            if (unlocked.status != UnlockStatus::Unlocked)
                return fail(kAuth, unlocked.message);
            fleet[i].source = std::make_unique<StoreRecordSource>(*session.recordStore());
            if (const syncclient::SyncError e = fleet[i].engine->unlocked(fleet[i].source.get());
                !e.ok())
                return fail(kStorage, e.message);
        }
    }
    auto allQuiet = [&fleet] {
        for (const Device &d : fleet) {
            if (!d.engine->isQuiescent())
                return false;
        }
        return true;
    };
    auto waitingNow = [&fleet] {
        int n = 0;
        for (const Device &d : fleet)
            n += d.engine->waitingCount();
        return n;
    };
    // A long backlog on a terminal shows its progress on stderr.
    const int backlog = waitingNow();
    const bool showProgress = backlog >= 1000 && ::isatty(::fileno(m_err));
    qint64 lastProgressMs = 0;
    bool timedOut = false;
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (showProgress && clock.elapsed() - lastProgressMs >= 500) {
            lastProgressMs = clock.elapsed();
            std::fprintf(m_err, "\rsafeguard-devicesim: %d of %d sent", backlog - waitingNow(),
                         backlog);
            std::fflush(m_err);
        }
        if (allQuiet()) {
            loop.quit();
        } else if (clock.elapsed() > qint64(timeoutSecs) * 1000) {
            timedOut = true;
            loop.quit();
        }
    });
    poll.start(2);
    if (!allQuiet())
        loop.exec();
    if (showProgress)
        std::fprintf(m_err, "\n");
    const double seconds = double(clock.nsecsElapsed()) / 1e9;

    syncclient::SyncStats total;
    int waiting = 0;
    int parked = 0;
    QStringList states;
    using State = syncclient::SyncEngine::State;
    bool anyRevoked = false, anyReenrol = false, anyError = false;
    for (const Device &d : fleet) {
        parked += d.engine->parkedCount();
        anyRevoked = anyRevoked || d.engine->state() == State::Revoked;
        anyReenrol = anyReenrol || d.engine->state() == State::ReenrolmentNeeded;
        anyError = anyError || d.engine->state() == State::Error;
        const syncclient::SyncStats &s = d.engine->stats();
        total.sent += s.sent;
        total.acknowledged += s.acknowledged;
        total.needsCorrection += s.needsCorrection;
        total.conflicts += s.conflicts;
        total.bytesOnWire += s.bytesOnWire;
        total.requests += s.requests;
        waiting += d.engine->waitingCount();
        states.append(
            QString::fromLatin1(QMetaEnum::fromType<syncclient::SyncEngine::State>().valueToKey(
                int(d.engine->state()))));
    }
    QJsonObject o;
    o.insert(QStringLiteral("sent"), total.sent);
    o.insert(QStringLiteral("acknowledged"), total.acknowledged);
    o.insert(QStringLiteral("needs_correction"), total.needsCorrection);
    o.insert(QStringLiteral("conflicts"), total.conflicts);
    o.insert(QStringLiteral("waiting"), waiting);
    o.insert(QStringLiteral("requests"), total.requests);
    o.insert(QStringLiteral("seconds"), seconds);
    o.insert(QStringLiteral("records_per_s"),
             seconds > 0 ? double(total.acknowledged) / seconds : 0.0);
    o.insert(QStringLiteral("bytes_on_wire"), total.bytesOnWire);
    o.insert(QStringLiteral("devices"), int(fleet.size()));
    o.insert(QStringLiteral("state"),
             states.size() == 1 ? states.first() : states.join(QLatin1Char(',')));
    // Why it stopped, most decisive first: the officer (or a script) must
    // know whether to wait, re-enrol, or call someone.
    struct Stop
    {
        const char *name;
        int code;
        QString why;
    };
    const Stop stop = [&]() -> Stop {
        const Stop revoked{
            "revoked", kRevoked,
            QStringLiteral("the hub withdrew this device; %1 still waiting").arg(waiting)};
        if (anyRevoked && waiting == 0)
            return revoked;
        if (anyReenrol)
            return {"reenrolment_needed", kReenrolmentNeeded,
                    QStringLiteral("the hub no longer accepts this device: enrol it again; %1 "
                                   "kept")
                        .arg(waiting)};
        if (anyRevoked)
            return revoked;
        if (anyError)
            return {"error", kSyncError,
                    QStringLiteral("the hub called a request a bug; %1 waiting (see the log)")
                        .arg(waiting)};
        if (!timedOut && waiting > 0 && parked >= waiting)
            return {"parked", kParked,
                    QStringLiteral("%1 waiting, every one set aside after failing alone "
                                   "(retried every 6 hours)")
                        .arg(waiting)};
        if (timedOut || waiting > 0)
            return {"timed_out", kTimedOut,
                    QStringLiteral("timed out after %1 s with %2 waiting")
                        .arg(timeoutSecs)
                        .arg(waiting)};
        return {"drained", kOk, QString()};
    }();
    o.insert(QStringLiteral("parked"), parked);
    QJsonObject faultCounts;
    for (auto it = faults->cbegin(); it != faults->cend(); ++it)
        faultCounts.insert(it.key(), it.value());
    o.insert(QStringLiteral("faults"), faultCounts);
    o.insert(QStringLiteral("stopped"), QString::fromLatin1(stop.name));
    std::fprintf(m_out, "%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    if (stop.code != kOk)
        fail(stop.code, QStringLiteral("sync stopped: ") + stop.why);
    return stop.code;
}

int DeviceSimulator::fail(int code, const QString &message)
{
    std::fprintf(m_err, "safeguard-devicesim: %s\n", qPrintable(message));
    return code;
}

} // namespace safeguard::store
