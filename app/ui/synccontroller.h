#pragma once

#include "appsession.h"
#include "client/syncengine.h"

#include <QObject>
#include <QString>

namespace safeguard::ui {

// The sync page: what the engine is doing and why, in the officer's words
// (its state, what is still only on this device, what was set aside, when
// the hub last answered and when the next try is), the hub this device
// belongs to, the risk instrument in force, and "Sync now", which checks in
// with the hub when nothing waits so the officer can see the link works.
// Holds no state of its own beyond the last thing the officer asked for:
// everything else is read from the engine and its outbox.
class SyncController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool enrolled READ enrolled NOTIFY changed)
    // One short line ("Sending", "Offline", "Waiting to try again") and a
    // sentence saying what it means and what, if anything, to do.
    Q_PROPERTY(QString stateText READ stateText NOTIFY changed)
    Q_PROPERTY(QString stateDetail READ stateDetail NOTIFY changed)
    // True when the officer must act (re-enrol, withdrawn, urgent not sent).
    Q_PROPERTY(bool needsAttention READ needsAttention NOTIFY changed)
    // Enrolled, idle and nothing waiting or set aside.
    Q_PROPERTY(bool upToDate READ upToDate NOTIFY changed)
    Q_PROPERTY(int waitingCount READ waitingCount NOTIFY changed)
    Q_PROPERTY(int urgentWaitingCount READ urgentWaitingCount NOTIFY changed)
    Q_PROPERTY(int parkedCount READ parkedCount NOTIFY changed)
    Q_PROPERTY(int urgentParkedCount READ urgentParkedCount NOTIFY changed)
    Q_PROPERTY(int needsCorrectionCount READ needsCorrectionCount NOTIFY changed)
    Q_PROPERTY(int heldAtHubCount READ heldAtHubCount NOTIFY changed)
    // "Today 14:05", "Yesterday 09:12", "3 Mar 2026 16:40", or "Never".
    Q_PROPERTY(QString lastContact READ lastContact NOTIFY changed)
    Q_PROPERTY(QString lastSent READ lastSent NOTIFY changed)
    // When the engine next tries after failures ("Today 14:07, in 2 min"),
    // "" when it is not waiting.
    Q_PROPERTY(QString nextAttempt READ nextAttempt NOTIFY changed)
    Q_PROPERTY(int failuresInARow READ failuresInARow NOTIFY changed)
    Q_PROPERTY(QString hubAddress READ hubAddress NOTIFY changed)
    Q_PROPERTY(QString hubId READ hubId NOTIFY changed)
    // The start of the pinned key's SHA-256 (base64), to read to the
    // service desk; "" before enrolment.
    Q_PROPERTY(QString hubPin READ hubPin NOTIFY changed)
    Q_PROPERTY(QString deviceId READ deviceId NOTIFY changed)
    Q_PROPERTY(QString officerId READ officerId NOTIFY changed)
    // The risk instrument new domestic abuse records are answered on:
    // its title and version, and whether it is the force's (from the hub)
    // or the one built into the app.
    Q_PROPERTY(QString riskInstrument READ riskInstrument NOTIFY changed)
    // What came of the last "Sync now" ("" before one).
    Q_PROPERTY(QString lastAction READ lastAction NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)
    // Whether the window shows the sync page (from home; closed by Back and
    // by locking, so an unlock always starts at home).
    Q_PROPERTY(bool showing READ showing NOTIFY showingChanged)

public:
    SyncController(AppSession &session, syncclient::SyncEngine &sync, QObject *parent = nullptr);

    bool enrolled() const { return m_sync.isEnrolled(); }
    QString stateText() const;
    QString stateDetail() const;
    bool needsAttention() const;
    bool upToDate() const;
    int waitingCount() const { return m_sync.waitingCount(); }
    int urgentWaitingCount() const { return m_sync.urgentWaitingCount(); }
    int parkedCount() const { return m_sync.parkedCount(); }
    int urgentParkedCount() const { return m_sync.urgentParkedCount(); }
    int needsCorrectionCount() const { return m_sync.needsCorrectionCount(); }
    int heldAtHubCount() const { return m_sync.conflictCount(); }
    QString lastContact() const;
    QString lastSent() const;
    QString nextAttempt() const;
    int failuresInARow() const { return m_sync.consecutiveFailures(); }
    QString hubAddress() const { return m_sync.enrolment().hubUrl; }
    QString hubId() const { return m_sync.enrolment().hubId; }
    QString hubPin() const;
    QString deviceId() const { return m_sync.deviceId(); }
    QString officerId() const { return m_sync.officerId(); }
    QString riskInstrument() const { return m_riskInstrument; }
    QString lastAction() const { return m_lastAction; }
    bool busy() const { return m_sync.isCheckingIn() || m_sync.requestsInFlight() > 0; }

    // Sends what waits (past any wait, parked records too); with nothing
    // waiting, checks in with the hub (authenticated), so "the hub
    // answered at 14:05" is the hub's word, not a guess.
    Q_INVOKABLE void syncNow();
    bool showing() const { return m_showing; }
    Q_INVOKABLE void open();
    Q_INVOKABLE void close();

    // Words for a moment, as lastContact says them, in the local time of
    // the session's clock (offset from UTC in minutes).
    static QString when(qint64 ms, qint64 nowMs, int offsetMinutes);

signals:
    void changed();
    void showingChanged();

private:
    void settleCheckIn();
    void readRiskInstrument();

    AppSession &m_session;
    syncclient::SyncEngine &m_sync;
    QString m_lastAction;
    QString m_riskInstrument; // read when the hub or the unlock changes it
    bool m_showing = false;
    bool m_checking = false; // a check-in the officer asked for is out
    qint64 m_contactBefore = 0;
};

} // namespace safeguard::ui
