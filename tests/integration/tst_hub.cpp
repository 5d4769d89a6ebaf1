// The hub, as a device and an attacker see it: a real safeguard-hub process
// on loopback, driven over HTTP(S) and through its command line.
#include "hubprocess.h"
#include "protocol/clock.h"
#include "protocol/riskchecklist.h"
#include "protocol/syntheticrecords.h"
#include "sqlite/sqldatabase.h"
#include "wire/batchbuilder.h"
#include "wire/enrolmentcode.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>
#include <fcntl.h>
#include <linux/capability.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace safeguard;
using namespace safeguard::testing;

namespace {

const QString kHub = QStringLiteral(SAFEGUARD_HUB_BINARY);

struct Sent
{
    HttpReply reply;
    v1::SyncReceipt receipt;
    bool parsed = false;
};

Sent send(const QUrl &url, const EnrolledDevice &device, const v1::SyncBatch &batch)
{
    Sent s;
    s.reply = RawHttp::post(url, "/v1/sync", QByteArray::fromStdString(batch.SerializeAsString()),
                            "application/x-protobuf", device.authorization());
    s.parsed = s.receipt.ParseFromArray(s.reply.body.constData(), int(s.reply.body.size()));
    return s;
}

int mode(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QString pinOf(const QSslCertificate &cert)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(cert.publicKey().toDer(), QCryptographicHash::Sha256).toBase64());
}

// The dumpable flag cannot be read from another process, but it decides who
// may open /proc/PID/mem (ptrace_may_access, PTRACE_MODE_ATTACH): a process
// of the same user whose capabilities are no more than the reader's may be
// opened if dumpable and never if not, unless the reader has CAP_SYS_PTRACE
// in effect. So this thread puts CAP_SYS_PTRACE out of effect for the open
// (capabilities are per thread), and the process is started without it
// (dropFromBoundingSet), so the kernel's other check, that the target holds
// no capability the reader lacks, passes. (/proc/PID/environ would not do:
// this kernel lets it be read from a non-dumpable process.)
bool memOpenableWithoutPtrace(qint64 pid)
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]{};
    const int index = CAP_TO_INDEX(CAP_SYS_PTRACE);
    const __u32 bit = CAP_TO_MASK(CAP_SYS_PTRACE);
    const bool dropped = ::syscall(SYS_capget, &header, caps) == 0 &&
                         (caps[index].effective & bit) != 0 &&
                         (caps[index].effective &= ~bit, ::syscall(SYS_capset, &header, caps) == 0);
    const int fd = ::open(QStringLiteral("/proc/%1/mem").arg(pid).toLatin1().constData(), O_RDONLY);
    if (fd >= 0)
        ::close(fd);
    if (dropped) {
        caps[index].effective |= bit;
        ::syscall(SYS_capset, &header, caps);
    }
    return fd >= 0;
}

// For a child, before exec: without CAP_SYS_PTRACE in its bounding set, a
// root program holds no capability the reading thread above lacks.
void dropFromBoundingSet()
{
    ::prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0);
}

} // namespace

class TestHub : public QObject
{
    Q_OBJECT

private:
    // Records from a clock at the given offset from the real one.
    struct DeviceSide
    {
        protocol::ManualClock clock;
        protocol::RiskChecklistRegistry checklists =
            protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory;
        syncwire::BatchBuilder builder;
        QString deviceId;
        QString officerId;
        DeviceSide(const EnrolledDevice &d, quint32 seed, qint64 skewMs = 0)
            : clock(QDateTime::currentDateTimeUtc().addMSecs(skewMs))
            , factory(seed, clock, checklists)
            , builder(QByteArray::fromStdString(d.code.sealing_public_key()),
                      {d.deviceId, QString::fromStdString(d.code.hub_id()), d.signer()})
            , deviceId(d.deviceId)
            , officerId(d.officerId)
        {}
        v1::IncidentRecord record() { return factory.next(officerId, deviceId); }
        v1::SyncBatch batch() { return builder.batch(1, clock.nowMs(), 0); }
    };

    std::unique_ptr<HubProcess> m_hub;
    EnrolledDevice m_device;

    std::optional<sql::Database> openDb()
    {
        return sql::Database::open(QDir(m_hub->dataDir()).filePath(QStringLiteral("hub.db")),
                                   sql::Database::OpenMode::ReadOnly, nullptr);
    }
    qint64 count(const char *sqlText)
    {
        auto db = openDb();
        return db ? db->queryInt(sqlText).value_or(-1) : -1;
    }

    // A device enrolled for another officer than m_device's.
    std::optional<EnrolledDevice> deviceFor(const QString &officer)
    {
        const QStringList codes = m_hub->enrolmentCodes(1, {QStringLiteral("--officer"), officer});
        if (codes.size() != 1)
            return std::nullopt;
        return enrol(m_hub->url(), codes.first());
    }
    // `safeguard-hub COMMAND args`, one JSON object a line.
    QList<QJsonObject> listing(const QString &command, const QStringList &args = {})
    {
        QByteArray out;
        if (m_hub->cli(command, QStringList{QStringLiteral("--by"), HubProcess::kStaff} + args,
                       &out) != 0)
            return {};
        QList<QJsonObject> rows;
        for (const QByteArray &line : out.split('\n'))
            if (!line.trimmed().isEmpty())
                rows.append(QJsonDocument::fromJson(line).object());
        return rows;
    }
    static QJsonObject only(const QList<QJsonObject> &rows)
    {
        return rows.size() == 1 ? rows.first() : QJsonObject();
    }
    static QStringList flagsOf(const QJsonObject &row)
    {
        QStringList out;
        for (const auto &f : row.value(QStringLiteral("flags")).toArray())
            out.append(f.toString());
        return out;
    }
    static v1::IncidentRecord amendmentOf(v1::IncidentRecord r, const char *reason)
    {
        r.set_parent_version(r.version());
        r.set_version(r.version() + 1);
        r.set_amendment_reason(reason);
        return r;
    }
    v1::RecordResult::Result sendOne(const EnrolledDevice &device, DeviceSide &side,
                                     const v1::IncidentRecord &record,
                                     std::string *firstReason = nullptr)
    {
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(record);
        const Sent s = send(m_hub->url(), device, batch);
        if (s.reply.status != 200 || !s.parsed || s.receipt.results_size() != 1)
            return v1::RecordResult::RESULT_UNSPECIFIED;
        if (firstReason && s.receipt.results(0).reasons_size() > 0)
            *firstReason = s.receipt.results(0).reasons(0).code();
        return s.receipt.results(0).result();
    }

private slots:
    void initTestCase()
    {
        m_hub = std::make_unique<HubProcess>(kHub);
        QVERIFY2(m_hub->start(), qPrintable(m_hub->stderrText()));
        const QStringList codes = m_hub->enrolmentCodes();
        QCOMPARE(codes.size(), 1);
        auto device = enrol(m_hub->url(), codes.first());
        QVERIFY(device);
        m_device = *device;
    }

    void cleanupTestCase() { m_hub.reset(); }

    void healthzAnswersWithTheHubId()
    {
        const HttpReply r = RawHttp::exchange(
            m_hub->url(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QCOMPARE(r.status, 200);
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(o.value(QStringLiteral("hub_id")).toString(), m_hub->hubId());
    }

    void enrolmentCodeIsOneTimeOnly()
    {
        const QStringList codes = m_hub->enrolmentCodes(2);
        QCOMPARE(codes.size(), 2);
        QVERIFY(codes[0] != codes[1]);
        const auto code = syncwire::EnrolmentCode::parse(codes[0]);
        QVERIFY(code);
        QCOMPARE(QString::fromStdString(code->hub_url()), m_hub->url().toString());
        QCOMPARE(QString::fromStdString(code->hub_id()), m_hub->hubId());
        QVERIFY(!code->backup_pin_sha256().empty());
        QVERIFY(code->tls_pin_sha256() != code->backup_pin_sha256());
        // Expires an hour after issue by default.
        const qint64 in = code->expires_at_unix_ms() - QDateTime::currentMSecsSinceEpoch();
        QVERIFY2(in > 59 * 60 * 1000LL && in <= 60 * 60 * 1000LL, qPrintable(QString::number(in)));

        int status = 0;
        const auto device = enrol(m_hub->url(), codes[0], &status);
        QVERIFY(device);
        QCOMPARE(status, 200);
        // The device belongs to the officer the code was issued to.
        QCOMPARE(device->officerId, QStringLiteral("SYN-OFFICER-0001"));
        QVERIFY(!enrol(m_hub->url(), codes[0], &status));
        QCOMPARE(status, 410); // reuse refused
    }

    void enrolmentRetriedWithItsOwnCredentialGetsTheSameDevice()
    {
        // The device chooses its credential and keeps it with the code
        // before sending: if the reply is lost, the same pair again gets the
        // same device instead of a spent code.
        const QString code = m_hub->enrolmentCodes(1).value(0);
        const QByteArray own = syncwire::toBase64Url(QByteArray(32, '\x5a'));
        int status = 0;
        const auto first = enrol(m_hub->url(), code, &status, own);
        QVERIFY(first);
        QCOMPARE(status, 200);
        // A retry with another device key is not this device's retry.
        QVERIFY(!enrol(m_hub->url(), code, &status, own));
        QCOMPARE(status, 410);
        const auto again = enrol(m_hub->url(), code, &status, own, first->signingKey);
        QVERIFY(again);
        QCOMPARE(status, 200);
        QCOMPARE(again->deviceId, first->deviceId);
        QCOMPARE(again->officerId, QStringLiteral("SYN-OFFICER-0001"));
        // The hub did not send the secret back: the device already has it.
        QCOMPARE(again->credential, QString::fromLatin1(own));
        // It authenticates: a batch from this device is answered.
        DeviceSide side(*again, 120);
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(side.record());
        const Sent sent = send(m_hub->url(), *again, batch);
        QCOMPARE(sent.reply.status, 200);
        QVERIFY(sent.parsed);
        QCOMPARE(sent.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);
        // Anyone else with the code (another credential) is refused.
        QVERIFY(!enrol(m_hub->url(), code, &status, syncwire::toBase64Url(QByteArray(32, '\x33'))));
        QCOMPARE(status, 410);
        // A credential that is not 32 bytes of base64url is refused outright.
        const QString fresh = m_hub->enrolmentCodes(1).value(0);
        for (const QByteArray &bad : {QByteArray("short"), QByteArray(43, '*'),
                                      syncwire::toBase64Url(QByteArray(33, 'x'))}) {
            QVERIFY(!enrol(m_hub->url(), fresh, &status, bad));
            QCOMPARE(status, 400);
        }
        // ... and does not spend the code.
        QVERIFY(enrol(m_hub->url(), fresh, &status, own + QByteArray()));
    }

    void expiredOrForgedCodeIsRefused()
    {
        // --expires-in 0: the code has expired by the time anyone uses it.
        const QStringList expired =
            m_hub->enrolmentCodes(1, {QStringLiteral("--expires-in"), QStringLiteral("0")});
        QCOMPARE(expired.size(), 1);
        int status = 0;
        QVERIFY(!enrol(m_hub->url(), expired.first(), &status));
        QCOMPARE(status, 410);

        auto code = syncwire::EnrolmentCode::parse(m_hub->enrolmentCodes().first());
        QVERIFY(code);
        code->set_secret(std::string(32, 'x'));
        QVERIFY(!enrol(m_hub->url(), syncwire::EnrolmentCode::encode(*code), &status));
        QCOMPARE(status, 401);
    }

    void replayedBatchLeavesOneCopy()
    {
        DeviceSide side(m_device, 101);
        v1::SyncBatch batch = side.batch();
        for (int i = 0; i < 3; ++i)
            *batch.add_records() = side.builder.seal(side.record());
        const qint64 before = count("SELECT count(*) FROM records");
        const Sent first = send(m_hub->url(), m_device, batch);
        QCOMPARE(first.reply.status, 200);
        QVERIFY(first.parsed);
        QCOMPARE(first.receipt.batch_id(), batch.batch_id());
        QCOMPARE(QString::fromStdString(first.receipt.hub_id()), m_hub->hubId());
        QCOMPARE(first.receipt.policy().retention_hours(), 24u);
        QVERIFY(!first.receipt.policy().wipe());
        QCOMPARE(first.receipt.results_size(), 3);
        for (const auto &r : first.receipt.results())
            QCOMPARE(r.result(), v1::RecordResult::RESULT_ACCEPTED);

        const Sent again = send(m_hub->url(), m_device, batch);
        QCOMPARE(again.reply.status, 200);
        for (const auto &r : again.receipt.results())
            QCOMPARE(r.result(), v1::RecordResult::RESULT_DUPLICATE);
        QCOMPARE(count("SELECT count(*) FROM records"), before + 3);
        // Unflagged: synthetic records meet every good-practice rule.
        QCOMPARE(
            count(
                "SELECT count(*) FROM records WHERE flagged = 1 AND flags NOT LIKE '%clock_skew%'"),
            0);
    }

    void conflictAlertsAndOverwritesNothing()
    {
        DeviceSide side(m_device, 202);
        const v1::IncidentRecord original = side.record();
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(original);
        QCOMPARE(send(m_hub->url(), m_device, batch).receipt.results(0).result(),
                 v1::RecordResult::RESULT_ACCEPTED);

        v1::IncidentRecord altered = original;
        altered.mutable_incident()->set_circumstances("SYNTHETIC different account, same version");
        v1::SyncBatch second = side.batch();
        *second.add_records() = side.builder.seal(altered);
        const qint64 alertsBefore = count("SELECT count(*) FROM alerts");
        const Sent s = send(m_hub->url(), m_device, second);
        QCOMPARE(s.reply.status, 200);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_CONFLICT);

        auto db = openDb();
        QVERIFY(db);
        auto st = db->prepare("SELECT bytes FROM records WHERE record_id = ? AND version = 1");
        st.bind(1, QString::fromStdString(original.record_id()));
        QVERIFY(st.step());
        QCOMPARE(st.columnBlob(0), QByteArray::fromStdString(original.SerializeAsString()));
        QVERIFY(!st.step()); // one row: nothing added, nothing overwritten
        QCOMPARE(count("SELECT count(*) FROM alerts"), alertsBefore + 1);
        QCOMPARE(count("SELECT count(*) FROM quarantine WHERE reason = 'conflict'"),
                 alertsBefore + 1);
        QVERIFY(m_hub->stats().value(QStringLiteral("conflicts")).toInt() >= 1);

        // A new version of the same record is kept beside the first.
        v1::IncidentRecord amended = original;
        amended.set_version(2);
        amended.set_parent_version(1);
        amended.set_amendment_reason("SYNTHETIC correction of the circumstances");
        v1::SyncBatch third = side.batch();
        *third.add_records() = side.builder.seal(amended);
        QCOMPARE(send(m_hub->url(), m_device, third).receipt.results(0).result(),
                 v1::RecordResult::RESULT_ACCEPTED);
    }

    void mixedBatchKeepsTheGoodRecord()
    {
        DeviceSide side(m_device, 303);
        v1::IncidentRecord good = side.record();
        v1::IncidentRecord broken = side.record();
        broken.set_record_id("not-a-uuid");
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(broken);
        *batch.add_records() = side.builder.seal(good);
        const qint64 quarantined = count("SELECT count(*) FROM quarantine");
        const Sent s = send(m_hub->url(), m_device, batch);
        QCOMPARE(s.reply.status, 200);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
        QVERIFY(s.receipt.results(0).reasons_size() >= 1);
        QCOMPARE(s.receipt.results(0).reasons(0).code(), std::string("invalid_id"));
        QCOMPARE(s.receipt.results(1).result(), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(count("SELECT count(*) FROM quarantine"), quarantined + 1);
    }

    void goodPracticeGapsAndSkewAreFlagsNotRejections()
    {
        DeviceSide side(m_device, 404);
        v1::IncidentRecord gap = side.record();
        gap.mutable_children(0)->set_grade_rationale("");
        gap.mutable_children(0)->set_demeanour("");
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(gap);
        Sent s = send(m_hub->url(), m_device, batch);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);

        // A device whose clock runs two hours fast.
        DeviceSide fast(m_device, 405, 2 * 3600 * 1000);
        const v1::IncidentRecord skewed = fast.record();
        v1::SyncBatch second = fast.batch();
        *second.add_records() = fast.builder.seal(skewed);
        s = send(m_hub->url(), m_device, second);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);

        auto db = openDb();
        QVERIFY(db);
        auto flagsOf = [&](const v1::IncidentRecord &r) {
            auto st = db->prepare("SELECT flags, flagged FROM records WHERE record_id = ?");
            st.bind(1, QString::fromStdString(r.record_id()));
            return st.step() && st.columnInt64(1) == 1 ? st.columnText(0) : QString();
        };
        const QString gapFlags = flagsOf(gap);
        QVERIFY2(gapFlags.contains(QLatin1String("children[0].grade_rationale")),
                 qPrintable(gapFlags));
        QVERIFY2(gapFlags.contains(QLatin1String("children[0].demeanour")), qPrintable(gapFlags));
        const QString skewFlags = flagsOf(skewed);
        QVERIFY2(skewFlags.contains(QLatin1String("clock_skew")), qPrintable(skewFlags));
        QVERIFY(m_hub->stats().value(QStringLiteral("flagged")).toInt() >= 2);
    }

    void tamperedOrMismatchedRecordIsRejectedAndQuarantined()
    {
        DeviceSide side(m_device, 505);
        v1::SyncBatch batch = side.batch();
        v1::RecordEnvelope tampered = side.builder.seal(side.record());
        std::string sealed = tampered.sealed();
        sealed[sealed.size() / 2] ^= 0x01;
        tampered.set_sealed(sealed);
        v1::RecordEnvelope wrongHash = side.builder.seal(side.record());
        wrongHash.set_sha256(std::string(32, '\0'));
        const v1::IncidentRecord good = side.record();
        *batch.add_records() = tampered;
        *batch.add_records() = wrongHash;
        *batch.add_records() = side.builder.seal(good);
        const qint64 before = count("SELECT count(*) FROM quarantine");
        const Sent s = send(m_hub->url(), m_device, batch);
        QCOMPARE(s.reply.status, 200);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(s.receipt.results(0).reasons(0).code(), std::string("unsealable"));
        QCOMPARE(s.receipt.results(1).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(s.receipt.results(1).reasons(0).code(), std::string("hash_mismatch"));
        QCOMPARE(s.receipt.results(2).result(), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(count("SELECT count(*) FROM quarantine"), before + 2);
        QCOMPARE(count("SELECT count(*) FROM quarantine WHERE reason = 'unsealable' AND sealed IS "
                       "NOT NULL"),
                 1);
        QVERIFY(count("SELECT count(*) FROM audit WHERE event = 'record_rejected'") >= 2);
        QVERIFY(m_hub->stats().value(QStringLiteral("rejected_records")).toInt() >= 2);
    }

    void credentialsAreCheckedBeforeTheBody()
    {
        QCOMPARE(RawHttp::post(m_hub->url(), "/v1/sync", "x").status, 401);
        EnrolledDevice forged = m_device;
        forged.credential = QStringLiteral("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        QCOMPARE(RawHttp::post(m_hub->url(), "/v1/sync", "x", "application/x-protobuf",
                               forged.authorization())
                     .status,
                 401);
        QCOMPARE(RawHttp::post(m_hub->url(), "/v1/sync", "x", "application/x-protobuf",
                               "Basic Zm9vOmJhcg==")
                     .status,
                 401);
        // The forged credential names a known device: its refusal has a
        // durable row of its own (the anonymous ones are summarised).
        const QByteArray forgedRows =
            "SELECT count(*) FROM audit WHERE event = 'request_refused' AND status = 401 AND "
            "device_id = '" +
            m_device.deviceId.toLatin1() + "'";
        QVERIFY(count(forgedRows.constData()) >= 1);
        const qint64 refused = m_hub->stats().value(QStringLiteral("rejected_requests")).toInt();
        QVERIFY(refused >= 1);
    }

    void anonymousRefusalsAreSummarisedNotWrittenOneByOne()
    {
        HubProcess hub(kHub);
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const auto device = enrol(hub.url(), hub.enrolmentCodes().first());
        QVERIFY(device);
        const qint64 before = hub.stats().value(QStringLiteral("rejected_requests")).toInt();

        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 500; ++i) {
            const bool unauthenticated = i % 2 == 1;
            const HttpReply r =
                RawHttp::post(hub.url(), unauthenticated ? "/v1/sync" : "/v1/nowhere", "x");
            QCOMPARE(r.status, unauthenticated ? 401 : 404);
        }
        // Tied to a known device: a durable row of its own, at once.
        QCOMPARE(
            RawHttp::post(hub.url(), "/v1/sync", "{}", "application/json", device->authorization())
                .status,
            415);
        const qint64 intervals = timer.elapsed() / 10000; // the hub summarises every 10 s
        hub.stop(); // what is still counted is written at shutdown

        auto db = sql::Database::open(QDir(hub.dataDir()).filePath(QStringLiteral("hub.db")),
                                      sql::Database::OpenMode::ReadOnly, nullptr);
        QVERIFY(db);
        // One at the first refusal, at most one per interval, one at shutdown.
        const qint64 summaries =
            db->queryInt("SELECT count(*) FROM audit WHERE event = 'anonymous_refusals'")
                .value_or(-1);
        QVERIFY2(summaries >= 1 && summaries <= 2 + intervals,
                 qPrintable(QString::number(summaries)));
        QCOMPARE(db->queryInt("SELECT coalesce(sum(json_extract(detail, '$.count')), 0) FROM audit "
                              "WHERE event = 'anonymous_refusals'")
                     .value_or(-1),
                 500);
        QCOMPARE(db->queryInt("SELECT count(*) FROM audit WHERE event = 'request_refused' AND "
                              "device_id IS NULL")
                     .value_or(-1),
                 0);
        QCOMPARE(db->queryInt(("SELECT count(*) FROM audit WHERE event = 'request_refused' AND "
                               "status = 415 AND device_id = '" +
                               device->deviceId.toLatin1() + "'")
                                  .constData())
                     .value_or(-1),
                 1);
        // stats still counts every refused request.
        QCOMPARE(hub.stats().value(QStringLiteral("rejected_requests")).toInt(), before + 501);
        // And the log says it once per summary, not once per request.
        QVERIFY(hub.stderrText().count(QStringLiteral("\"event\":\"anonymous_refusals\"")) ==
                summaries);
        QCOMPARE(hub.stderrText().count(QStringLiteral("\"status\":404")), 0);
    }

    void statusCodes()
    {
        const QByteArray auth = m_device.authorization();
        QCOMPARE(RawHttp::post(m_hub->url(), "/v1/sync", "{}", "application/json", auth).status,
                 415);
        const HttpReply garbage = RawHttp::post(m_hub->url(), "/v1/sync", QByteArray(64, '\xff'),
                                                "application/x-protobuf", auth);
        QCOMPARE(garbage.status, 400);
        QVERIFY(garbage.body.contains("undecodable"));
        QCOMPARE(RawHttp::post(m_hub->url(), "/v1/nowhere", "x").status, 404);
        const HttpReply get = RawHttp::exchange(
            m_hub->url(), "GET /v1/sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QCOMPARE(get.status, 405);
    }

    void oversizedBodyIsRefusedBeforeItIsRead()
    {
        // Declared past what the hub would read to answer (33 MiB): only
        // headers are sent, and the 413 comes without waiting for the body.
        // Event, not time: no body byte is ever sent, and a connection the
        // hub gives up on (idle) is closed with no answer at all, so any
        // status here was decided from the headers alone.
        const HttpReply r = RawHttp::exchange(
            m_hub->url(), "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/x-protobuf\r\nAuthorization: " +
                              m_device.authorization() + "\r\nContent-Length: 34603008\r\n\r\n");
        QCOMPARE(r.status, 413);

        // Chunked: no declared length, so the bytes that arrive are counted.
        QByteArray chunked = "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             "application/x-protobuf\r\nAuthorization: " +
                             m_device.authorization() +
                             "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        const QByteArray chunk(1 << 20, 'a');
        for (int i = 0; i < 9; ++i)
            chunked += "100000\r\n" + chunk + "\r\n";
        chunked += "0\r\n\r\n";
        QCOMPARE(RawHttp::exchange(m_hub->url(), chunked, 20000).status, 413);
    }

    // ---- a 413 the device can read, and the limits it is told --------------

    void overLimitBodyIsReadThenAnswered413()
    {
        HubProcess hub(kHub);
        QVERIFY(hub.start({QStringLiteral("--plain-http"), QStringLiteral("--max-body-bytes"),
                           QStringLiteral("65536")}));
        const auto device = enrol(hub.url(), hub.enrolmentCodes().first());
        QVERIFY(device);

        // Slightly over, sent whole: a complete 413 with its JSON, after
        // the body (a client still uploading would otherwise see a reset).
        const QByteArray body(70000, 'a');
        const HttpReply over = RawHttp::post(hub.url(), "/v1/sync", body, "application/x-protobuf",
                                             device->authorization());
        QCOMPARE(over.status, 413);
        QCOMPARE(over.headers.value("content-length").toInt(), over.body.size());
        const QJsonObject refusal = QJsonDocument::fromJson(over.body).object();
        QCOMPARE(refusal.value(QStringLiteral("error")).toString(),
                 QStringLiteral("body_too_large"));
        QCOMPARE(refusal.value(QStringLiteral("max_body_bytes")).toInteger(), 65536);
        QCOMPARE(refusal.value(QStringLiteral("max_batch_records")).toInt(), 500);

        // A device that has not heard this hub's limit sends up to 8 MiB:
        // that too is read and answered.
        const HttpReply stale = RawHttp::post(hub.url(), "/v1/sync", QByteArray(6 << 20, 'b'),
                                              "application/x-protobuf", device->authorization());
        QCOMPARE(stale.status, 413);

        // Chunked, growing past the limit: read, dropped, then 413.
        QByteArray chunked = "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             "application/x-protobuf\r\nAuthorization: " +
                             device->authorization() +
                             "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        const QByteArray chunk(1 << 16, 'c');
        for (int i = 0; i < 4; ++i)
            chunked += "10000\r\n" + chunk + "\r\n";
        chunked += "0\r\n\r\n";
        const HttpReply chunkedOver = RawHttp::exchange(hub.url(), chunked, 20000);
        QCOMPARE(chunkedOver.status, 413);
        QVERIFY(chunkedOver.body.contains("body_too_large"));

        // Chunked past the allowance (8 MiB here): the hub stops reading and
        // closes; no answer.
        QByteArray endless = "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             "application/x-protobuf\r\nAuthorization: " +
                             device->authorization() +
                             "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        const QByteArray mib(1 << 20, 'd');
        for (int i = 0; i < 10; ++i)
            endless += "100000\r\n" + mib + "\r\n";
        endless += "0\r\n\r\n";
        QCOMPARE(RawHttp::exchange(hub.url(), endless, 20000).status, 0);

        // No credential: nothing past the limit is read for it; refused at once.
        // As above: the body is never sent, so the 401 came from the headers.
        const HttpReply anonymous =
            RawHttp::exchange(hub.url(), "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                         "application/x-protobuf\r\nContent-Length: 70000\r\n\r\n");
        QCOMPARE(anonymous.status, 401);

        // The hub still takes what fits.
        DeviceSide side(*device, 808);
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(side.record());
        const Sent fits = send(hub.url(), *device, batch);
        QCOMPARE(fits.reply.status, 200);
        QCOMPARE(fits.receipt.policy().max_body_bytes(), quint64(65536));
        QCOMPARE(fits.receipt.policy().max_batch_records(), 500u);
    }

    void hugeDeclaredBodyIsCutAndTheHubStaysResponsive()
    {
        // 1 GiB declared by an enrolled device: far past the allowance. The
        // hub answers at once and closes; it never reads the gigabyte.
        QTcpSocket socket;
        socket.connectToHost(m_hub->url().host(), quint16(m_hub->url().port()));
        QVERIFY(socket.waitForConnected(5000));
        socket.write("POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/x-protobuf\r\nAuthorization: " +
                     m_device.authorization() + "\r\nContent-Length: 1073741824\r\n\r\n");
        // The answer comes from the headers alone.
        QByteArray response;
        QElapsedTimer timer;
        timer.start();
        while (!response.contains("\r\n\r\n") && timer.elapsed() < 3000 &&
               socket.waitForReadyRead(100))
            response += socket.readAll();
        QCOMPARE(RawHttp::parse(response).status, 413);
        // A client that sends anyway is cut off long before the gigabyte,
        // and the hub answers others meanwhile.
        const QByteArray mib(1 << 20, 'e');
        qint64 written = 0;
        qint64 nextProbe = 0;
        timer.restart();
        while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 20000 &&
               written < (qint64(1) << 30)) {
            if (socket.bytesToWrite() < (4 << 20)) {
                socket.write(mib);
                written += mib.size();
            }
            socket.waitForBytesWritten(100);
            socket.readAll();
            if (written >= nextProbe) {
                nextProbe += 16 << 20;
                QCOMPARE(RawHttp::exchange(m_hub->url(), "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                                         "Connection: close\r\n\r\n")
                             .status,
                         200);
            }
        }
        QVERIFY2(socket.state() != QAbstractSocket::ConnectedState,
                 qPrintable(QStringLiteral("still connected after %1 bytes").arg(written)));
        QVERIFY2(written < (64 << 20), qPrintable(QString::number(written)));
        QCOMPARE(RawHttp::exchange(m_hub->url(),
                                   "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                     .status,
                 200);
    }

    void enrolmentAndEveryReceiptTellTheLimits()
    {
        const auto code = syncwire::EnrolmentCode::parse(m_hub->enrolmentCodes().first());
        QVERIFY(code);
        v1::EnrolmentRequest request;
        request.set_code_id(code->code_id());
        request.set_secret(code->secret());
        request.set_device_signing_public_key(
            syncwire::SigningKey::generate()->publicKey().toStdString());
        const HttpReply enrolled =
            RawHttp::post(m_hub->url(), "/v1/devices/enrol",
                          QByteArray::fromStdString(request.SerializeAsString()));
        QCOMPARE(enrolled.status, 200);
        v1::EnrolmentResponse response;
        QVERIFY(response.ParseFromArray(enrolled.body.constData(), int(enrolled.body.size())));
        QCOMPARE(response.policy().max_body_bytes(), quint64(8 * 1024 * 1024));
        QCOMPARE(response.policy().max_batch_records(), 500u);
        QCOMPARE(response.policy().retention_hours(), 24u);

        DeviceSide side(m_device, 909);
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(side.record());
        const Sent sent = send(m_hub->url(), m_device, batch);
        QCOMPARE(sent.reply.status, 200);
        QCOMPARE(sent.receipt.policy().max_body_bytes(), quint64(8 * 1024 * 1024));
        QCOMPARE(sent.receipt.policy().max_batch_records(), 500u);
    }

    void conflictingLengthHeadersAreRefused()
    {
        const HttpReply r = RawHttp::exchange(
            m_hub->url(), "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/x-protobuf\r\nAuthorization: " +
                              m_device.authorization() +
                              "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: "
                              "close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        QCOMPARE(r.status, 400);
    }

    void revokedDeviceGetsAWipeOrder()
    {
        const auto device = enrol(m_hub->url(), m_hub->enrolmentCodes().first());
        QVERIFY(device);
        DeviceSide side(*device, 606);
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(side.record());
        QCOMPARE(send(m_hub->url(), *device, batch).reply.status, 200);

        QByteArray out;
        QCOMPARE(m_hub->cli(QStringLiteral("revoke-device"),
                            {QStringLiteral("--by"), HubProcess::kStaff, QStringLiteral("--device"),
                             device->deviceId},
                            &out),
                 0);
        // What the device still holds is ingested as from any device (it is
        // sealed to this hub: refused, it would be lost), every kept record
        // flagged for review, and the 403 is this batch's receipt plus the
        // wipe order.
        const v1::IncidentRecord held = side.record();
        v1::IncidentRecord broken = side.record();
        broken.set_record_id("not-a-uuid");
        v1::SyncBatch after = side.batch();
        *after.add_records() = batch.records(0); // sent before the revocation
        *after.add_records() = side.builder.seal(held);
        *after.add_records() = side.builder.seal(broken);
        const qint64 quarantined = count("SELECT count(*) FROM quarantine");
        const Sent s = send(m_hub->url(), *device, after);
        QCOMPARE(s.reply.status, 403);
        QVERIFY(s.parsed);
        QVERIFY(s.receipt.policy().wipe());
        QCOMPARE(QString::fromStdString(s.receipt.hub_id()), m_hub->hubId());
        QCOMPARE(s.receipt.batch_id(), after.batch_id());
        QCOMPARE(s.receipt.results_size(), 3);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_DUPLICATE);
        QCOMPARE(s.receipt.results(1).result(), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(s.receipt.results(1).record_id(), held.record_id());
        QCOMPARE(s.receipt.results(2).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(count("SELECT count(*) FROM quarantine"), quarantined + 1);
        const QByteArray heldId = QByteArray::fromStdString(held.record_id());
        QCOMPARE(count(("SELECT count(*) FROM records WHERE flagged = 1 AND record_id = '" +
                        heldId + "' AND flags LIKE '%sent_by_revoked_device%'")
                           .constData()),
                 1);
        const QByteArray firstId = QByteArray::fromStdString(batch.records(0).record_id());
        QCOMPARE(count(("SELECT count(*) FROM records WHERE record_id = '" + firstId +
                        "' AND flags LIKE '%sent_by_revoked_device%'")
                           .constData()),
                 0);
        QCOMPARE(count(("SELECT count(*) FROM audit WHERE record_id = '" + heldId +
                        "' AND detail = 'sent_by_revoked_device'")
                           .constData()),
                 1);
        QCOMPARE(count("SELECT count(*) FROM audit WHERE event = 'device_revoked'"), 1);

        // Resending is idempotent and still answers with the wipe order.
        const Sent again = send(m_hub->url(), *device, after);
        QCOMPARE(again.reply.status, 403);
        QVERIFY(again.receipt.policy().wipe());
        QCOMPARE(again.receipt.results(1).result(), v1::RecordResult::RESULT_DUPLICATE);

        // A request that cannot be ingested still carries the wipe order.
        v1::SyncBatch foreign = side.batch();
        foreign.set_device_id("someone-else");
        const Sent refused = send(m_hub->url(), *device, foreign);
        QCOMPARE(refused.reply.status, 403);
        QVERIFY(refused.parsed);
        QVERIFY(refused.receipt.policy().wipe());
        QCOMPARE(refused.receipt.results_size(), 0);

        QCOMPARE(m_hub->cli(QStringLiteral("revoke-device"),
                            {QStringLiteral("--by"), HubProcess::kStaff, QStringLiteral("--device"),
                             QStringLiteral("no-such")}),
                 1);
    }

    void overloadAnswers503WithRetryAfter()
    {
        HubProcess hub(kHub);
        QVERIFY(hub.start({QStringLiteral("--plain-http"), QStringLiteral("--max-inflight"),
                           QStringLiteral("1")}));
        const auto device = enrol(hub.url(), hub.enrolmentCodes().first());
        QVERIFY(device);
        DeviceSide side(*device, 707);
        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(side.record());
        const QByteArray body = QByteArray::fromStdString(batch.SerializeAsString());

        // A slow device holds the only slot: headers sent, half the body.
        QTcpSocket slow;
        slow.connectToHost(hub.url().host(), quint16(hub.url().port()));
        QVERIFY(slow.waitForConnected(5000));
        slow.write("POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   "application/x-protobuf\r\nAuthorization: " +
                   device->authorization() +
                   "\r\nContent-Length: " + QByteArray::number(body.size()) +
                   "\r\nConnection: close\r\n\r\n" + body.left(body.size() / 2));
        QVERIFY(slow.waitForBytesWritten(5000));

        v1::SyncBatch empty = side.batch();
        HttpReply busy;
        for (int i = 0; i < 50 && busy.status != 503; ++i) {
            QTest::qWait(50);
            busy = send(hub.url(), *device, empty).reply;
        }
        QCOMPARE(busy.status, 503);
        QCOMPARE(busy.headers.value("retry-after"), QByteArray("5"));

        slow.write(body.mid(body.size() / 2));
        QByteArray response;
        while (slow.waitForReadyRead(5000))
            response += slow.readAll();
        const HttpReply done = RawHttp::parse(response);
        QCOMPARE(done.status, 200);
        QCOMPARE(send(hub.url(), *device, empty).reply.status, 200);
    }

    void tlsPinsDecideTrust()
    {
        HubProcess hub(kHub);
        QVERIFY2(hub.start({}), qPrintable(hub.stderrText())); // HTTPS by default
        QCOMPARE(hub.url().scheme(), QStringLiteral("https"));
        const auto code = syncwire::EnrolmentCode::parse(hub.enrolmentCodes().first());
        QVERIFY(code);
        const QString primary = QString::fromStdString(code->tls_pin_sha256());
        const QString backup = QString::fromStdString(code->backup_pin_sha256());

        // A device trusts exactly the pinned keys; the certificate is
        // self-signed, so only the chain errors that implies are ignored.
        auto connectPinned = [](const QUrl &url, const QStringList &pins) -> int {
            QSslSocket socket;
            socket.setPeerVerifyMode(QSslSocket::VerifyPeer);
            QObject::connect(&socket, &QSslSocket::sslErrors, &socket,
                             [&socket, &pins](const QList<QSslError> &errors) {
                                 const QSslCertificate cert = socket.peerCertificate();
                                 if (cert.isNull() || !pins.contains(pinOf(cert)))
                                     return;
                                 QList<QSslError> expected;
                                 for (const QSslError &e : errors) {
                                     if (e.error() == QSslError::SelfSignedCertificate ||
                                         e.error() == QSslError::HostNameMismatch ||
                                         e.error() == QSslError::CertificateUntrusted)
                                         expected.append(e);
                                 }
                                 socket.ignoreSslErrors(expected);
                             });
            socket.connectToHostEncrypted(url.host(), quint16(url.port()));
            if (!socket.waitForEncrypted(10000))
                return -1;
            if (!pins.contains(pinOf(socket.peerCertificate())))
                return -1;
            socket.write("GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n");
            QByteArray response;
            while (socket.waitForReadyRead(5000))
                response += socket.readAll();
            return RawHttp::parse(response).status;
        };
        QCOMPARE(connectPinned(hub.url(), {primary, backup}), 200);
        QCOMPARE(connectPinned(hub.url(), {primary}), 200);
        QCOMPARE(connectPinned(hub.url(),
                               {QStringLiteral("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")}),
                 -1);
        hub.stop();

        // Rotation: a certificate made from the offline backup key is trusted
        // by devices enrolled before it existed.
        const QString dir = hub.dataDir();
        const QString rotated = QDir(dir).filePath(QStringLiteral("rotated-cert.pem"));
        QProcess openssl;
        openssl.start(
            QStringLiteral("openssl"),
            {QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-x509"),
             QStringLiteral("-key"), QDir(dir).filePath(QStringLiteral("backup-tls-key.pem")),
             QStringLiteral("-subj"), QStringLiteral("/CN=safeguard-hub rotated"),
             QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-addext"),
             QStringLiteral("subjectAltName=IP:127.0.0.1"), QStringLiteral("-out"), rotated});
        QVERIFY(openssl.waitForFinished(20000));
        QCOMPARE(openssl.exitCode(), 0);
        QVERIFY(hub.start({QStringLiteral("--tls-cert"), rotated, QStringLiteral("--tls-key"),
                           QDir(dir).filePath(QStringLiteral("backup-tls-key.pem"))}));
        QCOMPARE(connectPinned(hub.url(), {primary, backup}), 200);
        QCOMPARE(connectPinned(hub.url(), {primary}), -1);
    }

    void plainHttpOnlyOnLoopback()
    {
        QByteArray err;
        HubProcess hub(kHub);
        QCOMPARE(hub.cli(QStringLiteral("serve"),
                         {QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0"),
                          QStringLiteral("--plain-http")},
                         nullptr, &err),
                 1);
        QVERIFY(err.contains("loopback"));
    }

    void listenTakesAnAddressNotAName()
    {
        QByteArray err;
        HubProcess hub(kHub);
        QCOMPARE(hub.cli(QStringLiteral("serve"),
                         {QStringLiteral("--listen"), QStringLiteral("localhost:0"),
                          QStringLiteral("--plain-http")},
                         nullptr, &err),
                 1);
        QVERIFY2(err.contains("not a name"), err.constData());
    }

    void enrolmentRefusesPlainHttpOffLoopback()
    {
        // Only strings inside a code: nothing is sent to any of these.
        auto enrolFor = [this](const QString &url, QByteArray *out, QByteArray *err) {
            return m_hub->cli(QStringLiteral("enrol-device"),
                              {QStringLiteral("--by"), HubProcess::kStaff,
                               QStringLiteral("--officer"), QStringLiteral("SYN-OFFICER-0001"),
                               QStringLiteral("--hub-url"), url},
                              out, err);
        };
        for (const QString &url :
             {QStringLiteral("http://192.0.2.10:8443"), QStringLiteral("http://localhost:8443"),
              QStringLiteral("http://hub.example:8443"),
              QStringLiteral("http://[::ffff:127.0.0.1]:8443")}) {
            QByteArray out, err;
            QCOMPARE(enrolFor(url, &out, &err), 64);
            QVERIFY2(err.contains("loopback"), err.constData());
            QVERIFY(out.isEmpty());
        }
        for (const QString &url :
             {QStringLiteral("ftp://127.0.0.1/"), QStringLiteral("127.0.0.1")}) {
            QByteArray out;
            QCOMPARE(enrolFor(url, &out, nullptr), 64);
            QVERIFY(out.isEmpty());
        }
        for (const QString &url :
             {m_hub->url().toString(), QStringLiteral("http://127.45.6.7:8080"),
              QStringLiteral("http://[::1]:8443"), QStringLiteral("https://192.0.2.10:8443"),
              QStringLiteral("https://hub.example:8443")}) {
            QByteArray out, err;
            QCOMPARE(enrolFor(url, &out, &err), 0);
            const auto code = syncwire::EnrolmentCode::parse(QString::fromLatin1(out).trimmed());
            QVERIFY2(code, err.constData());
            QCOMPARE(QString::fromStdString(code->hub_url()), url);
        }
    }

    void staffCommandsNeedBy()
    {
        const QList<QStringList> commands = {
            {QStringLiteral("enrol-device"), QStringLiteral("--officer"),
             QStringLiteral("SYN-OFFICER-0001"), QStringLiteral("--hub-url"),
             m_hub->url().toString()},
            {QStringLiteral("revoke-device"), QStringLiteral("--device"),
             QStringLiteral("no-such-device")},
            {QStringLiteral("stats")},
            {QStringLiteral("records"), QStringLiteral("--officer"),
             QStringLiteral("SYN-OFFICER-0001")},
            {QStringLiteral("alerts")},
        };
        const char *staffRows = "SELECT count(*) FROM audit WHERE event = 'staff_action'";
        const qint64 audited = count(staffRows);
        for (const QStringList &c : commands) {
            QByteArray out, err;
            QCOMPARE(m_hub->cli(c.first(), c.mid(1), &out, &err), 64);
            QVERIFY2(err.contains("--by NAME"), err.constData());
            QVERIFY(out.isEmpty());
            for (const QString &by :
                 {QString(), QStringLiteral("   "), QString(101, QLatin1Char('x')),
                  QStringLiteral("tab\there"), QStringLiteral("new\nline")}) {
                QCOMPARE(m_hub->cli(c.first(), c.mid(1) + QStringList{QStringLiteral("--by"), by},
                                    &out, &err),
                         64);
                QVERIFY2(err.contains("--by"), err.constData());
                QVERIFY(out.isEmpty());
            }
        }
        QCOMPARE(count(staffRows), audited);
        // Up to 100 characters, in any script.
        QCOMPARE(m_hub->cli(QStringLiteral("stats"),
                            {QStringLiteral("--by"), QString(100, QLatin1Char('x'))}),
                 0);
        QCOMPARE(m_hub->cli(QStringLiteral("stats"),
                            {QStringLiteral("--by"), QStringLiteral("PC Åsa Øberg SYNTHETIC")}),
                 0);
        QCOMPARE(count(staffRows), audited + 2);
    }

    void staffActionsAreAuditedWithWhoDidThem()
    {
        HubProcess hub(kHub);
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QString issuer = QStringLiteral("Sgt SYNTHETIC Issuer");
        QByteArray out;
        QCOMPARE(hub.cli(QStringLiteral("enrol-device"),
                         {QStringLiteral("--by"), issuer, QStringLiteral("--officer"),
                          QStringLiteral("SYN-OFFICER-0002"), QStringLiteral("--hub-url"),
                          hub.url().toString(), QStringLiteral("--count"), QStringLiteral("2"),
                          QStringLiteral("--expires-in"), QStringLiteral("600")},
                         &out),
                 0);
        const QStringList codes =
            QString::fromLatin1(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(codes.size(), 2);
        const auto device = enrol(hub.url(), codes.first());
        QVERIFY(device);
        QCOMPARE(hub.cli(QStringLiteral("revoke-device"),
                         {QStringLiteral("--by"), QStringLiteral("Insp SYNTHETIC Revoker"),
                          QStringLiteral("--device"), device->deviceId}),
                 0);
        QCOMPARE(hub.cli(QStringLiteral("stats"),
                         {QStringLiteral("--by"), QStringLiteral("SYNTHETIC Reader")}),
                 0);

        auto db = sql::Database::open(QDir(hub.dataDir()).filePath(QStringLiteral("hub.db")),
                                      sql::Database::OpenMode::ReadOnly, nullptr);
        QVERIFY(db);
        auto rows = db->prepare("SELECT detail, device_id, record_id FROM audit WHERE event = "
                                "'staff_action' ORDER BY id");
        QStringList texts;
        QList<QJsonObject> details;
        while (rows.step()) {
            QVERIFY(rows.columnIsNull(1) && rows.columnIsNull(2));
            texts.append(rows.columnText(0));
            details.append(QJsonDocument::fromJson(texts.last().toUtf8()).object());
        }
        QCOMPARE(details.size(), 3);
        const QJsonObject issued = details[0];
        QCOMPARE(issued.value(QStringLiteral("by")).toString(), issuer);
        QCOMPARE(issued.value(QStringLiteral("action")).toString(), QStringLiteral("enrol-device"));
        QCOMPARE(issued.value(QStringLiteral("officer_id")).toString(),
                 QStringLiteral("SYN-OFFICER-0002"));
        QCOMPARE(issued.value(QStringLiteral("count")).toInt(), 2);
        QCOMPARE(issued.value(QStringLiteral("expires_in_secs")).toInt(), 600);
        const qint64 expiresAt = qint64(issued.value(QStringLiteral("expires_at_ms")).toDouble());
        const auto last = syncwire::EnrolmentCode::parse(codes.last());
        QVERIFY(last);
        QCOMPARE(expiresAt, last->expires_at_unix_ms());
        QCOMPARE(issued.keys().size(), 6);
        QCOMPARE(details[1].value(QStringLiteral("by")).toString(),
                 QStringLiteral("Insp SYNTHETIC Revoker"));
        QCOMPARE(details[1].value(QStringLiteral("action")).toString(),
                 QStringLiteral("revoke-device"));
        QCOMPARE(details[1].value(QStringLiteral("device_id")).toString(), device->deviceId);
        QCOMPARE(details[1].value(QStringLiteral("found")).toBool(), true);
        QCOMPARE(details[2].value(QStringLiteral("by")).toString(),
                 QStringLiteral("SYNTHETIC Reader"));
        QCOMPARE(details[2].value(QStringLiteral("action")).toString(), QStringLiteral("stats"));
        // Never a code or its secret.
        for (const QString &code : codes) {
            const auto parsed = syncwire::EnrolmentCode::parse(code);
            QVERIFY(parsed);
            const QByteArray secret = QByteArray::fromStdString(parsed->secret());
            for (const QString &text : texts) {
                QVERIFY(!text.contains(QLatin1String("SGE1")));
                for (const QByteArray &form : {secret.toHex(), secret.toBase64(),
                                               secret.toBase64(QByteArray::Base64UrlEncoding |
                                                               QByteArray::OmitTrailingEquals)})
                    QVERIFY(!text.contains(QString::fromLatin1(form)));
            }
        }
    }

    void coreDumpsAreOff()
    {
        HubProcess hub(kHub);
        hub.setChildSetup(dropFromBoundingSet);
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const qint64 pid = hub.processId();

        // The core size limit, as the kernel reports it from outside.
        QFile limits(QStringLiteral("/proc/%1/limits").arg(pid));
        QVERIFY(limits.open(QIODevice::ReadOnly));
        QStringList core;
        for (const QByteArray &line : limits.readAll().split('\n')) {
            if (line.startsWith("Max core file size"))
                core = QString::fromLatin1(line).simplified().split(QLatin1Char(' '));
        }
        QCOMPARE(core.value(4), QStringLiteral("0")); // soft
        QCOMPARE(core.value(5), QStringLiteral("0")); // hard

        // Non-dumpable, seen from outside: a process that is dumpable and
        // started the same way can be read; the hub cannot.
        QProcess dumpable;
        dumpable.setChildProcessModifier(dropFromBoundingSet);
        dumpable.start(QStringLiteral("sleep"), {QStringLiteral("30")});
        QVERIFY(dumpable.waitForStarted(5000));
        const bool controlReadable = memOpenableWithoutPtrace(dumpable.processId());
        dumpable.kill();
        dumpable.waitForFinished(5000);
        const bool hubReadable = memOpenableWithoutPtrace(pid);

        // And what the hub read back from the kernel, in its log.
        hub.stop();
        QJsonObject hardened;
        for (const QString &line : hub.stderrText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            if (o.value(QStringLiteral("event")).toString() == QLatin1String("process_hardened"))
                hardened = o;
        }
        QVERIFY2(!hardened.isEmpty(), qPrintable(hub.stderrText()));
        QCOMPARE(hardened.value(QStringLiteral("dumpable")).toInt(-1), 0);
        QCOMPARE(hardened.value(QStringLiteral("core_limit")).toInt(-1), 0);
        QCOMPARE(hardened.value(QStringLiteral("core_limit_max")).toInt(-1), 0);

        if (!controlReadable)
            QSKIP("this kernel lets no process open another's memory here; the dumpable flag "
                  "was checked through the hub's own log only");
        QVERIFY(!hubReadable);
    }

    void otherDatabasesAreNotImplementedYet()
    {
        QByteArray err;
        QCOMPARE(
            m_hub->cli(QStringLiteral("stats"),
                       {QStringLiteral("--by"), HubProcess::kStaff, QStringLiteral("--database"),
                        QStringLiteral("postgresql://127.0.0.1/hub")},
                       nullptr, &err),
            1);
        QVERIFY2(err.contains("not implemented yet: postgresql"), err.constData());
    }

    void dataDirectoryIsPrivate()
    {
        QCOMPARE(mode(m_hub->dataDir()), 0700);
        const QFileInfoList files = QDir(m_hub->dataDir()).entryInfoList(QDir::Files);
        QVERIFY(files.size() >= 8);
        for (const QFileInfo &f : files)
            QVERIFY2(mode(f.filePath()) == 0600, qPrintable(f.fileName()));
    }

    // Officer B's device cannot add a version to officer A's record: the
    // same id from B is B's own record, listed under B, flagged and never a
    // version of A's.
    void anotherOfficerCannotAddAVersion()
    {
        auto b = deviceFor(QStringLiteral("SYN-OFFICER-B1"));
        QVERIFY(b);
        DeviceSide sideA(m_device, 1001), sideB(*b, 1002);
        const v1::IncidentRecord mine = sideA.record();
        QCOMPARE(sendOne(m_device, sideA, mine), v1::RecordResult::RESULT_ACCEPTED);

        v1::IncidentRecord forged = amendmentOf(mine, "SYNTHETIC forged amendment");
        forged.set_officer_id(b->officerId.toStdString());
        forged.set_device_id(b->deviceId.toStdString());
        QCOMPARE(sendOne(*b, sideB, forged), v1::RecordResult::RESULT_ACCEPTED);

        const QString id = QString::fromStdString(mine.record_id());
        const auto ownerA =
            listing(QStringLiteral("records"), {QStringLiteral("--officer"), m_device.officerId});
        QList<QJsonObject> aRows;
        for (const auto &r : ownerA)
            if (r.value(QStringLiteral("record_id")).toString() == id)
                aRows.append(r);
        QCOMPARE(aRows.size(), 1); // A's record has its one version only
        QCOMPARE(aRows.first().value(QStringLiteral("version")).toInt(), 1);
        QCOMPARE(aRows.first().value(QStringLiteral("device_id")).toString(), m_device.deviceId);
        QVERIFY(flagsOf(aRows.first()).contains(QStringLiteral("record_id_collision")));
        const QJsonObject bRow =
            only(listing(QStringLiteral("records"), {QStringLiteral("--officer"), b->officerId}));
        QCOMPARE(bRow.value(QStringLiteral("record_id")).toString(), id);
        QCOMPARE(bRow.value(QStringLiteral("version")).toInt(), 2);
        QCOMPARE(bRow.value(QStringLiteral("device_id")).toString(), b->deviceId);
        const QStringList bFlags = flagsOf(bRow);
        QVERIFY(bFlags.contains(QStringLiteral("record_id_collision")));
        QVERIFY(bFlags.contains(QStringLiteral("parent_missing"))); // B holds no version 1

        // Who listed whose records is in the audit.
        QVERIFY(count("SELECT count(*) FROM audit WHERE event = 'staff_action' AND detail LIKE "
                      "'%\"action\":\"records\"%' AND detail LIKE '%SYN-OFFICER-B1%'") >= 1);

        // A's own amendment is still A's version 2, accepted, not a conflict.
        const v1::IncidentRecord amended = amendmentOf(mine, "SYNTHETIC genuine amendment");
        QCOMPARE(sendOne(m_device, sideA, amended), v1::RecordResult::RESULT_ACCEPTED);
    }

    // B pre-empts a record A has submitted but not synced (record ids are
    // not secret). A's genuine record then arrives ACCEPTED, both copies are
    // flagged, and one alert names both devices.
    void preemptingCopyDoesNotDisplaceTheAuthor()
    {
        auto b = deviceFor(QStringLiteral("SYN-OFFICER-B2"));
        QVERIFY(b);
        DeviceSide sideA(m_device, 1101), sideB(*b, 1102);
        const v1::IncidentRecord genuine = sideA.record();
        v1::IncidentRecord preempt = sideB.record();
        preempt.set_record_id(genuine.record_id());
        const qint64 collisionsBefore =
            m_hub->stats().value(QStringLiteral("record_id_collisions")).toInt();

        QCOMPARE(sendOne(*b, sideB, preempt), v1::RecordResult::RESULT_ACCEPTED);
        QCOMPARE(sendOne(m_device, sideA, genuine), v1::RecordResult::RESULT_ACCEPTED);
        // Sent again, each is a duplicate of its own sender's copy.
        QCOMPARE(sendOne(m_device, sideA, genuine), v1::RecordResult::RESULT_DUPLICATE);
        QCOMPARE(sendOne(*b, sideB, preempt), v1::RecordResult::RESULT_DUPLICATE);

        const QString id = QString::fromStdString(genuine.record_id());
        int copies = 0;
        for (const auto &r :
             listing(QStringLiteral("records"),
                     {QStringLiteral("--flag"), QStringLiteral("record_id_collision")})) {
            if (r.value(QStringLiteral("record_id")).toString() != id)
                continue;
            ++copies;
            const QString owner = r.value(QStringLiteral("officer_id")).toString();
            QVERIFY(owner == m_device.officerId || owner == b->officerId);
            QCOMPARE(r.value(QStringLiteral("device_id")).toString(),
                     owner == b->officerId ? b->deviceId : m_device.deviceId);
        }
        QCOMPARE(copies, 2);

        QList<QJsonObject> alerts;
        for (const auto &a : listing(QStringLiteral("alerts")))
            if (a.value(QStringLiteral("record_id")).toString() == id)
                alerts.append(a);
        QCOMPARE(alerts.size(), 1);
        const QJsonObject &alert = alerts.first();
        QCOMPARE(alert.value(QStringLiteral("kind")).toString(),
                 QStringLiteral("record_id_collision"));
        QCOMPARE(alert.value(QStringLiteral("device_id")).toString(), m_device.deviceId);
        QCOMPARE(alert.value(QStringLiteral("officer_id")).toString(), m_device.officerId);
        QCOMPARE(alert.value(QStringLiteral("other_device_id")).toString(), b->deviceId);
        QCOMPARE(alert.value(QStringLiteral("other_officer_id")).toString(), b->officerId);
        QCOMPARE(m_hub->stats().value(QStringLiteral("record_id_collisions")).toInt(),
                 collisionsBefore + 1);
    }

    // A record that names another officer, or a device that is not one of
    // the sender's officer's, is refused, quarantined and alerted.
    void noDeviceCanClaimAnotherOfficer()
    {
        auto b = deviceFor(QStringLiteral("SYN-OFFICER-B3"));
        QVERIFY(b);
        DeviceSide sideB(*b, 1201);
        const QJsonObject before = m_hub->stats();
        v1::IncidentRecord claimsA = sideB.record();
        claimsA.set_officer_id(m_device.officerId.toStdString());
        std::string reason;
        QCOMPARE(sendOne(*b, sideB, claimsA, &reason), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(reason, std::string("attribution_mismatch"));
        v1::IncidentRecord claimsADevice = sideB.record();
        claimsADevice.set_device_id(m_device.deviceId.toStdString());
        reason.clear();
        QCOMPARE(sendOne(*b, sideB, claimsADevice, &reason), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(reason, std::string("attribution_mismatch"));

        const QJsonObject after = m_hub->stats();
        QCOMPARE(after.value(QStringLiteral("attribution_refusals")).toInt(),
                 before.value(QStringLiteral("attribution_refusals")).toInt() + 2);
        QCOMPARE(after.value(QStringLiteral("rejected_records")).toInt(),
                 before.value(QStringLiteral("rejected_records")).toInt() + 2);
        int alerted = 0;
        for (const auto &a : listing(QStringLiteral("alerts")))
            if (a.value(QStringLiteral("kind")).toString() ==
                    QLatin1String("attribution_mismatch") &&
                a.value(QStringLiteral("device_id")).toString() == b->deviceId)
                ++alerted;
        QCOMPARE(alerted, 2);
        // Nothing was stored under either officer.
        for (const auto &r :
             listing(QStringLiteral("records"), {QStringLiteral("--device"), b->deviceId}))
            QVERIFY(r.value(QStringLiteral("record_id")).toString() !=
                        QString::fromStdString(claimsA.record_id()) &&
                    r.value(QStringLiteral("record_id")).toString() !=
                        QString::fromStdString(claimsADevice.record_id()));
    }

    // A replacement device of the same officer amends the officer's record
    // with no extra step; the hub says it was written on another device
    // only when the record names one.
    void replacementDeviceAmendsTheOfficersRecord()
    {
        const QStringList codes = m_hub->enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);
        auto replacement = enrol(m_hub->url(), codes.first());
        QVERIFY(replacement);
        QCOMPARE(replacement->officerId, m_device.officerId);
        DeviceSide old(m_device, 1301), fresh(*replacement, 1302);
        const v1::IncidentRecord original = old.record();
        QCOMPARE(sendOne(m_device, old, original), v1::RecordResult::RESULT_ACCEPTED);
        v1::IncidentRecord amended = amendmentOf(original, "SYNTHETIC amended on a new device");
        amended.set_device_id(replacement->deviceId.toStdString());
        QCOMPARE(sendOne(*replacement, fresh, amended), v1::RecordResult::RESULT_ACCEPTED);
        // The old device's record, delivered by the new one (re-enrolled).
        v1::IncidentRecord writtenOnOld = old.record();
        QCOMPARE(sendOne(*replacement, fresh, writtenOnOld), v1::RecordResult::RESULT_ACCEPTED);

        QList<QJsonObject> versions;
        for (const auto &r :
             listing(QStringLiteral("records"), {QStringLiteral("--officer"), m_device.officerId}))
            if (r.value(QStringLiteral("record_id")).toString() ==
                QString::fromStdString(original.record_id()))
                versions.append(r);
        QCOMPARE(versions.size(), 2);
        QCOMPARE(versions[0].value(QStringLiteral("version")).toInt(), 2); // newest first
        QCOMPARE(versions[0].value(QStringLiteral("device_id")).toString(), replacement->deviceId);
        QVERIFY(flagsOf(versions[0]).isEmpty());
        QCOMPARE(versions[1].value(QStringLiteral("version")).toInt(), 1);
        const QJsonObject carried = only([&] {
            QList<QJsonObject> rows;
            for (const auto &r : listing(QStringLiteral("records"),
                                         {QStringLiteral("--device"), replacement->deviceId}))
                if (r.value(QStringLiteral("record_id")).toString() ==
                    QString::fromStdString(writtenOnOld.record_id()))
                    rows.append(r);
            return rows;
        }());
        QCOMPARE(flagsOf(carried), QStringList{QStringLiteral("written_on_other_device")});
    }

    // Lanes may deliver version 2 before version 1: it is stored, flagged
    // parent_missing and counted as orphaned until its parent arrives.
    void parentMissingIsSetAndCleared()
    {
        DeviceSide side(m_device, 1401);
        const v1::IncidentRecord first = side.record();
        const v1::IncidentRecord second = amendmentOf(first, "SYNTHETIC second thoughts");
        const int orphansBefore = m_hub->stats().value(QStringLiteral("orphaned_versions")).toInt();
        QCOMPARE(sendOne(m_device, side, second), v1::RecordResult::RESULT_ACCEPTED);
        auto row = [&](int version) {
            for (const auto &r : listing(QStringLiteral("records"),
                                         {QStringLiteral("--officer"), m_device.officerId}))
                if (r.value(QStringLiteral("record_id")).toString() ==
                        QString::fromStdString(first.record_id()) &&
                    r.value(QStringLiteral("version")).toInt() == version)
                    return r;
            return QJsonObject();
        };
        QCOMPARE(flagsOf(row(2)), QStringList{QStringLiteral("parent_missing")});
        QCOMPARE(m_hub->stats().value(QStringLiteral("orphaned_versions")).toInt(),
                 orphansBefore + 1);
        QCOMPARE(sendOne(m_device, side, first), v1::RecordResult::RESULT_ACCEPTED);
        QVERIFY(flagsOf(row(2)).isEmpty());
        QVERIFY(flagsOf(row(1)).isEmpty());
        QCOMPARE(m_hub->stats().value(QStringLiteral("orphaned_versions")).toInt(), orphansBefore);
    }

    // A sealed blob copied from one device's outbox does not open when
    // another device sends it, even another device of the same officer (its
    // session is signed by the first device's key, for the first device);
    // and crypto_box_seal (scheme 0), which binds nothing, is not opened.
    void replayedSealsAndSchemeZeroAreRefused()
    {
        DeviceSide sideA(m_device, 1501);
        const v1::IncidentRecord record = sideA.record();
        const v1::RecordEnvelope copied = sideA.builder.seal(record);
        const QStringList codes = m_hub->enrolmentCodes(1);
        auto sameOfficer = enrol(m_hub->url(), codes.value(0));
        QVERIFY(sameOfficer);
        auto otherOfficer = deviceFor(QStringLiteral("SYN-OFFICER-B4"));
        QVERIFY(otherOfficer);
        for (const EnrolledDevice *thief : {&*sameOfficer, &*otherOfficer}) {
            DeviceSide side(*thief, 1502);
            v1::SyncBatch batch = side.batch();
            *batch.add_records() = copied;
            const Sent s = send(m_hub->url(), *thief, batch);
            QCOMPARE(s.reply.status, 200);
            QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
            QCOMPARE(s.receipt.results(0).reasons(0).code(), std::string("bad_signature"));
        }

        const QByteArray plain = QByteArray::fromStdString(record.SerializeAsString());
        std::string sealed(size_t(plain.size()) + crypto_box_SEALBYTES, '\0');
        crypto_box_seal(
            reinterpret_cast<unsigned char *>(sealed.data()),
            reinterpret_cast<const unsigned char *>(plain.constData()), quint64(plain.size()),
            reinterpret_cast<const unsigned char *>(m_device.code.sealing_public_key().data()));
        v1::RecordEnvelope legacy = copied;
        legacy.set_seal_scheme(v1::SEAL_SCHEME_UNSPECIFIED);
        legacy.set_sealed(sealed);
        v1::SyncBatch batch = sideA.batch();
        *batch.add_records() = legacy;
        const Sent s = send(m_hub->url(), m_device, batch);
        QCOMPARE(s.receipt.results(0).result(), v1::RecordResult::RESULT_REJECTED);
        QCOMPARE(s.receipt.results(0).reasons(0).code(), std::string("unsealable"));
        // The hub tells devices it opens the session scheme only.
        QCOMPARE(s.receipt.policy().seal_schemes_size(), 1);
        QCOMPARE(s.receipt.policy().seal_schemes(0), v1::SEAL_SCHEME_SESSION_XCHACHA20);
        // And the author's own copy still arrives.
        QCOMPARE(sendOne(m_device, sideA, record), v1::RecordResult::RESULT_ACCEPTED);
    }

    void statsCountEverything()
    {
        const QJsonObject s = m_hub->stats();
        for (const char *key :
             {"devices", "records", "versions", "flagged", "rejected_records", "rejected_requests",
              "conflicts", "record_id_collisions", "attribution_refusals", "orphaned_versions"})
            QVERIFY2(s.contains(QLatin1String(key)), key);
        QVERIFY(s.value(QStringLiteral("versions")).toInt() >
                s.value(QStringLiteral("records")).toInt());
        QVERIFY(s.value(QStringLiteral("devices")).toInt() >= 3);
    }

    // What the devices sent reaches the picture behind ingest: the queue
    // drains (the lag is shown while it does), and the children and adults
    // in those records are counted. Waits on the hub's own numbers, never
    // a fixed sleep.
    void recordsReachThePictureBehindIngest()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_hub->stats().value(QStringLiteral("picture_queued")).toInt(), 0,
                                  30000);
        const QJsonObject s = m_hub->stats();
        for (const char *key :
             {"children", "adults", "match_proposals", "rules_triggered", "picture_lag_seconds"})
            QVERIFY2(s.contains(QLatin1String(key)), key);
        QVERIFY(s.value(QStringLiteral("children")).toInt() > 0);
        QVERIFY(s.value(QStringLiteral("adults")).toInt() > 0);
        QCOMPARE(s.value(QStringLiteral("picture_lag_seconds")).toInt(), 0);
        QVERIFY(QFile::exists(QDir(m_hub->dataDir()).filePath(QStringLiteral("picture.db"))));
    }

    // A force's own instrument, loaded through hub policy: a broken one
    // stops the hub with its reason; a loaded one is what records answered
    // on it are checked and scored on, by the device's own code, and the
    // child's chronology says the level and which trigger set it.
    void aForceInstrumentIsScoredAtTheHubByTheDevicesCode()
    {
        QTemporaryDir policy;
        QFile bad(policy.filePath(QStringLiteral("broken.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"format": "safeguard.risk_checklist/2", "id": "x", "version": 1})");
        bad.close();
        HubProcess refused(kHub);
        QVERIFY(!refused.start(
            {QStringLiteral("--plain-http"), QStringLiteral("--risk-checklist"), bad.fileName()}));
        QVERIFY2(refused.stderrText().contains(QLatin1String("--risk-checklist")),
                 qPrintable(refused.stderrText()));

        const protocol::RiskChecklist dara =
            protocol::RiskChecklist::builtIn(QStringLiteral("dara-shaped-illustrative-v1.json"));
        QFile file(policy.filePath(QStringLiteral("dara.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(dara.canonicalJson());
        file.close();
        HubProcess hub(kHub);
        QVERIFY2(hub.start({QStringLiteral("--plain-http"), QStringLiteral("--staff-listen"),
                            QStringLiteral("127.0.0.1:0"), QStringLiteral("--risk-checklist"),
                            file.fileName()}),
                 qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);
        const auto device = enrol(hub.url(), codes.first());
        QVERIFY(device);
        DeviceSide side(*device, 5151);
        QVERIFY(!side.checklists.add(dara)); // the device has it too: current for new records
        side.factory.setFormVersion(2);
        v1::IncidentRecord r = side.record();
        while (r.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE)
            r = side.record();
        QCOMPARE(QString::fromStdString(r.risk().checklist_id()), dara.id());
        // Strangulation answered yes: the trigger sets high, whatever the
        // officer's own grade.
        for (v1::RiskAnswer &a : *r.mutable_risk()->mutable_answers())
            if (a.question_id() == "strangulation")
                a.set_answer(v1::ANSWER_YES);
        r.mutable_risk()->set_judgement_level(v1::RISK_LEVEL_HIGH);
        r.mutable_referrals()->set_marac_referral(true);
        const protocol::RiskScore onDevice = dara.scoreRecord(r);
        QCOMPARE(onDevice.finalLevel, v1::RISK_LEVEL_HIGH);
        QVERIFY(onDevice.firedRuleIds.contains(QStringLiteral("strangulation")));

        v1::SyncBatch batch = side.batch();
        *batch.add_records() = side.builder.seal(r);
        const Sent sent = send(hub.url(), *device, batch);
        QCOMPARE(sent.reply.status, 200);
        QCOMPARE(sent.receipt.results(0).result(), v1::RecordResult::RESULT_ACCEPTED);
        QTRY_COMPARE_WITH_TIMEOUT(hub.stats().value(QStringLiteral("picture_queued")).toInt(), 0,
                                  30000);
        // Known to the hub: no "unknown checklist" flag on it.
        const QJsonObject listed = only([&] {
            QByteArray out;
            hub.cli(QStringLiteral("records"), {QStringLiteral("--by"), HubProcess::kStaff}, &out);
            QList<QJsonObject> rows;
            for (const QByteArray &line : out.split('\n'))
                if (!line.trimmed().isEmpty())
                    rows.append(QJsonDocument::fromJson(line).object());
            return rows;
        }());
        QVERIFY2(!flagsOf(listed).contains(QStringLiteral("unknown_checklist")),
                 qPrintable(flagsOf(listed).join(u',')));

        const auto get = [](const QUrl &base, const QByteArray &path) {
            return RawHttp::exchange(base, "GET " + path +
                                               " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Connection: close\r\n\r\n");
        };
        const QJsonArray children =
            QJsonDocument::fromJson(get(hub.staffUrl(), "/staff/v1/children").body)
                .object()
                .value(QStringLiteral("children"))
                .toArray();
        QVERIFY(!children.isEmpty());
        const QByteArray key =
            children.first().toObject().value(QStringLiteral("person_key")).toString().toLatin1();
        const QJsonObject report =
            QJsonDocument::fromJson(get(hub.staffUrl(), "/staff/v1/children/" + key).body)
                .object()
                .value(QStringLiteral("chronology"))
                .toArray()
                .first()
                .toObject();
        QCOMPARE(report.value(QStringLiteral("risk_level")).toString(),
                 QStringLiteral("risk_level_high"));
        QCOMPARE(report.value(QStringLiteral("risk_reasons")).toArray().first().toString(),
                 onDevice.reasons.first());
        QCOMPARE(report.value(QStringLiteral("risk_outcome")).toString(), QString());
    }

    // The staff API on its own loopback listener: the children with their
    // chronology and concerns, the proposals; the devices' port answers 404
    // to every staff route; a staff listener off loopback is refused.
    void theStaffApiIsOnItsOwnLoopbackListener()
    {
        HubProcess refused(kHub);
        QVERIFY(!refused.start({QStringLiteral("--plain-http"), QStringLiteral("--staff-listen"),
                                QStringLiteral("0.0.0.0:0")}));
        QVERIFY(refused.stderrText().contains(QLatin1String("loopback")));
        // The force's policy files are checked before anything listens.
        QTemporaryDir policy;
        QFile bad(policy.filePath(QStringLiteral("rules.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"format": 1, "version": "x", "rules": {"grade_or_frequncy": {}}})");
        bad.close();
        HubProcess misspelt(kHub);
        QVERIFY(!misspelt.start(
            {QStringLiteral("--plain-http"), QStringLiteral("--rules-file"), bad.fileName()}));
        QVERIFY2(misspelt.stderrText().contains(QLatin1String("--rules-file")),
                 qPrintable(misspelt.stderrText()));

        HubProcess hub(kHub);
        QVERIFY2(hub.start({QStringLiteral("--plain-http"), QStringLiteral("--staff-listen"),
                            QStringLiteral("127.0.0.1:0")}),
                 qPrintable(hub.stderrText()));
        QVERIFY(hub.staffUrl().isValid());
        QVERIFY(hub.staffUrl().port() != hub.url().port());
        const QStringList codes = hub.enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);
        const auto device = enrol(hub.url(), codes.first());
        QVERIFY(device);
        DeviceSide side(*device, 4242);
        side.factory.setFormVersion(2);
        v1::SyncBatch batch = side.batch();
        for (int i = 0; i < 3; ++i)
            *batch.add_records() = side.builder.seal(side.record());
        QCOMPARE(send(hub.url(), *device, batch).reply.status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(hub.stats().value(QStringLiteral("picture_queued")).toInt(), 0,
                                  30000);

        auto get = [](const QUrl &base, const QByteArray &path) {
            return RawHttp::exchange(base, "GET " + path +
                                               " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Connection: close\r\n\r\n");
        };
        const HttpReply list = get(hub.staffUrl(), "/staff/v1/children");
        QCOMPARE(list.status, 200);
        const QJsonObject page = QJsonDocument::fromJson(list.body).object();
        const QJsonArray children = page.value(QStringLiteral("children")).toArray();
        const int childCount = hub.stats().value(QStringLiteral("children")).toInt();
        QCOMPARE(children.size(), qMin(childCount, 100));
        QCOMPARE(page.value(QStringLiteral("total")).toInt(), childCount);
        QVERIFY(!children.isEmpty());
        const QJsonObject first = children.first().toObject();
        QVERIFY(
            first.value(QStringLiteral("name")).toString().contains(QLatin1String("SYNTHETIC")));
        const QByteArray key = first.value(QStringLiteral("person_key")).toString().toLatin1();

        const HttpReply one = get(hub.staffUrl(), "/staff/v1/children/" + key);
        QCOMPARE(one.status, 200);
        const QJsonObject child = QJsonDocument::fromJson(one.body).object();
        QCOMPARE(child.value(QStringLiteral("chronology")).toArray().size(),
                 first.value(QStringLiteral("reports")).toInt());
        const QJsonObject report =
            child.value(QStringLiteral("chronology")).toArray().first().toObject();
        for (const char *field :
             {"record_id", "occurred_at_utc", "grade", "grade_rationale", "presence", "seen",
              "spoken_to", "spoken_to_alone", "child_words", "demeanour", "ace_indicators",
              "ace_provenance", "ace_categories_so_far", "suspects", "household", "flags",
              "protection_notice"})
            QVERIFY2(report.contains(QLatin1String(field)), field);
        QVERIFY(child.contains(QStringLiteral("links")));
        QVERIFY(child.contains(QStringLiteral("concerns")));
        QCOMPARE(get(hub.staffUrl(), "/staff/v1/proposals").status, 200);
        const HttpReply due = get(hub.staffUrl(), "/staff/v1/encompass/due");
        QCOMPARE(due.status, 200);
        for (const QJsonValue &n : QJsonDocument::fromJson(due.body).array())
            QVERIFY(n.toObject().contains(QStringLiteral("due_at_utc")) &&
                    n.toObject().contains(QStringLiteral("notice_text")));
        QCOMPARE(
            get(hub.staffUrl(), "/staff/v1/children/00000000-0000-4000-8000-000000000000").status,
            404);
        QCOMPARE(get(hub.staffUrl(), "/v1/sync").status, 404);
        // A page whose name was rebound to loopback sends its own name.
        QCOMPARE(RawHttp::exchange(hub.staffUrl(), "GET /staff/v1/children HTTP/1.1\r\nHost: "
                                                   "rebound.example\r\nConnection: close\r\n\r\n")
                     .status,
                 421);
        QCOMPARE(
            RawHttp::post(hub.staffUrl(), "/staff/v1/children", "{}", "application/json").status,
            404);
        QCOMPARE(get(hub.staffUrl(), "/staff/v1/children?colour=red").status, 400);
        QCOMPARE(get(hub.staffUrl(), "/staff/v1/children?grade=purple").status, 400);
        // A filter keeps only what it names: every child listed with
        // ?grade=red has a red report.
        const QJsonArray red =
            QJsonDocument::fromJson(
                get(hub.staffUrl(), "/staff/v1/children?grade=red&limit=1000").body)
                .object()
                .value(QStringLiteral("children"))
                .toArray();
        for (const QJsonValue &c : red) {
            const QJsonObject detail =
                QJsonDocument::fromJson(
                    get(hub.staffUrl(),
                        "/staff/v1/children/" +
                            c.toObject().value(QStringLiteral("person_key")).toString().toLatin1())
                        .body)
                    .object();
            bool hasRed = false;
            for (const QJsonValue &r : detail.value(QStringLiteral("chronology")).toArray())
                hasRed = hasRed ||
                         r.toObject().value(QStringLiteral("grade")) == QLatin1String("grade_red");
            QVERIFY(hasRed);
        }

        // Staff decisions: JSON only, with an actor and a reason, audited.
        QJsonArray all =
            QJsonDocument::fromJson(get(hub.staffUrl(), "/staff/v1/children?limit=1000").body)
                .object()
                .value(QStringLiteral("children"))
                .toArray();
        QVERIFY(all.size() >= 2);
        const QString a = all[0].toObject().value(QStringLiteral("person_key")).toString();
        QString b;
        auto recordsOf = [&](const QString &k) {
            QSet<QString> ids;
            for (const QJsonValue &r :
                 QJsonDocument::fromJson(
                     get(hub.staffUrl(), "/staff/v1/children/" + k.toLatin1()).body)
                     .object()
                     .value(QStringLiteral("chronology"))
                     .toArray())
                ids.insert(r.toObject().value(QStringLiteral("record_id")).toString());
            return ids;
        };
        const QSet<QString> ofA = recordsOf(a);
        for (const QJsonValue &c : all) {
            const QString k = c.toObject().value(QStringLiteral("person_key")).toString();
            if (k != a && !recordsOf(k).intersects(ofA)) {
                b = k;
                break;
            }
        }
        QVERIFY(!b.isEmpty());
        const QByteArray mergeBody =
            QJsonDocument(QJsonObject{{QStringLiteral("survivor"), a},
                                      {QStringLiteral("absorbed"), b},
                                      {QStringLiteral("actor"), QStringLiteral("SYN-STAFF-1")},
                                      {QStringLiteral("reason"), QStringLiteral("checked")}})
                .toJson(QJsonDocument::Compact);
        QCOMPARE(RawHttp::post(hub.staffUrl(), "/staff/v1/merges", mergeBody, "text/plain").status,
                 415);
        QCOMPARE(RawHttp::post(hub.staffUrl(), "/staff/v1/merges",
                               R"({"survivor":")" + a.toLatin1() + R"(","absorbed":")" +
                                   b.toLatin1() + R"("})",
                               "application/json")
                     .status,
                 400);
        const HttpReply merged =
            RawHttp::post(hub.staffUrl(), "/staff/v1/merges", mergeBody, "application/json");
        QCOMPARE(merged.status, 200);
        QCOMPARE(hub.stats().value(QStringLiteral("children")).toInt(), childCount - 1);
        const qint64 mergeId =
            QJsonDocument::fromJson(merged.body).object().value(QStringLiteral("id")).toInteger();
        QCOMPARE(RawHttp::post(
                     hub.staffUrl(), "/staff/v1/merges/" + QByteArray::number(mergeId) + "/undo",
                     R"({"actor":"SYN-STAFF-2","reason":"not the same child"})", "application/json")
                     .status,
                 200);
        QCOMPARE(hub.stats().value(QStringLiteral("children")).toInt(), childCount);
        const QJsonArray trail =
            QJsonDocument::fromJson(get(hub.staffUrl(), "/staff/v1/audit").body).array();
        QCOMPARE(trail.size(), 2);
        QCOMPARE(trail[0].toObject().value(QStringLiteral("action")).toString(),
                 QStringLiteral("unmerge"));
        QCOMPARE(trail[0].toObject().value(QStringLiteral("actor")).toString(),
                 QStringLiteral("SYN-STAFF-2"));
        // The devices' port knows no staff route.
        for (const QByteArray &path :
             {QByteArray("/staff/v1/children"), "/staff/v1/children/" + key,
              QByteArray("/staff/v1/proposals"), QByteArray("/staff/v1/encompass/due"),
              QByteArray("/staff/v1/adults"), QByteArray("/staff/v1/audit")})
            QCOMPARE(get(hub.url(), path).status, 404);
        QCOMPARE(RawHttp::post(hub.url(), "/staff/v1/merges", mergeBody, "application/json").status,
                 404);
    }

    void logsHoldNoRecordContent()
    {
        m_hub->stop();
        const QString log = m_hub->stderrText();
        QVERIFY(log.contains(QLatin1String("batch_ingested")));
        QVERIFY(!log.contains(QLatin1String("SYNTHETIC")));
        QVERIFY(!log.contains(m_device.credential));
        for (const QString &line : log.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            QVERIFY2(!QJsonDocument::fromJson(line.toUtf8()).isNull(), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TestHub)
#include "tst_hub.moc"
