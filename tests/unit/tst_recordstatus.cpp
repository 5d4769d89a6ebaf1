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
        const QStringList expected{QStringLiteral("draft"), QStringLiteral("queued"),
                                   QStringLiteral("acknowledged"), QStringLiteral("needs_correction"),
                                   QStringLiteral("purged")};
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
        QCOMPARE(QMetaEnum::fromType<RecordStatus>().keyCount(), int(std::size(kAllRecordStatuses)));
    }

    void countsJsonHasEveryStatusAndTheTotal()
    {
        QHash<RecordStatus, int> counts{{RecordStatus::Queued, 300}, {RecordStatus::Draft, 2}};
        const QJsonObject o = statusCountsToJson(counts);
        QCOMPARE(o.value(QStringLiteral("records")).toInt(), 302);
        QCOMPARE(o.value(QStringLiteral("queued")).toInt(), 300);
        QCOMPARE(o.value(QStringLiteral("draft")).toInt(), 2);
        QCOMPARE(o.value(QStringLiteral("needs_correction")).toInt(), 0);
        QCOMPARE(o.size(), 6);
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
