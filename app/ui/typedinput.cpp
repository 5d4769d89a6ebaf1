#include "typedinput.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace safeguard::ui::typedinput {

namespace {

QString tr(const char *s)
{
    return QCoreApplication::translate("safeguard::ui::typedinput", s);
}

} // namespace

std::optional<QDate> parseDate(const QString &text)
{
    static const QRegularExpression uk(QStringLiteral("^(\\d{1,2})/(\\d{1,2})/(\\d{4})$"));
    static const QRegularExpression iso(QStringLiteral("^(\\d{4})-(\\d{1,2})-(\\d{1,2})$"));
    const QString t = text.trimmed();
    QDate d;
    if (const auto m = uk.match(t); m.hasMatch())
        d = QDate(m.captured(3).toInt(), m.captured(2).toInt(), m.captured(1).toInt());
    else if (const auto m2 = iso.match(t); m2.hasMatch())
        d = QDate(m2.captured(1).toInt(), m2.captured(2).toInt(), m2.captured(3).toInt());
    // Nothing before 1900: a typing slip, not a date of birth.
    if (!d.isValid() || d.year() < 1900)
        return std::nullopt;
    return d;
}

std::optional<QDateTime> parseDateTime(const QString &text)
{
    static const QRegularExpression both(QStringLiteral("^(\\S+)\\s+(\\d{1,2}):(\\d{2})$"));
    const auto m = both.match(text.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    const auto date = parseDate(m.captured(1));
    const QTime time(m.captured(2).toInt(), m.captured(3).toInt());
    if (!date || !time.isValid())
        return std::nullopt;
    return QDateTime(*date, time, Qt::UTC); // the wall time; the offset is the caller's
}

std::optional<int> parseWholeNumber(const QString &text, int max)
{
    static const QRegularExpression digits(QStringLiteral("^\\d{1,9}$"));
    const QString t = text.trimmed();
    if (!digits.match(t).hasMatch())
        return std::nullopt;
    const int v = t.toInt();
    if (v > max)
        return std::nullopt;
    return v;
}

QString dateProblem()
{
    return tr("Not saved: not a date. Write it as day/month/year, for example 02/03/2017.");
}

QString dateTimeProblem()
{
    return tr("Not saved: not a date and time. Write it as day/month/year and 24-hour time, "
              "for example 02/03/2017 21:40.");
}

QString numberProblem()
{
    return tr("Not saved: not a whole number. Use digits only, for example 7.");
}

QString ageText(const QDate &born, const QDate &on)
{
    if (!born.isValid() || !on.isValid() || born > on)
        return QString();
    int months = (on.year() - born.year()) * 12 + (on.month() - born.month());
    if (on.day() < born.day())
        --months;
    const int years = months / 12;
    const int rest = months % 12;
    if (years >= 5)
        return QCoreApplication::translate("safeguard::ui::typedinput", "%n year(s)", nullptr,
                                           years);
    const QString m =
        QCoreApplication::translate("safeguard::ui::typedinput", "%n month(s)", nullptr, rest);
    if (years == 0)
        return m;
    const QString y =
        QCoreApplication::translate("safeguard::ui::typedinput", "%n year(s)", nullptr, years);
    return rest == 0 ? y : QStringLiteral("%1 %2").arg(y, m);
}

} // namespace safeguard::ui::typedinput
