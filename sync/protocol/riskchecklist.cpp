#include "riskchecklist.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>

namespace safeguard::protocol {

namespace {

const QString kFormat1 = QStringLiteral("safeguard.risk_checklist/1");
const QString kFormat2 = QStringLiteral("safeguard.risk_checklist/2");

// Bounds on a definition: it arrives through hub policy, so it is input.
constexpr int kMaxQuestions = 200;
constexpr int kMaxOptions = 20;
constexpr int kMaxRules = 50;
constexpr int kMaxConditions = 20;
constexpr int kMaxTextLength = 2000;
constexpr int kMaxWordingLength = 1000;

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

std::optional<ChecklistLoadError> parseThresholds(const QJsonArray &thresholds,
                                                  QList<RiskThreshold> &out)
{
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
        out.append({*level, min.toInt()});
    }
    if (out.first().minScore != 0)
        return err(ChecklistError::BadThresholds,
                   QStringLiteral("The first threshold must start at a score of 0."));
    for (int i = 1; i < out.size(); ++i) {
        if (out[i].minScore <= out[i - 1].minScore || out[i].level <= out[i - 1].level) {
            return err(ChecklistError::BadThresholds,
                       QStringLiteral("Thresholds must rise in both score and level."));
        }
    }
    return std::nullopt;
}

std::optional<v1::RiskFrequency> frequencyFromKey(const QString &key)
{
    static const QHash<QString, v1::RiskFrequency> keys{
        {QStringLiteral("never"), v1::RISK_FREQUENCY_NEVER},
        {QStringLiteral("once"), v1::RISK_FREQUENCY_ONCE},
        {QStringLiteral("sometimes"), v1::RISK_FREQUENCY_SOMETIMES},
        {QStringLiteral("often"), v1::RISK_FREQUENCY_OFTEN},
    };
    if (const auto it = keys.constFind(key); it != keys.cend())
        return *it;
    return std::nullopt;
}

const QString kNotKnownKey = QStringLiteral("not_known");

} // namespace

// Format 2: sections of typed questions with sub-answers, follow-up sets,
// bands, triggers, clusters, a rationale rule and a judgement rule.
class ChecklistParser
{
public:
    explicit ChecklistParser(RiskChecklist &c)
        : m_c(c)
    {}

    std::optional<ChecklistLoadError> parse(const QJsonObject &o)
    {
        m_c.m_wording = o.value(QLatin1String("wording")).toString();
        if (m_c.m_wording != QLatin1String("paraphrase") &&
            m_c.m_wording != QLatin1String("illustrative") &&
            m_c.m_wording != QLatin1String("force"))
            return err(ChecklistError::InvalidField,
                       QStringLiteral("\"wording\" must say whose words these are: "
                                      "paraphrase, illustrative or force."));

        const QJsonArray sections = o.value(QLatin1String("sections")).toArray();
        if (sections.isEmpty())
            return err(ChecklistError::MissingField,
                       QStringLiteral("The checklist has no sections of questions."));
        // Follow-up sets, by the tag of the question that opens them.
        QHash<QString, QJsonObject> followUps;
        for (const QJsonValue &v : o.value(QLatin1String("follow_ups")).toArray()) {
            const QJsonObject f = v.toObject();
            const QString tag =
                f.value(QLatin1String("when")).toObject().value(QLatin1String("tag")).toString();
            if (f.value(QLatin1String("id")).toString().isEmpty() || tag.isEmpty() ||
                f.value(QLatin1String("title")).toString().isEmpty())
                return err(ChecklistError::MissingField,
                           QStringLiteral("Each follow-up set needs an id, a title and a "
                                          "\"when\" naming the question that opens it."));
            if (followUps.contains(tag))
                return err(ChecklistError::InvalidField,
                           QStringLiteral("Two follow-up sets open on \"%1\".").arg(tag));
            followUps.insert(tag, f);
        }
        for (const QJsonValue &v : sections) {
            const QJsonObject sec = v.toObject();
            const QString title = sec.value(QLatin1String("title")).toString();
            if (title.isEmpty())
                return err(ChecklistError::MissingField,
                           QStringLiteral("Every section needs a title."));
            for (const QJsonValue &q : sec.value(QLatin1String("questions")).toArray())
                if (auto e = question(q.toObject(), title, QString(), QString(), std::nullopt,
                                      followUps))
                    return e;
        }
        if (!followUps.isEmpty())
            return err(ChecklistError::BadReference,
                       QStringLiteral("A follow-up set opens on \"%1\", which no question has.")
                           .arg(followUps.begin().key()));
        // Conditions of follow-up sets could only be checked once their
        // question was read: check every one now.
        for (const RiskQuestion &q : std::as_const(m_c.m_questions))
            if (q.followUpWhen)
                if (auto e = checkCondition(*q.followUpWhen))
                    return e;

        const QJsonObject scoring = o.value(QLatin1String("scoring")).toObject();
        const QString method = scoring.value(QLatin1String("method")).toString();
        if (method == QLatin1String("weighted_count")) {
            m_c.m_scoring = RiskScoring::WeightedCount;
            if (auto e = parseThresholds(scoring.value(QLatin1String("bands")).toArray(),
                                         m_c.m_thresholds))
                return e;
        } else if (method == QLatin1String("judgement")) {
            m_c.m_scoring = RiskScoring::Judgement;
            if (!scoring.value(QLatin1String("bands")).toArray().isEmpty())
                return err(ChecklistError::BadThresholds,
                           QStringLiteral("Judgement scoring has no bands."));
        } else {
            return err(ChecklistError::InvalidField,
                       QStringLiteral("The scoring method must be \"weighted_count\" or "
                                      "\"judgement\"."));
        }
        for (const char *kind : {"triggers", "clusters"}) {
            const QJsonArray list = scoring.value(QLatin1String(kind)).toArray();
            for (const QJsonValue &r : list)
                if (auto e = rule(r.toObject(), qstrcmp(kind, "clusters") == 0))
                    return e;
        }
        if (m_c.m_rules.size() > kMaxRules)
            return err(ChecklistError::TooLarge,
                       QStringLiteral("A checklist may hold at most %1 triggers and clusters.")
                           .arg(kMaxRules));

        const QJsonValue rationale =
            o.value(QLatin1String("rationale")).toObject().value(QLatin1String("required"));
        if (!rationale.isBool())
            return err(ChecklistError::MissingField,
                       QStringLiteral("The checklist must say whether a rationale is required."));
        m_c.m_rationaleRequired = rationale.toBool();

        const QJsonObject j = o.value(QLatin1String("judgement")).toObject();
        if (!j.value(QLatin1String("may_raise")).isBool() ||
            !j.value(QLatin1String("may_lower")).isBool() ||
            !j.value(QLatin1String("reason_required")).isBool())
            return err(ChecklistError::MissingField,
                       QStringLiteral("The judgement rule needs may_raise, may_lower and "
                                      "reason_required."));
        m_c.m_override.mayRaise = j.value(QLatin1String("may_raise")).toBool();
        m_c.m_override.mayLower = j.value(QLatin1String("may_lower")).toBool();
        m_c.m_override.rationaleRequired = j.value(QLatin1String("reason_required")).toBool();
        return std::nullopt;
    }

private:
    std::optional<ChecklistLoadError> question(const QJsonObject &q, const QString &section,
                                               const QString &parentId, const QString &followUpSet,
                                               std::optional<RiskCondition> followUpWhen,
                                               QHash<QString, QJsonObject> &followUps)
    {
        static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}$"));
        if (m_c.m_questions.size() >= kMaxQuestions)
            return err(
                ChecklistError::TooLarge,
                QStringLiteral("A checklist may hold at most %1 questions.").arg(kMaxQuestions));
        RiskQuestion rq;
        rq.id = q.value(QLatin1String("id")).toString();
        rq.tag = q.value(QLatin1String("tag")).toString();
        rq.number = q.value(QLatin1String("number")).toString();
        rq.text = q.value(QLatin1String("text")).toString();
        rq.section = section;
        rq.parentId = parentId;
        rq.followUpSet = followUpSet;
        rq.followUpWhen = followUpWhen;
        if (rq.id.isEmpty() || rq.tag.isEmpty() || rq.text.isEmpty() ||
            (rq.number.isEmpty() && parentId.isEmpty()))
            return err(ChecklistError::MissingField,
                       QStringLiteral("Every question needs an id, a tag, a number and a text "
                                      "(\"%1\").")
                           .arg(rq.id));
        if (!idPattern.match(rq.id).hasMatch() || !idPattern.match(rq.tag).hasMatch())
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Question id or tag \"%1\" is not valid.").arg(rq.id));
        if (rq.text.size() > kMaxWordingLength || rq.number.size() > 8)
            return err(ChecklistError::TooLarge,
                       QStringLiteral("Question \"%1\" is too long.").arg(rq.id));
        if (m_c.m_questionIndex.contains(rq.id) || m_c.m_tagIndex.contains(rq.tag))
            return err(ChecklistError::DuplicateQuestion,
                       QStringLiteral("Two questions share the id or tag \"%1\".").arg(rq.id));

        const QString type = q.value(QLatin1String("type")).toString();
        if (type == QLatin1String("yes_no"))
            rq.type = RiskAnswerType::YesNo;
        else if (type == QLatin1String("choices"))
            rq.type = RiskAnswerType::Choices;
        else if (type == QLatin1String("frequency"))
            rq.type = RiskAnswerType::Frequency;
        else if (type == QLatin1String("text"))
            rq.type = RiskAnswerType::Text;
        else
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Question \"%1\" has no answer type (yes_no, choices, "
                                      "frequency, text).")
                           .arg(rq.id));

        const QJsonValue notKnown = q.value(QLatin1String("not_known"));
        if (!notKnown.isBool())
            return err(ChecklistError::MissingField,
                       QStringLiteral("Question \"%1\" must say whether \"not known\" is "
                                      "allowed.")
                           .arg(rq.id));
        rq.notKnownAllowed = notKnown.toBool();
        rq.required = q.value(QLatin1String("required")).toBool(true);

        const QJsonValue w = q.value(QLatin1String("weight"));
        rq.weight = w.isUndefined() ? (rq.type == RiskAnswerType::Text ? 0 : 1) : w.toInt(-1);
        if (rq.weight < 0 || rq.weight > 100 || (rq.type == RiskAnswerType::Text && rq.weight))
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Question \"%1\" has a weight outside 0-100 (a text "
                                      "answer weighs nothing).")
                           .arg(rq.id));

        if (rq.type == RiskAnswerType::Choices) {
            const QJsonArray options = q.value(QLatin1String("options")).toArray();
            if (options.size() < 2 || options.size() > kMaxOptions)
                return err(ChecklistError::InvalidField,
                           QStringLiteral("Question \"%1\" needs 2 to %2 options.")
                               .arg(rq.id)
                               .arg(kMaxOptions));
            QSet<QString> keys;
            for (const QJsonValue &ov : options) {
                const RiskOption opt{ov.toObject().value(QLatin1String("key")).toString(),
                                     ov.toObject().value(QLatin1String("label")).toString()};
                if (!idPattern.match(opt.key).hasMatch() || opt.label.isEmpty() ||
                    opt.key == kNotKnownKey || keys.contains(opt.key))
                    return err(ChecklistError::InvalidField,
                               QStringLiteral("An option of \"%1\" has no label, a bad or "
                                              "repeated key, or the reserved key not_known.")
                                   .arg(rq.id));
                keys.insert(opt.key);
                rq.options.append(opt);
            }
        } else if (q.contains(QLatin1String("options"))) {
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Only a choices question has options (\"%1\").").arg(rq.id));
        }
        rq.onChild = q.value(QLatin1String("on_child")).toString();
        if (!rq.onChild.isEmpty() &&
            ((rq.onChild != QLatin1String("suspect_ever_hurt") &&
              rq.onChild != QLatin1String("suspect_ever_threatened")) ||
             rq.type != RiskAnswerType::YesNo || !parentId.isEmpty() || !followUpSet.isEmpty()))
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Question \"%1\": on_child names suspect_ever_hurt or "
                                      "suspect_ever_threatened, on a yes / no question of a "
                                      "section.")
                           .arg(rq.id));
        if (rq.type == RiskAnswerType::Text) {
            rq.maxLength = q.value(QLatin1String("max_length")).toInt(200);
            if (rq.maxLength < 1 || rq.maxLength > kMaxTextLength)
                return err(ChecklistError::InvalidField,
                           QStringLiteral("Question \"%1\": max_length must be 1-%2.")
                               .arg(rq.id)
                               .arg(kMaxTextLength));
        }

        m_c.m_questionIndex.insert(rq.id, int(m_c.m_questions.size()));
        m_c.m_tagIndex.insert(rq.tag, int(m_c.m_questions.size()));
        m_c.m_questions.append(rq);

        for (const QJsonValue &d : q.value(QLatin1String("details")).toArray()) {
            if (!parentId.isEmpty())
                return err(ChecklistError::InvalidField,
                           QStringLiteral("A sub-answer (\"%1\") has no sub-answers of its own.")
                               .arg(rq.id));
            if (auto e =
                    question(d.toObject(), section, rq.id, followUpSet, followUpWhen, followUps))
                return e;
        }
        // The follow-up set this question opens comes right after it.
        if (const auto it = followUps.find(rq.tag); it != followUps.end()) {
            const QJsonObject f = *it;
            followUps.erase(it);
            if (!followUpSet.isEmpty())
                return err(ChecklistError::InvalidField,
                           QStringLiteral("A follow-up set cannot open inside another."));
            auto when = condition(f.value(QLatin1String("when")).toObject());
            if (auto *e = std::get_if<ChecklistLoadError>(&when))
                return *e;
            const QString title = f.value(QLatin1String("title")).toString();
            const QString setId = f.value(QLatin1String("id")).toString();
            const QJsonArray questions = f.value(QLatin1String("questions")).toArray();
            if (questions.isEmpty())
                return err(ChecklistError::MissingField,
                           QStringLiteral("Follow-up set \"%1\" has no questions.").arg(setId));
            for (const QJsonValue &fq : questions)
                if (auto e = question(fq.toObject(), title, QString(), setId,
                                      std::get<RiskCondition>(when), followUps))
                    return e;
        }
        return std::nullopt;
    }

    // A condition as written; its tag is checked once every question is read.
    std::variant<RiskCondition, ChecklistLoadError> condition(const QJsonObject &o) const
    {
        RiskCondition c;
        c.tag = o.value(QLatin1String("tag")).toString();
        int set = 0;
        if (o.contains(QLatin1String("answer"))) {
            const QString a = o.value(QLatin1String("answer")).toString();
            c.answer = a == QLatin1String("yes")  ? v1::ANSWER_YES
                       : a == QLatin1String("no") ? v1::ANSWER_NO
                                                  : v1::ANSWER_UNSPECIFIED;
            if (c.answer == v1::ANSWER_UNSPECIFIED)
                return err(ChecklistError::InvalidField,
                           QStringLiteral("A condition's answer is yes or no."));
            ++set;
        }
        if (o.contains(QLatin1String("includes"))) {
            c.includes = o.value(QLatin1String("includes")).toString();
            ++set;
        }
        if (o.contains(QLatin1String("at_least"))) {
            const auto f = frequencyFromKey(o.value(QLatin1String("at_least")).toString());
            if (!f)
                return err(ChecklistError::InvalidField,
                           QStringLiteral("A condition's at_least is never, once, sometimes or "
                                          "often."));
            c.atLeast = *f;
            ++set;
        }
        if (c.tag.isEmpty() || set != 1)
            return err(ChecklistError::MissingField,
                       QStringLiteral("A condition names a question by tag and one of answer, "
                                      "includes or at_least."));
        return c;
    }

    // The condition's tag names a question whose type fits the condition.
    std::optional<ChecklistLoadError> checkCondition(const RiskCondition &c) const
    {
        const RiskQuestion *q = m_c.questionByTag(c.tag);
        if (!q)
            return err(
                ChecklistError::BadReference,
                QStringLiteral("A condition names \"%1\", which no question has.").arg(c.tag));
        const bool fits =
            (c.answer != v1::ANSWER_UNSPECIFIED && q->type == RiskAnswerType::YesNo) ||
            (c.atLeast != v1::RISK_FREQUENCY_UNSPECIFIED && q->type == RiskAnswerType::Frequency) ||
            (!c.includes.isEmpty() && q->type == RiskAnswerType::Choices &&
             std::any_of(q->options.cbegin(), q->options.cend(),
                         [&](const RiskOption &o) { return o.key == c.includes; }));
        if (!fits)
            return err(ChecklistError::BadReference,
                       QStringLiteral("A condition on \"%1\" does not fit its answer type or "
                                      "options.")
                           .arg(c.tag));
        return std::nullopt;
    }

    std::optional<ChecklistLoadError> rule(const QJsonObject &o, bool cluster)
    {
        RiskRule r;
        r.cluster = cluster;
        r.id = o.value(QLatin1String("id")).toString();
        r.label = o.value(QLatin1String("label")).toString();
        const auto level = levelFromKey(o.value(QLatin1String("level")).toString());
        if (r.id.isEmpty() || r.label.isEmpty() || !level)
            return err(ChecklistError::MissingField,
                       QStringLiteral("Each trigger and cluster needs an id, a label and a "
                                      "level."));
        r.level = *level;
        const QJsonArray conditions = cluster ? o.value(QLatin1String("conditions")).toArray()
                                              : QJsonArray{o.value(QLatin1String("when"))};
        if (conditions.isEmpty() || conditions.size() > kMaxConditions ||
            (cluster && conditions.size() < 2))
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Trigger \"%1\" needs one condition; a cluster 2 to %2.")
                           .arg(r.id)
                           .arg(kMaxConditions));
        for (const QJsonValue &v : conditions) {
            auto c = condition(v.toObject());
            if (auto *e = std::get_if<ChecklistLoadError>(&c))
                return *e;
            if (auto e = checkCondition(std::get<RiskCondition>(c)))
                return e;
            r.conditions.append(std::get<RiskCondition>(c));
        }
        r.minMet = cluster ? o.value(QLatin1String("min_met")).toInt(int(conditions.size())) : 1;
        if (r.minMet < 1 || r.minMet > conditions.size())
            return err(ChecklistError::InvalidField,
                       QStringLiteral("Cluster \"%1\": min_met must be 1 to its number of "
                                      "conditions.")
                           .arg(r.id));
        m_c.m_rules.append(r);
        return std::nullopt;
    }

    RiskChecklist &m_c;
};

namespace {} // namespace

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

    const QString format = o.value(QLatin1String("format")).toString();
    if (format != kFormat1 && format != kFormat2) {
        return err(ChecklistError::UnknownFormat,
                   QStringLiteral("Unknown checklist format \"%1\"; expected \"%2\" or \"%3\".")
                       .arg(format, kFormat1, kFormat2));
    }

    RiskChecklist c;
    c.m_format = format == kFormat2 ? 2 : 1;
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

    if (c.m_format == 2) {
        if (auto e = ChecklistParser(c).parse(o))
            return *e;
        c.m_json = QJsonDocument(o).toJson(QJsonDocument::Compact);
        return c;
    }
    c.m_wording = QStringLiteral("paraphrase");

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
        rq.number = QString::number(c.m_questions.size() + 1);
        c.m_questionIndex.insert(rq.id, int(c.m_questions.size()));
        c.m_questions.append(rq);
    }

    if (auto e = parseThresholds(o.value(QLatin1String("thresholds")).toArray(), c.m_thresholds))
        return *e;

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

RiskChecklist RiskChecklist::builtIn(const QString &fileName)
{
    QFile f(QStringLiteral(":/safeguard/checklists/") + fileName);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("built-in risk checklist %s missing from resources", qPrintable(fileName));
    auto loaded = RiskChecklist::fromJson(f.readAll());
    if (auto *e = std::get_if<ChecklistLoadError>(&loaded))
        qFatal("built-in risk checklist %s invalid: %s", qPrintable(fileName),
               qPrintable(e->message));
    return std::get<RiskChecklist>(std::move(loaded));
}

const RiskQuestion *RiskChecklist::question(const QString &id) const
{
    const auto it = m_questionIndex.constFind(id);
    return it == m_questionIndex.cend() ? nullptr : &m_questions[*it];
}

const RiskQuestion *RiskChecklist::questionByTag(const QString &tag) const
{
    const auto it = m_tagIndex.constFind(tag);
    return it == m_tagIndex.cend() ? nullptr : &m_questions[*it];
}

bool riskAnswerNotKnown(const RiskQuestion &q, const v1::RiskAnswer &a)
{
    switch (q.type) {
    case RiskAnswerType::YesNo:
    case RiskAnswerType::Text:
        return a.answer() == v1::ANSWER_NOT_KNOWN;
    case RiskAnswerType::Frequency:
        return a.frequency() == v1::RISK_FREQUENCY_NOT_KNOWN;
    case RiskAnswerType::Choices:
        return std::find(a.choices().cbegin(), a.choices().cend(), kNotKnownKey.toStdString()) !=
               a.choices().cend();
    }
    return false;
}

bool riskAnswerGiven(const RiskQuestion &q, const v1::RiskAnswer &a)
{
    switch (q.type) {
    case RiskAnswerType::YesNo:
        return a.answer() != v1::ANSWER_UNSPECIFIED;
    case RiskAnswerType::Frequency:
        return a.frequency() != v1::RISK_FREQUENCY_UNSPECIFIED;
    case RiskAnswerType::Choices:
        return a.choices_size() > 0;
    case RiskAnswerType::Text:
        return !QString::fromStdString(a.text()).trimmed().isEmpty() ||
               a.answer() == v1::ANSWER_NOT_KNOWN;
    }
    return false;
}

const v1::RiskAnswer *RiskChecklist::answerFor(const RiskQuestion &q,
                                               const v1::RiskAssessment &assessment) const
{
    const std::string id = q.id.toStdString();
    // The device lays answers out in question order: look there first.
    const int at = m_questionIndex.value(q.id, -1);
    if (at >= 0 && at < assessment.answers_size() && assessment.answers(at).question_id() == id)
        return &assessment.answers(at);
    for (const v1::RiskAnswer &a : assessment.answers())
        if (a.question_id() == id)
            return &a;
    return nullptr;
}

bool RiskChecklist::holds(const RiskCondition &c, const v1::RiskAssessment &assessment) const
{
    const RiskQuestion *q = questionByTag(c.tag);
    if (!q || !isAsked(*q, assessment))
        return false;
    const v1::RiskAnswer *a = answerFor(*q, assessment);
    if (!a || riskAnswerNotKnown(*q, *a))
        return false;
    if (c.answer != v1::ANSWER_UNSPECIFIED)
        return a->answer() == c.answer;
    if (!c.includes.isEmpty())
        return std::find(a->choices().cbegin(), a->choices().cend(), c.includes.toStdString()) !=
               a->choices().cend();
    return a->frequency() >= c.atLeast;
}

bool RiskChecklist::isAsked(const RiskQuestion &q, const v1::RiskAssessment &assessment) const
{
    if (q.followUpWhen && !holds(*q.followUpWhen, assessment))
        return false;
    if (q.parentId.isEmpty())
        return true;
    const RiskQuestion *parent = question(q.parentId);
    if (!parent || !isAsked(*parent, assessment))
        return false;
    const v1::RiskAnswer *a = answerFor(*parent, assessment);
    if (!a || riskAnswerNotKnown(*parent, *a))
        return false;
    return parent->type == RiskAnswerType::YesNo ? a->answer() == v1::ANSWER_YES
                                                 : riskAnswerGiven(*parent, *a);
}

v1::RiskLevel RiskChecklist::levelForScore(int score) const
{
    if (m_thresholds.isEmpty())
        return v1::RISK_LEVEL_UNSPECIFIED;
    v1::RiskLevel level = m_thresholds.first().level;
    for (const RiskThreshold &t : m_thresholds) {
        if (score >= t.minScore)
            level = t.level;
    }
    return level;
}

namespace {

// Whether an answer counts towards the weighted count.
bool counts(const RiskQuestion &q, const v1::RiskAnswer &a)
{
    switch (q.type) {
    case RiskAnswerType::YesNo:
        return a.answer() == v1::ANSWER_YES;
    case RiskAnswerType::Frequency:
        return a.frequency() >= v1::RISK_FREQUENCY_ONCE &&
               a.frequency() <= v1::RISK_FREQUENCY_OFTEN;
    case RiskAnswerType::Choices:
        return a.choices_size() > 0 && !riskAnswerNotKnown(q, a);
    case RiskAnswerType::Text:
        return false;
    }
    return false;
}

// An answer of the wrong shape: an option the question lacks, "not known"
// beside other options, a text over its length.
bool malformed(const RiskQuestion &q, const v1::RiskAnswer &a)
{
    if (q.type == RiskAnswerType::Choices) {
        for (const std::string &k : a.choices()) {
            const QString key = QString::fromStdString(k);
            const bool known = key == kNotKnownKey ||
                               std::any_of(q.options.cbegin(), q.options.cend(),
                                           [&](const RiskOption &o) { return o.key == key; });
            if (!known)
                return true;
        }
        return riskAnswerNotKnown(q, a) && a.choices_size() > 1;
    }
    if (q.type == RiskAnswerType::Text)
        return QString::fromStdString(a.text()).size() > q.maxLength;
    return false;
}

} // namespace

RiskScore RiskChecklist::score(const v1::RiskAssessment &assessment) const
{
    RiskScore s;
    for (const RiskQuestion &q : m_questions) {
        if (!isAsked(q, assessment))
            continue; // a hidden follow-up is neither required nor scored
        const v1::RiskAnswer *a = answerFor(q, assessment);
        if (!a || !riskAnswerGiven(q, *a)) {
            if (q.required)
                s.unansweredQuestionIds.append(q.id);
            continue;
        }
        if (malformed(q, *a)) {
            s.invalidAnswerIds.append(q.id);
            continue;
        }
        if (riskAnswerNotKnown(q, *a) && !q.notKnownAllowed) {
            s.notKnownRefusedIds.append(q.id);
            continue;
        }
        if (counts(q, *a))
            s.score += q.weight;
    }
    for (const v1::RiskAnswer &a : assessment.answers()) {
        const QString id = QString::fromStdString(a.question_id());
        if (!m_questionIndex.contains(id))
            s.unknownQuestionIds.append(id);
    }
    s.unknownQuestionIds.sort();

    s.bandLevel = levelForScore(s.score);
    s.scoredLevel = s.bandLevel;
    for (const RiskRule &r : m_rules) {
        int met = 0;
        for (const RiskCondition &c : r.conditions)
            met += holds(c, assessment) ? 1 : 0;
        if (met < r.minMet)
            continue;
        s.firedRuleIds.append(r.id);
        s.reasons.append(r.label);
        s.scoredLevel = std::max(s.scoredLevel, r.level);
    }
    s.finalLevel = s.scoredLevel;

    const v1::RiskLevel judged = assessment.judgement_level();
    if (m_scoring == RiskScoring::Judgement && judged == v1::RISK_LEVEL_UNSPECIFIED) {
        s.overrideProblem = QStringLiteral("judgement_required");
    } else if (judged != v1::RISK_LEVEL_UNSPECIFIED && judged != s.scoredLevel) {
        // Under judgement scoring with no trigger fired, the officer grades:
        // that is the instrument working, not an override.
        const bool grading = s.scoredLevel == v1::RISK_LEVEL_UNSPECIFIED;
        const bool raising = judged > s.scoredLevel;
        const bool allowed = grading || (raising ? m_override.mayRaise : m_override.mayLower);
        if (!allowed) {
            s.overrideProblem = QStringLiteral("override_not_allowed");
        } else if (!grading && m_override.rationaleRequired &&
                   QString::fromStdString(assessment.judgement_rationale()).trimmed().isEmpty()) {
            s.overrideProblem = QStringLiteral("rationale_required");
        } else {
            s.finalLevel = judged;
            s.overrideApplied = !grading;
        }
    }
    s.rationaleMissing =
        m_rationaleRequired && QString::fromStdString(assessment.rationale()).trimmed().isEmpty();
    return s;
}

bool RiskChecklist::hasBornChildren(const v1::IncidentRecord &record)
{
    return std::any_of(record.children().cbegin(), record.children().cend(),
                       [](const v1::ChildObservation &c) { return !c.identity().unborn(); });
}

v1::Answer RiskChecklist::childrensAnswer(const v1::IncidentRecord &record, const QString &field)
{
    const bool threatened = field == QLatin1String("suspect_ever_threatened");
    bool any = false, unanswered = false, notKnown = false;
    for (const v1::ChildObservation &c : record.children()) {
        if (c.identity().unborn())
            continue;
        any = true;
        const v1::Answer a = threatened ? c.suspect_ever_threatened() : c.suspect_ever_hurt();
        if (a == v1::ANSWER_YES)
            return v1::ANSWER_YES;
        unanswered = unanswered || (a != v1::ANSWER_NO && a != v1::ANSWER_NOT_KNOWN);
        notKnown = notKnown || a == v1::ANSWER_NOT_KNOWN;
    }
    if (!any || unanswered)
        return v1::ANSWER_UNSPECIFIED;
    return notKnown ? v1::ANSWER_NOT_KNOWN : v1::ANSWER_NO;
}

v1::RiskAssessment RiskChecklist::assessmentOf(const v1::IncidentRecord &record) const
{
    v1::RiskAssessment a = record.risk();
    if (!hasBornChildren(record))
        return a;
    for (const RiskQuestion &q : m_questions) {
        if (q.onChild.isEmpty())
            continue;
        v1::RiskAnswer *answer = nullptr;
        for (v1::RiskAnswer &x : *a.mutable_answers())
            if (x.question_id() == q.id.toStdString())
                answer = &x;
        if (!answer) {
            answer = a.add_answers();
            answer->set_question_id(q.id.toStdString());
        }
        answer->set_answer(childrensAnswer(record, q.onChild));
    }
    return a;
}

RiskScore RiskChecklist::scoreRecord(const v1::IncidentRecord &record) const
{
    RiskScore s = score(assessmentOf(record));
    if (hasBornChildren(record))
        for (const RiskQuestion &q : m_questions)
            if (!q.onChild.isEmpty())
                s.fromChildrenIds.append(q.id);
    return s;
}

std::shared_ptr<const RiskChecklistRegistry> RiskChecklistRegistry::sharedBuiltIns()
{
    return std::make_shared<const RiskChecklistRegistry>(withBuiltIns());
}

RiskChecklistRegistry RiskChecklistRegistry::withBuiltIns()
{
    RiskChecklistRegistry r;
    r.addBuiltIns();
    return r;
}

void RiskChecklistRegistry::addBuiltIns()
{
    // Version 1 stays, so records answered on it score on it for ever;
    // version 2 (the police order) is current for new records.
    add(RiskChecklist::builtIn(QStringLiteral("dash-2009-v1.json")));
    add(RiskChecklist::builtIn(QStringLiteral("dash-2009-v2.json")));
}

std::optional<ChecklistLoadError> RiskChecklistRegistry::add(const RiskChecklist &checklist,
                                                             Use use)
{
    if (const RiskChecklist *existing = find(checklist.id(), checklist.version())) {
        if (existing->canonicalJson() == checklist.canonicalJson()) {
            if (use == Use::Offered)
                m_uses[int(existing - m_checklists.constData())] = Use::Offered;
            return std::nullopt;
        }
        return ChecklistLoadError{
            ChecklistError::VersionClash,
            QStringLiteral("Checklist %1 version %2 is already known with different content; "
                           "publish changes as a new version.")
                .arg(checklist.id())
                .arg(checklist.version())};
    }
    m_checklists.append(checklist);
    m_uses.append(use);
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
    for (int i = 0; i < m_checklists.size(); ++i) {
        const RiskChecklist &c = m_checklists[i];
        if (m_uses[i] != Use::Offered || !c.appliesTo(type))
            continue;
        // Among checklists for the type, the last added id wins; within an
        // id, the highest version.
        if (!best || c.id() != best->id() || c.version() > best->version())
            best = &c;
    }
    return best;
}

const RiskChecklist *RiskChecklistRegistry::forRecord(const v1::IncidentRecord &record) const
{
    const v1::IncidentType type = record.incident().type();
    const v1::RiskAssessment &risk = record.risk();
    if (!risk.checklist_id().empty()) {
        const RiskChecklist *named =
            find(QString::fromStdString(risk.checklist_id()), int(risk.checklist_version()));
        if (named && named->appliesTo(type))
            return named;
        // Answers on an instrument this device no longer knows (another
        // hub's, or a damaged copy): kept as they are, never laid out again
        // on the current one.
        if (!named && risk.answers_size() > 0)
            return nullptr;
    }
    return currentFor(type);
}

} // namespace safeguard::protocol
