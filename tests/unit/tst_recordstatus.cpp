// The one record status model (snake_case JSON keys everywhere) and the
// injectable clock.
#include "protocol/clock.h"
#include "protocol/recordstatus.h"

#include <QJsonDocument>
#include <QMetaEnum>
#include <QTest>

using namespace safeguard::protocol;

class TestRecordStatus : public QObject
{
    Q_OBJECT

private slots:
    void keysAreSnakeCaseAndRoundTrip()
    {
        const QStringList expected{
            QStringLiteral("draft"),        QStringLiteral("queued"),
            QStringLiteral("acknowledged"), QStringLiteral("needs_correction"),
            QStringLiteral("held_at_hub"),  QStringLiteral("purged")};
        QStringList keys;
        for (RecordStatus s : kAllRecordStatuses) {
            keys << toKey(s);
            QCOMPARE(recordStatusFromKey(toKey(s)), std::optional<RecordStatus>(s));
            QVERIFY(!displayName(s).isEmpty());
        }
        QCOMPARE(keys, expected);
        QVERIFY(!recordStatusFromKey(QStringLiteral("needsCorrection")));
        QVERIFY(!recordStatusFromKey(QString()));
        // Every enumerator is in the list, so no status is missing from JSON.
        QCOMPARE(QMetaEnum::fromType<RecordStatus>().keyCount(),
                 int(std::size(kAllRecordStatuses)));
    }

    void countsJsonHasEveryStatusAndTheTotal()
    {
        QHash<RecordStatus, int> counts{{RecordStatus::Queued, 300}, {RecordStatus::Draft, 2}};
        const QJsonObject o = statusCountsToJson(counts);
        QCOMPARE(o.value(QStringLiteral("records")).toInt(), 302);
        QCOMPARE(o.value(QStringLiteral("queued")).toInt(), 300);
        QCOMPARE(o.value(QStringLiteral("draft")).toInt(), 2);
        QCOMPARE(o.value(QStringLiteral("needs_correction")).toInt(), 0);
        QCOMPARE(o.value(QStringLiteral("held_at_hub")).toInt(), 0);
        QCOMPARE(o.size(), 7);
    }

    void officerWordsSayWhatToDo()
    {
        QCOMPARE(displayName(RecordStatus::Queued), QStringLiteral("Waiting to send"));
        // A conflict is the hub's staff's to sort out: the officer reads
        // that it was sent, not that anything waits or needs fixing.
        const QString held = displayName(RecordStatus::HeldAtHub);
        QVERIFY(held.startsWith(QLatin1String("Sent")));
        QVERIFY(!held.contains(QLatin1String("correct"), Qt::CaseInsensitive));
        QVERIFY(!held.contains(QLatin1String("waiting"), Qt::CaseInsensitive));
        QStringList names;
        for (RecordStatus s : kAllRecordStatuses)
            names << displayName(s);
        names.removeDuplicates();
        QCOMPARE(names.size(), int(std::size(kAllRecordStatuses)));
    }

    void transitionsFollowOneVersionsLife()
    {
        using S = RecordStatus;
        const QList<QPair<S, S>> allowed{
            {S::Draft, S::Queued},           {S::Queued, S::Acknowledged},
            {S::Queued, S::NeedsCorrection}, {S::Queued, S::HeldAtHub},
            {S::Acknowledged, S::Purged},
        };
        for (S from : kAllRecordStatuses) {
            for (S to : kAllRecordStatuses) {
                QCOMPARE(canChange(from, to), allowed.contains({from, to}));
            }
        }
        // Every hub verdict settles a version; nothing else does.
        QVERIFY(!isSettled(S::Draft));
        QVERIFY(!isSettled(S::Queued));
        for (S s : {S::Acknowledged, S::NeedsCorrection, S::HeldAtHub, S::Purged})
            QVERIFY(isSettled(s));
        // A held version is final: not resent, not purged, not undone by a
        // late answer.
        for (S to : kAllRecordStatuses)
            QVERIFY(!canChange(S::HeldAtHub, to));
    }

    // What a tap on a home row may do, for every status: only a draft is
    // edited or submitted; everything but a purged receipt can be read; a
    // sent version is corrected by amendment, a conflict is the hub's.
    void whatTheOfficerMayDoFollowsTheStatus()
    {
        using S = RecordStatus;
        for (S s : kAllRecordStatuses) {
            const QString name = toKey(s);
            QCOMPARE(canEdit(s), s == S::Draft);
            QCOMPARE(canSubmit(s), s == S::Draft);
            QVERIFY2(canOpen(s) == (s != S::Purged), qPrintable(name));
            QVERIFY2(canAmend(s) ==
                         (s == S::Queued || s == S::Acknowledged || s == S::NeedsCorrection),
                     qPrintable(name));
            // Amending is never also editing: a version is one or the other.
            QVERIFY(!(canAmend(s) && canEdit(s)));
        }
    }

    void manualClockMovesOnlyWhenTold()
    {
        const QDateTime start(QDate(2026, 11, 27), QTime(8, 0), Qt::UTC);
        ManualClock clock(start, 60);
        QCOMPARE(clock.nowUtc(), start);
        QCOMPARE(clock.utcOffsetMinutes(), 60);
        clock.advanceSecs(90);
        QCOMPARE(clock.nowUtc(), start.addSecs(90));
        clock.advanceMs(500);
        QCOMPARE(clock.nowMs(), start.toMSecsSinceEpoch() + 90500);
        clock.setNowUtc(start);
        QCOMPARE(clock.nowUtc(), start);
    }

    void systemClockIsUtc()
    {
        const QDateTime now = SystemClock::instance().nowUtc();
        QCOMPARE(now.timeSpec(), Qt::UTC);
        QVERIFY(qAbs(now.msecsTo(QDateTime::currentDateTimeUtc())) < 5000);
    }
};

QTEST_GUILESS_MAIN(TestRecordStatus)
#include "tst_recordstatus.moc"
