#pragma once

#include "appsession.h"
#include "recordlistmodel.h"

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace safeguard::ui {

// The home screen: the officer's records and a banner saying what is still
// only on this device. Refreshes when the store opens and after any change.
class HomeController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the application")
    Q_PROPERTY(safeguard::ui::RecordListModel *records READ records CONSTANT)
    Q_PROPERTY(int waitingCount READ waitingCount NOTIFY countsChanged)
    Q_PROPERTY(int needsCorrectionCount READ needsCorrectionCount NOTIFY countsChanged)
    Q_PROPERTY(int draftCount READ draftCount NOTIFY countsChanged)
    Q_PROPERTY(QString syncBanner READ syncBanner NOTIFY countsChanged)
    Q_PROPERTY(QString error READ error NOTIFY countsChanged)

public:
    HomeController(AppSession &session, QObject *parent = nullptr);

    RecordListModel *records() { return &m_model; }
    int waitingCount() const { return m_counts.value(protocol::RecordStatus::Queued); }
    int needsCorrectionCount() const { return m_counts.value(protocol::RecordStatus::NeedsCorrection); }
    int draftCount() const { return m_counts.value(protocol::RecordStatus::Draft); }
    QString syncBanner() const;
    QString error() const { return m_error; }

    Q_INVOKABLE void refresh();

signals:
    void countsChanged();

private:
    AppSession &m_session;
    RecordListModel m_model;
    QHash<protocol::RecordStatus, int> m_counts;
    QString m_error;
};

} // namespace safeguard::ui
