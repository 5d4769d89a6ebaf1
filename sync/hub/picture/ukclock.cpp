#include "ukclock.h"

namespace safeguard::hub::picture::ukclock {

namespace {

// When BST begins and ends in a year, as UTC instants.
std::pair<QDateTime, QDateTime> summerTime(int year)
{
    return {QDateTime(lastSunday(year, 3), QTime(1, 0), Qt::UTC),
            QDateTime(lastSunday(year, 10), QTime(1, 0), Qt::UTC)};
}

} // namespace

QDate lastSunday(int year, int month)
{
    QDate d(year, month, QDate(year, month, 1).daysInMonth());
    return d.addDays(-(d.dayOfWeek() % 7)); // dayOfWeek: Monday 1 .. Sunday 7
}

int offsetMinutesAt(const QDateTime &utc)
{
    const QDateTime u = utc.toUTC();
    const auto [begins, ends] = summerTime(u.date().year());
    return u >= begins && u < ends ? 60 : 0;
}

QDateTime toUtc(QDate date, QTime time)
{
    // Try BST first (the overlap's first occurrence), then GMT.
    const QDateTime asBst = QDateTime(date, time, Qt::UTC).addSecs(-3600);
    if (offsetMinutesAt(asBst) == 60)
        return asBst;
    const QDateTime asGmt = QDateTime(date, time, Qt::UTC);
    if (offsetMinutesAt(asGmt) == 0)
        return asGmt;
    // In the spring gap: the instant the clocks went forward.
    return summerTime(date.year()).first;
}

WallClock toLocal(const QDateTime &utc)
{
    const QDateTime u = utc.toUTC();
    const int offset = offsetMinutesAt(u);
    const QDateTime shifted = u.addSecs(qint64(offset) * 60);
    return {shifted.date(), shifted.time(), offset};
}

} // namespace safeguard::hub::picture::ukclock
