#include "derivedfacts.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

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

int formVersion(const v1::IncidentRecord &record)
{
    return record.form_version() == 0 ? 1 : int(record.form_version());
}

std::optional<EncompassPolicy> EncompassPolicy::fromJson(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    auto fail = [error](const QString &message) -> std::optional<EncompassPolicy> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (!doc.isObject())
        return fail(QStringLiteral("the Encompass policy is not a JSON object"));
    EncompassPolicy policy;
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == QLatin1String("notify_early_years") && it.value().isBool())
            policy.notifyEarlyYears = it.value().toBool();
        else
            return fail(
                QStringLiteral("unknown or mistyped Encompass policy key: %1").arg(it.key()));
    }
    return policy;
}

QDate receptionStart(QDate dateOfBirth)
{
    if (!dateOfBirth.isValid())
        return QDate();
    const QDate fourth = dateOfBirth.addYears(4);
    const QDate september(fourth.year(), 9, 1);
    return fourth <= september ? september : september.addYears(1);
}

bool isSchoolAge(const v1::ChildIdentity &child, QDate on)
{
    if (child.unborn())
        return false;
    const QDate dob = toQDate(child.date_of_birth());
    const auto age = ageInYears(child, on);
    if (!age || *age > kSchoolAgeTo)
        return false;
    if (dob.isValid() && on.isValid())
        return on >= receptionStart(dob);
    return *age >= 4; // an estimate only: reception age is 4
}

bool attendsListedSetting(const v1::ChildIdentity &child, const EncompassPolicy &policy)
{
    const v1::Education &e = child.education();
    switch (e.setting_type()) {
    case v1::SETTING_TYPE_UNSPECIFIED:
        // Form 1 named only the establishment; a named one is a setting.
        return !e.establishment_name().empty() && !e.not_in_education();
    case v1::SETTING_TYPE_EARLY_YEARS:
        return policy.notifyEarlyYears;
    case v1::SETTING_TYPE_NOT_IN_EDUCATION:
        return false;
    default:
        // Every school, PRU, college and academy; home education (the local
        // authority is told); and a kind of setting from a newer form.
        return true;
    }
}

bool relatedToVictimOrSuspect(const v1::IncidentRecord &record, const v1::ChildObservation &child)
{
    if (formVersion(record) < 2)
        return true;
    for (const v1::Relationship &r : child.relationships()) {
        if (r.kind() == v1::RELATIONSHIP_KIND_NOT_RELATED ||
            r.kind() == v1::RELATIONSHIP_KIND_UNSPECIFIED)
            continue;
        for (const auto &ids : {record.victim_ids(), record.suspect_ids()})
            for (const std::string &id : ids)
                if (id == r.person_id())
                    return true;
    }
    // A 16 or 17 year old victim or suspect is related to themselves.
    for (const auto &ids : {record.victim_ids(), record.suspect_ids()})
        for (const std::string &id : ids)
            if (id == child.child_id())
                return true;
    return false;
}

bool inEncompassScope(const v1::IncidentRecord &record, const v1::ChildObservation &child,
                      const EncompassPolicy &policy)
{
    if (record.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE)
        return false;
    const v1::ChildIdentity &id = child.identity();
    if (id.unborn() || !relatedToVictimOrSuspect(record, child))
        return false;
    const QDate on = incidentDate(record);
    const auto age = ageInYears(id, on);
    if (age && *age > kSchoolAgeTo)
        return false;
    return isSchoolAge(id, on) || attendsListedSetting(id, policy);
}

bool needsEncompassNotice(const v1::IncidentRecord &record, const v1::ChildObservation &child)
{
    return inEncompassScope(record, child, EncompassPolicy{});
}

bool isVictimInOwnRight(const v1::IncidentRecord &record, const v1::ChildObservation &child)
{
    if (record.incident().type() != v1::INCIDENT_TYPE_DOMESTIC_ABUSE || child.identity().unborn())
        return false;
    const bool reached = child.saw_incident() == v1::ANSWER_YES ||
                         child.heard_incident() == v1::ANSWER_YES ||
                         child.experienced_effects() == v1::ANSWER_YES;
    return reached && relatedToVictimOrSuspect(record, child);
}

v1::Grade effectiveGrade(v1::Grade grade)
{
    return v1::Grade_IsValid(grade) ? grade : v1::GRADE_RED;
}

v1::RiskLevel effectiveRiskLevel(v1::RiskLevel level)
{
    return v1::RiskLevel_IsValid(level) ? level : v1::RISK_LEVEL_HIGH;
}

bool isUrgent(const v1::IncidentRecord &record)
{
    // Withdrawn: kept and sent, but nothing in it is acted on as urgent.
    if (record.has_withdrawal())
        return false;
    for (const v1::ChildObservation &c : record.children()) {
        if (effectiveGrade(c.grade()) == v1::GRADE_RED || needsEncompassNotice(record, c))
            return true;
    }
    return false;
}

} // namespace safeguard::protocol::derived
