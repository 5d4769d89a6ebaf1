// The officer app's controllers and models, without QML: first run, unlock
// and lockout display, auto-lock, the record flow adapting to the record,
// autosave and restore, and every model under QAbstractItemModelTester.
#include "appcontrollers.h"
#include "fakeplatform.h"
#include "fieldpath.h"
#include "formrows.h"
#include "protocol/applicability.h"
#include "protocol/derivedfacts.h"
#include "protocol/goodpractice.h"
#include "protocol/syntheticrecords.h"
#include "recordfixtures.h"
#include "selftest.h"
#include "typedinput.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <functional>
#include <optional>

using namespace safeguard;
using namespace safeguard::ui;
using safeguard::testing::fakePlatform;

namespace {

const QString kPassphrase = QStringLiteral("SYNTHETIC orbit lantern meadow copper");

QStringList rowPaths(const FormModel &m)
{
    QStringList out;
    for (const auto &r : m.rows())
        out << r.path;
    return out;
}

QStringList stepTitles(RecordEditor &e)
{
    QStringList out;
    const int keep = e.stepIndex();
    for (int i = 0; i < e.stepCount(); ++i) {
        e.goToStep(i);
        out << e.stepTitle() +
                   (e.stepChild() >= 0 ? QStringLiteral("#%1").arg(e.stepChild()) : QString());
    }
    e.goToStep(keep);
    return out;
}

// Answers one row as a tired officer would with the least that counts:
// the first option of a choice, a short synthetic text, today's date.
QVariant minimalAnswer(const FormModel::Row &row)
{
    switch (row.kind) {
    case FieldKind::Choice:
        return row.choices.isEmpty() ? QVariant()
                                     : row.choices.first().toMap().value(QStringLiteral("value"));
    case FieldKind::Bool:
        return true;
    case FieldKind::Number:
        return 30;
    case FieldKind::Date:
        return QStringLiteral("2017-01-15");
    case FieldKind::DateTime:
        return QStringLiteral("2026-03-10 21:30");
    case FieldKind::Lines:
        return QStringList{QStringLiteral("1 Example Street SYNTHETIC")};
    case FieldKind::Flags:
        return QVariantList{row.choices.value(0).toMap().value(QStringLiteral("value"))};
    case FieldKind::Options:
        return QStringList{row.choices.value(0).toMap().value(QStringLiteral("value")).toString()};
    case FieldKind::PersonChoice:
        return row.choices.value(0).toMap().value(QStringLiteral("value"));
    default:
        return QStringLiteral("SYNTHETIC %1").arg(row.label).left(60);
    }
}

} // namespace

class TestAppControllers : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    protocol::ManualClock m_clock{QDateTime(QDate(2026, 3, 10), QTime(21, 30), Qt::UTC)};
    std::unique_ptr<AppControllers> m_app;

    QString storeDir() const { return QDir(m_dir->path()).filePath(QStringLiteral("store")); }

    // A fresh app with a store set up (vault at the Argon2id floor).
    void setUpStore()
    {
        m_app = std::make_unique<AppControllers>(
            storeDir(), m_clock, FirstRunController::enrolmentCodeCheck(m_clock), fakePlatform());
        m_app->firstRun.setKdfParams(store::KdfLimits::kFloor);
        QVERIFY(m_app->firstRun.submitCode(syntheticEnrolmentCode(m_clock)));
        QVERIFY2(m_app->firstRun.finish(kPassphrase, kPassphrase),
                 qPrintable(m_app->firstRun.error()));
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        // The form asks what submit() checks: one registry, not two copies.
        QCOMPARE(&m_app->session.recordStore()->checklists(), &m_app->session.checklists());
    }

    // Drops the app as a crash would (no lock, no save) and starts it again
    // from what is on disk.
    void restartFromDisk()
    {
        const QString crashed = QDir(m_dir->path()).filePath(QStringLiteral("crash-image"));
        QDir().mkpath(crashed);
        for (const QFileInfo &fi : QDir(storeDir()).entryInfoList(QDir::Files))
            QFile::copy(fi.filePath(), QDir(crashed).filePath(fi.fileName()));
        m_app.reset(); // the original would save on the way out; its image is already taken
        QDir(storeDir()).removeRecursively();
        QDir().rename(crashed, storeDir());
        m_app = std::make_unique<AppControllers>(
            storeDir(), m_clock, FirstRunController::enrolmentCodeCheck(m_clock), fakePlatform());
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);
        m_app->unlock.unlock(kPassphrase);
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
    }

    // A complete synthetic draft of the current form (the first the seed
    // makes that `wanted` accepts), saved and opened in the editor.
    v1::IncidentRecord
    openCompleteDraft(quint32 seed,
                      const std::function<bool(const v1::IncidentRecord &)> &wanted = {})
    {
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(seed, m_clock, checklists);
        factory.setFormVersion(protocol::derived::kCurrentFormVersion);
        v1::IncidentRecord r = factory.next();
        while (wanted && !wanted(r))
            r = factory.next();
        if (m_app->session.recordStore()->saveDraft(r) ||
            !m_app->editor.open(QString::fromStdString(r.record_id())))
            qFatal("could not open a synthetic draft");
        return r;
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }
    void cleanup()
    {
        m_app.reset();
        m_dir.reset();
    }

    // ----------------------------------------------------------- first run

    void firstRunChecksTheCodeAndThePassphrase()
    {
        AppControllers app(storeDir(), m_clock, FirstRunController::enrolmentCodeCheck(m_clock),
                           fakePlatform());
        app.firstRun.setKdfParams(store::KdfLimits::kFloor);
        QCOMPARE(app.session.state(), AppSession::State::NeedsSetup);
        QVERIFY(!app.firstRun.storageStatement().isEmpty());

        QVERIFY(!app.firstRun.finish(kPassphrase, kPassphrase)); // no code yet
        QVERIFY(!app.firstRun.submitCode(QStringLiteral("hello")));
        QVERIFY(app.firstRun.codeError().contains(QLatin1String("SGE1.")));

        m_clock.advanceSecs(25 * 3600); // past the code's 24 hours
        const QString stale =
            syntheticEnrolmentCode(protocol::ManualClock(m_clock.nowUtc().addSecs(-25 * 3600)));
        QVERIFY(!app.firstRun.submitCode(stale));
        QVERIFY(app.firstRun.codeError().contains(QLatin1String("expired")));
        QVERIFY(app.firstRun.submitCode(syntheticEnrolmentCode(m_clock)));

        app.firstRun.judgePassphrase(QStringLiteral("password1"));
        QVERIFY(!app.firstRun.strongEnough());
        QVERIFY(!app.firstRun.strengthAdvice().isEmpty());
        QVERIFY(!app.firstRun.finish(QStringLiteral("password1"), QStringLiteral("password1")));
        QVERIFY(!app.firstRun.finish(kPassphrase, kPassphrase + QLatin1Char('x')));
        QVERIFY(app.firstRun.error().contains(QLatin1String("not the same")));
        QCOMPARE(app.session.state(), AppSession::State::NeedsSetup);

        QVERIFY(app.firstRun.finish(kPassphrase, kPassphrase));
        QCOMPARE(app.session.state(), AppSession::State::Unlocked);
        QVERIFY(app.session.recordStore());
    }

    // -------------------------------------------------------------- unlock

    void aDeviceOfflinePastThePolicyIsWipedBeforeAnyPassphraseIsTried()
    {
        // The app asks the sync engine (SealedOutbox::offlineTooLong, tested
        // against a real hub in tst_syncengine) before every unlock attempt.
        setUpStore();
        QVERIFY(!m_app->sync.offlineTooLong()); // not enrolled with a hub: no limit
        m_app->session.lock();
        bool gateAsked = false;
        m_app->session.setUnlockGate([&gateAsked] {
            gateAsked = true;
            return true;
        });
        m_app->unlock.unlock(kPassphrase);
        QVERIFY(gateAsked);
        QCOMPARE(m_app->unlock.outcome(), UnlockController::Outcome::Wiped);
        QVERIFY(m_app->unlock.message().contains(QLatin1String("had not reached the hub")));
        QCOMPARE(m_app->session.state(), AppSession::State::Wiped);
        QVERIFY(!m_app->session.vault().exists());
    }

    void unlockShowsAttemptsLockoutAndWipeWarning()
    {
        setUpStore();
        UnlockController &u = m_app->unlock;
        m_app->session.lock();
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);
        QVERIFY(!m_app->session.recordStore()); // the store is closed and its key gone

        u.refresh();
        QCOMPARE(u.attemptsLeft(), 10);
        QVERIFY(!u.wipeWarning());
        for (int i = 1; i <= 3; ++i) {
            u.unlock(QStringLiteral("SYNTHETIC wrong"));
            QCOMPARE(u.outcome(), UnlockController::Outcome::WrongPassphrase);
            QCOMPARE(u.attemptsLeft(), 10 - i);
            QVERIFY(u.canTry());
        }
        u.unlock(QStringLiteral("SYNTHETIC wrong")); // the 4th: a delay starts
        QVERIFY(u.secondsUntilRetry() > 0);
        QVERIFY(!u.canTry());
        const int wait = u.secondsUntilRetry();
        u.unlock(kPassphrase); // refused without trying while locked out
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);
        m_clock.advanceSecs(wait);
        QCOMPARE(u.secondsUntilRetry(), 0);
        QVERIFY(u.canTry());

        for (int i = 0; u.attemptsLeft() > 3; ++i) {
            u.unlock(QStringLiteral("SYNTHETIC wrong"));
            m_clock.advanceSecs(u.secondsUntilRetry());
        }
        QVERIFY(u.wipeWarning());
        u.unlock(kPassphrase);
        QCOMPARE(u.outcome(), UnlockController::Outcome::Unlocked);
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
    }

    void tooManyWrongPassphrasesWipe()
    {
        setUpStore();
        QVERIFY(m_app->editor.startNew()); // leaves a resume position beside the store
        QVERIFY(QFile::exists(m_app->session.resumeFilePath()));
        m_app->session.lock();
        for (int i = 0; i < 10 && m_app->session.state() != AppSession::State::Wiped; ++i) {
            m_app->unlock.unlock(QStringLiteral("SYNTHETIC wrong"));
            m_clock.advanceSecs(m_app->unlock.secondsUntilRetry());
        }
        QCOMPARE(m_app->unlock.outcome(), UnlockController::Outcome::Wiped);
        QVERIFY(!QFile::exists(m_app->session.resumeFilePath()));

        QCOMPARE(m_app->session.state(), AppSession::State::Wiped);
        QVERIFY(!m_app->unlock.canTry());

        // Back to first run with a new code.
        m_app->session.setUpAgain();
        QCOMPARE(m_app->session.state(), AppSession::State::NeedsSetup);
        m_app->firstRun.setKdfParams(store::KdfLimits::kFloor);
        QVERIFY(m_app->firstRun.submitCode(syntheticEnrolmentCode(m_clock)));
        QVERIFY(m_app->firstRun.finish(kPassphrase, kPassphrase));
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
    }

    // ----------------------------------------------------------- auto-lock

    void autoLockAfterInactivityAndWhenHidden()
    {
        setUpStore();
        AutoLock &a = m_app->autoLock;
        QCOMPARE(a.timeoutSeconds(), 5 * 60);
        m_clock.advanceSecs(4 * 60);
        a.check();
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        a.noteActivity();
        m_clock.advanceSecs(4 * 60);
        a.check();
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        m_clock.advanceSecs(60);
        a.check();
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);

        m_app->unlock.unlock(kPassphrase);
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        a.windowHidden();
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);
    }

    // After unlock the officer is back in the record that was open, and told
    // of wrong passphrases tried in between.
    void unlockReturnsToTheOpenRecordAndSaysWhatWasTried()
    {
        setUpStore();
        QVERIFY(m_app->editor.startNew());
        const QString id = m_app->editor.recordId();
        m_app->editor.setValue(QStringLiteral("incident.police_reference"),
                               QStringLiteral("SYN-CAD-BACK-1"));
        m_app->editor.next();
        const int step = m_app->editor.stepIndex();
        m_app->session.lock();
        QVERIFY(!m_app->editor.active());
        m_app->unlock.unlock(QStringLiteral("SYNTHETIC wrong one"));
        m_app->unlock.unlock(QStringLiteral("SYNTHETIC wrong two"));
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);
        m_clock.advanceSecs(3600); // past any lockout
        m_app->unlock.unlock(kPassphrase);
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        QCOMPARE(m_app->unlock.failedSinceLastUnlock(), 2);
        QVERIFY(m_app->editor.active());
        QCOMPARE(m_app->editor.recordId(), id);
        QCOMPARE(m_app->editor.stepIndex(), step);
        // The next clean unlock has nothing to report; an untouched new
        // record is not brought back (it was discarded).
        m_app->editor.close();
        QVERIFY(m_app->editor.startNew());
        m_app->session.lock();
        m_app->unlock.unlock(kPassphrase);
        QCOMPARE(m_app->unlock.failedSinceLastUnlock(), 0);
        QVERIFY(!m_app->editor.active());
    }

    // The officer is warned before an inactivity lock, and the unlock screen
    // says what was left unsubmitted; an untouched new record is not
    // counted (it is discarded, holding nothing).
    void autoLockWarnsFirstAndSaysWhatWasLeftUnsubmitted()
    {
        setUpStore();
        AutoLock &a = m_app->autoLock;
        QSignalSpy warned(&a, &AutoLock::warningChanged);
        QVERIFY(m_app->editor.startNew());
        m_app->editor.setValue(QStringLiteral("incident.police_reference"),
                               QStringLiteral("SYN-CAD-LOCK-1"));
        m_app->editor.saveNow();
        m_clock.advanceSecs(5 * 60 - AutoLock::kWarningSeconds - 1);
        a.check();
        QCOMPARE(a.secondsUntilLock(), -1); // not yet
        m_clock.advanceSecs(2);
        a.check();
        QCOMPARE(a.secondsUntilLock(), AutoLock::kWarningSeconds - 1);
        QVERIFY(warned.count() > 0);
        // A touch keeps the app open and clears the warning.
        a.noteActivity();
        QCOMPARE(a.secondsUntilLock(), -1);
        m_clock.advanceSecs(5 * 60 - 1);
        a.check();
        QCOMPARE(a.secondsUntilLock(), 1);
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        m_clock.advanceSecs(1);
        a.check();
        QCOMPARE(m_app->session.state(), AppSession::State::Locked);
        QVERIFY(a.lockedForInactivity());
        QCOMPARE(a.secondsUntilLock(), -1);
        QCOMPARE(m_app->session.unsubmittedAtLock(), 1);

        // Unlocked, then an accidental "New record" and the Lock button.
        m_app->unlock.unlock(kPassphrase);
        a.noteActivity();
        QVERIFY(!a.lockedForInactivity());
        QVERIFY(m_app->editor.startNew());
        m_app->session.lock();
        QCOMPARE(m_app->session.unsubmittedAtLock(), 1); // the empty one is gone, not counted
        m_app->unlock.unlock(kPassphrase);
        QCOMPARE(m_app->session.unsubmittedCount(), 1);
    }

    // --------------------------------------------------------- record flow

    // Dates as an officer types them: the UK order and ISO, never a guess.
    void datesAreReadInBothOrdersAndRubbishIsRefused_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QDate>("expected"); // invalid: refused
        QTest::newRow("dd/mm/yyyy") << "02/03/2017" << QDate(2017, 3, 2);
        QTest::newRow("d/m/yyyy") << "2/3/2017" << QDate(2017, 3, 2);
        QTest::newRow("yyyy-mm-dd") << "2017-03-02" << QDate(2017, 3, 2);
        QTest::newRow("spaces around") << "  15/01/2017 " << QDate(2017, 1, 15);
        QTest::newRow("two-digit year") << "02/03/17" << QDate();
        QTest::newRow("US order, day 15 as month") << "01/15/2017" << QDate();
        QTest::newRow("31 February") << "31/02/2017" << QDate();
        QTest::newRow("words") << "last Tuesday" << QDate();
        QTest::newRow("dots") << "02.03.2017" << QDate();
        QTest::newRow("year 0017") << "02/03/0017" << QDate();
        QTest::newRow("trailing rubbish") << "02/03/2017x" << QDate();
    }
    void datesAreReadInBothOrdersAndRubbishIsRefused()
    {
        QFETCH(QString, typed);
        QFETCH(QDate, expected);
        const auto parsed = typedinput::parseDate(typed);
        QCOMPARE(parsed.has_value(), expected.isValid());
        if (parsed)
            QCOMPARE(*parsed, expected);
        QCOMPARE(typedinput::parseDateTime(typed + QStringLiteral(" 21:40")).has_value(),
                 expected.isValid());
    }

    void numbersAndTimesAreStrict()
    {
        QCOMPARE(typedinput::parseWholeNumber(QStringLiteral("7")), std::optional<int>(7));
        for (const char *bad : {"3a", "-1", "3.5", "", " ", "1e3", "٣"})
            QVERIFY2(!typedinput::parseWholeNumber(QString::fromUtf8(bad)), bad);
        QCOMPARE(typedinput::parseDateTime(QStringLiteral("02/03/2017 9:05"))->time(), QTime(9, 5));
        QVERIFY(!typedinput::parseDateTime(QStringLiteral("02/03/2017 24:00")));
        QVERIFY(!typedinput::parseDateTime(QStringLiteral("02/03/2017")));
        // Through the schema: "3a" is neither 3 nor silently 0.
        v1::IncidentRecord r;
        QVERIFY(fieldpath::append(&r, QStringLiteral("children")));
        const QString age = QStringLiteral("children[0].identity.estimated_age_years");
        QVERIFY(fieldpath::set(&r, age, QStringLiteral("9"), 0));
        QString why;
        QVERIFY(!fieldpath::set(&r, age, QStringLiteral("3a"), 0, &why));
        QCOMPARE(r.children(0).identity().estimated_age_years(), 9u);
        QVERIFY2(why.contains(QLatin1String("whole number")), qPrintable(why));
        QVERIFY(fieldpath::set(&r, age, QString(), 0)); // cleared
        QCOMPARE(r.children(0).identity().estimated_age_years(), 0u);
    }

    void agesAreInYearsAndMonthsForTheUnderFives()
    {
        const QDate on(2026, 12, 3);
        QCOMPARE(typedinput::ageText(QDate(2023, 8, 3), on), QStringLiteral("3 years 4 months"));
        QCOMPARE(typedinput::ageText(QDate(2023, 8, 4), on), QStringLiteral("3 years 3 months"));
        QCOMPARE(typedinput::ageText(QDate(2026, 5, 1), on), QStringLiteral("7 months"));
        QCOMPARE(typedinput::ageText(QDate(2025, 12, 3), on), QStringLiteral("1 year"));
        QCOMPARE(typedinput::ageText(QDate(2017, 1, 15), on), QStringLiteral("9 years"));
        QCOMPARE(typedinput::ageText(QDate(2027, 1, 1), on), QString());
        QCOMPARE(typedinput::ageText(QDate(), on), QString());
    }

    // What cannot be read is kept as typed, said under the field, and the
    // header never says "saved" over it; the record keeps the last value
    // that could be read.
    void anUnreadableValueIsNeverShownAsSaved()
    {
        setUpStore();
        QVERIFY(m_app->editor.startNew());
        m_app->editor.addChild(false);
        const QString dob = QStringLiteral("children[0].identity.date_of_birth");
        m_app->editor.setValue(dob, QStringLiteral("15/01/2017"));
        QCOMPARE(m_app->editor.unreadableCount(), 0);
        m_app->editor.setValue(dob, QStringLiteral("31/02/2017"));
        QCOMPARE(m_app->editor.unreadableCount(), 1);
        QCOMPARE(m_app->editor.record().children(0).identity().date_of_birth().day(), 15u);
        // The row keeps the text and says why (where it is shown).
        m_app->editor.editChild(0);
        const FormModel *rows = m_app->editor.fields();
        bool found = false;
        for (int i = 0; i < rows->rowCount(); ++i) {
            const QModelIndex at = rows->index(i);
            if (at.data(FormModel::PathRole).toString() != dob)
                continue;
            found = true;
            QCOMPARE(at.data(FormModel::PendingTextRole).toString(), QStringLiteral("31/02/2017"));
            QVERIFY(at.data(FormModel::InputErrorRole)
                        .toString()
                        .startsWith(QLatin1String("Not saved: not a date")));
            QCOMPARE(at.data(FormModel::ValueRole).toString(), QStringLiteral("15/01/2017"));
        }
        QVERIFY(found);
        // Fixed: read, saved, and the warning goes.
        m_app->editor.setValue(dob, QStringLiteral("2017-02-28"));
        QCOMPARE(m_app->editor.unreadableCount(), 0);
        QCOMPARE(m_app->editor.record().children(0).identity().date_of_birth().month(), 2u);
        // "Today" and "Now" come from the device's clock.
        m_clock.setNowUtc(QDateTime(QDate(2026, 12, 3), QTime(21, 40), Qt::UTC));
        m_app->editor.setToNow(QStringLiteral("incident.occurred_at"), true);
        QCOMPARE(m_app->editor.record().incident().occurred_at().unix_ms(), m_clock.nowMs());
        m_app->editor.setToNow(dob, false);
        QCOMPARE(m_app->editor.record().children(0).identity().date_of_birth().year(), 2026u);
        QCOMPARE(m_app->editor.today(), QStringLiteral("03/12/2026"));
    }

    // The form is data, so a typo in a key ("seen.anwser") would be a
    // question whose answer is never stored. Every key, follow-up key,
    // list entry field and keyed row resolves to a field of the schema of
    // a type its editor can hold.
    void everyFormKeyResolvesAgainstTheSchema()
    {
        using google::protobuf::Descriptor;
        using google::protobuf::FieldDescriptor;
        const auto resolve = [](const Descriptor *d,
                                const QString &path) -> const FieldDescriptor * {
            const QStringList parts = path.split(u'.');
            const FieldDescriptor *f = nullptr;
            for (int i = 0; i < parts.size(); ++i) {
                if (!d)
                    return nullptr;
                f = d->FindFieldByName(parts.at(i).toStdString());
                if (!f)
                    return nullptr;
                d = f->message_type();
            }
            return f;
        };
        const auto fits = [](FieldKind kind, const FieldDescriptor *f) {
            const bool rep = f->is_repeated();
            const auto t = f->cpp_type();
            const QString msg =
                f->message_type() ? QString::fromStdString(f->message_type()->name()) : QString();
            switch (kind) {
            case FieldKind::Text:
            case FieldKind::LongText:
            case FieldKind::ChildWords:
                return !rep && t == FieldDescriptor::CPPTYPE_STRING;
            case FieldKind::Number: // a count, or a code of digits kept as text (a URN)
                return !rep && (t == FieldDescriptor::CPPTYPE_INT32 ||
                                t == FieldDescriptor::CPPTYPE_UINT32 ||
                                t == FieldDescriptor::CPPTYPE_STRING);
            case FieldKind::Bool:
                return !rep && t == FieldDescriptor::CPPTYPE_BOOL;
            case FieldKind::Choice:
            case FieldKind::Menu:
                return !rep && t == FieldDescriptor::CPPTYPE_ENUM;
            case FieldKind::Date:
                return !rep && msg == QLatin1String("CalendarDate");
            case FieldKind::DateTime:
                return !rep && msg == QLatin1String("LocalTimestamp");
            case FieldKind::Lines:
                return rep && t == FieldDescriptor::CPPTYPE_STRING;
            case FieldKind::Flags:
                return rep && t == FieldDescriptor::CPPTYPE_ENUM;
            case FieldKind::Options: // a risk question's option keys
                return rep && t == FieldDescriptor::CPPTYPE_STRING;
            case FieldKind::PersonChoice:
                return t == FieldDescriptor::CPPTYPE_STRING;
            case FieldKind::ListHeader:
            case FieldKind::Heading:
                return rep && t == FieldDescriptor::CPPTYPE_MESSAGE;
            case FieldKind::ListItem:
            case FieldKind::ListAdd:
            case FieldKind::PersonRoles:
            case FieldKind::Note:
                return false; // made by the editor, never written in the form
            }
            return false;
        };
        int checked = 0;
        std::function<void(const Descriptor *, const FormField &, const QString &)> check =
            [&](const Descriptor *d, const FormField &field, const QString &where) {
                const QString name = where + u'/' + field.key;
                if (field.key.startsWith(u'@')) { // the editor's own rows (roles)
                    QCOMPARE(field.kind, FieldKind::PersonRoles);
                    return;
                }
                const FieldDescriptor *f = resolve(d, field.key);
                QVERIFY2(f, qPrintable(name + QStringLiteral(": not in the schema")));
                QVERIFY2(fits(field.kind, f),
                         qPrintable(name + QStringLiteral(": the wrong kind of field")));
                ++checked;
                if (!field.whenKey.isEmpty())
                    QVERIFY2(resolve(d, field.whenKey),
                             qPrintable(name + QStringLiteral(": its condition ") + field.whenKey +
                                        QStringLiteral(" is not in the schema")));
                if (!field.keyField.isEmpty() || !field.valueField.isEmpty()) {
                    QVERIFY2(resolve(f->message_type(), field.keyField),
                             qPrintable(name + u'@' + field.keyField));
                    QVERIFY2(resolve(f->message_type(), field.valueField),
                             qPrintable(name + u'@' + field.valueField));
                }
                for (const FormField &item : field.itemFields) {
                    check(f->message_type(), item, name);
                    if (QTest::currentTestFailed())
                        return;
                }
            };
        const auto sections = [&](const QList<FormSection> &list, const Descriptor *d) {
            for (const FormSection &s : list)
                for (const FormField &f : s.fields) {
                    check(d, f, s.id);
                    if (QTest::currentTestFailed())
                        return;
                }
        };
        sections(RecordForm::incidentSections(), v1::IncidentRecord::descriptor());
        sections(RecordForm::childSections(), v1::ChildObservation::descriptor());
        sections(RecordForm::closingSections(), v1::IncidentRecord::descriptor());
        if (QTest::currentTestFailed())
            return;
        // Guards the walk itself: the form has well over a hundred fields.
        QVERIFY2(checked > 100, qPrintable(QString::number(checked)));
    }

    void fieldPathsReadAndWriteEveryKind()
    {
        v1::IncidentRecord r;
        QVERIFY(fieldpath::set(&r, QStringLiteral("incident.police_reference"),
                               QStringLiteral("SYN-1"), 0));
        QCOMPARE(r.incident().police_reference(), std::string("SYN-1"));
        QVERIFY(fieldpath::set(&r, QStringLiteral("incident.type"),
                               int(v1::INCIDENT_TYPE_WELFARE_CHECK), 0));
        QCOMPARE(fieldpath::get(r, QStringLiteral("incident.type")).toInt(),
                 int(v1::INCIDENT_TYPE_WELFARE_CHECK));
        QVERIFY(!fieldpath::set(&r, QStringLiteral("incident.type"), 77, 0)); // not a choice
        QVERIFY(fieldpath::set(&r, QStringLiteral("incident.occurred_at"),
                               QStringLiteral("2026-04-01 00:30"), 60));
        QCOMPARE(r.incident().occurred_at().utc_offset_minutes(), 60);
        QCOMPARE(QDateTime::fromMSecsSinceEpoch(r.incident().occurred_at().unix_ms(), Qt::UTC),
                 QDateTime(QDate(2026, 3, 31), QTime(23, 30), Qt::UTC));
        QCOMPARE(fieldpath::get(r, QStringLiteral("incident.occurred_at")).toString(),
                 QStringLiteral("2026-04-01 00:30"));
        QVERIFY(!fieldpath::set(&r, QStringLiteral("incident.occurred_at"),
                                QStringLiteral("yesterday"), 0));
        QVERIFY(fieldpath::set(
            &r, QStringLiteral("incident.address.lines"),
            QStringList{QStringLiteral("1 Example St"), QString(), QStringLiteral("Flat 2")}, 0));
        QCOMPARE(r.incident().address().lines_size(), 2);

        QVERIFY(fieldpath::append(&r, QStringLiteral("children")));
        QVERIFY(fieldpath::set(&r, QStringLiteral("children[0].identity.date_of_birth"),
                               QStringLiteral("2017-01-15"), 0));
        QCOMPARE(r.children(0).identity().date_of_birth().year(), 2017);
        QVERIFY(!fieldpath::set(&r, QStringLiteral("children[0].identity.date_of_birth"),
                                QStringLiteral("2017-02-30"), 0));
        QVERIFY(fieldpath::set(&r, QStringLiteral("children[0].identity.estimated_age_years"),
                               QStringLiteral("9"), 0));
        QVERIFY(!fieldpath::set(&r, QStringLiteral("children[0].identity.estimated_age_years"),
                                QStringLiteral("nine"), 0));
        QVERIFY(fieldpath::set(&r, QStringLiteral("children[0].identity.unborn"), true, 0));
        QVERIFY(fieldpath::set(
            &r, QStringLiteral("children[0].indicators"),
            QVariantList{int(v1::INDICATOR_NEGLECT), int(v1::INDICATOR_DRUG_MISUSE)}, 0));
        QCOMPARE(r.children(0).indicators_size(), 2);
        QVERIFY(!fieldpath::set(&r, QStringLiteral("children[3].demeanour"), QStringLiteral("x"),
                                0)); // no such child
        QVERIFY(
            !fieldpath::set(&r, QStringLiteral("children[0].nonsense"), QStringLiteral("x"), 0));
        QVERIFY(!fieldpath::set(&r, QStringLiteral("Children[0]"), QStringLiteral("x"), 0));
    }

    void formAdaptsToTheIncidentType()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        QAbstractItemModelTester fieldsTester(
            e.fields(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        e.addChild(false);

        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        QStringList steps = stepTitles(e);
        QVERIFY(steps.contains(QStringLiteral("Risk checklist")));
        QVERIFY(steps.contains(QStringLiteral("Seen and heard#0")));
        e.goToStep(0);
        QVERIFY(!rowPaths(*e.fields()).contains(QStringLiteral("incident.visit_reason")));

        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        if (e.typeChangePending())
            e.confirmTypeChange(); // the checklist's answers go with the type
        steps = stepTitles(e);
        QVERIFY(!steps.contains(QStringLiteral("Risk checklist")));
        e.goToStep(0);
        QVERIFY(rowPaths(*e.fields()).contains(QStringLiteral("incident.visit_reason")));
        e.goToStep(steps.indexOf(QStringLiteral("Seen and heard#0")));
        const QStringList seen = rowPaths(*e.fields());
        QVERIFY(!seen.contains(
            QStringLiteral("children[0].presence"))); // asked at home incidents, not school visits
        QVERIFY(seen.contains(QStringLiteral("children[0].seen.answer")));
        // No home is seen on a school visit.
        e.goToStep(steps.indexOf(QStringLiteral("Demeanour#0")));
        QVERIFY(
            !rowPaths(*e.fields()).contains(QStringLiteral("children[0].home_conditions.hazards")));
    }

    // A school visit reads as a visit: nothing on any step speaks of a home
    // the officer never saw, a victim or suspect, the incident's address or
    // an Encompass notice (which follows domestic abuse), while a domestic
    // abuse record keeps those words where they belong.
    void eachIncidentTypeIsWordedForWhatHappened()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        e.addListItem(QStringLiteral("people"));
        e.addChild(false);
        const QRegularExpression homeWords(
            QStringLiteral("\\bhome\\b|victim|suspect|incident address|encompass"),
            QRegularExpression::CaseInsensitiveOption);
        int rowsRead = 0;
        for (int i = 0; i < e.stepCount(); ++i) {
            e.goToStep(i);
            QVERIFY2(!homeWords.match(e.stepTitle()).hasMatch(), qPrintable(e.stepTitle()));
            for (const FormModel::Row &r : e.fields()->rows()) {
                ++rowsRead;
                QVERIFY2(!homeWords.match(r.label).hasMatch(), qPrintable(r.path + ": " + r.label));
                QVERIFY2(!homeWords.match(r.help).hasMatch(), qPrintable(r.path + ": " + r.help));
            }
        }
        QVERIFY(rowsRead > 40);
        const auto rowAt = [&](const QString &path) -> std::optional<FormModel::Row> {
            for (int i = 0; i < e.stepCount(); ++i) {
                e.goToStep(i);
                for (const FormModel::Row &r : e.fields()->rows())
                    if (r.path == path)
                        return r;
            }
            return std::nullopt;
        };
        QCOMPARE(rowAt(QStringLiteral("incident.address.lines"))->label,
                 QStringLiteral("Address of the school or setting"));
        // The incident's address is the school's, so whether an adult lives
        // there is not asked: their own address is.
        QVERIFY(!rowAt(QStringLiteral("people[0].lives_at_incident_address")));
        QVERIFY(rowAt(QStringLiteral("people[0].address.lines")));

        // The same record as domestic abuse speaks of the home and Encompass.
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        QVERIFY(!e.typeChangePending());
        QVERIFY(stepTitles(e).contains(QStringLiteral("Demeanour and home#0")));
        QVERIFY(rowAt(QStringLiteral("incident.circumstances"))->help.contains(u"Encompass"));
        QVERIFY(rowAt(QStringLiteral("people"))->help.contains(u"victim"));
        QCOMPARE(rowAt(QStringLiteral("people[0].lives_at_incident_address"))->label,
                 QStringLiteral("Lives at the incident address"));

        // An adult said to live at the incident address: a change to a
        // school visit says that answer goes, under the adult's name.
        e.setValue(QStringLiteral("people[0].given_names"), QStringLiteral("Beta SYNTHETIC"));
        e.setValue(QStringLiteral("people[0].lives_at_incident_address"), true);
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QVERIFY(e.typeChangePending());
        QVERIFY2(e.typeChangeLosses().contains(
                     QStringLiteral("Beta SYNTHETIC: Lives at the incident address")),
                 qPrintable(e.typeChangeLosses().join(u'|')));
        e.confirmTypeChange();
        QVERIFY(!e.record().people(0).lives_at_incident_address());
    }

    // Every incident type can be submitted through the form alone: each
    // missing item the review lists opens a step that asks it, and answering
    // what it asks (the least each requires) clears it. This is how an
    // officer found school liaison visits could never be submitted.
    void everyIncidentTypeIsSubmittableThroughTheForm_data()
    {
        QTest::addColumn<int>("type");
        QTest::newRow("domestic abuse") << int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        QTest::newRow("school liaison") << int(v1::INCIDENT_TYPE_SCHOOL_LIAISON);
        QTest::newRow("welfare check") << int(v1::INCIDENT_TYPE_WELFARE_CHECK);
        QTest::newRow("missing child") << int(v1::INCIDENT_TYPE_MISSING_CHILD);
        QTest::newRow("other") << int(v1::INCIDENT_TYPE_OTHER);
    }

    void everyIncidentTypeIsSubmittableThroughTheForm()
    {
        QFETCH(int, type);
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.setValue(QStringLiteral("incident.type"), type);
        QVERIFY(!e.typeChangePending()); // nothing answered yet: nothing to lose
        e.addChild(false);
        QStringList answered;
        for (int round = 0; round < 80 && !e.issues().isEmpty(); ++round) {
            const QVariantMap issue = e.issues().first().toMap();
            const QString path = issue.value(QStringLiteral("path")).toString();
            const int step = issue.value(QStringLiteral("step")).toInt();
            QVERIFY2(step >= 0, qPrintable(QStringLiteral("no step asks %1").arg(path)));
            e.goToStep(step);
            const FormModel::Row *target = nullptr;
            // The row at the issue's path; else, for the checklist as a
            // whole, its first unanswered question.
            const auto answerable = [](const FormModel::Row &row) {
                return row.kind != FieldKind::ListHeader && row.kind != FieldKind::ListItem &&
                       row.kind != FieldKind::ListAdd && row.kind != FieldKind::Heading &&
                       row.kind != FieldKind::Note;
            };
            for (const FormModel::Row &row : e.fields()->rows())
                if (!target && answerable(row) &&
                    (row.path == path || row.path.startsWith(path + QLatin1Char('.'))))
                    target = &row;
            for (const FormModel::Row &row : e.fields()->rows()) {
                if (target)
                    break;
                if (!answerable(row))
                    continue;
                if ((path.startsWith(QLatin1String("risk.")) &&
                     row.path.startsWith(QLatin1String("risk.answers")) &&
                     (row.value.typeId() == QMetaType::QStringList
                          ? row.value.toStringList().isEmpty()
                          : row.value.toString().isEmpty() ||
                                row.value.toString() == QLatin1String("0")))) {
                    target = &row;
                    break;
                }
            }
            if (!target && path == QLatin1String("incident.attending_officers")) {
                e.addListItem(path);
                for (const FormModel::Row &row : e.fields()->rows())
                    if (row.path.startsWith(path + QLatin1String("[0].")) &&
                        row.kind != FieldKind::ListItem && !target)
                        target = &row;
            }
            QVERIFY2(target, qPrintable(QStringLiteral("step %1 (%2) shows no field for %3")
                                            .arg(step)
                                            .arg(e.stepTitle(), path)));
            const QString rowPath = target->path;
            e.setValue(rowPath, minimalAnswer(*target));
            answered << rowPath;
            QVERIFY2(fieldpath::get(e.record(), rowPath).isValid(), qPrintable(rowPath));
        }
        QVERIFY2(
            e.issues().isEmpty(),
            qPrintable(e.issues().value(0).toMap().value(QStringLiteral("path")).toString() +
                       QLatin1Char(' ') +
                       e.issues().value(0).toMap().value(QStringLiteral("message")).toString() +
                       QLatin1Char(' ') + answered.join(u',')));
        QSignalSpy submitted(&e, &RecordEditor::submitted);
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        QCOMPARE(submitted.size(), 1);
        // What was submitted holds nothing the form did not ask for this type.
        auto stored = m_app->session.recordStore()->load(submitted.first().first().toString());
        QVERIFY(stored);
        v1::IncidentRecord copy = stored.value();
        QVERIFY(protocol::Applicability::clearInapplicable(copy).isEmpty());
    }

    // Changing the type asks first when answers would be lost, and a
    // confirmed change removes them, so nothing hidden is submitted.
    void changingTheTypeAsksBeforeDiscardingAnswers()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        e.addChild(false);
        e.setValue(QStringLiteral("children[0].identity.given_names"),
                   QStringLiteral("Alpha SYNTHETIC"));
        e.setValue(QStringLiteral("children[0].presence"), int(v1::PRESENCE_ELSEWHERE_IN_THE_HOME));
        QSignalSpy asked(&e, &RecordEditor::typeChangeChanged);
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QVERIFY(e.typeChangePending());
        QCOMPARE(asked.size(), 1);
        // Only what was answered: the checklist laid out for domestic abuse,
        // with no answer given, is nothing to lose.
        QCOMPARE(e.typeChangeLosses(),
                 QStringList{QStringLiteral("Alpha SYNTHETIC: Where was the child?")});
        // Kept: nothing changed.
        e.cancelTypeChange();
        QVERIFY(!e.typeChangePending());
        QCOMPARE(fieldpath::get(e.record(), QStringLiteral("incident.type")).toInt(),
                 int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        QCOMPARE(fieldpath::get(e.record(), QStringLiteral("children[0].presence")).toInt(),
                 int(v1::PRESENCE_ELSEWHERE_IN_THE_HOME));
        // Confirmed: the type changes and the answer is gone.
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        e.confirmTypeChange();
        QCOMPARE(fieldpath::get(e.record(), QStringLiteral("incident.type")).toInt(),
                 int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QCOMPARE(fieldpath::get(e.record(), QStringLiteral("children[0].presence")).toInt(),
                 int(v1::PRESENCE_UNSPECIFIED));
        // Back to domestic abuse loses nothing (a visit reason was never given).
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        QVERIFY(!e.typeChangePending());
    }

    void reasonsAppearWhenTheAnswerIsNo()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.addChild(false);
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Seen and heard#0")));
        QVERIFY(!rowPaths(*e.fields()).contains(QStringLiteral("children[0].seen.reason_if_no")));
        e.setValue(QStringLiteral("children[0].seen.answer"), int(v1::ANSWER_NO));
        QVERIFY(rowPaths(*e.fields()).contains(QStringLiteral("children[0].seen.reason_if_no")));
        QVERIFY(
            rowPaths(*e.fields()).contains(QStringLiteral("children[0].spoken_to_alone.answer")));
        e.setValue(QStringLiteral("children[0].spoken_to.answer"), int(v1::ANSWER_NO));
        QVERIFY(
            !rowPaths(*e.fields()).contains(QStringLiteral("children[0].spoken_to_alone.answer")));
        // The missing reason shows at its field, in plain words.
        const int row = e.fields()->rowOf(QStringLiteral("children[0].seen.reason_if_no"));
        QVERIFY(e.fields()->rows().at(row).issue.startsWith(QLatin1String("Say why not")));
        QVERIFY(!e.fields()->rows().at(row).issueResolved);
        e.setValue(QStringLiteral("children[0].seen.reason_if_no"),
                   QStringLiteral("SYNTHETIC: asleep"));
        // Answered: the message keeps its place, struck through, until the
        // step is left (nothing below moves under the finger).
        QVERIFY(e.fields()->rows().at(row).issue.startsWith(QLatin1String("Say why not")));
        QVERIFY(e.fields()->rows().at(row).issueResolved);
        e.next();
        e.back();
        QVERIFY(e.fields()
                    ->rows()
                    .at(e.fields()->rowOf(QStringLiteral("children[0].seen.reason_if_no")))
                    .issue.isEmpty());

        // Not seen, so not spoken to: the same reason is offered, one tap,
        // never filled in unasked; nor for a child who was seen.
        const auto sameReasonAt = [&e](const QString &path) {
            const int r = e.fields()->rowOf(path);
            return r < 0 ? QStringLiteral("<no row>") : e.fields()->rows().at(r).sameReason;
        };
        const QString spokenWhy = QStringLiteral("children[0].spoken_to.reason_if_no");
        QCOMPARE(sameReasonAt(spokenWhy), QStringLiteral("SYNTHETIC: asleep"));
        QVERIFY(fieldpath::get(e.record(), spokenWhy).toString().isEmpty());
        e.setValue(spokenWhy, QStringLiteral("SYNTHETIC: asleep"));
        QCOMPARE(sameReasonAt(spokenWhy), QStringLiteral("SYNTHETIC: asleep")); // stays offered
        // Their words not recorded: not spoken to is usually why.
        bool offered = false;
        for (int i = 0; i < e.stepCount() && !offered; ++i) {
            e.goToStep(i);
            const int r =
                e.fields()->rowOf(QStringLiteral("children[0].voice.not_recorded_reason"));
            offered =
                r >= 0 && e.fields()->rows().at(r).sameReason == QLatin1String("SYNTHETIC: asleep");
        }
        QVERIFY(offered);
        e.setValue(QStringLiteral("children[0].seen.answer"), int(v1::ANSWER_YES));
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Seen and heard#0")));
        QCOMPARE(sameReasonAt(spokenWhy), QString());
    }

    // A first look at a step shows no message under its empty fields; they
    // show when the officer comes back to it or from review.
    void messagesShowOnReturnNotOnAFirstLook()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.addChild(false);
        const int seen = stepTitles(e).indexOf(QStringLiteral("Seen and heard#0"));
        // Counting the steps visited them all: open it afresh.
        const QString id = e.recordId();
        e.close();
        QVERIFY(e.open(id));
        QCOMPARE(e.stepIndex(), 0);
        e.goToStep(seen);
        const auto issueAt = [&e](const QString &path) {
            const int row = e.fields()->rowOf(path);
            return row < 0 ? QStringLiteral("<no row>") : e.fields()->rows().at(row).issue;
        };
        const QString presence = QStringLiteral("children[0].presence");
        QVERIFY(!e.issues().isEmpty());
        QCOMPARE(issueAt(presence), QString()); // not on a first look
        // Nor after an answer to another question on the step: an edit
        // shows only what it brought, never every held-back message at once.
        e.setValue(QStringLiteral("children[0].seen.answer"), int(v1::ANSWER_YES));
        QCOMPARE(issueAt(presence), QString());
        QCOMPARE(issueAt(QStringLiteral("children[0].spoken_to.answer")), QString());
        e.setValue(QStringLiteral("children[0].seen.answer"), int(v1::ANSWER_NO));
        QVERIFY(issueAt(QStringLiteral("children[0].seen.reason_if_no")).startsWith(u"Say why"));
        QCOMPARE(issueAt(presence), QString());
        e.next();
        e.back();
        QVERIFY(!issueAt(presence).isEmpty()); // left once: now it says what is missing
        // From review, the step it points at shows its messages.
        e.goToStep(e.stepCount() - 1);
        int target = -1;
        for (const QVariant &v : e.issues())
            if (v.toMap()
                    .value(QStringLiteral("path"))
                    .toString()
                    .startsWith(QLatin1String("children[0].identity")))
                target = v.toMap().value(QStringLiteral("step")).toInt();
        QVERIFY(target >= 0);
        e.goToStep(target);
        bool shown = false;
        for (const FormModel::Row &r : e.fields()->rows())
            shown = shown || !r.issue.isEmpty();
        QVERIFY(shown);
    }

    void childrenAddRemoveReorderAndUnborn()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        QAbstractItemModelTester childrenTester(
            e.children(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        e.addChild(false);
        e.setValue(QStringLiteral("children[0].identity.given_names"),
                   QStringLiteral("Alpha SYNTHETIC"));
        e.addChild(true);
        e.addChild(false);
        e.setValue(QStringLiteral("children[2].identity.given_names"),
                   QStringLiteral("Charlie SYNTHETIC"));
        QCOMPARE(e.children()->rowCount(), 3);
        QCOMPARE(e.children()->index(1).data(ChildrenModel::UnbornRole).toBool(), true);

        const QStringList steps = stepTitles(e);
        QVERIFY(steps.contains(QStringLiteral("Who#1")));
        QVERIFY(
            !steps.contains(QStringLiteral("Seen and heard#1"))); // not asked of an unborn child
        QVERIFY(steps.contains(QStringLiteral("Seen and heard#2")));

        const std::string first = e.record().children(0).child_id();
        e.moveChild(0, 2);
        QCOMPARE(e.record().children(2).child_id(), first);
        QCOMPARE(e.children()->index(0).data(ChildrenModel::NameRole).toString(),
                 QStringLiteral("Unborn child"));
        e.removeChild(0);
        QCOMPARE(e.children()->rowCount(), 2);
        QCOMPARE(e.children()->index(0).data().toString(), QStringLiteral("Charlie SYNTHETIC"));
    }

    void listEntriesCanBeAddedAndRemoved()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.addChild(false);
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Demeanour and home#0")));
        e.addListItem(QStringLiteral("children[0].injuries"));
        e.addListItem(QStringLiteral("children[0].injuries"));
        QVERIFY(
            rowPaths(*e.fields()).contains(QStringLiteral("children[0].injuries[1].description")));
        e.setValue(QStringLiteral("children[0].injuries[1].description"),
                   QStringLiteral("SYNTHETIC: bruise"));
        e.removeListItem(QStringLiteral("children[0].injuries"), 0);
        QCOMPARE(e.record().children(0).injuries_size(), 1);
        QCOMPARE(e.record().children(0).injuries(0).description(),
                 std::string("SYNTHETIC: bruise"));
    }

    // The adults are entered once for the incident, each with a stable id;
    // their part (victim, suspect) is asked with them; each child's
    // relationship to each is asked on the child's own step; removing one
    // removes every reference to them.
    void peopleAreEnteredOnceAndEachChildRelatesToThem()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        QCOMPARE(e.record().form_version(), 2u);
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        e.addChild(false);
        const QStringList steps = stepTitles(e);
        QCOMPARE(steps.mid(0, 3), (QStringList{QStringLiteral("Incident"), QStringLiteral("People"),
                                               QStringLiteral("Children")}));
        e.goToStep(1);
        e.addListItem(QStringLiteral("people"));
        e.addListItem(QStringLiteral("people"));
        QCOMPARE(e.record().people_size(), 2);
        const std::string mum = e.record().people(0).person_id();
        const std::string partner = e.record().people(1).person_id();
        QVERIFY(!QUuid::fromString(QString::fromStdString(mum)).isNull());
        QVERIFY(mum != partner);
        e.setValue(QStringLiteral("people[0].given_names"), QStringLiteral("Delta SYNTHETIC"));
        e.setValue(QStringLiteral("people[1].given_names"), QStringLiteral("Epsilon SYNTHETIC"));
        QVERIFY(rowPaths(*e.fields()).contains(QStringLiteral("people[1].@roles")));

        // A suspect: their age is asked, on their own date of birth.
        e.setRole(QString::fromStdString(partner), 1, true);
        e.setRole(QString::fromStdString(mum), 0, true);
        QCOMPARE(e.record().suspect_ids_size(), 1);
        QCOMPARE(e.record().suspect_ids(0), partner);
        QCOMPARE(e.record().victim_ids(0), mum);
        const int dob = e.fields()->rowOf(QStringLiteral("people[1].date_of_birth"));
        QVERIFY(dob >= 0);
        QVERIFY(!e.fields()->rows()[dob].issue.isEmpty()); // the officer's tap asked it
        QCOMPARE(e.stepFor(QStringLiteral("suspect_ids[0]")), 1);
        QCOMPARE(e.fields()->rows()[e.fields()->rowOf(QStringLiteral("people[1].@roles"))].value,
                 QVariant(QVariantList{1}));
        e.setValue(QStringLiteral("people[1].estimated_age_years"), 30);
        QVERIFY(e.fields()->rows()[dob].issueResolved);
        // The entry's heading names them and their part.
        QVERIFY(e.fields()->rows()[e.fields()->rowOf(QStringLiteral("people[1]"))].label.contains(
            QStringLiteral("Epsilon SYNTHETIC (suspect)")));

        // The child's relationships: one per adult, named.
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Relationships#0")));
        QCOMPARE(e.record().children(0).relationships_size(), 2);
        QCOMPARE(e.record().children(0).relationships(0).person_id(), mum);
        const QStringList rows = rowPaths(*e.fields());
        QVERIFY(rows.contains(QStringLiteral("children[0].relationships[1].kind")));
        const auto &heading =
            e.fields()->rows()[rows.indexOf(QStringLiteral("children[0].relationships[0]"))];
        QCOMPARE(heading.kind, FieldKind::Heading);
        QCOMPARE(heading.label, QStringLiteral("Delta SYNTHETIC (victim)"));
        e.setValue(QStringLiteral("children[0].relationships[0].kind"),
                   int(v1::RELATIONSHIP_KIND_PARENT));

        // Removing the partner asks first, naming them and what goes.
        e.goToStep(1);
        QSignalSpy asked(&e, &RecordEditor::removalChanged);
        e.askToRemove(QStringLiteral("people"), 1);
        QCOMPARE(asked.size(), 1);
        QVERIFY(e.removalQuestion().contains(QStringLiteral("Epsilon SYNTHETIC")));
        QVERIFY(e.removalQuestion().contains(QStringLiteral("relationship")));
        e.cancelRemoval();
        QVERIFY(e.removalQuestion().isEmpty());
        QCOMPARE(e.record().people_size(), 2);
        // Confirmed: every reference to them goes with them.
        e.askToRemove(QStringLiteral("people"), 1);
        e.confirmRemoval();
        QVERIFY(e.removalQuestion().isEmpty());
        QCOMPARE(e.record().people_size(), 1);
        QCOMPARE(e.record().suspect_ids_size(), 0);
        QCOMPARE(e.record().children(0).relationships_size(), 1);
        QCOMPARE(e.record().children(0).relationships(0).kind(), v1::RELATIONSHIP_KIND_PARENT);
    }

    // A 16 or 17 year old child can be the victim or the suspect; a younger
    // child is not asked.
    void anOlderChildCanBeTheSuspect()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        e.addChild(false);
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Who#0")));
        e.setValue(QStringLiteral("children[0].identity.estimated_age_years"), 12);
        QVERIFY(!rowPaths(*e.fields()).contains(QStringLiteral("children[0].@roles")));
        e.setValue(QStringLiteral("children[0].identity.estimated_age_years"), 16);
        QVERIFY(rowPaths(*e.fields()).contains(QStringLiteral("children[0].@roles")));
        e.setRole(QString::fromStdString(e.record().children(0).child_id()), 1, true);
        QCOMPARE(e.record().suspect_ids(0), e.record().children(0).child_id());
        // Not at a school visit, where nobody is the suspect.
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_SCHOOL_LIAISON));
        QVERIFY(e.typeChangePending());
        QVERIFY(e.typeChangeLosses().join(QLatin1Char(' ')).contains(QStringLiteral("suspect")));
        e.confirmTypeChange();
        QCOMPARE(e.record().suspect_ids_size(), 0);
        QVERIFY(!rowPaths(*e.fields()).contains(QStringLiteral("children[0].@roles")));
        // Removing a child who was a victim removes the reference.
        e.setValue(QStringLiteral("incident.type"), int(v1::INCIDENT_TYPE_DOMESTIC_ABUSE));
        e.setRole(QString::fromStdString(e.record().children(0).child_id()), 0, true);
        QCOMPARE(e.record().victim_ids_size(), 1);
        e.removeChild(0);
        QCOMPARE(e.record().victim_ids_size(), 0);
    }

    // Each ACE indicator is one tap: how the officer knows of it. Tapping
    // the same answer again removes it.
    void indicatorsAreRecordedWithHowTheOfficerKnows()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        e.addChild(false);
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Indicators and actions#0")));
        const QString drugs =
            QStringLiteral("children[0].indicator_details@%1").arg(int(v1::INDICATOR_DRUG_MISUSE));
        QVERIFY(rowPaths(*e.fields()).contains(drugs));
        e.setValue(drugs, int(v1::PROVENANCE_DISCLOSED));
        QCOMPARE(e.record().children(0).indicator_details_size(), 1);
        QCOMPARE(e.record().children(0).indicator_details(0).indicator(),
                 v1::INDICATOR_DRUG_MISUSE);
        QCOMPARE(e.record().children(0).indicator_details(0).provenance(),
                 v1::PROVENANCE_DISCLOSED);
        e.setValue(drugs, int(v1::PROVENANCE_OBSERVED));
        QCOMPARE(e.record().children(0).indicator_details_size(), 1);
        QCOMPARE(e.fields()->rows()[e.fields()->rowOf(drugs)].value.toInt(),
                 int(v1::PROVENANCE_OBSERVED));
        e.setValue(drugs, 0);
        QCOMPARE(e.record().children(0).indicator_details_size(), 0);
        // Nothing that is not an indicator of the form.
        e.setValue(QStringLiteral("children[0].indicator_details@99"),
                   int(v1::PROVENANCE_OBSERVED));
        QCOMPARE(e.record().children(0).indicator_details_size(), 0);
    }

    // A draft begun on form 1 opens on form 2 with its household as people
    // and relationships, is saved so at once, and asks what form 2 needs
    // (here: how the officer knows of each indicator) on the row that asks it.
    void aFormOneDraftMigratesWhenOpened()
    {
        setUpStore();
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(5, m_clock, checklists);
        v1::IncidentRecord r = factory.next();
        while (r.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE)
            r = factory.next();
        QCOMPARE(protocol::derived::formVersion(r), 1);
        v1::ChildObservation *c = r.mutable_children(0);
        c->clear_indicators();
        c->add_indicators(v1::INDICATOR_NEGLECT);
        v1::HouseholdMember *m = c->add_household();
        m->set_name("Zeta SYNTHETIC");
        m->set_relationship_to_child("grandmother");
        m->set_carer_capacity(v1::CARER_CAPACITY_INJURED);
        QVERIFY(!m_app->session.recordStore()->saveDraft(r));

        RecordEditor &e = m_app->editor;
        QVERIFY(e.open(QString::fromStdString(r.record_id())));
        QCOMPARE(protocol::derived::formVersion(e.record()), 2);
        QCOMPARE(e.stepIndex(), 0);
        QVERIFY(!e.savePending()); // saved at once
        auto stored = m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(stored);
        QCOMPARE(protocol::derived::formVersion(stored.value()), 2);
        QCOMPARE(stored.value().children(0).household_size(), 0);
        bool found = false;
        for (const v1::Person &p : stored.value().people())
            found = found || p.given_names() == "Zeta";
        QVERIFY(found);

        const QString neglect =
            QStringLiteral("children[0].indicator_details@%1").arg(int(v1::INDICATOR_NEGLECT));
        int step = -1;
        for (const QVariant &v : e.issues()) {
            const QVariantMap issue = v.toMap();
            if (issue.value(QStringLiteral("path"))
                    .toString()
                    .startsWith(QLatin1String("children[0].indicator_details")))
                step = issue.value(QStringLiteral("step")).toInt();
        }
        QVERIFY(step >= 0);
        e.goToStep(e.stepCount() - 1); // the officer taps it on review
        e.goToStep(step);
        const int row = e.fields()->rowOf(neglect);
        QVERIFY(row >= 0);
        QVERIFY(!e.fields()->rows()[row].issue.isEmpty());
        QVERIFY(!e.fields()->rows()[row].issueResolved);
        e.setValue(neglect, int(v1::PROVENANCE_FROM_RECORDS));
        QVERIFY(e.fields()->rows()[e.fields()->rowOf(neglect)].issueResolved);
    }

    // A follow-up the form no longer shows (a reason given before the
    // answer became "yes", a photo description after "no photographs") is
    // not submitted.
    void hiddenFollowUpsAreNotSubmitted()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(3);
        RecordEditor &e = m_app->editor;
        QVERIFY(e.issues().isEmpty());
        e.setValue(QStringLiteral("children[0].seen.answer"), int(v1::ANSWER_NO));
        e.setValue(QStringLiteral("children[0].seen.reason_if_no"),
                   QStringLiteral("SYNTHETIC: asleep"));
        e.setValue(QStringLiteral("children[0].seen.answer"), int(v1::ANSWER_YES));
        e.setValue(QStringLiteral("evidence.photographs_taken"), int(v1::ANSWER_YES));
        e.setValue(QStringLiteral("evidence.photographs_detail"),
                   QStringLiteral("SYNTHETIC: hall"));
        e.setValue(QStringLiteral("evidence.photographs_taken"), int(v1::ANSWER_NO));
        // A submit that is refused keeps them: the draft is as it was left.
        const std::string rationale = e.record().children(0).grade_rationale();
        e.setValue(QStringLiteral("children[0].grade_rationale"), QString());
        QVERIFY(!e.submit());
        QCOMPARE(e.record().evidence().photographs_detail(), std::string("SYNTHETIC: hall"));
        auto draft = m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(draft);
        QCOMPARE(draft.value().evidence().photographs_detail(), std::string("SYNTHETIC: hall"));
        QCOMPARE(draft.value().children(0).seen().reason_if_no(), std::string("SYNTHETIC: asleep"));
        e.setValue(QStringLiteral("children[0].grade_rationale"),
                   QString::fromStdString(rationale));
        QVERIFY2(
            e.issues().isEmpty(),
            qPrintable(e.issues().value(0).toMap().value(QStringLiteral("path")).toString() +
                       QLatin1Char(' ') +
                       e.issues().value(0).toMap().value(QStringLiteral("message")).toString() +
                       QString()));
        QSignalSpy submitted(&e, &RecordEditor::submitted);
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        auto stored = m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(stored);
        QVERIFY(stored.value().children(0).seen().reason_if_no().empty());
        QVERIFY(stored.value().evidence().photographs_detail().empty());
        QCOMPARE(stored.value().evidence().photographs_taken(), v1::ANSWER_NO);
    }

    // A declined checklist's answers are hidden, so they are not submitted.
    void aDeclinedChecklistsAnswersAreNotSubmitted()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(11, [](const v1::IncidentRecord &x) {
            return x.incident().type() == v1::INCIDENT_TYPE_DOMESTIC_ABUSE && !x.risk().declined();
        });
        QVERIFY(r.risk().answers_size() > 0);
        RecordEditor &e = m_app->editor;
        e.setValue(QStringLiteral("risk.declined"), true);
        e.setValue(QStringLiteral("risk.declined_reason"),
                   QStringLiteral("SYNTHETIC: suspect in the room"));
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        auto stored = m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(stored);
        QCOMPARE(stored.value().risk().answers_size(), 0);
        QVERIFY(stored.value().risk().declined());
    }

    // The row of a risk question, by its tag, on the record's checklist.
    static QString riskPath(const v1::IncidentRecord &r, const QString &tag)
    {
        const auto registry = protocol::RiskChecklistRegistry::withBuiltIns();
        const protocol::RiskChecklist *c = registry.forRecord(r);
        for (int q = 0; c && q < c->questions().size(); ++q)
            if (c->questions()[q].tag == tag)
                return FormRows::riskAnswerPath(*c, q);
        return QString();
    }
    static const FormModel::Row *rowAt(const FormModel &m, const QString &path)
    {
        for (const FormModel::Row &row : m.rows())
            if (row.path == path)
                return &row;
        return nullptr;
    }

    // The police DASH as the officer meets it: by section in the police
    // order; the stalking questions only once question 8 is yes, and
    // required only then; "afraid of what, for whom" as options where "not
    // known" stands alone; questions 11 and 12 answered on each child; "not
    // safe to ask" hides the questions and sends none of their answers.
    void theRiskStepAsksThePoliceDashWithItsFollowUps()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(21, [](const v1::IncidentRecord &x) {
            return x.incident().type() == v1::INCIDENT_TYPE_DOMESTIC_ABUSE &&
                   !x.risk().declined() && x.children_size() > 0 &&
                   !x.children(0).identity().unborn();
        });
        RecordEditor &e = m_app->editor;
        QCOMPARE(e.record().risk().checklist_version(), 2u);
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Risk checklist")));
        e.setValue(riskPath(r, QStringLiteral("stalking")), int(v1::ANSWER_NO));
        e.setValue(riskPath(r, QStringLiteral("isolated")), int(v1::ANSWER_NO));
        e.setValue(riskPath(r, QStringLiteral("afraid_further_harm")), int(v1::ANSWER_NO));
        const auto headings = [&] {
            QStringList out;
            for (const FormModel::Row &row : e.fields()->rows())
                if (row.path.startsWith(QLatin1String("risk.section:")))
                    out << row.label;
            return out;
        };
        QCOMPARE(headings(),
                 (QStringList{QStringLiteral("The current situation"),
                              QStringLiteral("Children and dependants"),
                              QStringLiteral("Abuse history"), QStringLiteral("The abuser")}));
        const FormModel::Row *q18 =
            rowAt(*e.fields(), riskPath(r, QStringLiteral("strangulation")));
        QVERIFY(q18);
        QVERIFY2(q18->label.startsWith(QLatin1String("18. ")), qPrintable(q18->label));
        const auto stalkingRows = [&] {
            int n = 0;
            for (const FormModel::Row &row : e.fields()->rows())
                n += row.label.contains(QRegularExpression(QStringLiteral("^S\\d+\\. "))) &&
                     row.path.startsWith(QLatin1String("risk.answers"));
            return n;
        };
        QCOMPARE(stalkingRows(), 0);
        const auto stalkingIssues = [&] {
            int n = 0;
            for (const QVariant &i : e.issues())
                n += i.toMap()
                         .value(QStringLiteral("message"))
                         .toString()
                         .contains(QRegularExpression(QStringLiteral("question S\\d+")));
            return n;
        };
        QCOMPARE(stalkingIssues(), 0);

        // Question 8 yes: the 11 stalking questions, under their own title,
        // right after it, and each required.
        e.setValue(riskPath(r, QStringLiteral("stalking")), int(v1::ANSWER_YES));
        QCOMPARE(stalkingRows(), 11);
        QVERIFY(headings().contains(
            QStringLiteral("Stalking and harassment (asked because of question 8)")));
        QCOMPARE(stalkingIssues(), 11);
        const QStringList paths = rowPaths(*e.fields());
        QCOMPARE(paths.indexOf(riskPath(r, QStringLiteral("stalking"))) + 2,
                 paths.indexOf(riskPath(r, QStringLiteral("s_very_frightened"))));
        e.setValue(riskPath(r, QStringLiteral("stalking")), int(v1::ANSWER_NO));
        QCOMPARE(stalkingRows(), 0);
        QCOMPARE(stalkingIssues(), 0);

        // Afraid: of what and for whom, as options.
        e.setValue(riskPath(r, QStringLiteral("afraid_further_harm")), int(v1::ANSWER_YES));
        const QString forWhom = riskPath(r, QStringLiteral("afraid_for"));
        const FormModel::Row *whom = rowAt(*e.fields(), forWhom);
        QVERIFY(whom);
        QCOMPARE(whom->kind, FieldKind::Options);
        e.toggleOption(forWhom, QStringLiteral("self"), true);
        e.toggleOption(forWhom, QStringLiteral("children"), true);
        QCOMPARE(fieldpath::get(e.record(), forWhom).toStringList(),
                 (QStringList{QStringLiteral("self"), QStringLiteral("children")}));
        e.toggleOption(forWhom, QStringLiteral("not_known"), true);
        QCOMPARE(fieldpath::get(e.record(), forWhom).toStringList(),
                 QStringList{QStringLiteral("not_known")});
        e.toggleOption(forWhom, QStringLiteral("children"), true);
        QCOMPARE(fieldpath::get(e.record(), forWhom).toStringList(),
                 QStringList{QStringLiteral("children")});

        // Question 11 is each child's: shown, not asked again.
        const QString q11 = riskPath(r, QStringLiteral("child_hurt"));
        QCOMPARE(rowAt(*e.fields(), q11)->kind, FieldKind::Note);
        e.setValue(QStringLiteral("children[0].suspect_ever_hurt"), int(v1::ANSWER_YES));
        QCOMPARE(fieldpath::get(e.record(), q11).toInt(), int(v1::ANSWER_YES));
        QVERIFY2(rowAt(*e.fields(), q11)->help.contains(QLatin1String(": yes")),
                 qPrintable(rowAt(*e.fields(), q11)->help));

        // Not safe to ask now: its own outcome, with why; nothing asked or sent.
        e.setValue(QStringLiteral("risk.not_safe_to_ask"), true);
        for (const FormModel::Row &row : e.fields()->rows())
            QVERIFY2(!row.path.startsWith(QLatin1String("risk.answers")), qPrintable(row.path));
        QVERIFY(rowAt(*e.fields(), QStringLiteral("risk.not_safe_reason")));
        QVERIFY(!e.submit());
        e.setValue(QStringLiteral("risk.not_safe_reason"),
                   QStringLiteral("SYNTHETIC: suspect in the next room; asked tomorrow at the "
                                  "station"));
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        const auto stored =
            m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(stored);
        QCOMPARE(stored.value().risk().answers_size(), 0);
        QVERIFY(stored.value().risk().not_safe_to_ask());
        QCOMPARE(stored.value().children(0).suspect_ever_hurt(), v1::ANSWER_YES);
    }

    // A draft begun on version 1 (the partner order) stays on version 1 now
    // that version 2 is current: its answers, its 27 rows, its score.
    void aDraftBegunOnVersionOneKeepsItsAnswersAndItsVersion()
    {
        setUpStore();
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(checklists);
        testing::answerChecklist(r.mutable_risk(), *checklists.find(QStringLiteral("dash-2009"), 1),
                                 5);
        QVERIFY(!m_app->session.recordStore()->saveDraft(r));
        RecordEditor &e = m_app->editor;
        QVERIFY(e.open(QString::fromStdString(r.record_id())));
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Risk checklist")));
        QCOMPARE(e.record().risk().checklist_version(), 1u);
        int questions = 0;
        for (const FormModel::Row &row : e.fields()->rows()) {
            QVERIFY2(!row.path.startsWith(QLatin1String("risk.section:")), qPrintable(row.path));
            QVERIFY(row.path != QLatin1String("risk.rationale"));
            if (row.path.startsWith(QLatin1String("risk.answers"))) {
                QCOMPARE(row.path, QStringLiteral("risk.answers[%1].answer").arg(questions));
                QCOMPARE(row.value.toInt(), int(questions < 5 ? v1::ANSWER_YES : v1::ANSWER_NO));
                ++questions;
            }
        }
        QCOMPARE(questions, 27);
        QVERIFY2(e.riskSummary().startsWith(QLatin1String("Score 5 of 27")),
                 qPrintable(e.riskSummary()));
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        const auto stored =
            m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QCOMPARE(stored.value().risk().checklist_version(), 1u);
        QCOMPARE(stored.value().risk().answers(4).answer(), v1::ANSWER_YES);
    }

    // DASH 11 is read from the children: a child removed after the risk
    // step was seen no longer counts in what is stored (submit re-reads).
    void aChildRemovedAfterTheRiskStepNoLongerCountsInIt()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(23, [](const v1::IncidentRecord &x) {
            if (x.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE || x.risk().declined() ||
                x.risk().not_safe_to_ask() || x.children_size() < 2)
                return false;
            for (const v1::ChildObservation &c : x.children())
                if (c.identity().unborn())
                    return false;
            return true;
        });
        RecordEditor &e = m_app->editor;
        for (int i = 0; i < e.record().children_size(); ++i)
            e.setValue(QStringLiteral("children[%1].suspect_ever_hurt").arg(i),
                       int(i == 0 ? v1::ANSWER_YES : v1::ANSWER_NO));
        e.goToStep(stepTitles(e).indexOf(QStringLiteral("Risk checklist")));
        const QString q11 = riskPath(r, QStringLiteral("child_hurt"));
        QCOMPARE(fieldpath::get(e.record(), q11).toInt(), int(v1::ANSWER_YES));

        e.removeChild(0);
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        const auto stored =
            m_app->session.recordStore()->load(QString::fromStdString(r.record_id()));
        QVERIFY(stored);
        QCOMPARE(fieldpath::get(stored.value(), q11).toInt(), int(v1::ANSWER_NO));
    }

    // An instrument shaped like DARA renders from its data alone: frequency
    // answers (with "not known" only where allowed), options, the victim's
    // words, a rationale, and judgement grading that must be given.
    void anInstrumentShapedLikeDaraRendersFromItsData()
    {
        protocol::RiskChecklistRegistry registry = protocol::RiskChecklistRegistry::withBuiltIns();
        const auto dara =
            protocol::RiskChecklist::builtIn(QStringLiteral("dara-shaped-illustrative-v1.json"));
        QVERIFY(!registry.add(dara));
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(registry);
        QCOMPARE(QString::fromStdString(r.risk().checklist_id()), dara.id());
        const FormSection *risk = nullptr;
        for (const FormSection &s : RecordForm::closingSections())
            if (s.id == QLatin1String("risk"))
                risk = &s;
        QVERIFY(risk);
        const QList<FormModel::Row> rows = FormRows(r, registry).rows(*risk, -1, {});
        QHash<QString, FormModel::Row> byPath;
        QStringList headings;
        for (const FormModel::Row &row : rows) {
            byPath.insert(row.path, row);
            if (row.path.startsWith(QLatin1String("risk.section:")))
                headings << row.label;
        }
        QCOMPARE(headings, (QStringList{QStringLiteral("What has happened, and how often"),
                                        QStringLiteral("In the victim's words")}));
        const FormModel::Row violence = byPath.value(QStringLiteral("risk.answers[0].frequency"));
        QCOMPARE(violence.kind, FieldKind::Choice);
        QCOMPARE(violence.choices.size(), 5); // never, once, sometimes, often, not known
        QCOMPARE(byPath.value(QStringLiteral("risk.answers[4].frequency")).choices.size(), 4);
        QCOMPARE(byPath.value(QStringLiteral("risk.answers[3].choices")).kind, FieldKind::Options);
        QCOMPARE(byPath.value(QStringLiteral("risk.answers[5].text")).kind, FieldKind::Text);
        QVERIFY(byPath.contains(QStringLiteral("risk.rationale")));
        QVERIFY(byPath.contains(QStringLiteral("risk.judgement_level")));

        // Graded by judgement: required, and then the level (no trigger
        // fired: strangulation answered no).
        for (v1::RiskAnswer &a : *r.mutable_risk()->mutable_answers())
            if (a.question_id() == "strangulation")
                a.set_answer(v1::ANSWER_NO);
        const protocol::GoodPracticeValidator validator(registry);
        r.mutable_risk()->clear_judgement_level();
        bool asked = false;
        for (const protocol::RecordIssue &i : validator.check(r))
            asked = asked || i.code == QLatin1String("judgement_required");
        QVERIFY(asked);
        r.mutable_risk()->set_judgement_level(v1::RISK_LEVEL_MEDIUM);
        QCOMPARE(dara.scoreRecord(r).finalLevel, v1::RISK_LEVEL_MEDIUM);
        QVERIFY(validator.check(r).isEmpty());
    }

    // A draft that refers to nobody (written elsewhere, or damaged) opens
    // without the reference, which the form could never fix.
    void referencesToNobodyAreDroppedOnOpen()
    {
        setUpStore();
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        v1::IncidentRecord r = testing::validDomesticAbuseRecordForm2(checklists);
        r.add_suspect_ids("99999999-9999-4999-8999-999999999999");
        r.mutable_children(0)->add_relationships()->set_person_id(
            "99999999-9999-4999-8999-999999999999");
        QVERIFY(!m_app->session.recordStore()->saveDraft(r));
        RecordEditor &e = m_app->editor;
        QVERIFY(e.open(QString::fromStdString(r.record_id())));
        QCOMPARE(e.record().suspect_ids_size(), 1);
        QCOMPARE(e.record().suspect_ids(0), std::string(testing::kSuspectId));
        QCOMPARE(e.record().children(0).relationships_size(), 2);
        QVERIFY2(e.issues().isEmpty(),
                 qPrintable(e.issues().value(0).toMap().value(QStringLiteral("path")).toString()));
    }

    // ------------------------------------------------ autosave and restore

    void autosaveWithinASecondOfTheLastEdit()
    {
        QVERIFY(RecordEditor::kAutosaveMs <= 1000);
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        const QString id = e.recordId();
        e.setValue(QStringLiteral("incident.police_reference"), QStringLiteral("SYN-CAD-7"));
        QVERIFY(e.savePending());
        QTRY_VERIFY_WITH_TIMEOUT(!e.savePending(), RecordEditor::kAutosaveMs + 500);
        auto stored = m_app->session.recordStore()->load(id);
        QVERIFY(stored);
        QCOMPARE(stored.value().incident().police_reference(), std::string("SYN-CAD-7"));
    }

    void lockSavesAtOnceAndReopeningLandsWhereTheOfficerWas()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        const QString id = e.recordId();
        e.addChild(false);
        const int seenStep = stepTitles(e).indexOf(QStringLiteral("Seen and heard#0"));
        e.goToStep(seenStep);
        e.setValue(QStringLiteral("children[0].voice.words_verbatim"),
                   QStringLiteral("SYNTHETIC: \"I hid\""));
        QVERIFY(e.savePending());
        m_app->session.lock(); // no waiting for the autosave
        QVERIFY(!e.active());  // nothing of the record stays in memory

        m_app->unlock.unlock(kPassphrase);
        QVERIFY(e.open(id));
        QCOMPARE(e.stepIndex(), seenStep);
        QCOMPARE(e.record().children(0).voice().words_verbatim(),
                 std::string("SYNTHETIC: \"I hid\""));
    }

    void keysRotateDailyUnderAnOpenEditorWithoutLosingAnEdit()
    {
        // The officer keeps the app unlocked across a day: the store moves to
        // fresh keys under the open editor, which saves on as before.
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        const QString id = e.recordId();
        e.setValue(QStringLiteral("incident.police_reference"), QStringLiteral("SYN-CAD-8"));
        QVERIFY(e.saveNow());
        QCOMPARE(m_app->session.vault().status()->generation, quint64(1));
        m_app->session.rotateKeysIfDue(); // not due yet
        QCOMPARE(m_app->session.vault().status()->generation, quint64(1));
        m_clock.advanceSecs(24 * 3600);
        m_app->session.rotateKeysIfDue();
        QCOMPARE(m_app->session.vault().status()->generation, quint64(2));
        QCOMPARE(m_app->session.state(), AppSession::State::Unlocked);
        e.setValue(QStringLiteral("incident.circumstances"), QStringLiteral("SYNTHETIC after"));
        QVERIFY(e.saveNow());
        restartFromDisk(); // unlocks with the same passphrase
        QVERIFY(m_app->editor.open(id));
        QCOMPARE(m_app->editor.record().incident().police_reference(), std::string("SYN-CAD-8"));
        QCOMPARE(m_app->editor.record().incident().circumstances(), std::string("SYNTHETIC after"));
    }

    void aCrashAfterAutosaveLosesNothing()
    {
        setUpStore();
        RecordEditor &e = m_app->editor;
        QVERIFY(e.startNew());
        const QString id = e.recordId();
        e.addChild(false);
        e.setValue(QStringLiteral("children[0].demeanour"), QStringLiteral("SYNTHETIC: quiet"));
        QVERIFY(e.saveNow()); // what the autosave timer does
        restartFromDisk();
        QVERIFY(m_app->editor.open(id));
        QCOMPARE(m_app->editor.record().children(0).demeanour(), std::string("SYNTHETIC: quiet"));
        QCOMPARE(m_app->editor.children()->rowCount(), 1);
    }

    void submitFreezesAndQueues()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(3);
        RecordEditor &e = m_app->editor;
        QVERIFY2(e.issues().isEmpty(),
                 qPrintable(e.issues().value(0).toMap().value(QStringLiteral("path")).toString()));

        e.setValue(QStringLiteral("children[0].grade_rationale"), QString());
        QCOMPARE(e.issues().size(), 1);
        QVERIFY(!e.submit());
        QVERIFY(!e.submitError().isEmpty());
        e.setValue(QStringLiteral("children[0].grade_rationale"),
                   QStringLiteral("SYNTHETIC: reason"));

        QSignalSpy submitted(&e, &RecordEditor::submitted);
        QVERIFY(e.submit());
        QCOMPARE(submitted.size(), 1);
        // Its resume position is forgotten with it.
        QFile resume(m_app->session.resumeFilePath());
        QVERIFY(resume.open(QIODevice::ReadOnly));
        QVERIFY(!resume.readAll().contains(r.record_id().c_str()));
        QVERIFY(!e.active());
        // Frozen: it opens to read, not to edit.
        QVERIFY(e.open(QString::fromStdString(r.record_id())));
        QVERIFY(e.readOnly());
        e.close();
        m_app->home.refresh();
        QCOMPARE(m_app->home.waitingCount(), 1);
    }

    // A submitted record opens to read, on its review: nothing in it can
    // change. Amend makes the next version a draft with the officer's
    // reason; it is submitted like any draft, and the first version stays
    // exactly as it was sent.
    void aSubmittedRecordOpensReadOnlyAndIsAmendedWithAReason()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(3);
        const QString id = QString::fromStdString(r.record_id());
        RecordEditor &e = m_app->editor;
        QVERIFY(e.submit());
        store::RecordStore &store = *m_app->session.recordStore();
        const QByteArray sent = store.submittedBytes(id, 1).value();
        QVERIFY(!store.applyOutcomes({{id, 1, store::OutboxOutcome::Kind::Acknowledged, {}}}));

        QVERIFY(e.open(id));
        QVERIFY(e.readOnly());
        QCOMPARE(e.status(), protocol::RecordStatus::Acknowledged);
        QCOMPARE(e.stepKind(), StepKind::Review);
        QVERIFY(e.canAmend());
        QVERIFY2(e.stateNotice().startsWith(QLatin1String("On the hub since")),
                 qPrintable(e.stateNotice()));
        QVERIFY(e.issues().isEmpty());         // good practice is asked of drafts
        QVERIFY(!e.reviewSummary().isEmpty()); // the read-back is there to read
        QVERIFY(!e.canDelete());

        // Every way of changing it is refused, and nothing is written.
        e.goToStep(0);
        const QVariant ref =
            fieldpath::get(e.record(), QStringLiteral("incident.police_reference"));
        e.setValue(QStringLiteral("incident.police_reference"), QStringLiteral("SYN-CHANGED"));
        QCOMPARE(fieldpath::get(e.record(), QStringLiteral("incident.police_reference")), ref);
        const int children = e.record().children_size();
        e.addChild(false);
        e.removeChild(0);
        QCOMPARE(e.record().children_size(), children);
        QVERIFY(!e.submit());
        QVERIFY(!e.withdraw(QStringLiteral("no")));
        QVERIFY(!e.savePending());
        e.close();
        QCOMPARE(store.submittedBytes(id, 1).value(), sent);
        QCOMPARE(store.recordState(id)->version, 1);

        // Amend: a reason is required, then version 2 opens to edit.
        QVERIFY(e.open(id));
        QVERIFY(!e.amend(QStringLiteral("  ")));
        QVERIFY(!e.submitError().isEmpty());
        QVERIFY(e.readOnly());
        QSignalSpy amended(&e, &RecordEditor::amended);
        QVERIFY(e.amend(QStringLiteral("SYNTHETIC: corrected the school's name")));
        QCOMPARE(amended.size(), 1);
        QVERIFY(!e.readOnly());
        QVERIFY(e.isAmendment());
        QCOMPARE(e.version(), 2);
        QCOMPARE(e.amendmentReason(), QStringLiteral("SYNTHETIC: corrected the school's name"));
        QCOMPARE(e.stepIndex(), 0);
        QVERIFY(!e.withdraw(QStringLiteral("no"))); // an amendment is discarded, not withdrawn
        e.setValue(QStringLiteral("incident.police_reference"), QStringLiteral("SYN-CAD-777777"));
        QVERIFY(e.saveNow());
        m_app->home.refresh();
        QCOMPARE(m_app->home.draftCount(), 1); // the amendment waits to be submitted, and says so

        // Discarded: version 1 stands as it was.
        QVERIFY(e.discardAmendment());
        QVERIFY(!e.active());
        QCOMPARE(store.recordState(id)->version, 1);
        QCOMPARE(store.recordState(id)->status, protocol::RecordStatus::Acknowledged);

        // Amended again and submitted: a new version, with its reason.
        QVERIFY(e.open(id));
        QVERIFY(e.amend(QStringLiteral("SYNTHETIC: added the second officer")));
        e.setValue(QStringLiteral("incident.police_reference"), QStringLiteral("SYN-CAD-777777"));
        QVERIFY2(e.submit(), qPrintable(e.submitError()));
        auto v2 = store.load(id, 2);
        QVERIFY(v2);
        QCOMPARE(v2->parent_version(), 1u);
        QCOMPARE(v2->amendment_reason(), "SYNTHETIC: added the second officer");
        QCOMPARE(v2->incident().police_reference(), "SYN-CAD-777777");
        QCOMPARE(store.submittedBytes(id, 1).value(), sent);
        QCOMPARE(store.recordState(id)->status, protocol::RecordStatus::Queued);
        QVERIFY(e.open(id));
        QVERIFY(e.readOnly());
        QVERIFY(e.stateNotice().startsWith(QLatin1String("Submitted")));
        QVERIFY(e.canAmend()); // still waiting to send: a further amendment may follow
    }

    // The hub refused a version: it opens on the hub's reasons, and the
    // correction opens where the first one is answered; the reasons stay
    // in view while it is written.
    void aRefusedRecordOpensOnTheHubsReasons()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(3);
        const QString id = QString::fromStdString(r.record_id());
        RecordEditor &e = m_app->editor;
        QVERIFY(e.submit());
        store::RecordStore &store = *m_app->session.recordStore();
        const QString reasons =
            QStringLiteral("incident.police_reference: text_too_long: the reference is too long "
                           "for the force's system: at most 20 characters\n"
                           ": hash_mismatch: the record's SHA-256 does not match the envelope");
        QVERIFY(
            !store.applyOutcomes({{id, 1, store::OutboxOutcome::Kind::NeedsCorrection, reasons}}));
        m_app->home.refresh();
        QCOMPARE(m_app->home.needsCorrectionCount(), 1);

        QVERIFY(e.open(id));
        QVERIFY(e.readOnly());
        QCOMPARE(e.status(), protocol::RecordStatus::NeedsCorrection);
        QVERIFY(e.canAmend());
        const QVariantList hub = e.hubReasons();
        QCOMPARE(hub.size(), 2);
        QCOMPARE(hub[0].toMap().value("code").toString(), QStringLiteral("text_too_long"));
        QCOMPARE(hub[0].toMap().value("message").toString(),
                 QStringLiteral("The reference is too long for the force's system: at most 20 "
                                "characters")); // a message with ": " in it is kept whole
        const int referenceStep = hub[0].toMap().value("step").toInt();
        QVERIFY(referenceStep >= 0);
        QCOMPARE(hub[1].toMap().value("step").toInt(), -1); // the whole record
        // A transport fault is said in terms of what the officer can do.
        QVERIFY2(hub[1].toMap().value("message").toString().startsWith(
                     QLatin1String("The copy the hub received could not be read")),
                 qPrintable(hub[1].toMap().value("message").toString()));

        QVERIFY(e.amend(QStringLiteral("SYNTHETIC: shortened the reference")));
        QCOMPARE(e.stepIndex(), referenceStep);
        QCOMPARE(e.hubReasons().size(), 2); // what it corrects, still in view
        QVERIFY(e.submit());
        m_app->home.refresh();
        QCOMPARE(m_app->home.needsCorrectionCount(), 0);
        QCOMPARE(m_app->home.waitingCount(), 1);
    }

    // Past retention only a receipt is left: it cannot be opened or
    // amended, and home says where corrections go.
    void aPurgedRecordShowsItsReceipt()
    {
        setUpStore();
        const v1::IncidentRecord r = openCompleteDraft(3);
        const QString id = QString::fromStdString(r.record_id());
        QVERIFY(m_app->editor.submit());
        store::RecordStore &store = *m_app->session.recordStore();
        QVERIFY(!store.applyOutcomes({{id, 1, store::OutboxOutcome::Kind::Acknowledged, {}}}));
        QVERIFY(m_app->home.receiptText(id).isEmpty()); // not purged yet
        QVERIFY(!store.purge(id));
        QVERIFY(!m_app->editor.open(id));
        const QString receipt = m_app->home.receiptText(id);
        QVERIFY2(receipt.startsWith(QString::fromStdString(r.incident().police_reference())),
                 qPrintable(receipt));
        QVERIFY(receipt.contains(QLatin1String("corrections go through the MASH")));
        m_app->home.refresh();
        const QModelIndex row = m_app->home.records()->index(0);
        QVERIFY(!row.data(RecordListModel::CanOpenRole).toBool());
        QVERIFY(!row.data(RecordListModel::CanAmendRole).toBool());
    }

    void homeSaysWhenTheHubSettingsWereChanged()
    {
        // The engine refuses an outbox whose enrolment no longer matches the
        // key store's digest; the officer is told why nothing goes and what
        // to do, not "not connected yet".
        setUpStore();
        HomeController &home = m_app->home;
        QVERIFY(!home.syncBanner().contains(QLatin1String("changed outside the app")));
        emit m_app->sync.faultReported(syncclient::SyncFault::EnrolmentChanged, QString());
        QVERIFY2(home.syncBanner().contains(QLatin1String("changed outside the app")),
                 qPrintable(home.syncBanner()));
        QVERIFY(home.syncBanner().contains(QLatin1String("Enrol it again")));
        QVERIFY(home.needsEnrolmentCode());
    }

    // A record submitted on form 1 is still read as the officer sent it:
    // listed, loaded with its household, never rewritten (only drafts move
    // to the current form).
    void aSubmittedFormOneRecordIsReadAsItWasSent()
    {
        setUpStore();
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        v1::IncidentRecord r = testing::validDomesticAbuseRecord(checklists);
        v1::HouseholdMember *m = r.mutable_children(0)->add_household();
        m->set_name("Eta SYNTHETIC");
        m->set_relationship_to_child("mother");
        m->set_suspected_perpetrator(false);
        QCOMPARE(protocol::derived::formVersion(r), 1);
        const QString id = QString::fromStdString(r.record_id());
        QVERIFY(!m_app->session.recordStore()->saveDraft(r));
        QVERIFY(m_app->session.recordStore()->submit(id));
        m_app->home.refresh();
        QCOMPARE(m_app->home.records()->rowCount(), 1);
        const QModelIndex row = m_app->home.records()->index(0);
        QCOMPARE(row.data(RecordListModel::PoliceReferenceRole).toString(),
                 QStringLiteral("SYN-CAD-000001"));
        QCOMPARE(row.data(RecordListModel::ChildCountRole).toInt(), 1);
        // Submitted: opened to read as it was sent, never migrated or saved.
        QVERIFY(m_app->editor.open(id));
        QVERIFY(m_app->editor.readOnly());
        QCOMPARE(m_app->editor.stepKind(), StepKind::Review);
        m_app->editor.close();
        auto stored = m_app->session.recordStore()->load(id);
        QVERIFY(stored);
        QCOMPARE(protocol::derived::formVersion(stored.value()), 1);
        QCOMPARE(stored.value().children(0).household_size(), 1);
        QCOMPARE(stored.value().people_size(), 0);
    }

    void homeListsRecordsWithStatus()
    {
        setUpStore();
        HomeController &home = m_app->home;
        QAbstractItemModelTester tester(home.records(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto checklists = protocol::RiskChecklistRegistry::withBuiltIns();
        protocol::SyntheticRecordFactory factory(5, m_clock, checklists);
        for (int i = 0; i < 4; ++i) {
            const auto r = factory.next();
            QVERIFY(!m_app->session.recordStore()->saveDraft(r));
            if (i % 2)
                QVERIFY(
                    m_app->session.recordStore()->submit(QString::fromStdString(r.record_id())));
        }
        home.refresh();
        QCOMPARE(home.records()->rowCount(), 4);
        QCOMPARE(home.waitingCount(), 2);
        QCOMPARE(home.draftCount(), 2);
        QVERIFY(home.syncBanner().contains(QLatin1String("2 records")));
        QStringList statuses;
        for (int i = 0; i < 4; ++i)
            statuses << home.records()->index(i).data(RecordListModel::StatusTextRole).toString();
        QCOMPARE(statuses.count(QStringLiteral("Waiting to send")), 2);
        QCOMPARE(statuses.count(QStringLiteral("Draft")), 2);

        // A version the hub already held with other content (CONFLICT): sent,
        // kept aside for the hub's staff, and no longer "waiting to send".
        QString heldId;
        for (int i = 0; i < 4 && heldId.isEmpty(); ++i) {
            const QModelIndex row = home.records()->index(i);
            if (row.data(RecordListModel::StatusRole).toInt() ==
                int(protocol::RecordStatus::Queued))
                heldId = row.data(RecordListModel::RecordIdRole).toString();
        }
        QVERIFY(!m_app->session.recordStore()->applyOutcomes(
            {{heldId, 1, store::OutboxOutcome::Kind::HeldAtHub, QStringLiteral(": conflict: x")}}));
        home.refresh();
        QCOMPARE(home.waitingCount(), 1);
        QCOMPARE(home.heldAtHubCount(), 1);
        QCOMPARE(home.needsCorrectionCount(), 0);
        bool shown = false;
        for (int i = 0; i < 4; ++i) {
            const QModelIndex row = home.records()->index(i);
            if (row.data(RecordListModel::RecordIdRole).toString() != heldId)
                continue;
            QCOMPARE(row.data(RecordListModel::StatusRole).toInt(),
                     int(protocol::RecordStatus::HeldAtHub));
            // Nothing for the officer to fix, and nothing to edit.
            QVERIFY(row.data(RecordListModel::CanOpenRole).toBool());
            QVERIFY(!row.data(RecordListModel::CanEditRole).toBool());
            QVERIFY(!row.data(RecordListModel::CanAmendRole).toBool());
            QCOMPARE(row.data(RecordListModel::StatusTextRole).toString(),
                     QStringLiteral("Sent · hub is checking"));
            shown = true;
        }
        QVERIFY(shown);
        QVERIFY(home.syncBanner().contains(QLatin1String("1 record")));

        m_app->session.lock();
        QTRY_COMPARE(home.records()->rowCount(), 0); // nothing listed while locked
    }
};

QTEST_MAIN(TestAppControllers)
#include "tst_appcontrollers.moc"
