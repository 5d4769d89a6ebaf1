// The sync engine's lane rules, with no network, outbox or timer: what a
// lane may send, how it backs off, halts and learns a size limit. The
// engine's tests show the same rules through a proxy against a real hub;
// these pin each rule on its own.
#include "client/synclane.h"

#include <QTest>

using namespace safeguard::syncclient;

namespace {

constexpr qint64 kMinute = 60 * 1000;

RandomSource noJitter()
{
    return [](quint64) { return quint64(0); };
}

ReplyAction retry(qint64 retryAfterMs = -1, bool noAnswer = false)
{
    ReplyAction a;
    a.kind = ReplyKind::Retry;
    a.retryAfterMs = retryAfterMs;
    a.noAnswer = noAnswer;
    return a;
}

BatchCaps caps()
{
    BatchCaps c;
    c.records = 500;
    c.bytes = 8 << 20;
    c.smallRecords = 16;
    c.smallBytes = 256 << 10;
    return c;
}

} // namespace

class TestSyncLane : public QObject
{
    Q_OBJECT

private slots:
    void aFailureBacksOffAndASuccessEndsTheWait()
    {
        SyncLane lane(false, 2, 500);
        const SyncBackoff backoff;
        QVERIFY(lane.mayStart(0));
        lane.failed(retry(), 10, 0, backoff, noJitter());
        QCOMPARE(lane.failures(), 1);
        QCOMPARE(lane.retryAtMs(), backoff.delayMs(1, -1, noJitter()));
        QVERIFY(!lane.mayStart(lane.retryAtMs() - 1));
        QVERIFY(lane.mayStart(lane.retryAtMs()));
        lane.succeeded(1000);
        QCOMPARE(lane.failures(), 0);
        QCOMPARE(lane.retryAtMs(), 0);
    }

    void aWaitTheHubAskedForOutlastsASuccessAndALaterFailure()
    {
        SyncLane lane(false, 2, 500);
        const SyncBackoff backoff;
        lane.failed(retry(30 * kMinute), 10, 0, backoff, noJitter());
        QCOMPARE(lane.retryAtMs(), 30 * kMinute);
        // The other request of the lane comes back fine: the hub's wait holds.
        lane.succeeded(1000);
        QCOMPARE(lane.retryAtMs(), 30 * kMinute);
        // A later failure with a shorter wait does not shorten it.
        lane.failed(retry(), 10, kMinute, backoff, noJitter());
        QCOMPARE(lane.retryAtMs(), 30 * kMinute);
        // The network coming back does not end what the hub asked for.
        lane.networkBack();
        QCOMPARE(lane.retryAtMs(), 30 * kMinute);
        // Sync now does.
        lane.clearWaits();
        QVERIFY(lane.mayStart(kMinute));
    }

    void aWaitOnlyTheNetworkCausedEndsWhenItIsBack()
    {
        SyncLane lane(true, 2, 500);
        lane.failed(retry(-1, true), 3, 0, SyncBackoff{}, noJitter());
        QVERIFY(lane.backingOff(1));
        lane.networkBack();
        QVERIFY(!lane.backingOff(1));
        QVERIFY(lane.mayStart(1));
    }

    void onlyABypassGoesThroughABackoffAndOnlyOnce()
    {
        SyncLane lane(true, 2, 500);
        lane.failed(retry(kMinute), 1, 0, SyncBackoff{}, noJitter());
        QVERIFY(!lane.mayStart(1));
        lane.bypassBackoffOnce();
        QVERIFY(lane.mayStart(1));
        lane.endBypass();
        QVERIFY(!lane.mayStart(1));
    }

    void severalFailuresInARowHalveTheBatchesAndSuccessesGrowThemBack()
    {
        SyncLane lane(false, 2, 500);
        for (int i = 1; i < SyncLane::kFailuresBeforeSplit; ++i)
            QVERIFY(!lane.failed(retry(), 400, 0, SyncBackoff{}, noJitter()));
        QCOMPARE(lane.batchLimit(), 500);
        QVERIFY(lane.failed(retry(), 400, 0, SyncBackoff{}, noJitter()));
        QCOMPARE(lane.batchLimit(), 200);
        QCOMPARE(lane.recordCap(caps(), false), 200);
        // One record failing alone is never "split" further.
        QVERIFY(!lane.failed(retry(), 1, 0, SyncBackoff{}, noJitter()));
        lane.succeeded(1000);
        QCOMPARE(lane.batchLimit(), 400);
        lane.succeeded(1000);
        QCOMPARE(lane.batchLimit(), 500); // never past the engine's own cap
    }

    void aRefusedSizeIsProbedHalfwayAndForgottenAfterAnHour()
    {
        SyncLane lane(false, 2, 500);
        const qint64 full = caps().bytes;
        QCOMPARE(lane.byteCap(caps(), false, 0), full);
        QCOMPARE(lane.tooLarge(800'000, 100, 0), 50);
        // Nothing accepted yet: half the refused size.
        QCOMPARE(lane.byteCap(caps(), false, 0), 400'000);
        lane.succeeded(400'000);
        // Halfway between what passed and what did not.
        QCOMPARE(lane.byteCap(caps(), false, 0), 600'000);
        lane.succeeded(600'000);
        QCOMPARE(lane.byteCap(caps(), false, 0), 700'000);
        lane.succeeded(700'000);
        // Close enough (within an eighth): the accepted size, no more probing.
        QCOMPARE(lane.byteCap(caps(), false, 0), 700'000);
        // A smaller refusal replaces the larger, and what passed above it
        // does not pass now.
        lane.tooLarge(500'000, 1, kMinute);
        QCOMPARE(lane.byteCap(caps(), false, kMinute), 250'000);
        // Remembered for an hour from the last refusal, then the full size.
        QCOMPARE(lane.byteCap(caps(), false, kMinute + SyncLane::kRefusalMemoryMs - 1), 250'000);
        QCOMPARE(lane.byteCap(caps(), false, kMinute + SyncLane::kRefusalMemoryMs), full);
        QCOMPARE(lane.refusedBytes(), 0);
    }

    void theUrgentLaneKeepsOneBigBatchAndItsOtherRequestIsSmall()
    {
        SyncLane urgent(true, 2, 500);
        SyncLane normal(false, 2, 500);
        QVERIFY(!urgent.nextIsSmall());
        urgent.sent({1, 2, 3}, true);
        QVERIFY(urgent.nextIsSmall());
        QCOMPARE(urgent.recordCap(caps(), true), 16);
        QCOMPARE(urgent.byteCap(caps(), true, 0), qint64(256 << 10));
        QVERIFY(urgent.isInFlight(2));
        QCOMPARE(urgent.inFlightEntries(), 3);
        QVERIFY(urgent.hasRoom());
        urgent.sent({4}, false);
        QVERIFY(!urgent.hasRoom());
        urgent.answered({1, 2, 3}, true);
        QVERIFY(!urgent.nextIsSmall());
        QVERIFY(!urgent.isInFlight(2));
        QVERIFY(urgent.hasRoom());
        normal.sent({5}, false);
        QVERIFY(!normal.nextIsSmall()); // only the urgent lane has a small request
    }

    void anErrorHaltsUntilItsRetryTime()
    {
        SyncLane lane(false, 2, 500);
        lane.halt(0, 15 * kMinute);
        QVERIFY(lane.halted());
        QVERIFY(!lane.hasRoom());
        bool left = false;
        QVERIFY(!lane.mayStart(15 * kMinute - 1, &left));
        QVERIFY(!left);
        QCOMPARE(lane.nextDeadline(0), 15 * kMinute);
        QVERIFY(lane.mayStart(15 * kMinute, &left));
        QVERIFY(left);
        QVERIFY(!lane.halted());
    }

    void theNextDeadlineIsTheEarliestOfBackoffAndHalt()
    {
        SyncLane lane(false, 2, 500);
        QCOMPARE(lane.nextDeadline(0), 0);
        lane.failed(retry(20 * kMinute), 5, 0, SyncBackoff{}, noJitter());
        lane.halt(0, 15 * kMinute);
        QCOMPARE(lane.nextDeadline(0), 15 * kMinute);
        QCOMPARE(lane.nextDeadline(16 * kMinute), 20 * kMinute);
        QCOMPARE(lane.nextDeadline(20 * kMinute), 0);
    }

    void parkingAnEntryEndsTheLanesBackoff()
    {
        SyncLane lane(false, 2, 500);
        lane.failed(retry(kMinute), 1, 0, SyncBackoff{}, noJitter());
        lane.entryParked();
        QCOMPARE(lane.failures(), 0);
        QVERIFY(lane.mayStart(1));
    }

    void aNewEnrolmentForgetsEverythingLearnt()
    {
        SyncLane lane(false, 2, 500);
        lane.tooLarge(100'000, 10, 0);
        lane.failed(retry(kMinute), 5, 0, SyncBackoff{}, noJitter());
        lane.setCursor(42);
        lane.sent({7}, false);
        lane.forgetInFlight();
        QCOMPARE(lane.inFlight(), 0);
        QCOMPARE(lane.cursor(), 0);
        lane.reset();
        QCOMPARE(lane.batchLimit(), 500);
        QCOMPARE(lane.refusedBytes(), 0);
        QCOMPARE(lane.failures(), 0);
        QVERIFY(lane.mayStart(1));
        QCOMPARE(lane.byteCap(caps(), false, 1), caps().bytes);
    }
};

QTEST_GUILESS_MAIN(TestSyncLane)
#include "tst_synclane.moc"
