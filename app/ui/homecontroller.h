#pragma once

#include "appsession.h"
#include "client/syncengine.h"
#include "recordlistmodel.h"

#include <QObject>

namespace safeguard::ui {

// The home screen: the officer's records and a banner saying what is still
// only on this device and what the sync engine is doing (offline, sending,
// all on the hub, the last sync time). Refreshes when the store opens, after
// a submit and whenever the engine's counts change.
class HomeController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(safeguard::ui::RecordListModel *records READ records CONSTANT)
    Q_PROPERTY(int waitingCount READ waitingCount NOTIFY countsChanged)
    Q_PROPERTY(int needsCorrectionCount READ needsCorrectionCount NOTIFY countsChanged)
    Q_PROPERTY(int draftCount READ draftCount NOTIFY countsChanged)
    // Sent, but the hub already held another copy of that version: kept
    // aside for its staff; nothing for the officer to do.
    Q_PROPERTY(int heldAtHubCount READ heldAtHubCount NOTIFY countsChanged)
    Q_PROPERTY(QString syncBanner READ syncBanner NOTIFY countsChanged)
    // "1 record not submitted": drafts are only on this device and go
    // nowhere until the officer submits them. "" when there are none.
    Q_PROPERTY(QString draftBanner READ draftBanner NOTIFY countsChanged)
    // The enrolled officer ("SYN-OFFICER-0001"), "" before enrolment.
    Q_PROPERTY(QString signedInAs READ signedInAs NOTIFY countsChanged)
    Q_PROPERTY(QString error READ error NOTIFY countsChanged)
    Q_PROPERTY(bool allOnHub READ allOnHub NOTIFY countsChanged)
    // An urgent record set aside after failing alone: the banner turns red.
    Q_PROPERTY(bool urgentNotSent READ urgentNotSent NOTIFY countsChanged)
    Q_PROPERTY(bool canSyncNow READ canSyncNow NOTIFY countsChanged)
    Q_PROPERTY(QString enrolmentProblem READ enrolmentProblem NOTIFY countsChanged)
    Q_PROPERTY(bool needsEnrolmentCode READ needsEnrolmentCode NOTIFY countsChanged)
    // Narrows the list to records whose reference, place, children's names
    // or type contain every word typed (case and accents ignored); "" shows all.
    Q_PROPERTY(QString search READ search WRITE setSearch NOTIFY searchChanged)

public:
    HomeController(AppSession &session, syncclient::SyncEngine &sync, QObject *parent = nullptr);

    RecordListModel *records() { return &m_model; }
    int waitingCount() const { return m_counts.value(protocol::RecordStatus::Queued); }
    int needsCorrectionCount() const
    {
        return m_counts.value(protocol::RecordStatus::NeedsCorrection);
    }
    int draftCount() const { return m_counts.value(protocol::RecordStatus::Draft); }
    int heldAtHubCount() const { return m_counts.value(protocol::RecordStatus::HeldAtHub); }
    QString syncBanner() const;
    QString draftBanner() const;
    QString signedInAs() const { return m_sync.isEnrolled() ? m_sync.officerId() : QString(); }
    QString error() const { return m_error; }
    bool allOnHub() const;
    bool urgentNotSent() const { return m_sync.urgentParkedCount() > 0; }
    bool canSyncNow() const;
    QString enrolmentProblem() const { return m_enrolmentProblem; }

    Q_INVOKABLE void refresh();
    // What is left of a purged record on the device: its receipt, said for
    // the officer (when the hub acknowledged it, when its content left the
    // device, and that corrections now go through the MASH). "" when the
    // record is not purged or unknown.
    Q_INVOKABLE QString receiptText(const QString &recordId) const;
    QString search() const { return m_search; }
    void setSearch(const QString &text);
    // Not enrolled yet, or the hub no longer accepts this device: offer a
    // field for a (new) code.
    bool needsEnrolmentCode() const;
    Q_INVOKABLE void syncNow();
    // Enrols with a (new) code from the hub, e.g. after first-run enrolment
    // failed for want of a network.
    Q_INVOKABLE void enrol(const QString &code);

signals:
    void countsChanged();
    void searchChanged();

private:
    AppSession &m_session;
    syncclient::SyncEngine &m_sync;
    QString m_enrolmentProblem;
    bool m_enrolmentChanged = false; // the engine found outbox.db's enrolment changed
    RecordListModel m_model;
    QHash<protocol::RecordStatus, int> m_counts;
    QString m_error;
    QString m_search;
    QList<store::RecordSummary> m_all;
    void applySearch();
};

} // namespace safeguard::ui
