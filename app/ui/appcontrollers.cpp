#include "appcontrollers.h"

#include "qmlinstance.h"

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

namespace {

syncclient::SyncEngine::Dependencies syncDependencies(const protocol::Clock &clock,
                                                      AppControllers::Platform &platform,
                                                      AppSession &session)
{
    syncclient::SyncEngine::Dependencies d;
    d.clock = &clock;
    d.credentials = platform.credentials.get();
    d.connectivity = platform.connectivity.get();
    d.networkAccess = platform.networkAccess;
    d.onWipeOrder = [&session] { return session.wipe(); };
    d.unlockCounts = [&session] {
        const auto status = session.vault().status();
        return status ? syncclient::SyncEngine::UnlockCounts{status->failuresEver,
                                                             status->lockoutsEver}
                      : syncclient::SyncEngine::UnlockCounts{};
    };
    return d;
}

} // namespace

AppControllers::AppControllers(const QString &storeDir, const protocol::Clock &clock,
                               FirstRunController::CodeCheck checkCode, Platform platformServices)
    : platform(std::move(platformServices))
    , session(storeDir, clock)
    , sync(storeDir, syncDependencies(clock, platform, session))
    , firstRun(session, std::move(checkCode))
    , unlock(session)
    , home(session, sync)
    , syncPage(session, sync)
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
    QObject::connect(&editor, &RecordEditor::withdrawn, &home, &HomeController::refresh);
    QObject::connect(&editor, &RecordEditor::deleted, &home, &HomeController::refresh);

    // The sync engine's triggers: app start, unlock, submit; locking leaves
    // it sending from the sealed outbox.
    QObject::connect(&session, &AppSession::unlocked, &sync, [this] {
        recordSource = std::make_unique<store::StoreRecordSource>(*session.recordStore());
        sync.unlocked(recordSource.get());
    });
    QObject::connect(&session, &AppSession::aboutToLock, &sync, [this] {
        sync.locked();
        recordSource.reset();
    });
    // The same call the engine's tests use: it seals the exact bytes the
    // store froze and sends (an urgent record at once, through its lane's
    // backoff if need be), and never cancels a wait the hub asked for or
    // retries a request the hub called a bug, as "sync now" does.
    QObject::connect(&editor, &RecordEditor::submissionMade, &sync,
                     [this](const store::Submission &submission) {
                         if (!session.recordStore())
                             return;
                         if (const syncclient::SyncError e = sync.recordSubmitted(submission);
                             !e.ok() && e.kind != syncclient::SyncErrorKind::NotEnrolled)
                             qWarning("sync: a submission was not sealed yet (%s); the repair "
                                      "seals it at the next unlock or timer",
                                      qPrintable(e.message));
                     });
    // The hub's max_offline_days: a device lost out of reach wipes itself
    // at the next unlock attempt, before any passphrase is tried.
    session.setUnlockGate([this] { return sync.offlineTooLong(); });
    QObject::connect(&firstRun, &FirstRunController::setupFinished, &sync,
                     &syncclient::SyncEngine::enrol);
    QObject::connect(&sync, &syncclient::SyncEngine::enrolmentFinished, &firstRun,
                     [this](const syncclient::SyncError &e) {
                         firstRun.hubAnswered(e.ok(),
                                              syncclient::EnrolmentClient::isRetryable(e.kind),
                                              sync.officerId());
                     });
    // Locked before going on: the unlock leads home, not back to set-up.
    QObject::connect(&session, &AppSession::aboutToLock, &firstRun, &FirstRunController::goOn);
    editor.setSubmitter([this] {
        return RecordEditor::Submitter{sync.officerId(), sync.deviceId()};
    });
    // The force's risk instrument, as the hub hands it at check-in: the
    // store and the form offer it for new records from the next unlock.
    QObject::connect(&sync, &syncclient::SyncEngine::riskChecklistsChanged, &session,
                     [this] { session.setChecklists(sync.riskChecklists()); });
    sync.start();
    session.setChecklists(sync.riskChecklists());
}

void AppControllers::registerSingletons()
{
    setQmlInstance(&session);
    setQmlInstance(&firstRun);
    setQmlInstance(&unlock);
    setQmlInstance(&home);
    setQmlInstance(&syncPage);
    setQmlInstance(&editor);
    setQmlInstance(&autoLock);
}

} // namespace safeguard::ui
