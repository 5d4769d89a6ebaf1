#include "recordsteps.h"

#include "protocol/applicability.h"

#include <QCoreApplication>

namespace safeguard::ui {

QList<RecordStep> RecordSteps::plan(const v1::IncidentRecord &record)
{
    QList<RecordStep> steps;
    const v1::IncidentType type = record.incident().type();
    for (const FormSection &s : RecordForm::incidentSections())
        steps.append({StepKind::Form, &s, -1});
    steps.append({StepKind::Children, nullptr, -1});
    for (int c = 0; c < record.children_size(); ++c) {
        const bool unborn = record.children(c).identity().unborn();
        for (const FormSection &s : RecordForm::childSections()) {
            if (unborn && !s.bornKey.isEmpty())
                continue;
            if (!s.tableKey.isEmpty() &&
                !protocol::Applicability::appliesToChild(
                    s.tableKey, type, protocol::ChildFacts::of(record, record.children(c))))
                continue;
            steps.append({StepKind::Form, &s, c});
        }
    }
    for (const FormSection &s : RecordForm::closingSections()) {
        if (!s.tableKey.isEmpty() && !protocol::Applicability::appliesToIncident(s.tableKey, type))
            continue;
        steps.append({StepKind::Form, &s, -1});
    }
    steps.append({StepKind::Review, nullptr, -1});
    return steps;
}

QString RecordSteps::title(const RecordStep &step, int incidentType)
{
    switch (step.kind) {
    case StepKind::Children:
        return QCoreApplication::translate("safeguard::ui::RecordEditor", "Children");
    case StepKind::Review:
        return QCoreApplication::translate("safeguard::ui::RecordEditor", "Review and submit");
    case StepKind::Form:
        break;
    }
    return step.section ? step.section->titleAt(incidentType) : QString();
}

int RecordSteps::stepFor(const QList<RecordStep> &steps, const QString &path)
{
    int child = -1;
    QString rest = path;
    if (path.startsWith(QLatin1String("children["))) {
        const int close = path.indexOf(QLatin1Char(']'));
        child = path.mid(9, close - 9).toInt();
        rest = path.mid(close + 2);
    }
    for (int i = 0; i < steps.size(); ++i) {
        const RecordStep &s = steps[i];
        if (s.kind != StepKind::Form || s.child != child)
            continue;
        if (rest.startsWith(QLatin1String("risk.")) && s.section->id == QLatin1String("risk"))
            return i;
        for (const FormField &f : s.section->fields) {
            if (rest == f.key || rest.startsWith(f.key + QLatin1Char('.')) ||
                rest.startsWith(f.key + QLatin1Char('[')) ||
                rest.startsWith(f.key + QLatin1Char('@')) ||
                f.key.startsWith(rest + QLatin1Char('.')))
                return i;
        }
    }
    if (path == QLatin1String("children"))
        for (int i = 0; i < steps.size(); ++i)
            if (steps[i].kind == StepKind::Children)
                return i;
    return -1;
}

} // namespace safeguard::ui
