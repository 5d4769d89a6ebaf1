// The officer app end to end against a real hub on loopback: first run
// enrols with a code from the hub, a record written through the editor is
// submitted and reaches the hub while the app is locked, and the home screen
// then says it is on the hub.
#include "appcontrollers.h"
#include "fakeplatform.h"
#include "hubprocess.h"
#include "protocol/derivedfacts.h"
#include "protocol/syntheticrecords.h"

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace safeguard;
using namespace safeguard::ui;

namespace {
const QString kPassphrase = QStringLiteral("SYNTHETIC orbit lantern meadow copper");
}

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
        AppControllers app(QDir(dir.path()).filePath(QStringLiteral("store")), clock,
                           FirstRunController::enrolmentCodeCheck(clock), testing::fakePlatform());
        app.firstRun.setKdfParams(store::KdfLimits::kFloor);

        // First run: the code from the hub, a passphrase; enrolment follows.
        QVERIFY(app.firstRun.submitCode(codes.first()));
        QVERIFY(app.firstRun.finish(kPassphrase, kPassphrase));
        QTRY_VERIFY_WITH_TIMEOUT(app.sync.isEnrolled(), 10000);
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
};

QTEST_MAIN(TestAppSync)
#include "tst_appsync.moc"
