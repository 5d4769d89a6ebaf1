#include "selftest.h"

#include "appsession.h"
#include "autolock.h"
#include "firstruncontroller.h"
#include "homecontroller.h"
#include "qmlsingletons.h"
#include "unlockcontroller.h"

#include "protocol/syntheticrecords.h"

#include <QCoreApplication>
#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTextStream>

namespace safeguard::ui {

namespace {

int g_problems = 0;
QtMessageHandler g_previous = nullptr;

void countProblems(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg || type == QtCriticalMsg || type == QtFatalMsg)
        ++g_problems;
    if (g_previous)
        g_previous(type, context, message);
}

void settle()
{
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents();
}

// Saves the window at phone (390x844) and tablet (1280x800) size.
void capture(QQmlApplicationEngine &engine, const QString &dir, const QString &name)
{
    if (dir.isEmpty())
        return;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    if (!window)
        return;
    const QList<QSize> sizes{QSize(390, 844), QSize(1280, 800)};
    for (const QSize &size : sizes) {
        window->resize(size);
        settle();
        window->grabWindow().save(QDir(dir).filePath(
            QStringLiteral("%1-%2x%3.png").arg(name).arg(size.width()).arg(size.height())));
    }
}

} // namespace

QString checkEnrolmentCode(const QString &code)
{
    if (!code.startsWith(QLatin1String("SGE1.")) || code.size() < 40)
        return QCoreApplication::translate("FirstRun",
                                           "This is not an enrolment code. It starts with SGE1. "
                                           "and is one long line: copy all of it.");
    return QString();
}

int runSelfTest(const QString &screenshotDir)
{
    QTextStream out(stdout);
    QTemporaryDir dir;
    if (!dir.isValid()) {
        out << "self-test: cannot make a temporary directory\n";
        return 1;
    }
    g_previous = qInstallMessageHandler(countProblems);

    protocol::SystemClock &clock = protocol::SystemClock::instance();
    AppSession session(QDir(dir.path()).filePath(QStringLiteral("store")), clock);
    FirstRunController firstRun(session, checkEnrolmentCode);
    firstRun.setKdfParams(store::KdfLimits::kFloor);
    UnlockController unlock(session);
    HomeController home(session);
    AutoLock autoLock(session);
    SessionSingleton::instance = &session;
    FirstRunSingleton::instance = &firstRun;
    UnlockSingleton::instance = &unlock;
    HomeSingleton::instance = &home;
    AutoLockSingleton::instance = &autoLock;

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Safeguard/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        out << "self-test: Main.qml did not load\n";
        return 1;
    }
    settle();
    QStringList visited{QStringLiteral("first run")};
    capture(engine, screenshotDir, QStringLiteral("first-run"));

    const QString passphrase = QStringLiteral("SYNTHETIC orbit lantern meadow copper");
    if (!firstRun.submitCode(QStringLiteral("SGE1.") + QString(60, QLatin1Char('A'))) ||
        !firstRun.finish(passphrase, passphrase)) {
        out << "self-test: could not set up the store: " << firstRun.error() << "\n";
        return 1;
    }
    // Realistic data on the home screen: drafts and submitted records.
    const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
    protocol::SyntheticRecordFactory factory(7, clock, checklists);
    for (int i = 0; i < 12; ++i) {
        const v1::IncidentRecord r = factory.next();
        session.recordStore()->saveDraft(r);
        if (i % 3 != 0)
            session.recordStore()->submit(QString::fromStdString(r.record_id()));
    }
    home.refresh();
    settle();
    visited << QStringLiteral("home");
    capture(engine, screenshotDir, QStringLiteral("home"));

    session.lock();
    settle();
    unlock.unlock(QStringLiteral("SYNTHETIC wrong passphrase"));
    settle();
    visited << QStringLiteral("unlock");
    capture(engine, screenshotDir, QStringLiteral("unlock"));
    unlock.unlock(passphrase);
    settle();
    visited << QStringLiteral("home again");

    session.lock();
    session.vault().wipe();
    AppSession wiped(session.storeDir(), clock);
    SessionSingleton::instance = &wiped;
    QQmlApplicationEngine wipedEngine;
    wipedEngine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    wipedEngine.load(QUrl(QStringLiteral("qrc:/qt/qml/Safeguard/Main.qml")));
    settle();
    visited << QStringLiteral("wiped");
    capture(wipedEngine, screenshotDir, QStringLiteral("wiped"));

    qInstallMessageHandler(g_previous);
    out << "self-test: visited " << visited.join(QStringLiteral(", ")) << "; "
        << g_problems << " QML warning(s)\n";
    return g_problems == 0 && wiped.state() == AppSession::State::Wiped ? 0 : 1;
}

} // namespace safeguard::ui
