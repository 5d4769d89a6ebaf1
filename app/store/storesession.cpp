#include "storesession.h"

#include <QDir>
#include <QFile>

namespace safeguard::store {

StoreSession::StoreSession(QString dir, const protocol::Clock &clock)
    : m_dir(std::move(dir))
    , m_clock(clock)
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
    auto opened = RecordStore::open(m_dir, key, m_clock);
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
    VaultError e = m_vault.create(passphrase, &key, params);
    if (!e.ok())
        return e;
    if (!openStore(key))
        return {VaultErrorKind::Storage, QStringLiteral("The new store could not be opened.")};
    return e;
}

UnlockResult StoreSession::unlock(const SecureBuffer &passphrase)
{
    m_openError = {};
    UnlockResult r = m_vault.unlock(passphrase);
    if (r.status == UnlockStatus::Unlocked) {
        if (!openStore(r.key))
            r.status = UnlockStatus::CorruptVault;
        r.key = DataKey(); // the store holds what it needs
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
    m_state = State::Locked;
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
