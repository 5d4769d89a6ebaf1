#pragma once

#include "store/storesession.h"

#include <QObject>
#include <QTimer>
#include <functional>
#include <memory>

namespace safeguard::ui {

// The officer's session with the encrypted store, for QML: store::StoreSession
// (the one the device simulator uses too) with Qt signals. Locking closes
// the store and frees the data key (libsodium zeroes it); every controller
// that holds unsaved edits listens to aboutToLock() and saves first. Created
// once in main() and shared by the controllers.
class AppSession : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    // Drafts in the store when it last locked (a count, nothing else): the
    // unlock screen says what was left unsubmitted. -1 before any lock.
    Q_PROPERTY(int unsubmittedAtLock READ unsubmittedAtLock NOTIFY stateChanged)

public:
    enum class State
    {
        NeedsSetup, // no vault yet: first run
        Locked,     // vault present, store closed
        Unlocked,   // store open
        Wiped,      // the key was destroyed (the hub's order, or too many failures)
    };
    Q_ENUM(State)
    // The same states as store::StoreSession's (QML needs its own Q_ENUM).
    static_assert(int(State::NeedsSetup) == int(store::StoreSession::State::NeedsSetup) &&
                  int(State::Locked) == int(store::StoreSession::State::Locked) &&
                  int(State::Unlocked) == int(store::StoreSession::State::Unlocked) &&
                  int(State::Wiped) == int(store::StoreSession::State::Wiped));

    AppSession(QString storeDir, const protocol::Clock &clock, QObject *parent = nullptr);
    ~AppSession() override;

    State state() const { return State(m_session.state()); }
    const protocol::Clock &clock() const { return m_session.clock(); }
    const protocol::RiskChecklistRegistry &checklists() const { return *m_session.checklists(); }
    // See store::StoreSession::setChecklists (taken at the next lock).
    void setChecklists(protocol::RiskChecklistRegistry checklists)
    {
        m_session.setChecklists(std::move(checklists));
    }
    store::KeyVault &vault() { return m_session.vault(); }
    QString storeDir() const { return m_session.dir(); }
    int unsubmittedAtLock() const { return m_unsubmittedAtLock; }
    // Drafts in the open store now (0 while locked).
    int unsubmittedCount() const;

    // Creates the vault and opens the new store; state becomes Unlocked.
    store::VaultError createVault(const store::SecureBuffer &passphrase,
                                  store::KdfParams params = store::KdfLimits::kDefault);
    // Tries the passphrase; on success the store is open. When the unlock
    // gate says so (the hub's max_offline_days has passed), the store is
    // wiped first and nothing is tried.
    store::UnlockResult unlock(const store::SecureBuffer &passphrase);
    void setUnlockGate(std::function<bool()> mustWipeFirst)
    {
        m_unlockGate = std::move(mustWipeFirst);
    }
    // Where the record editor keeps each draft's step (record id and step
    // number, nothing personal), beside the store; removed by a wipe.
    QString resumeFilePath() const;
    // The open store, or nullptr while locked.
    store::RecordStore *recordStore() const { return m_session.recordStore(); }

public slots:
    // Saves pending edits (aboutToLock), closes the store, frees the key.
    void lock();
    // Crypto-shreds the store (the hub's wipe order): the key and the store's
    // files are destroyed; the sealed outbox stays for the sync engine.
    // False if the key could not be destroyed (the engine tries again at
    // the next wipe order).
    bool wipe();
    // Moves the store to fresh keys when the data key is a day old (forward
    // secrecy for deleted content; see store::KeyVault). Runs hourly while
    // unlocked (the injected clock says when a day has passed) and at unlock.
    // A failure keeps the old keys and is tried again at the next tick.
    void rotateKeysIfDue();
    // After a wipe: back to first run, to set the device up with a new code.
    // Unsent sealed records in the outbox are kept and go with the new
    // enrolment.
    Q_INVOKABLE void setUpAgain();

signals:
    void stateChanged();
    void aboutToLock();
    void unlocked();
    // The store could not be opened although the key was right (damage).
    void storeFailed(const QString &message);

private:
    void changed(State before);

    store::StoreSession m_session;
    QTimer m_rotationTimer;
    std::function<bool()> m_unlockGate;
    int m_unsubmittedAtLock = -1;
};

} // namespace safeguard::ui
