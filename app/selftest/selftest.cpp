#include "selftest.h"

#include "appcontrollers.h"
#include "fakecredentialstore.h"
#include "fieldpath.h"
#include "protocol/derivedfacts.h"
#include "protocol/syntheticrecords.h"
#include "qmlinstance.h"
#include "wire/enrolmentcode.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickItem>
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
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents();
        // Pages the Loader replaced are deleted later; do it now, as the
        // app's event loop would.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
}

// A long form step on a phone, a screenful at a time as the officer
// scrolls: name-scroll-N-390x844.png, so every row is looked at.
void captureScrolled(QQmlApplicationEngine &engine, const QString &dir, const QString &name)
{
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    QObject *view = window ? window->findChild<QObject *>(QStringLiteral("formView")) : nullptr;
    QObject *flick = view ? view->property("contentItem").value<QObject *>() : nullptr;
    if (!flick)
        return;
    window->resize(390, 844);
    settle();
    const qreal page = flick->property("height").toReal() - 96; // some overlap
    const qreal end =
        flick->property("contentHeight").toReal() - flick->property("height").toReal();
    for (int i = 1; page > 0 && i * page < end + page && i < 20; ++i) {
        flick->setProperty("contentY", qMin(i * page, end));
        settle();
        window->grabWindow().save(
            QDir(dir).filePath(QStringLiteral("%1-scroll-%2-390x844.png").arg(name).arg(i)));
    }
    flick->setProperty("contentY", 0);
    settle();
}

// Saves the window at phone (390x844) and tablet (1280x800) size; a long
// form step also a screenful at a time on the phone.
void capture(QQmlApplicationEngine &engine, const QString &dir, const QString &name,
             bool scrolled = false)
{
    if (dir.isEmpty())
        return;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    if (!window)
        return;
    if (scrolled && qEnvironmentVariableIntValue("SAFEGUARD_SMALL_SCREENSHOTS") != 1)
        captureScrolled(engine, dir, name);
    // SAFEGUARD_SMALL_SCREENSHOTS=1: the phone screen only, half size and
    // 256 colours, for docs/screenshots (scripts/docs-screenshots.sh).
    if (qEnvironmentVariableIntValue("SAFEGUARD_SMALL_SCREENSHOTS") == 1) {
        window->resize(390, 844);
        settle();
        window->grabWindow()
            .scaled(195, 422, Qt::KeepAspectRatio, Qt::SmoothTransformation)
            .convertToFormat(QImage::Format_Indexed8, Qt::ThresholdDither)
            .save(QDir(dir).filePath(name + QStringLiteral(".png")));
        return;
    }
    const QList<QSize> sizes{QSize(390, 844), QSize(1280, 800)};
    for (const QSize &size : sizes) {
        window->resize(size);
        settle();
        window->grabWindow().save(QDir(dir).filePath(
            QStringLiteral("%1-%2x%3.png").arg(name).arg(size.width()).arg(size.height())));
    }
}

// An item by objectName in the visual tree (delegates of views are items
// there, not QObject children of the window).
QQuickItem *findItem(QQuickItem *item, const QString &name)
{
    if (!item)
        return nullptr;
    if (item->objectName() == name)
        return item;
    for (QQuickItem *child : item->childItems())
        if (QQuickItem *found = findItem(child, name))
            return found;
    return nullptr;
}

// Opens or closes a QML dialog (Popup) by objectName; false if none.
bool popup(QQmlApplicationEngine &engine, const char *name, bool open)
{
    QObject *root = engine.rootObjects().value(0);
    QObject *dialog = root ? root->findChild<QObject *>(QLatin1String(name)) : nullptr;
    if (!dialog)
        return false;
    QMetaObject::invokeMethod(dialog, open ? "open" : "close");
    settle();
    return dialog->property("visible").toBool() == open;
}

} // namespace

QString syntheticEnrolmentCode(const protocol::Clock &clock)
{
    v1::EnrolmentCode code;
    code.set_hub_url("http://127.0.0.1:9");
    code.set_tls_pin_sha256("SYNTHETIC-PIN");
    code.set_code_id("SYNTHETIC-CODE");
    code.set_hub_id("00000000-0000-4000-8000-000000000000");
    code.set_secret(std::string(32, 'S'));
    code.set_sealing_public_key(std::string(32, 'K'));
    code.set_hub_signing_public_key(std::string(32, 'H'));
    code.set_officer_id("SYN-OFFICER-0001");
    code.set_expires_at_unix_ms(clock.nowMs() + 24 * 3600 * 1000);
    return syncwire::EnrolmentCode::encode(code);
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
    AppControllers::Platform platform;
    platform.credentials = std::make_unique<platform::FakeCredentialStore>();
    AppControllers app(QDir(dir.path()).filePath(QStringLiteral("store")), clock,
                       FirstRunController::enrolmentCodeCheck(clock), std::move(platform));
    app.firstRun.setKdfParams(store::KdfLimits::kFloor);
    app.registerSingletons();
    AppSession &session = app.session;
    FirstRunController &firstRun = app.firstRun;
    UnlockController &unlock = app.unlock;
    HomeController &home = app.home;

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
    if (!firstRun.submitCode(syntheticEnrolmentCode(clock)) ||
        !firstRun.finish(passphrase, passphrase)) {
        out << "self-test: could not set up the store: " << firstRun.error() << "\n";
        return 1;
    }
    // Set-up stays on screen until the hub has answered the code; the
    // synthetic code names a hub on a closed loopback port (refused at once,
    // so "checking" is too brief to capture).
    QDeadlineTimer hubDeadline(10000);
    while (firstRun.hubCheck() == FirstRunController::HubCheck::Checking &&
           !hubDeadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    if (firstRun.hubCheck() != FirstRunController::HubCheck::Unreachable) {
        out << "self-test: set-up did not say the hub cannot be reached\n";
        return 1;
    }
    settle();
    visited << QStringLiteral("first run, hub out of reach");
    capture(engine, screenshotDir, QStringLiteral("first-run-unreachable"));
    firstRun.goOn();
    // Realistic data on the home screen: drafts and submitted records.
    protocol::SyntheticRecordFactory factory(7, clock, session.checklists());
    // Some of them already answered by the hub, one way or another.
    QList<store::OutboxOutcome> answers;
    QStringList ids;
    for (int i = 0; i < 12; ++i) {
        const v1::IncidentRecord r = factory.next();
        const QString id = QString::fromStdString(r.record_id());
        ids << id;
        session.recordStore()->saveDraft(r);
        if (i % 3 != 0)
            session.recordStore()->submit(id);
        using Kind = store::OutboxOutcome::Kind;
        if (i == 1 || i == 5)
            answers.append({id, 1, Kind::Acknowledged, {}});
        else if (i == 2)
            answers.append({id, 1, Kind::NeedsCorrection,
                            QStringLiteral("incident.police_reference: text_too_long: the "
                                           "reference is longer than the force's system takes "
                                           "(SYNTHETIC)\n: hash_mismatch: the record's SHA-256 "
                                           "does not match the envelope")});
        else if (i == 4)
            answers.append({id, 1, Kind::HeldAtHub, QStringLiteral(": conflict: SYNTHETIC")});
    }
    session.recordStore()->applyOutcomes(answers);
    home.refresh();
    settle();
    visited << QStringLiteral("home");
    capture(engine, screenshotDir, QStringLiteral("home"));

    // Every step of the record flow, on a complete synthetic draft of the
    // current form.
    RecordEditor &editor = app.editor;
    factory.setFormVersion(protocol::derived::kCurrentFormVersion);
    v1::IncidentRecord full = factory.next();
    while (full.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE || full.children_size() < 2)
        full = factory.next();
    session.recordStore()->saveDraft(full);
    if (!editor.open(QString::fromStdString(full.record_id()))) {
        out << "self-test: could not open a draft\n";
        return 1;
    }
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        settle();
        const QString name =
            QStringLiteral("record-%1-%2")
                .arg(step, 2, 10, QLatin1Char('0'))
                .arg(editor.stepTitle().toLower().replace(QLatin1Char(' '), QLatin1Char('-')));
        // Each kind of step once: the incident's, the first child's, the
        // closing ones and the review (the second child's repeat the first's).
        if (editor.stepChild() <= 0)
            capture(engine, screenshotDir, name, editor.stepKind() == StepKind::Form);
    }
    visited << QStringLiteral("record flow (%1 steps)").arg(editor.stepCount());
    // A change of type that would discard answers asks first.
    editor.goToStep(0);
    editor.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
    settle();
    if (!editor.typeChangePending()) {
        out << "self-test: a type change that discards answers did not ask\n";
        return 1;
    }
    visited << QStringLiteral("type change confirmation");
    capture(engine, screenshotDir, QStringLiteral("record-type-change"));
    editor.cancelTypeChange();
    settle();
    // Removing an adult asks first.
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        if (editor.stepId() == QLatin1String("people"))
            break;
    }
    editor.askToRemove(QStringLiteral("people"), 1);
    settle();
    if (editor.removalQuestion().isEmpty()) {
        out << "self-test: removing an adult did not ask\n";
        return 1;
    }
    visited << QStringLiteral("removal confirmation");
    capture(engine, screenshotDir, QStringLiteral("record-remove-adult"));
    editor.cancelRemoval();
    settle();
    // A date that cannot be read stays as typed, with why; then the calendar.
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        if (editor.stepId() == QLatin1String("identity") && editor.stepChild() == 0)
            break;
    }
    const QString dob = QStringLiteral("children[0].identity.date_of_birth");
    const QVariant keptDob = fieldpath::get(editor.record(), dob);
    editor.setValue(dob, QStringLiteral("31/02/2017"));
    settle();
    if (editor.unreadableCount() != 1) {
        out << "self-test: an impossible date was not reported\n";
        return 1;
    }
    visited << QStringLiteral("unreadable date");
    capture(engine, screenshotDir, QStringLiteral("record-date-not-read"));
    {
        QObject *root = engine.rootObjects().value(0);
        // The field's own "Pick" button, as the officer taps it.
        auto *window = qobject_cast<QQuickWindow *>(root);
        QQuickItem *pick =
            window ? findItem(window->contentItem(), QStringLiteral("pick:") + dob) : nullptr;
        if (!pick || !QMetaObject::invokeMethod(pick, "clicked")) {
            out << "self-test: no calendar for the date of birth\n";
            return 1;
        }
        settle();
        QObject *picker = root->findChild<QObject *>(QStringLiteral("picker:") + dob,
                                                     Qt::FindChildrenRecursively);
        visited << QStringLiteral("calendar");
        capture(engine, screenshotDir, QStringLiteral("record-date-calendar"));
        if (picker)
            QMetaObject::invokeMethod(picker, "close");
        settle();
    }
    editor.setValue(
        dob,
        QDate::fromString(keptDob.toString(), Qt::ISODate).toString(QStringLiteral("dd/MM/yyyy")));
    settle();
    editor.goToStep(editor.stepCount() - 1);
    settle();
    // Withdrawing asks for a reason; submit says what the system will do;
    // locking with drafts on the device asks first.
    const struct
    {
        const char *dialog;
        const char *what;
        const char *shot;
    } dialogs[] = {
        {"withdrawDialog", "withdraw", "record-withdraw"},
        {"submitDialog", "submit confirmation", "record-submit-confirmation"},
        {"lockDialog", "lock with drafts", "lock-with-drafts"},
    };
    for (const auto &d : dialogs) {
        if (!popup(engine, d.dialog, true)) {
            out << "self-test: " << d.dialog << " did not open\n";
            return 1;
        }
        visited << QString::fromLatin1(d.what);
        capture(engine, screenshotDir, QString::fromLatin1(d.shot));
        popup(engine, d.dialog, false);
    }
    editor.close();
    settle();

    // Submitted records: read-only on their review, amended with a reason;
    // a refused one on the hub's reasons; a purged one's receipt.
    if (!editor.open(ids[1]) || !editor.readOnly()) {
        out << "self-test: a submitted record did not open to read\n";
        return 1;
    }
    settle();
    visited << QStringLiteral("submitted record");
    capture(engine, screenshotDir, QStringLiteral("record-submitted-review"), true);
    editor.goToStep(0);
    settle();
    capture(engine, screenshotDir, QStringLiteral("record-submitted-incident"));
    editor.goToStep(editor.stepCount() - 1);
    settle();
    if (!popup(engine, "amendDialog", true)) {
        out << "self-test: amendDialog did not open\n";
        return 1;
    }
    visited << QStringLiteral("amend");
    capture(engine, screenshotDir, QStringLiteral("record-amend"));
    popup(engine, "amendDialog", false);
    if (!editor.amend(QStringLiteral("SYNTHETIC: corrected the time of the incident"))) {
        out << "self-test: amend failed: " << editor.submitError() << "\n";
        return 1;
    }
    editor.goToStep(editor.stepCount() - 1);
    settle();
    visited << QStringLiteral("amendment review");
    capture(engine, screenshotDir, QStringLiteral("record-amendment-review"), true);
    editor.discardAmendment();
    settle();
    if (!editor.open(ids[2]) || editor.hubReasons().isEmpty()) {
        out << "self-test: a refused record did not open on the hub's reasons\n";
        return 1;
    }
    settle();
    visited << QStringLiteral("needs correction");
    capture(engine, screenshotDir, QStringLiteral("record-needs-correction"));
    editor.amend(QStringLiteral("SYNTHETIC: shortened the reference"));
    settle();
    capture(engine, screenshotDir, QStringLiteral("record-correcting"));
    editor.discardAmendment();
    settle();
    // Removing a child asks first, naming them.
    editor.open(QString::fromStdString(full.record_id()));
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        if (editor.stepKind() == StepKind::Children)
            break;
    }
    editor.askToRemove(QStringLiteral("children"), 0);
    settle();
    if (editor.removalQuestion().isEmpty()) {
        out << "self-test: removing a child did not ask\n";
        return 1;
    }
    visited << QStringLiteral("child removal");
    capture(engine, screenshotDir, QStringLiteral("record-remove-child"));
    editor.cancelRemoval();
    // A follow-up's message, then answered: struck through in its place.
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        if (editor.stepId() == QLatin1String("presence") && editor.stepChild() == 0)
            break;
    }
    editor.setValue(QStringLiteral("children[0].spoken_to.answer"), int(v1::ANSWER_YES));
    editor.setValue(QStringLiteral("children[0].spoken_to.answer"), int(v1::ANSWER_NO));
    editor.setValue(QStringLiteral("children[0].spoken_to.reason_if_no"), QString());
    settle();
    visited << QStringLiteral("follow-up asked");
    capture(engine, screenshotDir, QStringLiteral("record-follow-up-asked"), true);
    editor.setValue(QStringLiteral("children[0].spoken_to.reason_if_no"),
                    QStringLiteral("SYNTHETIC: asleep upstairs"));
    settle();
    capture(engine, screenshotDir, QStringLiteral("record-follow-up-answered"), true);
    // The risk checklist's own follow-ups: stalking (question 8) opens its
    // set, "afraid" its options; then "not safe to ask now".
    if (const protocol::RiskChecklist *c = session.checklists().forRecord(editor.record())) {
        for (int step = 0; step < editor.stepCount(); ++step) {
            editor.goToStep(step);
            if (editor.stepId() == QLatin1String("risk"))
                break;
        }
        for (int q = 0; q < c->questions().size(); ++q) {
            const QString tag = c->questions()[q].tag;
            if (tag == QLatin1String("stalking") || tag == QLatin1String("afraid_further_harm"))
                editor.setValue(QStringLiteral("risk.answers[%1].answer").arg(q),
                                int(v1::ANSWER_YES));
        }
        settle();
        visited << QStringLiteral("risk follow-ups");
        capture(engine, screenshotDir, QStringLiteral("record-risk-follow-ups"), true);
        editor.setValue(QStringLiteral("risk.not_safe_to_ask"), true);
        settle();
        visited << QStringLiteral("risk not safe to ask");
        capture(engine, screenshotDir, QStringLiteral("record-risk-not-safe"));
    }
    editor.close();
    settle();
    session.recordStore()->purge(ids[5]);
    home.refresh();
    settle();
    {
        QObject *root = engine.rootObjects().value(0);
        QObject *receipt =
            root ? root->findChild<QObject *>(QStringLiteral("receiptDialog")) : nullptr;
        if (!receipt || home.receiptText(ids[5]).isEmpty()) {
            out << "self-test: no receipt for a purged record\n";
            return 1;
        }
        receipt->setProperty("message", home.receiptText(ids[5]));
        popup(engine, "receiptDialog", true);
        visited << QStringLiteral("receipt");
        capture(engine, screenshotDir, QStringLiteral("home-receipt"));
        popup(engine, "receiptDialog", false);
    }
    // A school liaison visit, in its own words: the school's address, no
    // home, no victim.
    if (!editor.startNew()) {
        out << "self-test: could not start a school visit\n";
        return 1;
    }
    editor.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
    editor.addListItem(QStringLiteral("people"));
    editor.addChild(false);
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        settle();
        if (step == 0)
            capture(engine, screenshotDir, QStringLiteral("record-school-incident"));
        else if (editor.stepId() == QLatin1String("people"))
            capture(engine, screenshotDir, QStringLiteral("record-school-people"), true);
        else if (editor.stepId() == QLatin1String("demeanour"))
            capture(engine, screenshotDir, QStringLiteral("record-school-demeanour"));
    }
    visited << QStringLiteral("school visit");
    editor.close(); // kept as a draft: nothing is rendered after it that lists records
    settle();

    session.lock();
    settle();
    unlock.unlock(QStringLiteral("SYNTHETIC wrong passphrase"));
    settle();
    visited << QStringLiteral("unlock");
    capture(engine, screenshotDir, QStringLiteral("unlock"));
    unlock.unlock(passphrase);
    settle();
    visited << QStringLiteral("home again");

    // A force's own instrument, as the hub hands it (here the illustrative
    // DARA-shaped one): offered for a new record from the next unlock, and
    // rendered from its data alone.
    session.lock();
    {
        protocol::RiskChecklistRegistry withForce;
        withForce.addBuiltIns();
        withForce.add(
            protocol::RiskChecklist::builtIn(QStringLiteral("dara-shaped-illustrative-v1.json")));
        session.setChecklists(std::move(withForce));
    }
    unlock.unlock(passphrase);
    settle();
    if (!editor.startNew()) {
        out << "self-test: could not start a record on the force's instrument\n";
        return 1;
    }
    editor.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
    for (int step = 0; step < editor.stepCount(); ++step) {
        editor.goToStep(step);
        if (editor.stepId() == QLatin1String("risk"))
            break;
    }
    if (editor.record().risk().checklist_id() != "dara-shaped-illustrative") {
        out << "self-test: the force's instrument was not offered\n";
        return 1;
    }
    editor.setValue(QStringLiteral("risk.answers[0].frequency"), int(v1::RISK_FREQUENCY_SOMETIMES));
    settle();
    visited << QStringLiteral("force instrument");
    capture(engine, screenshotDir, QStringLiteral("record-risk-force-instrument"), true);
    editor.deleteDraft();
    settle();
    // The sync page, one tap from home (this device's hub cannot be reached).
    app.syncPage.open();
    settle();
    visited << QStringLiteral("sync page");
    capture(engine, screenshotDir, QStringLiteral("sync"), true);
    app.syncPage.close();
    settle();

    session.lock();
    settle();
    session.vault().wipe();
    AppSession wiped(session.storeDir(), clock);
    setQmlInstance(&wiped);
    QQmlApplicationEngine wipedEngine;
    wipedEngine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    wipedEngine.load(QUrl(QStringLiteral("qrc:/qt/qml/Safeguard/Main.qml")));
    settle();
    visited << QStringLiteral("wiped");
    capture(wipedEngine, screenshotDir, QStringLiteral("wiped"));

    qInstallMessageHandler(g_previous);
    out << "self-test: visited " << visited.join(QStringLiteral(", ")) << "; " << g_problems
        << " QML warning(s)\n";
    return g_problems == 0 && wiped.state() == AppSession::State::Wiped ? 0 : 1;
}

} // namespace safeguard::ui
