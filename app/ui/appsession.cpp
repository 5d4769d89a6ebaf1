#include "appsession.h"

#include <QDir>
#include <QFile>

namespace safeguard::ui {

AppSession::AppSession(QString storeDir, const protocol::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_storeDir(std::move(storeDir))
    , m_clock(clock)
    , m_vault(m_storeDir, clock)
{
    store::initialiseSodium();
    if (m_vault.exists())
        m_state = State::Locked;
    else if (QFile::exists(QDir(m_storeDir).filePath(store::KeyVault::tombstoneFileName())))
        m_state = State::Wiped;
}

AppSession::~AppSession()
{
    lock();
}

void AppSession::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged();
}

bool AppSession::openStore(const store::DataKey &key)
{
    auto opened = store::RecordStore::open(m_storeDir, key, m_clock);
    if (!opened) {
        emit storeFailed(opened.error().message);
        return false;
    }
    m_store = std::move(opened.value());
    setState(State::Unlocked);
    emit unlocked();
    return true;
}

store::VaultError AppSession::createVault(const store::SecureBuffer &passphrase,
                                          store::KdfParams params)
{
    store::DataKey key;
    store::VaultError e = m_vault.create(passphrase, &key, params);
    if (!e.ok())
        return e;
    if (!openStore(key))
        return {store::VaultErrorKind::Storage,
                QStringLiteral("The new store could not be opened.")};
    return e;
}

store::UnlockResult AppSession::unlock(const store::SecureBuffer &passphrase)
{
    store::UnlockResult r = m_vault.unlock(passphrase);
    if (r.status == store::UnlockStatus::Unlocked) {
        if (!openStore(r.key))
            r.status = store::UnlockStatus::CorruptVault;
        r.key = store::DataKey(); // the store holds what it needs
    } else if (r.status == store::UnlockStatus::Wiped) {
        removeUiFiles();
        setState(State::Wiped);
    }
    return r;
}

void AppSession::setUpAgain()
{
    if (m_state != State::Wiped)
        return;
    QFile::remove(QDir(m_storeDir).filePath(store::KeyVault::tombstoneFileName()));
    setState(State::NeedsSetup);
}

QString AppSession::resumeFilePath() const
{
    return QDir(m_storeDir).filePath(QStringLiteral("resume.json"));
}

void AppSession::removeUiFiles()
{
    // Record ids and step numbers only, but nothing of a wiped store stays.
    QFile::remove(resumeFilePath());
}

void AppSession::lock()
{
    if (m_state != State::Unlocked)
        return;
    emit aboutToLock();
    m_store.reset();
    setState(State::Locked);
}

bool AppSession::wipe()
{
    lock();
    const bool done = m_vault.wipe();
    removeUiFiles();
    setState(State::Wiped);
    return done;
}

} // namespace safeguard::ui
