#include "recordlistmodel.h"

#include "recordform.h"

#include <QDateTime>
#include <QLocale>

namespace safeguard::ui {

RecordListModel::RecordListModel(QObject *parent)
    : QAbstractListModel(parent)
{}

QString RecordListModel::displayTime(qint64 utcMs)
{
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(utcMs).toLocalTime();
    const bool thisYear = at.date().year() == QDate::currentDate().year();
    return QLocale().toString(at, thisYear ? QStringLiteral("d MMM, HH:mm")
                                           : QStringLiteral("d MMM yyyy, HH:mm"));
}

int RecordListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

QVariant RecordListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const store::RecordSummary &r = m_records.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case PoliceReferenceRole:
        return r.policeReference.isEmpty() ? tr("No reference yet") : r.policeReference;
    case RecordIdRole:
        return r.recordId;
    case StatusRole:
        return int(r.status);
    case CanOpenRole:
        return protocol::canOpen(r.status);
    case CanEditRole:
        return protocol::canEdit(r.status);
    case CanSubmitRole:
        return protocol::canSubmit(r.status);
    case CanAmendRole:
        return protocol::canAmend(r.status);
    case StatusTextRole:
        return r.withdrawn ? tr("Withdrawn · %1").arg(protocol::displayName(r.status))
                           : protocol::displayName(r.status);
    case IncidentTextRole: {
        const QString type = RecordForm::incidentTypeLabel(r.incidentType);
        if (r.occurredMs == 0)
            return type.isEmpty() ? tr("Type not chosen yet") : type;
        // The wall time where it happened, as the officer knows it.
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(r.occurredMs, Qt::UTC)
                                 .addSecs(qint64(r.occurredOffsetMinutes) * 60);
        const bool thisYear = at.date().year() == QDate::currentDate().year();
        const QString when = QLocale().toString(at, thisYear ? QStringLiteral("d MMM, HH:mm")
                                                             : QStringLiteral("d MMM yyyy, HH:mm"));
        return type.isEmpty() ? when : tr("%1 · %2").arg(type, when);
    }
    case PlaceRole:
        return r.place;
    case ChildNamesRole:
        return r.childNames;
    case WithdrawnRole:
        return r.withdrawn;
    case UpdatedTextRole:
        return displayTime(r.updatedMs);
    case ChildCountRole:
        return r.childCount;
    case UrgentRole:
        return r.urgent;
    case VersionRole:
        return r.version;
    default:
        return QVariant();
    }
}

QHash<int, QByteArray> RecordListModel::roleNames() const
{
    return {
        {RecordIdRole, "recordId"},
        {PoliceReferenceRole, "policeReference"},
        {StatusRole, "status"},
        {StatusTextRole, "statusText"},
        {CanOpenRole, "canOpen"},
        {CanEditRole, "canEdit"},
        {CanSubmitRole, "canSubmit"},
        {CanAmendRole, "canAmend"},
        {IncidentTextRole, "incidentText"},
        {PlaceRole, "place"},
        {ChildNamesRole, "childNames"},
        {WithdrawnRole, "withdrawn"},
        {UpdatedTextRole, "updatedText"},
        {ChildCountRole, "childCount"},
        {UrgentRole, "urgent"},
        {VersionRole, "version"},
    };
}

void RecordListModel::clear()
{
    // Rows removed rather than a reset: a view being torn down (the home page
    // as the app locks) handles removals without re-creating delegates.
    if (m_records.isEmpty())
        return;
    beginRemoveRows(QModelIndex(), 0, int(m_records.size()) - 1);
    m_records.clear();
    endRemoveRows();
    emit countChanged();
}

void RecordListModel::setRecords(QList<store::RecordSummary> records)
{
    const bool countChanges = records.size() != m_records.size();
    beginResetModel();
    m_records = std::move(records);
    endResetModel();
    if (countChanges)
        emit countChanged();
}

} // namespace safeguard::ui
