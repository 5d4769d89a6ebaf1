#pragma once

#include "safeguard/v1/record.pb.h"

#include <QByteArray>
#include <QHash>
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
    DuplicateQuestion, // two questions share an id or a tag
    BadThresholds,     // thresholds do not start at 0 or do not rise with the level
    VersionClash,      // the registry already holds this id and version with other content
    BadReference,      // a condition names a tag, option or question the checklist lacks
    TooLarge,          // more questions, options or rules than a checklist may hold
};

struct ChecklistLoadError
{
    ChecklistError error;
    QString message;
};

// How a question is answered (format 2; format 1 has yes / no / not known
// only). Each type has its own field of v1::RiskAnswer.
enum class RiskAnswerType
{
    YesNo,     // answer: yes, no, not known
    Choices,   // choices: any of the options ("afraid of what: injury, being killed")
    Frequency, // frequency: never, once, sometimes, often, not known
    Text,      // text: a short answer in the officer's words
};

struct RiskOption
{
    QString key; // stored in RiskAnswer.choices
    QString label;
};

// One answer that a follow-up, a sub-answer, a trigger or a cluster waits
// for, naming its question by tag (never by number). Exactly one of answer,
// includes and atLeast is set, by the question's type.
struct RiskCondition
{
    QString tag;
    v1::Answer answer = v1::ANSWER_UNSPECIFIED;                 // yes_no: equals
    QString includes;                                           // choices: contains
    v1::RiskFrequency atLeast = v1::RISK_FREQUENCY_UNSPECIFIED; // frequency: at least
};

struct RiskQuestion
{
    QString id; // what answers store (RiskAnswer.question_id)
    QString text;
    int weight = 1;
    // Format 2 (format 1: tag empty, number its place, type YesNo).
    QString tag;     // stable and semantic: "strangulation", "threat_to_kill"
    QString number;  // as printed on the instrument: "18", "S3"
    QString section; // the section or follow-up set's title
    RiskAnswerType type = RiskAnswerType::YesNo;
    bool notKnownAllowed = true;
    bool required = true;
    QList<RiskOption> options; // Choices
    int maxLength = 0;         // Text
    // A sub-answer ("who else was hurt") is asked once its parent is
    // answered yes (or, for other types, answered at all).
    QString parentId;
    // Questions of a follow-up set are asked only while its condition holds.
    QString followUpSet;
    std::optional<RiskCondition> followUpWhen;
    // A question about the children that the child answers
    // ("suspect_ever_hurt", "suspect_ever_threatened": ChildObservation's
    // field): with children recorded, its answer is read from them (yes if
    // any child's is yes), not asked again.
    QString onChild;
};

struct RiskThreshold
{
    v1::RiskLevel level = v1::RISK_LEVEL_UNSPECIFIED;
    int minScore = 0;
};

// A single-factor trigger (one answer) or a cluster (at least minMet of its
// conditions) that sets at least a level, whatever the count.
struct RiskRule
{
    QString id;
    QString label; // why, in words: "strangulation, choking or suffocation"
    v1::RiskLevel level = v1::RISK_LEVEL_UNSPECIFIED;
    QList<RiskCondition> conditions;
    int minMet = 1;
    bool cluster = false;
};

// Which way professional judgement may move the scored level.
struct OverrideRule
{
    bool mayRaise = true;
    bool mayLower = false;
    bool rationaleRequired = true;
};

enum class RiskScoring
{
    WeightedCount, // bands on the weighted count, then triggers and clusters
    Judgement,     // no count: the level is the officer's judgement (DARA)
};

// The outcome of scoring one set of answers against one checklist.
struct RiskScore
{
    int score = 0;
    // The level of the bands alone (unspecified under judgement scoring).
    v1::RiskLevel bandLevel = v1::RISK_LEVEL_UNSPECIFIED;
    // The instrument's level: the bands raised by any trigger or cluster.
    v1::RiskLevel scoredLevel = v1::RISK_LEVEL_UNSPECIFIED;
    // The level that counts: the judgement level where the rule allows it,
    // else the scored level.
    v1::RiskLevel finalLevel = v1::RISK_LEVEL_UNSPECIFIED;
    bool overrideApplied = false;
    // Problems with the judgement: "" (none), "override_not_allowed",
    // "rationale_required", "judgement_required" (judgement scoring).
    QString overrideProblem;
    // Triggers and clusters that fired, by id, and why in words.
    QStringList firedRuleIds;
    QStringList reasons;
    QStringList unansweredQuestionIds; // asked (shown and required) and not answered
    QStringList notKnownRefusedIds;    // "not known" where the question does not allow it
    QStringList invalidAnswerIds;      // an option the question lacks, or text too long
    QStringList unknownQuestionIds;    // answers to questions this version lacks
    QStringList fromChildrenIds;       // answered from the children (RiskQuestion::onChild)
    bool rationaleMissing = false;     // the definition requires a rationale
    bool complete() const { return unansweredQuestionIds.isEmpty(); }
};

// A versioned risk instrument (DASH, DARA...) as data: questions, weights,
// bands, triggers, clusters and the professional-judgement rule. Forces
// switch instrument or wording by loading a new definition (docs:
// sync/protocol/checklists/), not by a new release; records name the id and
// version they were answered on, and are scored on that version for ever.
class RiskChecklist
{
public:
    static std::variant<RiskChecklist, ChecklistLoadError> fromJson(const QByteArray &json);
    // A definition compiled into this build (":/safeguard/checklists/<name>").
    static RiskChecklist builtIn(const QString &fileName);

    QString id() const { return m_id; }
    int version() const { return m_version; }
    int format() const { return m_format; }
    QString title() const { return m_title; }
    // "paraphrase", "illustrative" or "force" (format 2; format 1: "paraphrase").
    QString wording() const { return m_wording; }
    // Every question in the order it is asked: each section's questions,
    // each followed by its sub-answers, a follow-up set after the question
    // that opens it.
    const QList<RiskQuestion> &questions() const { return m_questions; }
    const RiskQuestion *question(const QString &id) const;
    const RiskQuestion *questionByTag(const QString &tag) const;
    const QList<RiskThreshold> &thresholds() const { return m_thresholds; }
    const QList<RiskRule> &rules() const { return m_rules; }
    RiskScoring scoring() const { return m_scoring; }
    OverrideRule overrideRule() const { return m_override; }
    bool rationaleRequired() const { return m_rationaleRequired; }
    bool appliesTo(v1::IncidentType type) const { return m_appliesTo.contains(type); }
    QByteArray canonicalJson() const { return m_json; }

    // Whether a question is asked, given the answers so far: its follow-up
    // set is open and its parent answered. Hidden questions are neither
    // required nor scored.
    bool isAsked(const RiskQuestion &q, const v1::RiskAssessment &assessment) const;
    // The level for a score, from the bands (unspecified without bands).
    v1::RiskLevel levelForScore(int score) const;
    // Scores the answers; the assessment's checklist id/version are not
    // checked here (see RiskChecklistRegistry::find).
    RiskScore score(const v1::RiskAssessment &assessment) const;
    // The record's assessment with each question about the children
    // answered from them (when it has born children), and its score: what
    // the device shows and the hub flags, by the same code.
    v1::RiskAssessment assessmentOf(const v1::IncidentRecord &record) const;
    RiskScore scoreRecord(const v1::IncidentRecord &record) const;
    // The children's answer to an onChild question: yes if any child's is
    // yes; else no when all are no; else not known when all are answered;
    // unspecified while any is unanswered or there are no born children.
    static v1::Answer childrensAnswer(const v1::IncidentRecord &record, const QString &field);
    // Whether the record has a child an onChild question is read from.
    static bool hasBornChildren(const v1::IncidentRecord &record);

private:
    friend class ChecklistParser;
    const v1::RiskAnswer *answerFor(const RiskQuestion &q,
                                    const v1::RiskAssessment &assessment) const;
    bool holds(const RiskCondition &c, const v1::RiskAssessment &assessment) const;

    QString m_id;
    int m_version = 0;
    int m_format = 1;
    QString m_title;
    QString m_wording;
    QList<v1::IncidentType> m_appliesTo;
    QList<RiskQuestion> m_questions;
    QHash<QString, int> m_questionIndex; // by id: score() runs for every record the hub checks
    QHash<QString, int> m_tagIndex;
    QList<RiskThreshold> m_thresholds; // ascending minScore
    QList<RiskRule> m_rules;
    RiskScoring m_scoring = RiskScoring::WeightedCount;
    OverrideRule m_override;
    bool m_rationaleRequired = false;
    QByteArray m_json;
};

// Whether an answer is given (for its question's type), and whether it is
// "not known".
bool riskAnswerGiven(const RiskQuestion &q, const v1::RiskAnswer &a);
bool riskAnswerNotKnown(const RiskQuestion &q, const v1::RiskAnswer &a);

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

    // Offered: may be current for new records. RecordsOnly: known so that
    // records answered on it open, check and score on it (an instrument the
    // hub withdrew or superseded), never offered for a new one.
    enum class Use
    {
        Offered,
        RecordsOnly,
    };
    // Adds the built-in ones (see withBuiltIns) after what is there.
    void addBuiltIns();
    std::optional<ChecklistLoadError> add(const RiskChecklist &checklist, Use use = Use::Offered);
    const RiskChecklist *find(const QString &id, int version) const;
    // Among the offered checklists that apply, the last id added, at its
    // highest offered version; nullptr when none applies.
    const RiskChecklist *currentFor(v1::IncidentType type) const;
    // The checklist a record is answered on: the one it names, when this
    // registry knows it and it applies to the incident (a draft begun on
    // version 1 stays on version 1), else the current one; nullptr when
    // none applies, and nullptr when the record has answers on a checklist
    // this registry does not know (they are never reshaped into another
    // one's: the validator says "unknown_checklist").
    const RiskChecklist *forRecord(const v1::IncidentRecord &record) const;
    int size() const { return int(m_checklists.size()); }

private:
    QList<RiskChecklist> m_checklists;
    QList<Use> m_uses; // one per checklist
};

// "standard", "medium", "high" ("" for unspecified).
QString riskLevelKey(v1::RiskLevel level);
// "domestic_abuse", "school_liaison", ... (from the schema's enum names).
QString incidentTypeKey(v1::IncidentType type);
std::optional<v1::IncidentType> incidentTypeFromKey(const QString &key);

} // namespace safeguard::protocol
