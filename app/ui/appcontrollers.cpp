#include "appcontrollers.h"

#include "qmlsingletons.h"

#include <QCoreApplication>
#include <QTranslator>

namespace safeguard::ui {

namespace {

// Installs the app's translations once per process (English plural forms
// today).
void installTranslations()
{
    static QTranslator *translator = [] {
        auto *t = new QTranslator(QCoreApplication::instance());
        if (t->load(QStringLiteral(":/i18n/safeguard_en.qm")))
            QCoreApplication::installTranslator(t);
        else
            qWarning("safeguard: the English translation file is missing from the build");
        return t;
    }();
    Q_UNUSED(translator);
}

} // namespace

AppControllers::AppControllers(const QString &storeDir, const protocol::Clock &clock,
                               FirstRunController::CodeCheck checkCode)
    : session(storeDir, clock)
    , firstRun(session, std::move(checkCode))
    , unlock(session)
    , home(session)
    , editor(session)
    , autoLock(session)
{
    installTranslations();
    // The home list follows the editor: a new draft appears, a submit moves
    // it to "waiting to send". (Closing a record shows the home page again,
    // which refreshes itself; locking must not touch the list mid-teardown.)
    QObject::connect(&editor, &RecordEditor::recordChanged, &home, [this] {
        if (editor.active())
            home.refresh();
    });
    QObject::connect(&editor, &RecordEditor::submitted, &home, &HomeController::refresh);
}

void AppControllers::registerSingletons()
{
    SessionSingleton::instance = &session;
    FirstRunSingleton::instance = &firstRun;
    UnlockSingleton::instance = &unlock;
    HomeSingleton::instance = &home;
    EditorSingleton::instance = &editor;
    AutoLockSingleton::instance = &autoLock;
}

} // namespace safeguard::ui
