#include "derivedfacts.h"

#include <QDateTime>

namespace safeguard::protocol::derived {

QDate toQDate(const v1::CalendarDate &d)
{
    return QDate(d.year(), d.month(), d.day());
}

QDate incidentDate(const v1::IncidentRecord &record)
{
    if (!record.incident().has_occurred_at())
        return QDate();
    const v1::LocalTimestamp &t = record.incident().occurred_at();
    return QDateTime::fromMSecsSinceEpoch(t.unix_ms(), Qt::UTC)
        .addSecs(qint64(t.utc_offset_minutes()) * 60)
        .date();
}

std::optional<int> ageInYears(const v1::ChildIdentity &child, QDate on)
{
    if (child.unborn())
        return std::nullopt;
    const QDate dob = toQDate(child.date_of_birth());
    if (dob.isValid() && on.isValid()) {
        if (dob > on)
            return std::nullopt;
        int years = on.year() - dob.year();
        if (on.month() < dob.month() || (on.month() == dob.month() && on.day() < dob.day()))
            --years;
        return years;
    }
    if (child.estimated_age_years() > 0)
        return int(child.estimated_age_years());
    return std::nullopt;
}

bool isSchoolAge(const v1::ChildIdentity &child, QDate on)
{
    const auto age = ageInYears(child, on);
    return age && *age >= kSchoolAgeFrom && *age <= kSchoolAgeTo;
}

bool needsEncompassNotice(const v1::IncidentRecord &record, const v1::ChildObservation &child)
{
    if (record.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE)
        return false;
    const v1::ChildIdentity &id = child.identity();
    if (id.unborn())
        return false;
    return isSchoolAge(id, incidentDate(record)) || !id.education().establishment_name().empty();
}

bool isUrgent(const v1::IncidentRecord &record)
{
    for (const v1::ChildObservation &c : record.children()) {
        if (c.grade() == v1::GRADE_RED || needsEncompassNotice(record, c))
            return true;
    }
    return false;
}

} // namespace safeguard::protocol::derived
