#pragma once

#include "safeguard/v1/record.pb.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <variant>

namespace safeguard::protocol {

// Why a checklist definition could not be loaded.
enum class ChecklistError
{
    NotJson,           // not a JSON object
    UnknownFormat,     // "format" is not one this build reads
    MissingField,      // a required key is absent or of the wrong type
    InvalidField,      // a value out of range (version < 1, negative weight, bad id...)
    DuplicateQuestion, // two questions share an id
    BadThresholds,     // thresholds do not start at 0 or do not rise with the level
    VersionClash,      // the registry already holds this id and version with other content
};

struct ChecklistLoadError
{
    ChecklistError error;
    QString message;
};

struct RiskQuestion
{
    QString id;
    QString text;
    int weight = 1;
};

struct RiskThreshold
{
    v1::RiskLevel level = v1::RISK_LEVEL_UNSPECIFIED;
    int minScore = 0;
};

// Which way professional judgement may move the scored level.
struct OverrideRule
{
    bool mayRaise = true;
    bool mayLower = false;
    bool rationaleRequired = true;
};

// The outcome of scoring one set of answers against one checklist.
struct RiskScore
{
    int score = 0;
    v1::RiskLevel scoredLevel = v1::RISK_LEVEL_UNSPECIFIED;
    // The level that counts: the judgement level where the override rule
    // allows it, else the scored level.
    v1::RiskLevel finalLevel = v1::RISK_LEVEL_UNSPECIFIED;
    bool overrideApplied = false;
    // Problems with the override: "" (none), "override_not_allowed",
    // "rationale_required".
    QString overrideProblem;
    QStringList unansweredQuestionIds;
    QStringList unknownQuestionIds; // answers to questions this version lacks
    bool complete() const { return unansweredQuestionIds.isEmpty(); }
};

// A versioned risk instrument (DASH, DARA...) as data: questions, weights,
// thresholds and the professional-judgement rule. Forces switch instrument or
// wording by loading a new definition (docs: sync/protocol/checklists/), not
// by a new release; records name the id and version they were answered on.
class RiskChecklist
{
public:
    static std::variant<RiskChecklist, ChecklistLoadError> fromJson(const QByteArray &json);

    QString id() const { return m_id; }
    int version() const { return m_version; }
    QString title() const { return m_title; }
    const QList<RiskQuestion> &questions() const { return m_questions; }
    const QList<RiskThreshold> &thresholds() const { return m_thresholds; }
    OverrideRule overrideRule() const { return m_override; }
    bool appliesTo(v1::IncidentType type) const { return m_appliesTo.contains(type); }
    QByteArray canonicalJson() const { return m_json; }

    // The level for a score, from the thresholds.
    v1::RiskLevel levelForScore(int score) const;
    // Scores the answers; the assessment's checklist id/version are not
    // checked here (see RiskChecklistRegistry::find).
    RiskScore score(const v1::RiskAssessment &assessment) const;

private:
    QString m_id;
    int m_version = 0;
    QString m_title;
    QList<v1::IncidentType> m_appliesTo;
    QList<RiskQuestion> m_questions;
    QSet<QString> m_questionIds; // of m_questions: score() runs for every record the hub checks
    QList<RiskThreshold> m_thresholds; // ascending minScore
    OverrideRule m_override;
    QByteArray m_json;
};

// The checklists a device or hub knows: the built-in default (DASH) plus any
// newer version delivered later by hub policy.
class RiskChecklistRegistry
{
public:
    // Holds the built-in checklists compiled into this build.
    static RiskChecklistRegistry withBuiltIns();
    // The same, to share: the device's store and its record editor hold one
    // registry, so the form asks exactly what submit() checks.
    static std::shared_ptr<const RiskChecklistRegistry> sharedBuiltIns();

    std::optional<ChecklistLoadError> add(const RiskChecklist &checklist);
    const RiskChecklist *find(const QString &id, int version) const;
    // The newest version of the newest checklist that applies, or nullptr.
    const RiskChecklist *currentFor(v1::IncidentType type) const;
    int size() const { return int(m_checklists.size()); }

private:
    QList<RiskChecklist> m_checklists;
};

// "standard", "medium", "high" ("" for unspecified).
QString riskLevelKey(v1::RiskLevel level);
// "domestic_abuse", "school_liaison", ... (from the schema's enum names).
QString incidentTypeKey(v1::IncidentType type);
std::optional<v1::IncidentType> incidentTypeFromKey(const QString &key);

} // namespace safeguard::protocol
