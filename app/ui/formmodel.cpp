#include "formmodel.h"

namespace safeguard::ui {

FormModel::FormModel(QObject *parent)
    : QAbstractListModel(parent)
{}

int FormModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant FormModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case LabelRole:
        return r.label;
    case PathRole:
        return r.path;
    case KindRole:
        return int(r.kind);
    case HelpRole:
        return r.help;
    case ValueRole:
        return r.value;
    case ChoicesRole:
        return r.choices;
    case IssueRole:
        return r.issue;
    case SensitiveRole:
        return r.sensitive;
    case ListPathRole:
        return r.listPath;
    case ListIndexRole:
        return r.listIndex;
    case SubjectRole:
        return r.subject;
    case InputErrorRole:
        return r.inputError;
    case PendingTextRole:
        return r.pendingText;
    case IssueResolvedRole:
        return r.issueResolved;
    case SameReasonRole:
        return r.sameReason;
    default:
        return QVariant();
    }
}

QHash<int, QByteArray> FormModel::roleNames() const
{
    return {{PathRole, "path"},
            {KindRole, "kind"},
            {LabelRole, "label"},
            {HelpRole, "help"},
            {ValueRole, "value"},
            {ChoicesRole, "choices"},
            {IssueRole, "issue"},
            {SensitiveRole, "sensitive"},
            {ListPathRole, "listPath"},
            {ListIndexRole, "listIndex"},
            {SubjectRole, "subject"},
            {InputErrorRole, "inputError"},
            {PendingTextRole, "pendingText"},
            {IssueResolvedRole, "issueResolved"},
            {SameReasonRole, "sameReason"}};
}

int FormModel::rowOf(const QString &path) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].path == path)
            return i;
    }
    return -1;
}

void FormModel::setRows(QList<Row> rows)
{
    bool sameShape = rows.size() == m_rows.size();
    for (int i = 0; sameShape && i < rows.size(); ++i)
        sameShape = rows[i].path == m_rows[i].path && rows[i].kind == m_rows[i].kind &&
                    rows[i].subject == m_rows[i].subject;
    if (!sameShape) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    for (int i = 0; i < rows.size(); ++i) {
        QList<int> roles;
        if (rows[i].value != m_rows[i].value)
            roles << ValueRole;
        if (rows[i].issue != m_rows[i].issue)
            roles << IssueRole;
        // A person's name shows in other rows' labels and choices.
        if (rows[i].label != m_rows[i].label)
            roles << LabelRole << Qt::DisplayRole;
        if (rows[i].help != m_rows[i].help)
            roles << HelpRole;
        if (rows[i].choices != m_rows[i].choices)
            roles << ChoicesRole;
        if (rows[i].inputError != m_rows[i].inputError)
            roles << InputErrorRole;
        if (rows[i].pendingText != m_rows[i].pendingText)
            roles << PendingTextRole;
        if (rows[i].issueResolved != m_rows[i].issueResolved)
            roles << IssueResolvedRole;
        if (rows[i].sameReason != m_rows[i].sameReason)
            roles << SameReasonRole;
        m_rows[i] = std::move(rows[i]);
        if (!roles.isEmpty())
            emit dataChanged(index(i), index(i), roles);
    }
}

} // namespace safeguard::ui
