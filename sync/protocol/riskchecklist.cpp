#include "riskchecklist.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace safeguard::protocol {

namespace {

const QString kFormat = QStringLiteral("safeguard.risk_checklist/1");

ChecklistLoadError err(ChecklistError e, const QString &message)
{
    return ChecklistLoadError{e, message};
}

std::optional<v1::RiskLevel> levelFromKey(const QString &key)
{
    if (key == QLatin1String("standard"))
        return v1::RISK_LEVEL_STANDARD;
    if (key == QLatin1String("medium"))
        return v1::RISK_LEVEL_MEDIUM;
    if (key == QLatin1String("high"))
        return v1::RISK_LEVEL_HIGH;
    return std::nullopt;
}

QString enumKey(const google::protobuf::EnumDescriptor *d, int value, const char *prefix)
{
    const auto *v = d->FindValueByNumber(value);
    if (!v)
        return QString();
    QString name = QString::fromStdString(v->name());
    name.remove(0, int(qstrlen(prefix)));
    return name.toLower();
}

} // namespace

QString riskLevelKey(v1::RiskLevel level)
{
    if (level == v1::RISK_LEVEL_UNSPECIFIED)
        return QString();
    return enumKey(v1::RiskLevel_descriptor(), level, "RISK_LEVEL_");
}

QString incidentTypeKey(v1::IncidentType type)
{
    if (type == v1::INCIDENT_TYPE_UNSPECIFIED)
        return QString();
    return enumKey(v1::IncidentType_descriptor(), type, "INCIDENT_TYPE_");
}

std::optional<v1::IncidentType> incidentTypeFromKey(const QString &key)
{
    const auto *d = v1::IncidentType_descriptor();
    for (int i = 0; i < d->value_count(); ++i) {
        const auto t = v1::IncidentType(d->value(i)->number());
        if (t != v1::INCIDENT_TYPE_UNSPECIFIED && incidentTypeKey(t) == key)
            return t;
    }
    return std::nullopt;
}

std::variant<RiskChecklist, ChecklistLoadError> RiskChecklist::fromJson(const QByteArray &json)
{
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return err(ChecklistError::NotJson, QStringLiteral("The checklist is not a JSON object."));
    const QJsonObject o = doc.object();

    if (o.value(QLatin1String("format")).toString() != kFormat) {
        return err(ChecklistError::UnknownFormat,
                   QStringLiteral("Unknown checklist format \"%1\"; expected \"%2\".")
                       .arg(o.value(QLatin1String("format")).toString(), kFormat));
    }

    RiskChecklist c;
    c.m_id = o.value(QLatin1String("id")).toString();
    static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}$"));
    if (c.m_id.isEmpty())
        return err(ChecklistError::MissingField, QStringLiteral("The checklist has no id."));
    if (!idPattern.match(c.m_id).hasMatch())
        return err(ChecklistError::InvalidField, QStringLiteral("The checklist id is not valid."));

    const QJsonValue version = o.value(QLatin1String("version"));
    if (!version.isDouble())
        return err(ChecklistError::MissingField, QStringLiteral("The checklist has no version."));
    c.m_version = version.toInt(0);
    if (c.m_version < 1 || double(c.m_version) != version.toDouble())
        return err(ChecklistError::InvalidField,
                   QStringLiteral("The checklist version must be a whole number from 1."));

    c.m_title = o.value(QLatin1String("title")).toString();
    if (c.m_title.isEmpty())
        return err(ChecklistError::MissingField, QStringLiteral("The checklist has no title."));

    const QJsonArray applies = o.value(QLatin1String("applies_to")).toArray();
    if (applies.isEmpty())
        return err(
            ChecklistError::MissingField,
            QStringLiteral("The checklist does not say which incident types it applies to."));
    for (const QJsonValue &v : applies) {
        const auto type = incidentTypeFromKey(v.toString());
        if (!type)
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Unknown incident type \"%1\".").arg(v.toString()));
        c.m_appliesTo.append(*type);
    }

    if (o.value(QLatin1String("scoring")).toObject().value(QLatin1String("method")).toString() !=
        QLatin1String("count_weighted_yes")) {
        return err(ChecklistError::InvalidField,
                   QStringLiteral("The scoring method must be \"count_weighted_yes\"."));
    }

    const QJsonArray questions = o.value(QLatin1String("questions")).toArray();
    if (questions.isEmpty())
        return err(ChecklistError::MissingField, QStringLiteral("The checklist has no questions."));
    QSet<QString> seen;
    for (const QJsonValue &v : questions) {
        const QJsonObject q = v.toObject();
        RiskQuestion rq;
        rq.id = q.value(QLatin1String("id")).toString();
        rq.text = q.value(QLatin1String("text")).toString();
        if (rq.id.isEmpty() || rq.text.isEmpty())
            return err(ChecklistError::MissingField,
                       QStringLiteral("Every question needs an id and a text."));
        if (!idPattern.match(rq.id).hasMatch())
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Question id \"%1\" is not valid.").arg(rq.id));
        const QJsonValue w = q.value(QLatin1String("weight"));
        rq.weight = w.isUndefined() ? 1 : w.toInt(-1);
        if (rq.weight < 0 || rq.weight > 100)
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Question \"%1\" has a weight outside 0-100.").arg(rq.id));
        if (seen.contains(rq.id))
            return err(ChecklistError::DuplicateQuestion,
                       QStringLiteral("Two questions share the id \"%1\".").arg(rq.id));
        seen.insert(rq.id);
        c.m_questions.append(rq);
    }
    c.m_questionIds = seen;

    const QJsonArray thresholds = o.value(QLatin1String("thresholds")).toArray();
    if (thresholds.isEmpty())
        return err(ChecklistError::MissingField,
                   QStringLiteral("The checklist has no thresholds."));
    for (const QJsonValue &v : thresholds) {
        const QJsonObject t = v.toObject();
        const auto level = levelFromKey(t.value(QLatin1String("level")).toString());
        const QJsonValue min = t.value(QLatin1String("min_score"));
        if (!level || !min.isDouble())
            return err(ChecklistError::BadThresholds,
                       QStringLiteral("Each threshold needs a level (standard, medium, high) and "
                                      "a min_score."));
        c.m_thresholds.append({*level, min.toInt()});
    }
    if (c.m_thresholds.first().minScore != 0)
        return err(ChecklistError::BadThresholds,
                   QStringLiteral("The first threshold must start at a score of 0."));
    for (int i = 1; i < c.m_thresholds.size(); ++i) {
        if (c.m_thresholds[i].minScore <= c.m_thresholds[i - 1].minScore ||
            c.m_thresholds[i].level <= c.m_thresholds[i - 1].level) {
            return err(ChecklistError::BadThresholds,
                       QStringLiteral("Thresholds must rise in both score and level."));
        }
    }

    const QJsonObject ov = o.value(QLatin1String("override")).toObject();
    if (ov.isEmpty())
        return err(ChecklistError::MissingField,
                   QStringLiteral("The checklist has no professional-judgement override rule."));
    c.m_override.mayRaise = ov.value(QLatin1String("may_raise")).toBool(false);
    c.m_override.mayLower = ov.value(QLatin1String("may_lower")).toBool(false);
    c.m_override.rationaleRequired = ov.value(QLatin1String("rationale_required")).toBool(true);

    c.m_json = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return c;
}

v1::RiskLevel RiskChecklist::levelForScore(int score) const
{
    v1::RiskLevel level = m_thresholds.first().level;
    for (const RiskThreshold &t : m_thresholds) {
        if (score >= t.minScore)
            level = t.level;
    }
    return level;
}

RiskScore RiskChecklist::score(const v1::RiskAssessment &assessment) const
{
    RiskScore s;
    QHash<QString, v1::Answer> answers;
    for (const v1::RiskAnswer &a : assessment.answers())
        answers.insert(QString::fromStdString(a.question_id()), a.answer());

    for (const RiskQuestion &q : m_questions) {
        const v1::Answer a = answers.value(q.id, v1::ANSWER_UNSPECIFIED);
        if (a == v1::ANSWER_UNSPECIFIED)
            s.unansweredQuestionIds.append(q.id);
        else if (a == v1::ANSWER_YES)
            s.score += q.weight;
    }
    for (auto it = answers.cbegin(); it != answers.cend(); ++it) {
        if (!m_questionIds.contains(it.key()))
            s.unknownQuestionIds.append(it.key());
    }
    s.unknownQuestionIds.sort();

    s.scoredLevel = levelForScore(s.score);
    s.finalLevel = s.scoredLevel;

    const v1::RiskLevel judged = assessment.judgement_level();
    if (judged != v1::RISK_LEVEL_UNSPECIFIED && judged != s.scoredLevel) {
        const bool raising = judged > s.scoredLevel;
        const bool allowed = raising ? m_override.mayRaise : m_override.mayLower;
        if (!allowed) {
            s.overrideProblem = QStringLiteral("override_not_allowed");
        } else if (m_override.rationaleRequired && assessment.judgement_rationale().empty()) {
            s.overrideProblem = QStringLiteral("rationale_required");
        } else {
            s.finalLevel = judged;
            s.overrideApplied = true;
        }
    }
    return s;
}

std::shared_ptr<const RiskChecklistRegistry> RiskChecklistRegistry::sharedBuiltIns()
{
    return std::make_shared<const RiskChecklistRegistry>(withBuiltIns());
}

RiskChecklistRegistry RiskChecklistRegistry::withBuiltIns()
{
    RiskChecklistRegistry r;
    QFile f(QStringLiteral(":/safeguard/checklists/dash-2009-v1.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("built-in risk checklist missing from resources");
    auto loaded = RiskChecklist::fromJson(f.readAll());
    if (auto *e = std::get_if<ChecklistLoadError>(&loaded))
        qFatal("built-in risk checklist invalid: %s", qPrintable(e->message));
    r.add(std::get<RiskChecklist>(loaded));
    return r;
}

std::optional<ChecklistLoadError> RiskChecklistRegistry::add(const RiskChecklist &checklist)
{
    if (const RiskChecklist *existing = find(checklist.id(), checklist.version())) {
        if (existing->canonicalJson() == checklist.canonicalJson())
            return std::nullopt;
        return ChecklistLoadError{
            ChecklistError::VersionClash,
            QStringLiteral("Checklist %1 version %2 is already known with different content; "
                           "publish changes as a new version.")
                .arg(checklist.id())
                .arg(checklist.version())};
    }
    m_checklists.append(checklist);
    return std::nullopt;
}

const RiskChecklist *RiskChecklistRegistry::find(const QString &id, int version) const
{
    for (const RiskChecklist &c : m_checklists) {
        if (c.id() == id && c.version() == version)
            return &c;
    }
    return nullptr;
}

const RiskChecklist *RiskChecklistRegistry::currentFor(v1::IncidentType type) const
{
    const RiskChecklist *best = nullptr;
    for (const RiskChecklist &c : m_checklists) {
        if (!c.appliesTo(type))
            continue;
        // Among checklists for the type, the last added id wins; within an
        // id, the highest version.
        if (!best || c.id() != best->id() || c.version() > best->version())
            best = &c;
    }
    return best;
}

} // namespace safeguard::protocol
