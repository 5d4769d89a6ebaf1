#pragma once

#include "safeguard/v1/record.pb.h"

#include <QAbstractListModel>

namespace safeguard::ui {

// The children of the record being edited, in the officer's order: a name
// (or "Unborn child"), an age, and the grade so far. Rebuilt by
// RecordEditor whenever children are added, removed, reordered or renamed.
class ChildrenModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role
    {
        NameRole = Qt::UserRole + 1,
        DetailRole,
        UnbornRole,
        GradeRole
    };
    Q_ENUM(Role)

    struct Child
    {
        QString name;
        QString detail;
        // "3 years 4 months", "7 years", "about 6 years"; "" when not known.
        QString age;
        bool unborn = false;
        int grade = 0;
        friend bool operator==(const Child &, const Child &) = default;
    };

    explicit ChildrenModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setChildren(QList<Child> children);
    static QList<Child> fromRecord(const v1::IncidentRecord &record);

signals:
    void countChanged();

private:
    QList<Child> m_children;
};

} // namespace safeguard::ui
