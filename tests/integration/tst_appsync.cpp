// The officer app end to end against a real hub on loopback: first run
// enrols with a code from the hub, a record written through the editor is
// submitted and reaches the hub while the app is locked, and the home screen
// then says it is on the hub.
#include "appcontrollers.h"
#include "fakeplatform.h"
#include "faultproxy.h"
#include "hubprocess.h"
#include "protocol/derivedfacts.h"
#include "protocol/syntheticrecords.h"
#include "synccontroller.h"
#include "wire/signing.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace safeguard;
using namespace safeguard::ui;

namespace {
const QString kPassphrase = QStringLiteral("SYNTHETIC orbit lantern meadow copper");

// The officer app on a fresh store, on the real clock and fake platform.
std::unique_ptr<AppControllers> newApp(const QTemporaryDir &dir)
{
    protocol::SystemClock &clock = protocol::SystemClock::instance();
    auto app = std::make_unique<AppControllers>(
        QDir(dir.path()).filePath(QStringLiteral("store")), clock,
        FirstRunController::enrolmentCodeCheck(clock), testing::fakePlatform());
    app->firstRun.setKdfParams(store::KdfLimits::kFloor);
    return app;
}

// First run with the code and a passphrase, then enrolment with the hub.
bool firstRun(AppControllers &app, const QString &code)
{
    if (!app.firstRun.submitCode(code) || !app.firstRun.finish(kPassphrase, kPassphrase))
        return false;
    return QTest::qWaitFor([&app] { return app.sync.isEnrolled(); }, 10000);
}
} // namespace

class TestAppSync : public QObject
{
    Q_OBJECT

private slots:
    void recordReachesTheHubAndHomeSaysSo()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QCOMPARE(codes.size(), 1);

        QTemporaryDir dir;
        protocol::SystemClock &clock = protocol::SystemClock::instance();
        const std::unique_ptr<AppControllers> made = newApp(dir);
        AppControllers &app = *made;

        // First run: the code from the hub, a passphrase; enrolment follows.
        QVERIFY(firstRun(app, codes.first()));
        QVERIFY(app.home.enrolmentProblem().isEmpty());

        // A complete record through the editor, then submit.
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(21, clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        const v1::IncidentRecord r = factory.next();
        QVERIFY(!app.session.recordStore()->saveDraft(r));
        QVERIFY(app.editor.open(QString::fromStdString(r.record_id())));
        QVERIFY(app.editor.submit());
        // Stamped with who submitted it, from the enrolment.
        const auto submitted =
            app.session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(submitted);
        QCOMPARE(QString::fromStdString(submitted.value().officer_id()),
                 QStringLiteral("SYN-OFFICER-0001"));
        QCOMPARE(QString::fromStdString(submitted.value().device_id()), app.sync.deviceId());

        // Locking does not stop the sending: it goes from the sealed outbox.
        app.session.lock();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        QCOMPARE(hub.stats().value(QStringLiteral("records")).toInt(), 1);

        // At unlock the store learns the receipt; home says it is on the hub.
        app.unlock.unlock(kPassphrase);
        QCOMPARE(app.session.state(), AppSession::State::Unlocked);
        app.home.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(app.home.allOnHub(), 5000);
        QVERIFY2(app.home.syncBanner().startsWith(QLatin1String("All records are on the hub")),
                 qPrintable(app.home.syncBanner()));
        QCOMPARE(app.home.records()->index(0).data(RecordListModel::StatusTextRole).toString(),
                 QStringLiteral("On the hub"));
    }

    // A force switches risk instrument without a new release: the hub
    // started with its own (--risk-checklist) hands it to the device at the
    // check-in, signed, and only to a device that lacks it; the app offers
    // it for new records from the next unlock (never under an open form);
    // a record answered on it is accepted by the hub, which scores it with
    // the same definition; a definition changed on the device's disk is
    // never offered; and when the hub withdraws it, new records go back to
    // the built-in DASH while drafts on the force's one still open on it.
    void aForceSwitchesRiskInstrumentWithoutANewRelease()
    {
        QTemporaryDir dir;
        const QString instrumentPath = QDir(dir.path()).filePath(QStringLiteral("force.json"));
        {
            QFile in(QStringLiteral(":/safeguard/checklists/dara-shaped-illustrative-v1.json"));
            QFile out(instrumentPath);
            QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
            out.write(in.readAll());
        }
        const QString forceId = QStringLiteral("dara-shaped-illustrative");
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start({QStringLiteral("--plain-http"), QStringLiteral("--risk-checklist"),
                            instrumentPath}),
                 qPrintable(hub.stderrText()));
        // Behind a proxy, so the hub can come back on another port.
        testing::FaultProxy proxy(quint16(hub.url().port()));
        const QStringList codes = hub.enrolmentCodes(2, {QStringLiteral("--hub-url"), proxy.url()});

        // What the hub sends: the definition, signed, unless the device
        // says it holds it.
        const auto raw = testing::enrol(hub.url(), codes[1]);
        QVERIFY(raw);
        auto status = [&](const QByteArray &query) {
            const QByteArray request =
                "GET /v1/device/status" + query +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + raw->authorization() +
                "\r\nConnection: close\r\n\r\n";
            const testing::HttpReply reply = testing::RawHttp::exchange(hub.url(), request);
            v1::SyncReceipt answer;
            if (reply.status != 200 ||
                !answer.ParseFromArray(reply.body.constData(), int(reply.body.size())))
                return v1::RiskInstrument();
            return answer.policy().risk_instrument();
        };
        // An app from before the field does not ask, and is sent no
        // definition it would only throw away.
        QVERIFY(status("").definition().empty());
        QVERIFY(!status("").sha256().empty());
        const v1::RiskInstrument sent = status("?risk_instrument=");
        QCOMPARE(QString::fromStdString(sent.checklist_id()), forceId);
        QVERIFY(!sent.definition().empty());
        QCOMPARE(QByteArray::fromStdString(sent.sha256()),
                 QCryptographicHash::hash(QByteArray::fromStdString(sent.definition()),
                                          QCryptographicHash::Sha256));
        QVERIFY(syncwire::signing::verifyInstrument(
            sent, hub.hubId().toStdString(),
            QByteArray::fromStdString(raw->code.hub_signing_public_key())));
        const QByteArray held =
            "?risk_instrument=" + QByteArray::fromStdString(sent.sha256()).toHex();
        const v1::RiskInstrument again = status(held);
        QVERIFY(again.definition().empty());
        QCOMPARE(again.sha256(), sent.sha256());
        QVERIFY(!status("?risk_instrument=00").definition().empty());
        QVERIFY(!status("?risk_instrument=" + QByteArray(64, 'a')).definition().empty());

        const std::unique_ptr<AppControllers> made = newApp(dir);
        AppControllers &app = *made;
        QSignalSpy changed(&app.sync, &syncclient::SyncEngine::riskChecklistsChanged);
        QVERIFY(firstRun(app, codes[0]));
        app.firstRun.goOn();
        app.sync.checkIn();
        QTRY_COMPARE_WITH_TIMEOUT(
            app.sync.riskChecklists().currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->id(), forceId,
            10000);
        QVERIFY(changed.count() >= 1);
        const int learnt = int(changed.count());
        // Not under the open store: the form asks what the store checks.
        QCOMPARE(app.session.checklists().currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->id(),
                 QStringLiteral("dash-2009"));
        app.session.lock();
        app.unlock.unlock(kPassphrase);
        QCOMPARE(app.session.state(), AppSession::State::Unlocked);
        QCOMPARE(app.session.checklists().currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->id(),
                 forceId);
        // The built-in ones stay, for records answered on them.
        QVERIFY(app.session.checklists().find(QStringLiteral("dash-2009"), 2));

        // A record answered on the force's instrument reaches the hub and is
        // accepted there (the hub checks and scores it on the same one).
        protocol::SyntheticRecordFactory factory(31, protocol::SystemClock::instance(),
                                                 app.session.checklists());
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        v1::IncidentRecord r = factory.next();
        for (int i = 0; i < 50 && r.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE; ++i)
            r = factory.next();
        QCOMPARE(QString::fromStdString(r.risk().checklist_id()), forceId);
        QVERIFY(!app.session.recordStore()->saveDraft(r));
        QVERIFY(app.editor.open(QString::fromStdString(r.record_id())));
        QVERIFY2(app.editor.submit(), qPrintable(app.editor.submitError()));
        app.session.lock();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        QCOMPARE(hub.stats().value(QStringLiteral("records")).toInt(), 1);
        QCOMPARE(app.sync.needsCorrectionCount(), 0);
        // Another, begun now and left a draft.
        app.unlock.unlock(kPassphrase);
        v1::IncidentRecord draft = factory.next();
        for (int i = 0; i < 50 && draft.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE; ++i)
            draft = factory.next();
        QCOMPARE(QString::fromStdString(draft.risk().checklist_id()), forceId);
        QVERIFY(!app.session.recordStore()->saveDraft(draft));

        // Checking in again changes nothing.
        app.sync.checkIn();
        QTRY_VERIFY(!app.sync.isCheckingIn());
        QCOMPARE(changed.count(), learnt);

        // A definition changed on the device's disk (its hash made to match,
        // as a new version so that nothing but the signature stands in the
        // way) is not the hub's, and is never offered.
        {
            v1::RiskInstrument forged = sent;
            std::string definition = forged.definition();
            const std::size_t at = definition.find("\"version\":1");
            QVERIFY(at != std::string::npos);
            definition.replace(at, 11, "\"version\":2");
            forged.set_definition(definition);
            forged.set_version(2);
            const QByteArray sha = QCryptographicHash::hash(QByteArray::fromStdString(definition),
                                                            QCryptographicHash::Sha256);
            forged.set_sha256(sha.toStdString());
            QVERIFY(std::holds_alternative<protocol::RiskChecklist>(
                protocol::RiskChecklist::fromJson(QByteArray::fromStdString(definition))));
            syncclient::SealedOutbox &outbox = *app.sync.outbox();
            const QByteArray genuine = outbox.currentRiskInstrument();
            QVERIFY(
                outbox
                    .keepRiskInstrument(sha, QByteArray::fromStdString(forged.SerializeAsString()))
                    .ok());
            QVERIFY(outbox.setCurrentRiskInstrument(sha).ok());
            const auto registry = app.sync.riskChecklists(); // read from the outbox
            QVERIFY(!registry.find(forceId, 2));
            QCOMPARE(registry.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->id(),
                     QStringLiteral("dash-2009"));
            QVERIFY(registry.find(forceId, 1)); // the genuine one, for its records
            QVERIFY(outbox.setCurrentRiskInstrument(genuine).ok());
        }

        // The force withdraws it: the hub restarts without it.
        hub.stop();
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        proxy.setUpstreamPort(quint16(hub.url().port()));
        app.sync.checkIn();
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), learnt + 1, 10000);
        app.session.lock();
        app.unlock.unlock(kPassphrase);
        QCOMPARE(app.session.checklists().currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE)->id(),
                 QStringLiteral("dash-2009"));
        // The draft begun on it still opens on it, keeps its answers, and the
        // hub, which keeps every instrument it published, takes it.
        QVERIFY(app.editor.open(QString::fromStdString(draft.record_id())));
        QCOMPARE(QString::fromStdString(app.editor.record().risk().checklist_id()), forceId);
        QCOMPARE(app.editor.record().risk().answers_size(), draft.risk().answers_size());
        QVERIFY2(app.editor.submit(), qPrintable(app.editor.submitError()));
        app.session.lock();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        QCOMPARE(hub.stats().value(QStringLiteral("records")).toInt(), 2);
        QCOMPARE(app.sync.needsCorrectionCount(), 0);
        // Published content never changes under its id and version.
        hub.stop();
        QFile changedFile(instrumentPath);
        QVERIFY(changedFile.open(QIODevice::ReadWrite));
        QByteArray text = changedFile.readAll();
        text.replace("ILLUSTRATIVE instrument", "CHANGED instrument");
        QVERIFY(changedFile.resize(0) && changedFile.write(text) == text.size());
        changedFile.close();
        QVERIFY(!hub.start(
            {QStringLiteral("--plain-http"), QStringLiteral("--risk-checklist"), instrumentPath}));
        QVERIFY2(hub.stderrText().contains(u"publish changes as a new version"),
                 qPrintable(hub.stderrText()));
    }

    // The sync page says what the hub said: with nothing waiting, Sync now
    // is an authenticated check-in and the page says when the hub answered;
    // a record held offline is counted as only on this device; the hub gone,
    // Sync now says it could not be reached; the hub's address and pin are
    // the enrolment's.
    void syncPageSaysWhatTheHubSaid()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        QTemporaryDir dir;
        const std::unique_ptr<AppControllers> made = newApp(dir);
        AppControllers &app = *made;
        QVERIFY(firstRun(app, hub.enrolmentCodes(1).first()));
        app.firstRun.goOn();
        SyncController &page = app.syncPage;
        QTRY_VERIFY_WITH_TIMEOUT(app.sync.isQuiescent() && !page.busy(), 10000);
        QCOMPARE(page.stateText(), QStringLiteral("Up to date"));
        QVERIFY(page.upToDate());
        QCOMPARE(page.hubAddress(), hub.url().toString().chopped(hub.url().path().size()));
        QVERIFY(!page.hubPin().isEmpty());
        QCOMPARE(page.officerId(), QStringLiteral("SYN-OFFICER-0001"));
        QVERIFY2(page.riskInstrument().contains(u"built into the app"),
                 qPrintable(page.riskInstrument()));

        const qint64 checkInsBefore = app.sync.stats().checkIns;
        const qint64 syncsBefore = app.sync.stats().requests;
        page.syncNow();
        QTRY_VERIFY_WITH_TIMEOUT(page.lastAction().startsWith(u"The hub answered Today"), 10000);
        QCOMPARE(app.sync.stats().checkIns, checkInsBefore + 1); // asked the hub, sent nothing
        QCOMPARE(app.sync.stats().requests, syncsBefore);
        QVERIFY2(page.lastContact().startsWith(u"Today"), qPrintable(page.lastContact()));

        // The hub gone: said so, not "answered".
        hub.stop();
        page.syncNow();
        QTRY_VERIFY_WITH_TIMEOUT(page.lastAction().contains(u"could not be reached"), 15000);
    }

    // First run says "accepted" only on the hub's word: the page waits for
    // the exchange, a used code is refused and another one tried at once,
    // and a hub out of reach is said as such (the code is kept and tried).
    void firstRunSaysAcceptedOnlyOnceTheHubHas()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(3);
        QCOMPARE(codes.size(), 3);
        using Check = FirstRunController::HubCheck;

        QTemporaryDir first;
        const std::unique_ptr<AppControllers> a = newApp(first);
        QVERIFY(a->firstRun.submitCode(codes[0]));
        QCOMPARE(a->firstRun.hubCheck(), Check::NotAsked); // its format only, so far
        QVERIFY(a->firstRun.finish(kPassphrase, kPassphrase));
        QCOMPARE(a->firstRun.hubCheck(), Check::Checking);
        QVERIFY(a->firstRun.showing());
        QVERIFY(!a->firstRun.hubMessage().contains(u"accepted"));
        QTRY_COMPARE_WITH_TIMEOUT(a->firstRun.hubCheck(), Check::Accepted, 10000);
        QVERIFY(a->sync.isEnrolled());
        QVERIFY2(a->firstRun.hubMessage().contains(u"SYN-OFFICER-0001"),
                 qPrintable(a->firstRun.hubMessage()));
        QVERIFY(a->firstRun.showing()); // until the officer goes on
        a->firstRun.goOn();
        QVERIFY(!a->firstRun.showing());

        // The same code again, on another device: the hub refuses it.
        QTemporaryDir second;
        const std::unique_ptr<AppControllers> b = newApp(second);
        QVERIFY(b->firstRun.submitCode(codes[0]));
        QVERIFY(b->firstRun.finish(kPassphrase, kPassphrase));
        QTRY_COMPARE_WITH_TIMEOUT(b->firstRun.hubCheck(), Check::Refused, 10000);
        QVERIFY(!b->sync.isEnrolled());
        QVERIFY(b->firstRun.hubMessage().contains(u"new code"));
        // Rubbish is refused by its form, and nothing is sent.
        QVERIFY(!b->firstRun.tryAnotherCode(QStringLiteral("SGE1.rubbish")));
        QCOMPARE(b->firstRun.hubCheck(), Check::Refused);
        QVERIFY(b->firstRun.tryAnotherCode(codes[1]));
        QCOMPARE(b->firstRun.hubCheck(), Check::Checking);
        QTRY_COMPARE_WITH_TIMEOUT(b->firstRun.hubCheck(), Check::Accepted, 10000);
        QVERIFY(b->sync.isEnrolled());

        // The hub gone: not "accepted", and the officer can still go on.
        hub.stop();
        QTemporaryDir third;
        const std::unique_ptr<AppControllers> c = newApp(third);
        QVERIFY(c->firstRun.submitCode(codes[2]));
        QVERIFY(c->firstRun.finish(kPassphrase, kPassphrase));
        QTRY_COMPARE_WITH_TIMEOUT(c->firstRun.hubCheck(), Check::Unreachable, 15000);
        QVERIFY(!c->sync.isEnrolled());
        QVERIFY(c->sync.hasPendingEnrolment()); // kept, and tried again
        QVERIFY(c->firstRun.hubMessage().contains(u"cannot be reached"));
        c->firstRun.goOn();
        QVERIFY(!c->firstRun.showing());
        QCOMPARE(c->session.state(), AppSession::State::Unlocked);
    }

    // A record the officer will not finish is withdrawn with a reason, never
    // destroyed on the device: it goes to the hub as it stands, marked, and
    // the hub keeps it (out of urgency). An untouched new record is deleted.
    void aWithdrawnRecordReachesTheHubMarkedWithItsReason()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QTemporaryDir dir;
        const std::unique_ptr<AppControllers> made = newApp(dir);
        AppControllers &app = *made;
        QVERIFY(firstRun(app, codes.first()));

        // Opened by mistake: nothing recorded, so it can simply go.
        QVERIFY(app.editor.startNew());
        QVERIFY(app.editor.canDelete());
        QVERIFY(app.editor.deleteDraft());
        app.home.refresh();
        QCOMPARE(app.home.draftCount(), 0);

        // Begun, then found to be a duplicate: far from complete.
        QVERIFY(app.editor.startNew());
        const QString id = app.editor.recordId();
        app.editor.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        app.editor.setValue(QStringLiteral("incident.police_reference"),
                            QStringLiteral("SYN-CAD-DUP-1"));
        app.editor.addChild(false);
        QVERIFY(!app.editor.canDelete());
        QVERIFY(!app.editor.deleteDraft()); // anything recorded is never deleted
        QVERIFY(app.editor.active());
        QVERIFY(!app.editor.withdraw(QStringLiteral("   "))); // a reason is required
        QVERIFY(!app.editor.submitError().isEmpty());
        QVERIFY(app.editor.withdraw(QStringLiteral("Duplicate of SYN-CAD-DUP-0")));
        QVERIFY(!app.editor.active());
        app.home.refresh();
        QCOMPARE(app.home.draftCount(), 0);

        app.session.lock();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        QByteArray out;
        QCOMPARE(hub.cli(QStringLiteral("records"),
                         {QStringLiteral("--by"), testing::HubProcess::kStaff,
                          QStringLiteral("--flag"), QStringLiteral("withdrawn_by_officer")},
                         &out),
                 0);
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        const QJsonObject row = QJsonDocument::fromJson(lines.first()).object();
        QCOMPARE(row.value("record_id").toString(), id);
        QCOMPARE(row.value("officer_id").toString(), QStringLiteral("SYN-OFFICER-0001"));
        QVERIFY(!row.value("urgent").toBool());

        // Back on the device the receipt arrives; nothing is left to do.
        app.unlock.unlock(kPassphrase);
        app.home.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(app.home.allOnHub(), 5000);
    }

    // The two ways a submitted record is corrected, end to end against a
    // real hub: a version the hub refused opens on the hub's reasons and is
    // sent again as a new version with the officer's reason; a version the
    // hub holds is amended the same way. The hub keeps every version, each
    // amendment naming the version it follows.
    void aRefusedRecordIsCorrectedAndAnAcceptedOneAmendedAgainstTheHub()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        const QStringList codes = hub.enrolmentCodes(1);
        QTemporaryDir dir;
        const std::unique_ptr<AppControllers> made = newApp(dir);
        AppControllers &app = *made;
        QVERIFY(firstRun(app, codes.first()));
        // The store is closed at every lock and opened again at unlock.
        const auto store = [&app] { return app.session.recordStore(); };
        protocol::SystemClock &clock = protocol::SystemClock::instance();
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(23, clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);

        // Refused: a record the store holds under another officer's name
        // (as one written before the device was enrolled to this officer
        // would be) is queued straight from the store; the hub will not
        // file it as anyone's.
        v1::IncidentRecord misfiled = factory.next();
        misfiled.set_officer_id("SYN-OFFICER-0999");
        const QString refusedId = QString::fromStdString(misfiled.record_id());
        QVERIFY(!store()->saveDraft(misfiled));
        const auto queued = store()->submit(refusedId);
        QVERIFY(queued);
        emit app.editor.submissionMade(queued.value()); // as the editor does after a submit
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.needsCorrectionCount(), 1, 10000);
        app.session.lock(); // the verdict reaches the store at unlock
        app.unlock.unlock(kPassphrase);
        app.home.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(app.home.needsCorrectionCount(), 1, 5000);

        // It opens on the hub's reasons, read-only.
        QVERIFY(app.editor.open(refusedId));
        QVERIFY(app.editor.readOnly());
        QCOMPARE(app.editor.status(), protocol::RecordStatus::NeedsCorrection);
        const QVariantList reasons = app.editor.hubReasons();
        QVERIFY(!reasons.isEmpty());
        QCOMPARE(reasons.first().toMap().value("code").toString(),
                 QStringLiteral("attribution_mismatch"));
        QVERIFY(!reasons.first().toMap().value("message").toString().isEmpty());
        // Corrected: a new version, stamped with the enrolled officer at submit.
        QVERIFY(app.editor.amend(QStringLiteral("SYNTHETIC: resent under my own enrolment")));
        QCOMPARE(app.editor.version(), 2);
        QCOMPARE(app.editor.hubReasons().size(), reasons.size()); // still in view
        QVERIFY2(app.editor.submit(), qPrintable(app.editor.submitError()));

        // Accepted, then amended: version 2 follows version 1 on the hub.
        const v1::IncidentRecord accepted = factory.next();
        const QString amendedId = QString::fromStdString(accepted.record_id());
        QVERIFY(!store()->saveDraft(accepted));
        QVERIFY(app.editor.open(amendedId));
        QVERIFY2(app.editor.submit(), qPrintable(app.editor.submitError()));
        app.session.lock();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        app.unlock.unlock(kPassphrase);
        app.home.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(app.home.needsCorrectionCount(), 0, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            store()->recordState(amendedId)->status == protocol::RecordStatus::Acknowledged, 5000);
        QVERIFY(app.editor.open(amendedId));
        QVERIFY(app.editor.readOnly());
        QVERIFY(app.editor.canAmend());
        QVERIFY(app.editor.amend(QStringLiteral("SYNTHETIC: the second officer's collar number")));
        app.editor.setValue(QStringLiteral("incident.police_reference"),
                            QStringLiteral("SYN-CAD-AMENDED"));
        QVERIFY2(app.editor.submit(), qPrintable(app.editor.submitError()));
        app.session.lock();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);

        // What the hub holds, as its staff list it.
        QByteArray out;
        QCOMPARE(hub.cli(QStringLiteral("records"),
                         {QStringLiteral("--by"), testing::HubProcess::kStaff}, &out),
                 0);
        QHash<QString, QList<QJsonObject>> versions;
        for (const QByteArray &line : out.trimmed().split('\n')) {
            const QJsonObject row = QJsonDocument::fromJson(line).object();
            versions[row.value("record_id").toString()].append(row);
        }
        // The refused version was never filed; its correction is, marked
        // as correcting it, under the enrolled officer.
        QCOMPARE(versions.value(refusedId).size(), 1);
        const QJsonObject correction = versions.value(refusedId).first();
        QCOMPARE(correction.value("version").toInt(), 2);
        QCOMPARE(correction.value("parent_version").toInt(), 1);
        QCOMPARE(correction.value("officer_id").toString(), QStringLiteral("SYN-OFFICER-0001"));
        const QJsonArray correctionFlags = correction.value("flags").toArray();
        QVERIFY(correctionFlags.contains(QStringLiteral("corrects_refused_version")));
        QVERIFY(!correctionFlags.contains(QStringLiteral("parent_missing")));
        // Both versions of the amended record, the second after the first.
        QCOMPARE(versions.value(amendedId).size(), 2);
        for (const QJsonObject &row : versions.value(amendedId)) {
            QCOMPARE(row.value("parent_version").toInt(), row.value("version").toInt() - 1);
            QVERIFY(!row.value("flags").toArray().contains(QStringLiteral("parent_missing")));
        }

        // Back on the device both are on the hub, nothing left to correct.
        app.unlock.unlock(kPassphrase);
        app.home.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(app.home.allOnHub(), 5000);
        QCOMPARE(store()->recordState(amendedId)->version, 2);
        QCOMPARE(store()->recordState(refusedId)->status, protocol::RecordStatus::Acknowledged);
    }

    // The app submits through the engine's own call (recordSubmitted), so a
    // submit never cuts short a wait the hub asked for, never retries a
    // request the hub called a bug, and an urgent record still goes at once.
    void submitsNeverCancelAWaitOrRetryARefusedRequest()
    {
        testing::HubProcess hub(QStringLiteral(SAFEGUARD_HUB_BINARY));
        QVERIFY2(hub.start(), qPrintable(hub.stderrText()));
        testing::FaultProxy proxy(quint16(hub.url().port()));
        int mode = 0; // 0 forward, 1 busy for an hour, 2 "bad request"
        proxy.setRule([&mode](const testing::FaultProxy::Request &r) {
            if (mode == 0 || !r.path.startsWith("/v1/sync"))
                return testing::FaultProxy::Action::forward();
            if (mode == 1)
                return testing::FaultProxy::Action::answer(503, "busy", {{"Retry-After", "3600"}});
            return testing::FaultProxy::Action::answer(400, "{\"error\":\"undecodable\"}");
        });
        const QStringList codes = hub.enrolmentCodes(1, {QStringLiteral("--hub-url"), proxy.url()});
        QCOMPARE(codes.size(), 1);

        QTemporaryDir dir;
        protocol::SystemClock &clock = protocol::SystemClock::instance();
        const std::unique_ptr<AppControllers> made = newApp(dir);
        AppControllers &app = *made;
        QVERIFY(firstRun(app, codes.first()));

        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(22, clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        auto submitOne = [&](bool urgent) {
            v1::IncidentRecord r = factory.next();
            while (protocol::derived::isUrgent(r) != urgent)
                r = factory.next();
            return !app.session.recordStore()->saveDraft(r) &&
                   app.editor.open(QString::fromStdString(r.record_id())) && app.editor.submit();
        };

        // The hub (through the proxy) asks for an hour's pause.
        mode = 1;
        QVERIFY(submitOne(false));
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.requestsInFlight(), 0, 10000);
        QCOMPARE(app.sync.state(), syncclient::SyncEngine::State::BackingOff);
        const qint64 asked = app.sync.stats().requests;
        QVERIFY(submitOne(false));
        QCOMPARE(app.sync.requestsInFlight(), 0); // sealed, waiting: the pause holds
        QCOMPARE(app.sync.stats().requests, asked);
        QCOMPARE(app.sync.waitingCount(), 2);

        // An urgent record is not held by the bulk lane's pause.
        mode = 0;
        QVERIFY(submitOne(true));
        QCOMPARE(app.sync.requestsInFlight(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.urgentWaitingCount(), 0, 10000);
        QCOMPARE(app.sync.waitingCount(), 2);

        // The officer presses "sync now"; the hub calls the request a bug:
        // the lane stops, and later submits do not resend those bytes.
        mode = 2;
        app.home.syncNow();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.state(), syncclient::SyncEngine::State::Error, 10000);
        const qint64 refused = app.sync.stats().requests;
        QVERIFY(submitOne(false));
        QCOMPARE(app.sync.requestsInFlight(), 0);
        QCOMPARE(app.sync.stats().requests, refused);
        QCOMPARE(app.sync.state(), syncclient::SyncEngine::State::Error);
        QCOMPARE(app.sync.waitingCount(), 3);

        // Put right, "sync now" sends everything.
        mode = 0;
        app.home.syncNow();
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        QCOMPARE(hub.stats().value(QStringLiteral("records")).toInt(), 4);

        // An urgent record that keeps failing alone is set aside, and the
        // home banner says so, and what to do.
        mode = 2;
        QVERIFY(submitOne(true));
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.requestsInFlight(), 0, 10000);
        const auto urgent = app.sync.outbox()->pending(true, 0, 10, 1 << 30);
        QCOMPARE(urgent.size(), 1);
        for (int i = 0; i < 5; ++i)
            app.sync.outbox()->noteFailure(urgent.first().id, clock.nowMs(),
                                           syncclient::ParkRule{});
        app.sync.periodic();
        QCOMPARE(app.sync.urgentParkedCount(), 1);
        QVERIFY(app.home.urgentNotSent());
        QVERIFY2(
            app.home.syncBanner().startsWith(QLatin1String("Not sent: 1 urgent record, only on "
                                                           "this device")),
            qPrintable(app.home.syncBanner()));
        mode = 0;
        app.home.syncNow(); // tries it again at once
        QTRY_COMPARE_WITH_TIMEOUT(app.sync.waitingCount(), 0, 10000);
        QCOMPARE(app.sync.urgentParkedCount(), 0);
        QVERIFY(!app.home.urgentNotSent());
        QVERIFY2(!app.home.syncBanner().startsWith(QLatin1String("Not sent")),
                 qPrintable(app.home.syncBanner()));
    }
};

QTEST_MAIN(TestAppSync)
#include "tst_appsync.moc"
