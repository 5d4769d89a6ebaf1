// Runs the tst_*.qml files in this directory (Qt Quick Test, offscreen).
// Each file gets a fresh app, composed exactly as main() composes it, in a
// private temporary store, plus a Harness for what a test cannot do through
// the screens: move the clock, add synthetic records, look at what a
// restarted app would find on disk after a crash.
#include "appcontrollers.h"
#include "fakeplatform.h"
#include "protocol/derivedfacts.h"
#include "protocol/syntheticrecords.h"
#include "selftest.h"

#include <QDir>
#include <QQmlEngine>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QtQuickTest>

using namespace safeguard;
using namespace safeguard::ui;
using safeguard::testing::fakePlatform;

namespace {
const QString kPassphrase = QStringLiteral("SYNTHETIC orbit lantern meadow copper");
}

class Harness : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString passphrase READ passphrase CONSTANT)

public:
    explicit Harness(QObject *parent = nullptr)
        : QObject(parent)
    {}

    // A fresh app for a new test file's engine.
    void recreate()
    {
        m_app.reset();
        m_dir = std::make_unique<QTemporaryDir>();
        m_clock.setNowUtc(QDateTime(QDate(2026, 3, 10), QTime(21, 30), Qt::UTC));
        m_app = std::make_unique<AppControllers>(
            storeDir(), m_clock, FirstRunController::enrolmentCodeCheck(m_clock), fakePlatform());
        m_app->firstRun.setKdfParams(store::KdfLimits::kFloor); // fast tests, still the real floor
        m_app->registerSingletons();
    }

    QString passphrase() const { return kPassphrase; }

    Q_INVOKABLE QString enrolmentCode() const { return syntheticEnrolmentCode(m_clock); }

    // First run done: vault and store made, unlocked.
    Q_INVOKABLE bool setUpStore()
    {
        return m_app->firstRun.submitCode(enrolmentCode()) &&
               m_app->firstRun.finish(kPassphrase, kPassphrase);
    }

    Q_INVOKABLE void advanceClock(int seconds) { m_clock.advanceSecs(seconds); }

    // Adds complete synthetic drafts; returns the id of the last.
    Q_INVOKABLE QString addDrafts(int n)
    {
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(11, m_clock, checklists);
        QString last;
        for (int i = 0; i < n; ++i) {
            const v1::IncidentRecord r = factory.next();
            m_app->session.recordStore()->saveDraft(r);
            last = QString::fromStdString(r.record_id());
        }
        return last;
    }

    // A complete draft of the current form: a domestic abuse incident with
    // at least two children; returns its id.
    Q_INVOKABLE QString addCompleteDomesticAbuseDraft()
    {
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(7, m_clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        v1::IncidentRecord r = factory.next();
        while (r.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE || r.children_size() < 2)
            r = factory.next();
        m_app->session.recordStore()->saveDraft(r);
        return QString::fromStdString(r.record_id());
    }

    // What an app started from a copy of the store's files as they are now
    // (a power cut or a kill at this instant) finds for the record: the step
    // the officer was on, and the value at a path.
    Q_INVOKABLE QVariantMap afterCrash(const QString &recordId, const QString &path)
    {
        const QString image =
            QDir(m_dir->path()).filePath(QStringLiteral("crash-%1").arg(++m_crashes));
        QDir().mkpath(image);
        for (const QFileInfo &fi : QDir(storeDir()).entryInfoList(QDir::Files))
            QFile::copy(fi.filePath(), QDir(image).filePath(fi.fileName()));
        AppControllers restarted(image, m_clock, FirstRunController::enrolmentCodeCheck(m_clock),
                                 fakePlatform());
        restarted.unlock.unlock(kPassphrase);
        if (!restarted.editor.open(recordId))
            return {{QStringLiteral("found"), false}};
        const QVariantMap result{{QStringLiteral("found"), true},
                                 {QStringLiteral("step"), restarted.editor.stepIndex()},
                                 {QStringLiteral("value"), fieldValue(restarted.editor, path)}};
        restarted.editor.close();
        return result;
    }

private:
    static QVariant fieldValue(RecordEditor &editor, const QString &path);
    QString storeDir() const { return QDir(m_dir->path()).filePath(QStringLiteral("store")); }

    std::unique_ptr<QTemporaryDir> m_dir;
    protocol::ManualClock m_clock;
    std::unique_ptr<AppControllers> m_app;
    int m_crashes = 0;
};

#include "fieldpath.h"

QVariant Harness::fieldValue(RecordEditor &editor, const QString &path)
{
    return fieldpath::get(editor.record(), path);
}

class Setup : public QObject
{
    Q_OBJECT

public slots:
    void applicationAvailable() { QQuickStyle::setStyle(QStringLiteral("Material")); }

    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
        m_harness.recreate();
        qmlRegisterSingletonInstance("Safeguard.Testing", 1, 0, "Harness", &m_harness);
    }

private:
    Harness m_harness;
};

QUICK_TEST_MAIN_WITH_SETUP(safeguard_qml, Setup)
#include "tst_qml.moc"
