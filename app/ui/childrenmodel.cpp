#include "childrenmodel.h"

#include "protocol/derivedfacts.h"
#include "typedinput.h"

#include <QCoreApplication>

namespace safeguard::ui {

ChildrenModel::ChildrenModel(QObject *parent)
    : QAbstractListModel(parent)
{}

int ChildrenModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_children.size());
}

QVariant ChildrenModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Child &c = m_children.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return c.name;
    case DetailRole:
        return c.detail;
    case UnbornRole:
        return c.unborn;
    case GradeRole:
        return c.grade;
    default:
        return QVariant();
    }
}

QHash<int, QByteArray> ChildrenModel::roleNames() const
{
    return {
        {NameRole, "name"}, {DetailRole, "detail"}, {UnbornRole, "unborn"}, {GradeRole, "grade"}};
}

void ChildrenModel::setChildren(QList<Child> children)
{
    if (children == m_children)
        return;
    const bool countChanges = children.size() != m_children.size();
    beginResetModel();
    m_children = std::move(children);
    endResetModel();
    if (countChanges)
        emit countChanged();
}

QList<ChildrenModel::Child> ChildrenModel::fromRecord(const v1::IncidentRecord &record)
{
    auto tr = [](const char *s) { return QCoreApplication::translate("ChildrenModel", s); };
    const QDate on = protocol::derived::incidentDate(record);
    QList<Child> out;
    for (const v1::ChildObservation &c : record.children()) {
        Child child;
        child.unborn = c.identity().unborn();
        const QString name = QStringLiteral("%1 %2")
                                 .arg(QString::fromStdString(c.identity().given_names()),
                                      QString::fromStdString(c.identity().family_name()))
                                 .trimmed();
        child.name = child.unborn
                         ? (name.isEmpty() ? tr("Unborn child") : tr("Unborn: %1").arg(name))
                         : (name.isEmpty() ? tr("Child (no name yet)") : name);
        // Years and months for the under-fives, from the date of birth;
        // "about" for an estimate.
        const QDate born = protocol::derived::toQDate(c.identity().date_of_birth());
        child.age = typedinput::ageText(born, on);
        if (child.age.isEmpty() && !child.unborn && c.identity().estimated_age_years() > 0)
            child.age = tr("about %1")
                            .arg(typedinput::ageText(
                                on.addYears(-int(c.identity().estimated_age_years())), on));
        if (!child.age.isEmpty())
            child.detail = tr("Age %1").arg(child.age);
        child.grade = c.grade();
        out << child;
    }
    return out;
}

} // namespace safeguard::ui
