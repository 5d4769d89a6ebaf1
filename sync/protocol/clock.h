#pragma once

#include <QDateTime>
#include <atomic>

namespace safeguard::protocol {

// The source of "now" for everything that depends on time: lockout delays,
// enrolment-code expiry, triage deadlines, sync backoff, retention. Code takes
// a Clock& instead of calling QDateTime::currentDateTimeUtc() so tests move
// time forward with ManualClock instead of sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    // The current moment in UTC.
    virtual QDateTime nowUtc() const = 0;
    // The device's offset from UTC at that moment, in minutes.
    virtual int utcOffsetMinutes() const = 0;

    qint64 nowMs() const { return nowUtc().toMSecsSinceEpoch(); }
};

// The real clock, using the system time and the system time zone.
class SystemClock final : public Clock
{
public:
    QDateTime nowUtc() const override;
    int utcOffsetMinutes() const override;

    // One shared instance for composition roots that need no other.
    static SystemClock &instance();
};

// A clock that only moves when told to; safe to read from several threads.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(QDateTime startUtc = QDateTime(QDate(2026, 1, 5), QTime(9, 0), Qt::UTC),
                         int utcOffsetMinutes = 0);

    QDateTime nowUtc() const override;
    int utcOffsetMinutes() const override { return m_offset.load(); }

    void setNowUtc(const QDateTime &t);
    void advanceMs(qint64 ms);
    void advanceSecs(qint64 s) { advanceMs(s * 1000); }
    void setUtcOffsetMinutes(int minutes) { m_offset.store(minutes); }

private:
    std::atomic<qint64> m_ms;
    std::atomic<int> m_offset;
};

} // namespace safeguard::protocol
