#pragma once

#include <QDate>
#include <QDateTime>
#include <QTime>

namespace safeguard::hub::picture {

// UK civil time, from the law rather than the machine's time-zone files (a
// minimal hub host may have none): GMT, and BST (UTC+1) from 01:00 UTC on
// the last Sunday of March to 01:00 UTC on the last Sunday of October
// (Summer Time Order 2002).
namespace ukclock {

// The last Sunday of the month.
QDate lastSunday(int year, int month);

// The offset from UTC in minutes (0 or 60) at a UTC instant.
int offsetMinutesAt(const QDateTime &utc);

// The UTC instant of a UK wall-clock time. A time in the spring gap (01:00
// to 02:00 on the last Sunday of March) does not exist and is read as the
// instant the clocks jumped; a time in the autumn overlap is read as its
// first occurrence (BST). School days start well clear of both.
QDateTime toUtc(QDate date, QTime time);

// The UK wall-clock reading of a UTC instant.
struct WallClock
{
    QDate date;
    QTime time;
    int offsetMinutes = 0; // 0 (GMT) or 60 (BST)
};
WallClock toLocal(const QDateTime &utc);

} // namespace ukclock
} // namespace safeguard::hub::picture
