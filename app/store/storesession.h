#pragma once

#include "keyvault.h"
#include "recordstore.h"

#include <QString>
#include <functional>
#include <memory>
#include <optional>

namespace safeguard::store {

// The officer's session with the encrypted store, for everyone who opens
// one: the app (through ui::AppSession, which adds Qt signals) and the
// device simulator. Whether the device is set up, locked, unlocked or wiped;
// the open RecordStore while unlocked; and the one wipe, so the simulator
// proves the app's behaviour rather than an imitation of it.
class StoreSession
{
public:
    enum class State
    {
        NeedsSetup, // no vault yet: first run
        Locked,     // vault present, store closed
        Unlocked,   // store open
        Wiped,      // the key was destroyed (the hub's order, or too many failures)
    };

    StoreSession(QString dir, const protocol::Clock &clock);
    ~StoreSession();
    StoreSession(const StoreSession &) = delete;
    StoreSession &operator=(const StoreSession &) = delete;

    State state() const { return m_state; }
    QString dir() const { return m_dir; }
    KeyVault &vault() { return m_vault; }
    const protocol::Clock &clock() const { return m_clock; }
    // The risk checklists: the one registry the store validates against and
    // the editor builds its form from.
    // One object for the session's life (the editor keeps a reference),
    // whose content setChecklists() replaces.
    std::shared_ptr<const protocol::RiskChecklistRegistry> checklists() const
    {
        return m_checklists;
    }
    // The instruments to offer from now on (the built-in ones and the
    // hub's: SyncEngine::riskChecklists): taken at once while no store is
    // open, else at the next lock, so a form never changes under the
    // officer's hands and the store checks what the form asked.
    void setChecklists(protocol::RiskChecklistRegistry checklists);
    // The open store, or nullptr unless Unlocked.
    RecordStore *recordStore() const { return m_store.get(); }
    // Why the store would not open although the key was right (damage);
    // ok() when it opened or was not tried.
    const StoreError &lastOpenError() const { return m_openError; }

    // Creates the vault and opens the new store (Unlocked).
    VaultError create(const SecureBuffer &passphrase, KdfParams params = KdfLimits::kDefault);
    // Tries the passphrase; Unlocked opens the store (CorruptVault if it
    // would not open: see lastOpenError). Wiped (the last allowed failure)
    // removes what the wipe removes.
    UnlockResult unlock(const SecureBuffer &passphrase);
    // Closes the store and frees the data key. Anything unsaved must be
    // saved before (the app's aboutToLock).
    void lock();

    // Forward secrecy: moves the store to a fresh data key and wipe key
    // (see KeyVault), so an old vault and the passphrase open nothing and
    // content deleted before now is unreadable. Unlocked only; the same
    // RecordStore stays open throughout. On failure the old keys stay.
    VaultError rotateKeys();
    // rotateKeys() when the data key is older than a day (KeyVault::
    // rotationDue); unlock() calls it, and the app calls it on a timer.
    VaultError rotateKeysIfDue();
    // Unlocked only: checks the old passphrase (a counted attempt; the last
    // allowed failure wipes, and state() says Wiped) and moves the store to
    // fresh keys under the new one.
    VaultError changePassphrase(const SecureBuffer &oldPassphrase,
                                const SecureBuffer &newPassphrase,
                                UnlockResult *unlockOut = nullptr);
    // Crypto-shreds the store: locks, destroys the key and the files beside
    // the store that name records. The sealed outbox stays for the sync
    // engine. False if the key could not be destroyed (tried again at the
    // next wipe order).
    bool wipe();
    // After a wipe: back to first run (a new code, a new vault).
    void setUpAgain();

    // Where the editor keeps each draft's step (record id and step number,
    // nothing personal), beside the store; a wipe removes it.
    QString resumeFilePath() const;

private:
    bool openStore(const DataKey &key);
    VaultError completeRotation(KeyVault::Rotation &rotation);
    void removeSideFiles();

    QString m_dir;
    const protocol::Clock &m_clock;
    std::shared_ptr<protocol::RiskChecklistRegistry> m_checklists;
    std::optional<protocol::RiskChecklistRegistry> m_pendingChecklists; // for the next lock
    KeyVault m_vault;
    std::unique_ptr<RecordStore> m_store;
    State m_state = State::NeedsSetup;
    StoreError m_openError;
    SecureBuffer m_passKey; // while Unlocked: for rotateKeys()
};

} // namespace safeguard::store
