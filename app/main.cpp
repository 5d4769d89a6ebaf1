// The officer app's composition root: builds the session and controllers,
// hands them to QML as singletons, loads Main.qml. No logic lives here.
#include "appcontrollers.h"
#include "process/processhardening.h"
#include "selftest.h"

#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QStandardPaths>
#include <cstdio>

using namespace safeguard;

int main(int argc, char **argv)
{
    // The store's data key and decrypted records are in memory while
    // unlocked: no core dump may write them to disk (docs/SECURITY.md).
    if (!safeguard::platform::hardenProcess()) {
        std::fprintf(stderr, "safeguard: cannot turn core dumps off\n");
        return 1;
    }
    QGuiApplication application(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("safeguard"));
    QGuiApplication::setOrganizationName(QStringLiteral("Safeguard"));
    QQuickStyle::setStyle(QStringLiteral("Material"));

    QCommandLineParser cli;
    cli.setApplicationDescription(
        QStringLiteral("Safeguard: child welfare observations on scene."));
    cli.addHelpOption();
    const QCommandLineOption storeOption(QStringLiteral("store"),
                                         QStringLiteral("Store directory."), QStringLiteral("DIR"));
    const QCommandLineOption selfTestOption(
        QStringLiteral("self-test"),
        QStringLiteral("Load every page with synthetic data and exit; any QML warning fails."));
    const QCommandLineOption screenshotsOption(
        QStringLiteral("screenshots"),
        QStringLiteral("With --self-test: save every screen as PNG in DIR."),
        QStringLiteral("DIR"));
    cli.addOptions({storeOption, selfTestOption, screenshotsOption});
    cli.process(application);

    if (cli.isSet(selfTestOption))
        return ui::runSelfTest(cli.value(screenshotsOption));

    const QString storeDir =
        cli.isSet(storeOption)
            ? cli.value(storeOption)
            : QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                  .filePath(QStringLiteral("store"));

    ui::AppControllers::Platform platform;
    platform.credentials = platform::createPlatformCredentialStore(storeDir);
    platform.connectivity = platform::createPlatformConnectivity();
    ui::AppControllers app(
        storeDir, protocol::SystemClock::instance(),
        ui::FirstRunController::enrolmentCodeCheck(protocol::SystemClock::instance()),
        std::move(platform));
    app.autoLock.install();
    app.registerSingletons();

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Safeguard/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    // Quitting saves and locks first, like hiding the window.
    QObject::connect(&application, &QGuiApplication::aboutToQuit, &app.session,
                     &ui::AppSession::lock);
    return application.exec();
}
