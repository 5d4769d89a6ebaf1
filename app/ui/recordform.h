#pragma once

#include "safeguard/v1/record.pb.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

namespace safeguard::ui {

// How a field is edited.
class FieldKindHolder : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(FieldKind)
    QML_UNCREATABLE("An enum holder")
public:
    enum Kind
    {
        Text,       // one line
        LongText,   // several lines, in the officer's words
        ChildWords, // the child's own words: the largest text area
        Number,     // a whole number
        Bool,       // a switch
        Choice,     // one of a few labelled options
        Date,       // yyyy-mm-dd
        DateTime,   // yyyy-mm-dd hh:mm
        Lines,      // a list of short texts, one per line
        Flags,      // any of a few labelled options
        ListHeader, // heading of a repeated group, with "add"
        ListItem,   // heading of one entry of a repeated group, with "remove"
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
    // Empty: every type. Which question applies where is the shared
    // applicability table's (protocol::Applicability) to say; this is only
    // for fields of the form-1 household list that the table does not name.
    QList<v1::IncidentType> onlyFor;
    QString whenKey;             // relative key of the field it depends on
    QVariantList whenIn;         // shown when that field's value is one of these
    bool sensitive = true;       // personal or the child's words: no prediction
    QList<FormField> itemFields; // for ListHeader: the fields of one entry
};

// A screen's worth of fields: the incident, or one part of a child's record.
struct FormSection
{
    QString id;
    QString title;
    bool perChild = false;
    QString bornKey;                 // non-empty: hidden for an unborn child
    QList<v1::IncidentType> onlyFor; // empty: every type
    // Non-empty: the section is shown only where the shared applicability
    // table (protocol::Applicability) says this key applies.
    QString tableKey;
    QList<FormField> fields;
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

    static bool applies(const QList<v1::IncidentType> &onlyFor, v1::IncidentType type);
};

} // namespace safeguard::ui
