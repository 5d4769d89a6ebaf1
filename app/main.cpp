// The officer app's composition root: builds the session and controllers,
// hands them to QML as singletons, loads Main.qml. No logic lives here.
#include "appsession.h"
#include "autolock.h"
#include "firstruncontroller.h"
#include "homecontroller.h"
#include "qmlsingletons.h"
#include "selftest.h"
#include "unlockcontroller.h"

#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QStandardPaths>

using namespace safeguard;

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("safeguard"));
    QGuiApplication::setOrganizationName(QStringLiteral("Safeguard"));
    QQuickStyle::setStyle(QStringLiteral("Material"));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Safeguard: child welfare observations on scene."));
    cli.addHelpOption();
    const QCommandLineOption storeOption(QStringLiteral("store"), QStringLiteral("Store directory."),
                                         QStringLiteral("DIR"));
    const QCommandLineOption selfTestOption(
        QStringLiteral("self-test"),
        QStringLiteral("Load every page with synthetic data and exit; any QML warning fails."));
    const QCommandLineOption screenshotsOption(
        QStringLiteral("screenshots"),
        QStringLiteral("With --self-test: save every screen as PNG in DIR."), QStringLiteral("DIR"));
    cli.addOptions({storeOption, selfTestOption, screenshotsOption});
    cli.process(app);

    if (cli.isSet(selfTestOption))
        return ui::runSelfTest(cli.value(screenshotsOption));

    const QString storeDir = cli.isSet(storeOption)
        ? cli.value(storeOption)
        : QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("store"));

    ui::AppSession session(storeDir, protocol::SystemClock::instance());
    ui::FirstRunController firstRun(session, ui::checkEnrolmentCode);
    ui::UnlockController unlock(session);
    ui::HomeController home(session);
    ui::AutoLock autoLock(session);
    autoLock.install();

    ui::SessionSingleton::instance = &session;
    ui::FirstRunSingleton::instance = &firstRun;
    ui::UnlockSingleton::instance = &unlock;
    ui::HomeSingleton::instance = &home;
    ui::AutoLockSingleton::instance = &autoLock;

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Safeguard/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    // Quitting saves and locks first, like hiding the window.
    QObject::connect(&app, &QGuiApplication::aboutToQuit, &session, &ui::AppSession::lock);
    return app.exec();
}
