#pragma once

#include "store/recordstore.h"

#include <QAbstractListModel>

namespace safeguard::ui {

// The officer's records for the home screen, newest first: the police
// reference, how many children, whether urgent, and the status in the
// officer's words ("Draft", "Waiting to send", "On the hub", "Needs
// correction", "Sent · hub is checking"). Filled from
// RecordStore::listRecords(); holds no content.
class RecordListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role
    {
        RecordIdRole = Qt::UserRole + 1,
        PoliceReferenceRole,
        StatusRole, // protocol::RecordStatus (RecordStatus in QML)
        StatusTextRole,
        CanOpenRole, // protocol::canOpen and the rest: what a tap may do
        CanEditRole,
        CanSubmitRole,
        CanAmendRole,
        // "Domestic abuse · 3 Dec, 21:40": what and when, in the incident's
        // own time; then where, and the children's given names.
        IncidentTextRole,
        PlaceRole,
        ChildNamesRole,
        WithdrawnRole,
        UpdatedTextRole,
        ChildCountRole,
        UrgentRole,
        VersionRole,
    };
    Q_ENUM(Role)

    explicit RecordListModel(QObject *parent = nullptr);

    // A moment in the device's local time, short enough for a phone: no
    // seconds, and the year only when it is not this one ("3 Dec, 14:05").
    static QString displayTime(qint64 utcMs);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setRecords(QList<store::RecordSummary> records);
    void clear();
    const QList<store::RecordSummary> &records() const { return m_records; }

signals:
    void countChanged();

private:
    QList<store::RecordSummary> m_records;
};

} // namespace safeguard::ui
