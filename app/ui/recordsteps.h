#pragma once

#include "recordform.h"
#include "safeguard/v1/record.pb.h"

#include <QList>
#include <QObject>
#include <QString>

namespace safeguard::ui {

// What a step of the record flow shows. (A QObject only so that QML can
// name the enum: a gadget's QML name must begin in lower case.)
class StepKindHolder : public QObject
{
    Q_OBJECT
public:
    enum Kind
    {
        Form,     // one section of the form (the incident's, or one child's)
        Children, // the list of children: add, remove, reorder
        Review,   // the read-back and submit
    };
    Q_ENUM(Kind)
};
using StepKind = StepKindHolder::Kind;

struct RecordStep
{
    StepKind kind = StepKind::Form;
    const FormSection *section = nullptr; // for Form
    int child = -1;                       // the child a Form step is about
};

// The steps of a record, in order: the incident's sections, the children,
// each child's sections that apply to them (the shared applicability table
// decides), the closing sections for this incident type, then review. Pure:
// the same record always has the same steps.
class RecordSteps
{
public:
    static QList<RecordStep> plan(const v1::IncidentRecord &record);
    // "Children", "Review and submit" or the section's title in the words of
    // the incident type.
    static QString title(const RecordStep &step, int incidentType);
    // The step that holds a form row's path ("children[1].seen.answer",
    // "risk.answers[3].answer", "children"), or -1.
    static int stepFor(const QList<RecordStep> &steps, const QString &rowPath);
};

} // namespace safeguard::ui
