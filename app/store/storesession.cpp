#include "storesession.h"

#include "process/crashpoint.h"

#include <QDir>
#include <QFile>

namespace safeguard::store {

StoreSession::StoreSession(QString dir, const protocol::Clock &clock)
    : m_dir(std::move(dir))
    , m_clock(clock)
    , m_checklists(std::make_shared<protocol::RiskChecklistRegistry>(
          protocol::RiskChecklistRegistry::withBuiltIns()))
    , m_vault(m_dir, clock)
{
    initialiseSodium();
    if (m_vault.exists())
        m_state = State::Locked;
    else if (QFile::exists(QDir(m_dir).filePath(KeyVault::tombstoneFileName())))
        m_state = State::Wiped;
}

StoreSession::~StoreSession()
{
    lock();
}

bool StoreSession::openStore(const DataKey &key)
{
    // What arrived while a store was open (and closed by a wipe, not a lock).
    if (m_pendingChecklists) {
        *m_checklists = std::move(*m_pendingChecklists);
        m_pendingChecklists.reset();
    }
    auto opened = RecordStore::open(m_dir, key, m_clock, m_checklists);
    if (!opened) {
        m_openError = opened.error();
        return false;
    }
    m_openError = {};
    m_store = std::move(opened.value());
    m_state = State::Unlocked;
    return true;
}

VaultError StoreSession::create(const SecureBuffer &passphrase, KdfParams params)
{
    m_openError = {};
    DataKey key;
    SecureBuffer passKey;
    VaultError e =
        m_vault.create(passphrase, &key, params, KeyVault::kDefaultMaxAttempts, &passKey);
    if (!e.ok())
        return e;
    if (!openStore(key))
        return {VaultErrorKind::Storage, QStringLiteral("The new store could not be opened.")};
    m_passKey = std::move(passKey);
    return e;
}

UnlockResult StoreSession::unlock(const SecureBuffer &passphrase)
{
    m_openError = {};
    UnlockResult r = m_vault.unlock(passphrase);
    if (r.status == UnlockStatus::Unlocked) {
        if (!openStore(r.key))
            r.status = UnlockStatus::CorruptVault;
        else
            m_passKey = std::move(r.passKey);
        r.key = DataKey(); // the store holds what it needs
        r.passKey = SecureBuffer();
        // A failed rotation leaves the old keys working; it is tried again.
        if (m_state == State::Unlocked)
            rotateKeysIfDue();
    } else if (r.status == UnlockStatus::Wiped) {
        removeSideFiles();
        m_state = State::Wiped;
    }
    return r;
}

void StoreSession::lock()
{
    if (m_state != State::Unlocked)
        return;
    m_store.reset();
    m_passKey = SecureBuffer();
    m_state = State::Locked;
    if (m_pendingChecklists) {
        *m_checklists = std::move(*m_pendingChecklists);
        m_pendingChecklists.reset();
    }
}

void StoreSession::setChecklists(protocol::RiskChecklistRegistry checklists)
{
    if (m_store)
        m_pendingChecklists = std::move(checklists);
    else
        *m_checklists = std::move(checklists);
}

VaultError StoreSession::rotateKeys()
{
    if (m_state != State::Unlocked || m_passKey.isNull())
        return {VaultErrorKind::Unlock, QStringLiteral("The store is locked.")};
    KeyVault::Rotation rotation;
    if (VaultError e = m_vault.beginRotation(m_passKey, &rotation); !e.ok())
        return e;
    return completeRotation(rotation);
}

VaultError StoreSession::rotateKeysIfDue()
{
    return m_vault.rotationDue() ? rotateKeys() : VaultError{};
}

VaultError StoreSession::changePassphrase(const SecureBuffer &oldPassphrase,
                                          const SecureBuffer &newPassphrase,
                                          UnlockResult *unlockOut)
{
    if (m_state != State::Unlocked)
        return {VaultErrorKind::Unlock, QStringLiteral("The store is locked.")};
    KeyVault::Rotation rotation;
    UnlockResult u;
    VaultError e = m_vault.beginPassphraseChange(oldPassphrase, newPassphrase, &rotation, &u);
    if (u.status == UnlockStatus::Wiped) {
        // The last allowed wrong passphrase: the vault has wiped, so close
        // what it removed and finish (the store's connection may have
        // written on as it closed).
        m_store.reset();
        m_passKey = SecureBuffer();
        wipe();
    }
    u.key = DataKey();
    u.passKey = SecureBuffer();
    if (unlockOut)
        *unlockOut = std::move(u);
    if (!e.ok())
        return e;
    return completeRotation(rotation);
}

VaultError StoreSession::completeRotation(KeyVault::Rotation &rotation)
{
    if (const StoreError e = m_store->exportTo(rotation.nextStorePath, rotation.newKey); e) {
        m_vault.abandonRotation(rotation);
        return {VaultErrorKind::Storage, e.message};
    }
    platform::crashPoint("store.rotate.copied");
    if (VaultError e = m_vault.commitRotation(rotation); !e.ok()) {
        m_vault.abandonRotation(rotation);
        return e;
    }
    // Committed: only the new keys open the store from here on.
    m_passKey = std::move(rotation.newPassKey);
    VaultError finished;
    const StoreError reopened =
        m_store->reopen(rotation.newKey, [&] { finished = m_vault.finishRotation(); });
    if (reopened) {
        // The copy is the store now and unlock will open it; until then the
        // officer sees a locked device, never a half-open store.
        m_openError = reopened;
        m_store.reset();
        m_passKey = SecureBuffer();
        m_state = State::Locked;
        return {VaultErrorKind::Storage, reopened.message};
    }
    return finished;
}

bool StoreSession::wipe()
{
    lock();
    const bool done = m_vault.wipe();
    removeSideFiles();
    m_state = State::Wiped;
    return done;
}

void StoreSession::setUpAgain()
{
    if (m_state != State::Wiped)
        return;
    QFile::remove(QDir(m_dir).filePath(KeyVault::tombstoneFileName()));
    m_state = State::NeedsSetup;
}

QString StoreSession::resumeFilePath() const
{
    return QDir(m_dir).filePath(QStringLiteral("resume.json"));
}

void StoreSession::removeSideFiles()
{
    // Record ids and step numbers only, but nothing of a wiped store stays.
    QFile::remove(resumeFilePath());
}

} // namespace safeguard::store
