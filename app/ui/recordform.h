#pragma once

#include "safeguard/v1/record.pb.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QVariant>

namespace safeguard::ui {

// How a field is edited.
class FieldKindHolder : public QObject
{
    Q_OBJECT
public:
    enum Kind
    {
        Text,         // one line
        LongText,     // several lines, in the officer's words
        ChildWords,   // the child's own words: the largest text area
        Number,       // a whole number
        Bool,         // a switch
        Choice,       // one of a few labelled options
        Date,         // yyyy-mm-dd
        DateTime,     // yyyy-mm-dd hh:mm
        Lines,        // a list of short texts, one per line
        Flags,        // any of a few labelled options
        ListHeader,   // heading of a repeated group, with "add" while it is empty
        ListItem,     // heading of one entry of a repeated group, with "remove"
        Menu,         // one of many labelled options (ethnicity, setting type)
        PersonChoice, // one of the record's people, by id
        Heading,      // a heading with no answer (one person's relationship)
        PersonRoles,  // the person's part in the incident: victim, suspect
        ListAdd,      // "add another" under the last entry of a repeated group
        Options,      // any of a risk question's options, by key ("children", "self")
        Note,         // a line to read, not answer (a risk question each child answers)
    };
    Q_ENUM(Kind)
};
using FieldKind = FieldKindHolder::Kind;

// One labelled option of a Choice or Flags field.
struct FormChoice
{
    int value;
    QString label;
};

// Other words for a field or a step at some incident types: a school
// liaison visit has no home to describe and no victim to name.
struct FormWording
{
    QList<int> types; // v1::IncidentType values
    QString label;    // empty: the usual label
    QString help;     // empty: the usual help
};

// One field of the form: where it lives in the record (relative to the
// section's base, e.g. "seen.answer" within a child), how it is edited, what
// the officer reads, and when it applies. A field can apply only to some
// incident types (the form adapts to the record type), only to born or
// unborn children, or only when another field has one of some values (a
// reason appears when the answer is "no").
struct FormField
{
    QString key;
    FieldKind kind = FieldKind::Text;
    QString label;
    QString help;
    QList<FormChoice> choices;
    // Which question applies to which incident type and child is the shared
    // applicability table's (protocol::Applicability) to say, never the
    // form's; when* only hides a follow-up until its answer calls for it.
    QString whenKey;             // relative key of the field it depends on
    QVariantList whenIn;         // shown when that field's value is one of these
    bool sensitive = true;       // personal or the child's words: no prediction
    QList<FormField> itemFields; // for ListHeader: the fields of one entry
    // For PersonChoice: besides the adults (people), the
    // record's children of 16 or 17, who can be the victim or the suspect.
    // For PersonRoles on a child: asked only of a child of 16 or 17.
    bool withOlderChildren = false;
    // One entry per person of the incident (a child's relationships): a
    // heading naming the person, then itemFields, for the entry whose
    // person_id is theirs. The editor keeps one entry per person.
    bool perPerson = false;
    // One row per choice (each ACE indicator), answered with one of
    // itemChoices (how the officer knows): path "<key>@<choice>", stored as
    // the entry of the repeated key whose keyField is the choice.
    QList<FormChoice> itemChoices;
    QString keyField;   // e.g. "indicator"
    QString valueField; // e.g. "provenance"
    QList<FormWording> wordings;

    // The label and help the officer reads at this incident type.
    QString labelAt(int incidentType) const;
    QString helpAt(int incidentType) const;
};

// A screen's worth of fields: the incident, or one part of a child's record.
struct FormSection
{
    QString id;
    QString title;
    bool perChild = false;
    QString bornKey; // non-empty: hidden for an unborn child
    // Non-empty: the section is shown only where the shared applicability
    // table (protocol::Applicability) says this key applies.
    QString tableKey;
    QList<FormField> fields;
    QList<FormWording> wordings; // other titles

    QString titleAt(int incidentType) const;
};

// The record form as data: what an officer is asked, in what order, and
// when. Good practice is the fast path: seen / spoken to / alone and the
// child's words come straight after presence. QML renders it generically;
// which field applies is decided here, not in QML.
class RecordForm
{
public:
    static const QList<FormSection> &incidentSections();
    static const QList<FormSection> &childSections();
    // After the children: the risk checklist (its questions come from the
    // current RiskChecklist, ahead of these fields) and information sharing.
    static const QList<FormSection> &closingSections();
    static QList<FormChoice> riskAnswerChoices();
    // "Domestic abuse", "School liaison visit"... as the form offers them;
    // "" for an unset type.
    static QString incidentTypeLabel(int type);
    // The label of a child field's choice ("Yes", "Red: high"), "" if none.
    static QString childChoiceLabel(const QString &key, int value);

    // The field that a keyed row path ("indicator_details@5") belongs to,
    // by its list key, or null.
    static const FormField *keyedField(const QString &listKey);
};

} // namespace safeguard::ui
