#pragma once

#include "safeguard/v1/record.pb.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

namespace safeguard::hub::picture {

// One report about one person as the concern rules read it: the latest
// version of one record (a later version supersedes what it corrects).
struct Report
{
    QString recordId;
    quint32 version = 1;
    QDateTime occurredUtc;
    QDateTime receivedUtc;
    v1::IncidentType type = v1::INCIDENT_TYPE_UNSPECIFIED;
    // About the child in it (unset for an adult's history).
    bool unborn = false;
    v1::Grade grade = v1::GRADE_UNSPECIFIED; // effective: unknown counts as red
    std::optional<int> ageYears;
    v1::Presence presence = v1::PRESENCE_UNSPECIFIED;
    v1::Answer seen = v1::ANSWER_UNSPECIFIED;
    v1::Answer spokenTo = v1::ANSWER_UNSPECIFIED;
    v1::Answer spokenToAlone = v1::ANSWER_UNSPECIFIED;
    QSet<int> aceCategories; // v1::Indicator values recorded for the child
    v1::Answer protectionNotice = v1::ANSWER_UNSPECIFIED;
    bool encompassInScope = false;
    v1::Answer encompassNotice = v1::ANSWER_UNSPECIFIED;
    QString addressKey;      // normalised postcode and house number
    QStringList suspectKeys; // resolved people

    // What the chronology shows beside what the rules read.
    QString gradeRationale;
    QString childWords;       // verbatim
    QString wordsNotRecorded; // why not, when there are none
    QString demeanour;
    QHash<int, int> aceProvenance; // indicator -> v1::Provenance (form 2)
    QStringList flags;             // what ingest flagged on the version
    // The incident's risk assessment, scored at the hub by the device's own
    // code on the version it was answered on: the level that counts, the
    // triggers and clusters that set it (in words), and an outcome other
    // than answering ("declined", "not_safe_to_ask", "unknown_checklist").
    v1::RiskLevel riskLevel = v1::RISK_LEVEL_UNSPECIFIED;
    QStringList riskReasons;
    QString riskOutcome;

    // "record-id v2": how evidence names a report.
    QString evidence() const;
};

// What the rules see beyond one person: the reports at each address and
// naming each suspect, across every child (a repeat address or suspect
// across two families).
struct Neighbourhood
{
    QHash<QString, QSet<QString>> reportsAtAddress;   // address key -> evidence
    QHash<QString, QSet<QString>> reportsWithSuspect; // suspect key -> evidence
};

// A rule that fired: which, under which rules version, why in words, and
// the reports behind it (in time order).
struct TriggeredRule
{
    QString rule;
    QString rulesVersion;
    QString explanation;
    QStringList evidence;

    QJsonObject toJson() const;
};

// Cumulative concern as force policy: a versioned rules file
// (data/concern-rules.json; docs/HUB.md), each rule with its parameters,
// evaluated on a person's whole history. A rule the file leaves out is off;
// a rule or parameter it misspells is refused.
class ConcernRules
{
public:
    static std::optional<ConcernRules> fromJson(const QByteArray &json, QString *error);
    static const ConcernRules &builtIn();

    QString version() const { return m_version; }
    // The version and every rule's parameters, hashed: what tells the
    // picture its concerns were made with other rules.
    QByteArray fingerprint() const;

    // A child's history (any order) and the neighbourhood of every report.
    QList<TriggeredRule> evaluateChild(const QList<Report> &history,
                                       const Neighbourhood &neighbourhood) const;
    // An adult victim's history: potential escalation (a MARAC criterion).
    QList<TriggeredRule> evaluateVictim(const QList<Report> &history) const;

private:
    QString m_version;
    QHash<QString, QJsonObject> m_rules;
};

} // namespace safeguard::hub::picture
