#pragma once

#include "protocol/derivedfacts.h"
#include "safeguard/v1/record.pb.h"

#include <QByteArray>
#include <QDate>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTime>
#include <functional>
#include <optional>

namespace safeguard::hub::picture {

// Operation Encompass (a statutory duty: Victims and Prisoners Act 2024):
// for each child in scope, the education setting's safeguarding lead is told
// before the start of the next school day, weekends and holidays included;
// for an electively home-educated child, the local authority. This file is
// the pure logic and its data: who is told, by when, and what. Sending and
// the countdown belong to the staff page.

enum class Nation
{
    England,
    Wales,
};

enum class NoticeLanguage
{
    English,
    Welsh,
};

struct TermDates
{
    QDate first; // inclusive
    QDate last;  // inclusive
};

// When a setting is open: weekdays inside a term, not a bank holiday of its
// nation, not a closure (INSET day). No terms at all: open every such
// weekday (many early-years settings are open all year).
struct SchoolCalendar
{
    QTime dayStarts{8, 45};
    QList<TermDates> terms;
    QList<QDate> closures;
};

struct LocalAuthority
{
    QString id;
    QString name;
    Nation nation = Nation::England;
    QStringList postcodePrefixes; // outward codes or areas, e.g. "ZZ1"
    SchoolCalendar calendar;
    NoticeLanguage language = NoticeLanguage::English;
};

struct Setting
{
    QString urn;
    QString name;
    QString localAuthority;                 // id
    SchoolCalendar calendar;                // its own, or its authority's
    std::optional<NoticeLanguage> language; // unset: the authority's
};

// The force's directory of settings and local authorities with their
// calendars, and the bank holidays of each nation (force policy data: a
// JSON file, docs/HUB.md "Encompass directory").
class EncompassDirectory
{
public:
    static std::optional<EncompassDirectory> fromJson(const QByteArray &json, QString *error);
    // The synthetic directory that ships with the hub (demo and tests).
    static const EncompassDirectory &builtIn();

    const Setting *setting(const QString &urn) const;
    const LocalAuthority *authority(const QString &id) const;
    // The authority whose postcode prefixes hold the longest match, else
    // the force's default.
    const LocalAuthority *authorityForPostcode(const QString &postcode) const;
    const LocalAuthority *defaultAuthority() const;
    const QList<QDate> &bankHolidays(Nation nation) const;
    // The years the bank holiday list covers (a date outside them has no
    // answer rather than a guess).
    bool coversYear(Nation nation, int year) const;

private:
    QList<LocalAuthority> m_authorities;
    QList<Setting> m_settings;
    QString m_default;
    QHash<int, QList<QDate>> m_holidays; // by Nation
};

// "Before the start of the next school day": the first school-day start
// after the incident, in UK time (both clock changes) and as UTC.
struct Deadline
{
    QDate schoolDay;
    QDateTime dueUtc;
    // Non-empty when the calendar data cannot say (term dates or bank
    // holidays end before a school day is found): staff are told to check,
    // never given a guessed deadline.
    QString error;
    bool ok() const { return error.isEmpty(); }
};

Deadline nextSchoolDayStart(const SchoolCalendar &calendar, const QList<QDate> &holidays,
                            const std::function<bool(int)> &yearCovered, const QDateTime &afterUtc);

// What the setting is told, exactly as the statutory guidance lists, never
// the parents' view: the child's name and date of birth, the police
// reference, the date, time and place, whether the child was present and
// where, whether they were spoken to, what they said and whether another
// adult was there, and the brief circumstances.
struct EncompassNotice
{
    QString childName;
    QDate dateOfBirth;
    QString policeReference;
    QDateTime occurredUtc;
    QString place;
    v1::Presence presence = v1::PRESENCE_UNSPECIFIED;
    QString presenceDetail;
    v1::Answer spokenTo = v1::ANSWER_UNSPECIFIED;
    QString childWords;
    // Another adult there when the child spoke: the names the officer gave
    // (form 2), else from "spoken to alone" (form 1).
    QString otherAdultPresent;
    v1::Answer spokenToAlone = v1::ANSWER_UNSPECIFIED;
    QString circumstances;

    static EncompassNotice of(const v1::IncidentRecord &record, const v1::ChildObservation &child);
    // The notice as the setting reads it, in its language.
    QString text(NoticeLanguage language) const;
    QJsonObject toJson() const;
};

// One notice due: to whom, by when, in what language, saying what.
struct EncompassDue
{
    QString childId;
    enum class To
    {
        Setting,
        LocalAuthority, // electively home educated, or the setting is unknown
    } to = To::Setting;
    QString recipientId; // the URN, or the authority's id
    QString recipientName;
    // Why the authority rather than a setting, or that the URN is not in the
    // directory: staff must find the setting themselves.
    QString routingNote;
    NoticeLanguage language = NoticeLanguage::English;
    Deadline deadline;
    EncompassNotice notice;
};

// Every notice a record calls for: each born child in scope (the shared
// derived::inEncompassScope under the force's policy).
QList<EncompassDue> encompassNoticesFor(const v1::IncidentRecord &record,
                                        const EncompassDirectory &directory,
                                        const protocol::derived::EncompassPolicy &policy = {});

} // namespace safeguard::hub::picture
