#pragma once

#include "formmodel.h"
#include "protocol/recordissue.h"
#include "protocol/riskchecklist.h"
#include "recordform.h"
#include "safeguard/v1/record.pb.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QString>
#include <string>
#include <utility>

namespace safeguard::ui {

// The rows of one step of the record form: the form's fields (RecordForm)
// that apply to this record and child (the shared applicability table
// decides, and follow-ups appear when their answer calls for them), one row
// per entry of a list, per adult of a child's relationships and per keyed
// choice, the risk checklist's questions, and each issue of the shared
// validation on the row that fixes it. Reads the record, never changes it.
class FormRows
{
    Q_DECLARE_TR_FUNCTIONS(safeguard::ui::RecordEditor)

public:
    FormRows(const v1::IncidentRecord &record, const protocol::RiskChecklistRegistry &checklists)
        : m_record(record)
        , m_checklists(checklists)
    {}

    // The rows of a form section: the incident's (child < 0) or one child's.
    QList<FormModel::Row> rows(const FormSection &section, int child,
                               const protocol::RecordIssues &issues) const;
    // Whether a field (at base, e.g. "children[1].") is asked of this record.
    bool fieldApplies(const FormField &field, const QString &base) const;
    // The row that shows an issue reported at a record path.
    QString rowPathFor(const QString &issuePath) const;
    // "risk.answers[3].frequency": the row of question q's answer.
    static QString riskAnswerPath(const protocol::RiskChecklist &c, int q);
    // "Alex Example (victim)", or "" for an id that is not one of the adults.
    QString personLabel(const std::string &personId) const;

    // The entry of a keyed list whose key field holds key, or -1.
    static int keyedIndex(const v1::IncidentRecord &r, const QString &listPath, const FormField &f,
                          int key);
    static QString joinName(const std::string &given, const std::string &family);

private:
    // The checklist's questions that are asked, by section, each by its
    // answer type (follow-ups once their question calls for them).
    void appendRiskQuestions(const protocol::RiskChecklist &c, QList<FormModel::Row> &rows,
                             const QHash<QString, QString> &issues) const;
    // A reason that usually repeats an earlier one: offered as one tap.
    void offerSameReasons(QList<FormModel::Row> &rows) const;
    void appendRows(const FormField &field, const QString &base, QList<FormModel::Row> &rows,
                    const QHash<QString, QString> &issues) const;
    // The people a PersonChoice / PersonFlags row offers, as {value: id, label}.
    QVariantList personChoices(const FormField &field, const QString &path) const;
    // The person or child a list entry's base ("people[1].") is about, with
    // the child's index (-1 for an adult); empty when none.
    std::pair<std::string, int> subjectOf(const QString &base) const;

    const v1::IncidentRecord &m_record;
    const protocol::RiskChecklistRegistry &m_checklists;
};

} // namespace safeguard::ui
