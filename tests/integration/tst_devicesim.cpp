// safeguard-devicesim as a child process: the command line contract, a
// wrong passphrase that changes no database byte, SIGKILL during a stream of
// submits, SIGKILL during the passphrase check, and SIGKILL at every step of
// creating the vault, changing the passphrase and rotating the keys.
#include "client/enrolmentclient.h"
#include "hubprocess.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "sqlite/sqldatabase.h"
#include "store/keyvault.h"
#include "store/recordstore.h"
#include "store/schema.h"
#include "wire/enrolmentcode.h"
#include "wire/sealingsession.h"
#include "wire/signing.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>
#include <csignal>

using namespace safeguard;
using namespace safeguard::store;

namespace {

const QString kGood = QStringLiteral("orbit lantern cabbage velvet harbour");
const QString kBad = QStringLiteral("glacier pencil thunder mango tribune");

struct Run
{
    int exitCode = -1;
    bool killed = false; // ended by SIGKILL
    QByteArray out;
    QByteArray err;
};

QMap<QString, QByteArray> hashFiles(const QString &dir, const QStringList &skip)
{
    QMap<QString, QByteArray> m;
    for (const QString &f : QDir(dir).entryList(QDir::Files | QDir::Hidden)) {
        if (skip.contains(f))
            continue;
        QFile file(QDir(dir).filePath(f));
        if (file.open(QIODevice::ReadOnly))
            m.insert(f, QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256));
    }
    return m;
}

} // namespace

class TestDeviceSim : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_store;
    QString m_good;
    QString m_bad;

    QStringList base(const QString &passFile, const QString &store = QString()) const
    {
        return {QStringLiteral("--store"),           store.isEmpty() ? m_store : store,
                QStringLiteral("--passphrase-file"), passFile,
                QStringLiteral("--kdf-ops"),         QStringLiteral("2"),
                QStringLiteral("--kdf-mem-mib"),     QStringLiteral("64")};
    }

    static QStringList with(QStringList args, const QStringList &more)
    {
        args.append(more);
        return args;
    }

    // crashAt: the crash point (platform::crashPoint) where the child kills
    // itself with SIGKILL; Run::exitCode is then -1 and killed is set.
    Run run(const QStringList &args, int timeoutMs = 120000, const QString &crashAt = QString())
    {
        QProcess p;
        if (!crashAt.isEmpty()) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("SAFEGUARD_CRASH_AT"), crashAt);
            p.setProcessEnvironment(env);
        }
        p.start(QStringLiteral(SAFEGUARD_DEVICESIM), args);
        Run r;
        if (!p.waitForFinished(timeoutMs))
            return r;
        if (p.exitStatus() != QProcess::NormalExit) {
            r.killed = p.exitCode() == SIGKILL; // Qt reports the signal as the code
            return r;
        }
        r.exitCode = p.exitCode();
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    void writeFile(const QString &path, const QByteArray &data)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(data);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_store = m_tmp.filePath("store");
        m_good = m_tmp.filePath("good.txt");
        m_bad = m_tmp.filePath("bad.txt");
        writeFile(m_good, kGood.toUtf8() + "\n");
        writeFile(m_bad, kBad.toUtf8() + "\n");
    }

    void initGenerateSubmitVerify()
    {
        Run r = run(with(base(m_good), {QStringLiteral("init")}));
        QCOMPARE(r.exitCode, 0);
        r = run(with(base(m_good), {QStringLiteral("generate"), QStringLiteral("30")}));
        QCOMPARE(r.exitCode, 0);
        r = run(with(base(m_good), {QStringLiteral("verify")}));
        QCOMPARE(r.exitCode, 0);
        QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("records").toInt(), 30);
        QCOMPARE(o.value("draft").toInt(), 30);
        r = run(with(base(m_good), {QStringLiteral("submit-all")}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count('\n'), 31);
        r = run(with(base(m_good), {QStringLiteral("verify")}));
        QCOMPARE(r.exitCode, 0);
        o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("records").toInt(), 30);
        QCOMPARE(o.value("queued").toInt(), 30);
        QCOMPARE(o.value("draft").toInt(), 0);
        QCOMPARE(o.value("acknowledged").toInt(), 0);
        QCOMPARE(o.value("needs_correction").toInt(), 0);
        QCOMPARE(o.value("held_at_hub").toInt(), 0);
        QCOMPARE(o.value("purged").toInt(), 0);
        QVERIFY(o.value("cipher_version").toString().startsWith(QLatin1String("3.4.")));
        QCOMPARE(o.value("schema_version").toInt(), store::schema::kCurrentVersion);
        // Every record is visibly fake.
        protocol::ManualClock clock;
        UnlockResult u = KeyVault(m_store, clock).unlock(SecureBuffer::fromPassphrase(kGood));
        QCOMPARE(u.status, UnlockStatus::Unlocked);
        auto store = RecordStore::open(m_store, u.key, clock,
                                       protocol::RiskChecklistRegistry::sharedBuiltIns());
        QVERIFY(store.ok());
        for (const RecordSummary &s : store.value()->listRecords().value()) {
            const auto rec = store.value()->load(s.recordId).value();
            QVERIFY(rec.children_size() >= 1 && rec.children_size() <= 4);
            QVERIFY(QByteArray::fromStdString(rec.SerializeAsString()).contains("SYNTHETIC"));
        }
    }

    // An enrolled simulator attributes its records as the app does, from
    // the enrolment: the hub takes every one as the enrolled officer's,
    // sent by that device, with no attribution flag (before, they carried a
    // fixed device id the hub now refuses as attribution_mismatch).
    void recordsAreAttributedFromTheEnrolment()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);
        const QString store = m_tmp.filePath("attributed");
        QCOMPARE(run(with(base(m_good, store), {QStringLiteral("init")})).exitCode, 0);
        Run r = run(with(base(m_good, store), {QStringLiteral("enrol"), codes.first()}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(run(with(base(m_good, store), {QStringLiteral("generate"), QStringLiteral("12")}))
                     .exitCode,
                 0);
        QCOMPARE(run(with(base(m_good, store), {QStringLiteral("submit-all")})).exitCode, 0);
        r = run(with(base(m_good, store), {QStringLiteral("sync")}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject drained =
            QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(drained.value("acknowledged").toInt(), 12);
        QCOMPARE(drained.value("stopped").toString(), QStringLiteral("drained"));

        QByteArray out;
        QCOMPARE(hub.cli(QStringLiteral("records"),
                         {QStringLiteral("--by"), testing::HubProcess::kStaff}, &out),
                 0);
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 12);
        QString device;
        for (const QByteArray &line : lines) {
            const QJsonObject row = QJsonDocument::fromJson(line).object();
            QCOMPARE(row.value("officer_id").toString(), QStringLiteral("SYN-OFFICER-0001"));
            if (device.isEmpty())
                device = row.value("device_id").toString();
            QCOMPARE(row.value("device_id").toString(), device);
            QVERIFY2(row.value("flags").toArray().isEmpty(), line.constData());
        }
        QCOMPARE(hub.stats().value("attribution_refusals").toInt(), 0);

        // sync says why it stopped short, with a code per reason: the hub
        // gone, records waiting.
        QCOMPARE(run(with(base(m_good, store), {QStringLiteral("generate"), QStringLiteral("3")}))
                     .exitCode,
                 0);
        QCOMPARE(run(with(base(m_good, store), {QStringLiteral("submit-all")})).exitCode, 0);
        const quint16 port = quint16(hub.url().port());
        hub.stop();
        {
            // While it runs unlocked, the data key is in its memory: the
            // kernel must hold it to no core dump (read from /proc, as a
            // crash collector would see it).
            QProcess p;
            p.start(QStringLiteral(SAFEGUARD_DEVICESIM),
                    with(base(m_good, store), {QStringLiteral("--timeout"), QStringLiteral("2"),
                                               QStringLiteral("sync")}));
            QVERIFY(p.waitForStarted());
            const QString limitsPath = QStringLiteral("/proc/%1/limits").arg(p.processId());
            auto coreLine = [&limitsPath] {
                QFile limits(limitsPath);
                if (limits.open(QIODevice::ReadOnly))
                    for (const QByteArray &line : limits.readAll().split('\n'))
                        if (line.startsWith("Max core file size"))
                            return line.simplified();
                return QByteArray();
            };
            // Hardened first thing in main(); the run lasts 2 s, so a
            // simulator that never hardens is still running when this fails.
            QTRY_COMPARE_WITH_TIMEOUT(coreLine(), QByteArray("Max core file size 0 0 bytes"), 1500);
            QCOMPARE(p.state(), QProcess::Running);
            QVERIFY(p.waitForFinished(30000));
            r.exitCode = p.exitCode();
            r.out = p.readAllStandardOutput();
            r.err = p.readAllStandardError();
        }
        QCOMPARE(r.exitCode, 10);
        const QJsonObject late =
            QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(late.value("stopped").toString(), QStringLiteral("timed_out"));
        QCOMPARE(late.value("waiting").toInt(), 3);
        QVERIFY2(r.err.contains("sync stopped: timed out after 2 s with 3 waiting"),
                 r.err.constData());

        // Withdrawn by the hub: what was waiting is delivered, then revoked.
        QVERIFY2(hub.start({QStringLiteral("--plain-http"), QStringLiteral("--listen"),
                            QStringLiteral("127.0.0.1:%1").arg(port)}),
                 qPrintable(hub.stderrText()));
        QCOMPARE(hub.cli(QStringLiteral("revoke-device"),
                         {QStringLiteral("--by"), testing::HubProcess::kStaff,
                          QStringLiteral("--device"), device}),
                 0);
        // The editor's resume file, as the app leaves it beside the store.
        QFile resume(QDir(store).filePath(QStringLiteral("resume.json")));
        QVERIFY(resume.open(QIODevice::WriteOnly));
        resume.write("{}");
        resume.close();
        r = run(with(base(m_good, store), {QStringLiteral("sync")}));
        QCOMPARE(r.exitCode, 12);
        const QJsonObject revoked =
            QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
        QCOMPARE(revoked.value("stopped").toString(), QStringLiteral("revoked"));
        QCOMPARE(revoked.value("waiting").toInt(), 0);
        QCOMPARE(revoked.value("acknowledged").toInt(), 3);
        // Wiped as the app wipes (StoreSession): key, store and side files
        // gone, the tombstone says so, the sealed outbox kept.
        const QDir dir(store);
        QVERIFY(!dir.exists(KeyVault::vaultFileName()));
        QVERIFY(!dir.exists(RecordStore::databaseFileName()));
        QVERIFY(!dir.exists(QStringLiteral("resume.json")));
        QVERIFY(dir.exists(KeyVault::tombstoneFileName()));
        QVERIFY(dir.exists(QStringLiteral("outbox.db")));
    }

    void wrongPassphraseChangesNoDatabaseByte()
    {
        const QString vault = KeyVault::vaultFileName();
        const auto before = hashFiles(m_store, {vault});
        QVERIFY(before.contains(RecordStore::databaseFileName()));
        const Run r = run(with(base(m_bad), {QStringLiteral("verify")}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("Wrong passphrase"));
        QVERIFY(r.out.isEmpty());
        QCOMPARE(hashFiles(m_store, {vault}), before); // no -wal/-shm appeared either
        protocol::ManualClock clock;
        QCOMPARE(KeyVault(m_store, clock).status()->failedAttempts, 1);
        QCOMPARE(run(with(base(m_bad), {QStringLiteral("submit-all")})).exitCode, 2);
        QCOMPARE(hashFiles(m_store, {vault}), before);
        QCOMPARE(run(with(base(m_good), {QStringLiteral("verify")})).exitCode, 0);
        QCOMPARE(KeyVault(m_store, clock).status()->failedAttempts, 0);
    }

    void sigkillDuringSubmitsLosesNothingReturned()
    {
        const QString dir = m_tmp.filePath("crash");
        QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("init")})).exitCode, 0);
        QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("generate"), QStringLiteral("400")}))
                     .exitCode,
                 0);

        QProcess child;
        child.start(QStringLiteral(SAFEGUARD_DEVICESIM),
                    with(base(m_good, dir), {QStringLiteral("submit-all")}));
        QVERIFY(child.waitForStarted());
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (out.count('\n') < 25 && t.elapsed() < 60000) {
            child.waitForReadyRead(100);
            out += child.readAllStandardOutput();
        }
        QCOMPARE(child.state(), QProcess::Running); // killed mid-stream
        child.kill();                               // SIGKILL
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        out += child.readAllStandardOutput();

        QStringList returned;
        for (const QByteArray &line : out.split('\n')) {
            if (!QUuid::fromString(QString::fromLatin1(line)).isNull())
                returned.append(QString::fromLatin1(line));
        }
        QVERIFY(returned.size() >= 25);
        QVERIFY(returned.size() < 400);

        const Run v = run(with(base(m_good, dir), {QStringLiteral("verify")}));
        QCOMPARE(v.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(v.out).object();
        QCOMPARE(o.value("records").toInt(), 400);
        QVERIFY(o.value("queued").toInt() >= returned.size());
        QCOMPARE(o.value("queued").toInt() + o.value("draft").toInt(), 400);

        protocol::ManualClock clock;
        UnlockResult u = KeyVault(dir, clock).unlock(SecureBuffer::fromPassphrase(kGood));
        QCOMPARE(u.status, UnlockStatus::Unlocked);
        auto store =
            RecordStore::open(dir, u.key, clock, protocol::RiskChecklistRegistry::sharedBuiltIns());
        QVERIFY(store.ok());
        QHash<QString, protocol::RecordStatus> status;
        for (const RecordSummary &s : store.value()->listRecords().value())
            status.insert(s.recordId, s.status);
        int pending = store.value()->pendingOutbox(1000).value().size();
        QCOMPARE(pending, o.value("queued").toInt()); // records and outbox agree
        for (const QString &id : returned)
            QCOMPARE(status.value(id), protocol::RecordStatus::Queued);
    }

    void sigkillDuringPassphraseCheckStillCounts()
    {
        // Killed after the attempt was counted and before Argon2id finished:
        // the right passphrase was being checked, yet the attempt counts.
        const QString dir = m_tmp.filePath("slow");
        QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("init")})).exitCode, 0);
        protocol::ManualClock clock;
        KeyVault vault(dir, clock);
        QCOMPARE(vault.status()->failedAttempts, 0);
        const Run killed = run(with(base(m_good, dir), {QStringLiteral("verify")}), 120000,
                               QStringLiteral("vault.unlock.counted"));
        QVERIFY(killed.killed);
        QCOMPARE(vault.status()->failedAttempts, 1);
        // A completed check with it resets the counter.
        QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("verify")})).exitCode, 0);
        QCOMPARE(vault.status()->failedAttempts, 0);
    }

    void sigkillAtEveryStepLeavesExactlyTheOldOrTheNewPassphrase_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("crashAt");
        QTest::addColumn<bool>("committed"); // the new passphrase and keys hold
        const QString create = QStringLiteral("init");
        QTest::newRow("init: wipe key made") << create << "vault.create.wipe-key" << false;
        QTest::newRow("init: vault written") << create << "vault.create.vault" << true;
        for (const QString &command :
             {QStringLiteral("change-passphrase"), QStringLiteral("rotate-keys")}) {
            const QByteArray c = command.toLatin1();
            QTest::newRow(c + ": next wipe key")
                << command << "vault.rotate.next-wipe-key" << false;
            QTest::newRow(c + ": store copied") << command << "store.rotate.copied" << false;
            QTest::newRow(c + ": vault committed") << command << "vault.rotate.committed" << true;
            QTest::newRow(c + ": copy moved") << command << "vault.rotate.moved" << true;
            QTest::newRow(c + ": old key destroyed") << command << "vault.rotate.finished" << true;
        }
    }

    void sigkillAtEveryStepLeavesExactlyTheOldOrTheNewPassphrase()
    {
        QFETCH(QString, command);
        QFETCH(QString, crashAt);
        QFETCH(bool, committed);
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("store");
        const QString newPass = tmp.filePath("new.txt");
        writeFile(newPass, "quartz meadow bicycle lantern ferry\n");
        const bool change = command == QLatin1String("change-passphrase");
        const bool init = command == QLatin1String("init");
        if (!init) {
            QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("init")})).exitCode, 0);
            QCOMPARE(
                run(with(base(m_good, dir), {QStringLiteral("generate"), QStringLiteral("20")}))
                    .exitCode,
                0);
            QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("submit-all")})).exitCode, 0);
        }
        QStringList args = with(base(m_good, dir), {command});
        if (change)
            args.append(newPass);
        const Run killed = run(args, 120000, crashAt);
        QVERIFY2(killed.killed, "the child must die at the crash point, not finish");

        protocol::ManualClock clock;
        if (init && !committed) {
            // No vault was made: the device is still at first run, and
            // setting it up works.
            QVERIFY(!KeyVault(dir, clock).exists());
            QCOMPARE(run(with(base(m_good, dir), {QStringLiteral("init")})).exitCode, 0);
        }
        // Exactly one passphrase opens the store: the new one once committed.
        const QString right = change && committed ? newPass : m_good;
        const QString wrong = change ? (committed ? m_good : newPass) : m_bad;
        QCOMPARE(run(with(base(wrong, dir), {QStringLiteral("verify")})).exitCode, 2);
        const Run v = run(with(base(right, dir), {QStringLiteral("verify")}));
        QVERIFY2(v.exitCode == 0, v.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(v.out).object();
        QCOMPARE(o.value("records").toInt(), init ? 0 : 20);
        QCOMPARE(o.value("queued").toInt(), init ? 0 : 20);
        QCOMPARE(o.value("key_generation").toInt(), committed && !init ? 2 : 1);
        // Nothing of the interrupted step is left: no copy of the store, and
        // one wipe key only (the vault's).
        QCOMPARE(QDir(dir).entryList({QStringLiteral("store.db.g*")}, QDir::Files), QStringList());
        QFile keyFile(QDir(dir).filePath(QStringLiteral("wipe.key")));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QByteArray keys = keyFile.readAll();
        const int held = int(keys.mid(8, 56) != QByteArray(56, '\0')) +
                         int(keys.mid(64, 56) != QByteArray(56, '\0'));
        QCOMPARE(held, 1);
        // And the step can be done again to the end.
        if (!init) {
            QStringList again = with(base(right, dir), {command});
            if (change)
                again.append(m_good);
            const Run redo = run(again);
            QVERIFY2(redo.exitCode == 0, redo.err.constData());
        }
    }

    // Someone with the device (not the passphrase) rewrites every file
    // beside the encrypted store, credential files included: verdicts set
    // to acknowledged, sealed bytes replaced with a forged record sealed to
    // the hub's public key, the enrolment changed (with a digest to match),
    // then the digest deleted. Through the app's own engine and store: the
    // hub accepts nothing forged, nothing unsent is purged, each tampering
    // is reported, and every genuine record reaches the hub.
    void filesBesideTheStoreCannotBeForgedToEffect()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);
        const auto code = syncwire::EnrolmentCode::parse(codes.first());
        QVERIFY(code);
        const QString store = m_tmp.filePath("tampered");
        const QStringList unlocked = base(m_good, store);
        const QStringList locked = {QStringLiteral("--store"), store};
        QCOMPARE(run(with(unlocked, {QStringLiteral("init")})).exitCode, 0);
        Run r = run(with(unlocked, {QStringLiteral("enrol"), codes.first()}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString deviceId =
            QJsonDocument::fromJson(r.out.trimmed()).object().value("device_id").toString();
        QCOMPARE(run(with(unlocked, {QStringLiteral("generate"), QStringLiteral("6")})).exitCode,
                 0);
        QCOMPARE(run(with(unlocked, {QStringLiteral("submit-all")})).exitCode, 0);

        // What the store submitted: (record id, version) -> its SHA-256.
        const QString outboxPath = QDir(store).filePath(QStringLiteral("outbox.db"));
        QMap<QString, QByteArray> genuine;
        QStringList ids;
        QByteArray forgedSha;
        {
            sql::SqlError error;
            auto db = sql::Database::open(outboxPath, sql::Database::OpenMode::ReadWrite, &error);
            QVERIFY(db);
            sql::Statement st = db->prepare("SELECT record_id, sha256 FROM entries ORDER BY id;");
            while (st.step()) {
                ids.append(st.columnText(0));
                genuine.insert(st.columnText(0), st.columnBlob(1));
            }
            st = {};
            QCOMPARE(ids.size(), 6);
            // 1. Two never-sent entries "acknowledged" and taken, their
            //    sealed bytes dropped: as if purge were due.
            QVERIFY(!db->exec("UPDATE entries SET state = 'acknowledged', applied = 1, "
                              "sealed = X'', decided_ms = 1 WHERE id IN "
                              "(SELECT id FROM entries ORDER BY id LIMIT 2);"));
            // 2. A third's sealed bytes replaced by a forged record under its
            //    id, sealed to the hub's public key (from the code) in a
            //    session the attacker signs with a key of their own.
            const auto attackerKey = syncwire::SigningKey::generate();
            protocol::ManualClock clock(QDateTime::currentDateTimeUtc());
            const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
            protocol::SyntheticRecordFactory factory(99, clock, registry);
            v1::IncidentRecord forged = factory.next(QStringLiteral("SYN-OFFICER-0001"), deviceId);
            forged.set_record_id(ids.at(2).toStdString());
            forged.set_version(1);
            const QByteArray forgedBytes = QByteArray::fromStdString(forged.SerializeAsString());
            syncwire::SealingSession session(
                QByteArray::fromStdString(code->sealing_public_key()),
                {deviceId, QString::fromStdString(code->hub_id()),
                 [&attackerKey](std::string_view st) { return attackerKey->sign(st); }},
                clock.nowMs());
            const auto sealed = session.seal(ids.at(2), 1, forgedBytes);
            QVERIFY(sealed);
            forgedSha = QCryptographicHash::hash(forgedBytes, QCryptographicHash::Sha256);
            sql::Statement put = db->prepare("UPDATE entries SET sealed = ?, sha256 = ?, "
                                             "session_signature = ? WHERE record_id = ?;");
            put.bindBlob(1, *sealed)
                .bindBlob(2, forgedSha)
                .bindBlob(3, session.signature())
                .bind(4, ids.at(2));
            QVERIFY(put.exec());
            put = {};
            // 3. The enrolment changed to the attacker's receipt and sealing
            //    keys, with a digest to match in the file credential store.
            const auto forgedHub = syncwire::SigningKey::generate();
            QVERIFY(!db->exec(QStringLiteral("UPDATE meta SET value = '%1' WHERE key = "
                                             "'hub_signing_key';")
                                  .arg(QString::fromLatin1(forgedHub->publicKey().toBase64()))
                                  .toStdString()
                                  .c_str()));
            const std::string sealing = "UPDATE meta SET value = '" +
                                        QByteArray(32, 'A').toBase64().toStdString() +
                                        "' WHERE key = 'sealing_public_key';";
            QVERIFY(!db->exec(sealing.c_str()));
        }
        {
            syncclient::OutboxError oe;
            auto outbox = syncclient::SealedOutbox::open(store, &oe);
            QVERIFY(outbox);
            const auto forgedEnrolment = outbox->enrolment();
            QVERIFY(forgedEnrolment);
            writeFile(QDir(store).filePath(syncclient::EnrolmentClient::enrolmentDigestName() +
                                           ".secret"),
                      syncclient::EnrolmentClient::enrolmentDigest(*forgedEnrolment));
        }
        auto summary = [](const Run &run) {
            return QJsonDocument::fromJson(run.out.trimmed().split('\n').last()).object();
        };
        auto hubRows = [&] {
            QMap<QString, QList<QByteArray>> rows;
            sql::SqlError error;
            auto db = sql::Database::open(QDir(hub.dataDir()).filePath(QStringLiteral("hub.db")),
                                          sql::Database::OpenMode::ReadOnly, &error);
            if (!db)
                return rows;
            sql::Statement st = db->prepare("SELECT record_id, sha256 FROM records;");
            while (st.step())
                rows[st.columnText(0)].append(st.columnBlob(1));
            return rows;
        };

        // Locked: the device sends what it holds; the hub refuses the
        // forged seal (bad_signature), and its receipts are not believed
        // under the forged receipt key, so nothing is marked sent.
        r = run(with(locked,
                     {QStringLiteral("sync"), QStringLiteral("--timeout"), QStringLiteral("5")}));
        QVERIFY2(r.exitCode != 0, r.out.constData());
        QCOMPARE(summary(r).value("acknowledged").toInt(), 0);
        for (const auto &shas : hubRows())
            QVERIFY(!shas.contains(forgedSha));

        // Unlocked: the store's own copy wins; what the outbox misstates is
        // sealed again; every genuine record arrives, none forged.
        r = run(with(unlocked,
                     {QStringLiteral("sync"), QStringLiteral("--timeout"), QStringLiteral("60")}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject faults = summary(r).value("faults").toObject();
        QVERIFY2(faults.value("enrolment_restored").toInt() >= 1, r.out.constData());
        QVERIFY2(faults.value("outbox_repaired").toInt() >= 1, r.out.constData());
        QMap<QString, QList<QByteArray>> rows = hubRows();
        for (const QString &id : ids) {
            QCOMPARE(rows.value(id).size(), 1);
            QCOMPARE(rows.value(id).first(), genuine.value(id));
        }
        r = run(with(unlocked, {QStringLiteral("verify")}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out.trimmed()).object().value("acknowledged").toInt(),
                 6);

        // The digest deleted and the hub's address changed: while locked the
        // device sends nothing (EnrolmentChanged); unlocked, it is put back.
        QCOMPARE(run(with(unlocked, {QStringLiteral("generate"), QStringLiteral("2")})).exitCode,
                 0);
        QCOMPARE(run(with(unlocked, {QStringLiteral("submit-all")})).exitCode, 0);
        {
            sql::SqlError error;
            auto db = sql::Database::open(outboxPath, sql::Database::OpenMode::ReadWrite, &error);
            QVERIFY(db);
            QVERIFY(!db->exec("UPDATE meta SET value = 'http://127.0.0.1:9' WHERE key = "
                              "'hub_url';"));
        }
        QVERIFY(QFile::remove(
            QDir(store).filePath(syncclient::EnrolmentClient::enrolmentDigestName() + ".secret")));
        r = run(with(locked,
                     {QStringLiteral("sync"), QStringLiteral("--timeout"), QStringLiteral("5")}));
        // Refused at start ("changed outside the app"), nothing sent.
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("changed outside the app"), r.err.constData());
        QCOMPARE(hubRows().size(), 6);
        r = run(with(unlocked,
                     {QStringLiteral("sync"), QStringLiteral("--timeout"), QStringLiteral("60")}));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(summary(r).value("faults").toObject().value("enrolment_restored").toInt() >= 1);
        QCOMPARE(hubRows().size(), 8);
    }

    void usageAndMissingPassphraseFile()
    {
        QCOMPARE(run({QStringLiteral("verify")}).exitCode, 1);
        QCOMPARE(run(with(base(m_tmp.filePath("nope")), {QStringLiteral("verify")})).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestDeviceSim)
#include "tst_devicesim.moc"
