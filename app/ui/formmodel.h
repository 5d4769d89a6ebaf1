#pragma once

#include "recordform.h"

#include <QAbstractListModel>

namespace safeguard::ui {

// The fields of one form section for one record (or one child of it), as
// flat rows QML renders with one delegate per kind: only the fields that
// apply to this incident type and child, each with its current value and
// any good-practice issue at its path. Repeated groups (injuries, household
// members, officers) appear as a header row, then each entry's heading and
// fields. Values are edited through RecordEditor::setValue, which updates
// the row in place, so the field being typed in is never re-created.
class FormModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role
    {
        PathRole = Qt::UserRole + 1,
        KindRole,
        LabelRole,
        HelpRole,
        ValueRole,
        ChoicesRole, // [{value, label}]
        IssueRole,   // plain-English message, or ""
        SensitiveRole,
        ListPathRole,  // ListHeader/ListItem: the repeated field's path
        ListIndexRole, // ListItem: the entry's index
        SubjectRole,   // PersonRoles: the person's or child's id
        // What the officer typed that could not be read (a date, a number),
        // and why: shown under the field, with the text kept as typed. The
        // record holds the last value that could be read. "" when none.
        InputErrorRole,
        PendingTextRole,
        // The issue's message has been answered since it was shown: it keeps
        // its place (struck through) until the step is left, so nothing
        // below it moves under the officer's finger.
        IssueResolvedRole,
        // An earlier reason the officer may give again with one tap (not
        // seen, so not spoken to: "asleep upstairs"); "" when none.
        SameReasonRole,
    };
    Q_ENUM(Role)

    struct Row
    {
        QString path;
        FieldKind kind = FieldKind::Text;
        QString label;
        QString help;
        QVariant value;
        QVariantList choices;
        QString issue;
        bool sensitive = true;
        QString listPath;
        int listIndex = -1;
        QString subject;
        QString inputError;
        QString pendingText;
        bool issueResolved = false;
        QString sameReason;
    };

    explicit FormModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces every row when the set of rows differs, else updates values
    // and issues in place.
    void setRows(QList<Row> rows);
    const QList<Row> &rows() const { return m_rows; }
    int rowOf(const QString &path) const;

private:
    QList<Row> m_rows;
};

} // namespace safeguard::ui
