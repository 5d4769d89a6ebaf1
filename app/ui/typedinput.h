#pragma once

#include <QDate>
#include <QDateTime>
#include <QString>
#include <optional>

namespace safeguard::ui::typedinput {

// What an officer types for a date, read the way they mean it: the UK order
// dd/mm/yyyy or d/m/yyyy, or yyyy-mm-dd. A two-digit year is refused (1917
// or 2017?), as is an impossible day (31/02/2017). nullopt: not a date.
std::optional<QDate> parseDate(const QString &text);

// A date as above, then a time h:mm or hh:mm (24-hour), separated by a
// space: "02/03/2017 21:40", "2017-03-02 9:05".
std::optional<QDateTime> parseDateTime(const QString &text);

// A whole number of digits only: "3a", "-1", "3.5" and "" are not.
std::optional<int> parseWholeNumber(const QString &text, int max = 1000000);

// What the officer reads when a value cannot be read, naming the forms
// that can ("for example 02/03/2017"), for a Date, DateTime or Number.
QString dateProblem();
QString dateTimeProblem();
QString numberProblem();

// The child's age as the officer says it: "4 years", and for the under-fives
// "3 years 4 months" or "7 months"; "" when the date is not known or in the
// future.
QString ageText(const QDate &born, const QDate &on);

} // namespace safeguard::ui::typedinput
