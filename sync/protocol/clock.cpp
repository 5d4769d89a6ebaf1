#include "clock.h"

#include <QTimeZone>

namespace safeguard::protocol {

QDateTime SystemClock::nowUtc() const
{
    return QDateTime::currentDateTimeUtc();
}

int SystemClock::utcOffsetMinutes() const
{
    return QDateTime::currentDateTime().offsetFromUtc() / 60;
}

SystemClock &SystemClock::instance()
{
    static SystemClock clock;
    return clock;
}

ManualClock::ManualClock(QDateTime startUtc, int utcOffsetMinutes)
    : m_ms(startUtc.toMSecsSinceEpoch())
    , m_offset(utcOffsetMinutes)
{}

QDateTime ManualClock::nowUtc() const
{
    return QDateTime::fromMSecsSinceEpoch(m_ms.load(), Qt::UTC);
}

void ManualClock::setNowUtc(const QDateTime &t)
{
    m_ms.store(t.toMSecsSinceEpoch());
}

void ManualClock::advanceMs(qint64 ms)
{
    m_ms.fetch_add(ms);
}

} // namespace safeguard::protocol
