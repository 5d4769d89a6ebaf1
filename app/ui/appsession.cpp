#include "appsession.h"

namespace safeguard::ui {

AppSession::AppSession(QString storeDir, const protocol::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_session(std::move(storeDir), clock)
{}

AppSession::~AppSession()
{
    lock();
}

void AppSession::changed(State before)
{
    if (state() == before)
        return;
    emit stateChanged();
    if (state() == State::Unlocked)
        emit unlocked();
}

store::VaultError AppSession::createVault(const store::SecureBuffer &passphrase,
                                          store::KdfParams params)
{
    const State before = state();
    store::VaultError e = m_session.create(passphrase, params);
    if (!m_session.lastOpenError().ok())
        emit storeFailed(m_session.lastOpenError().message);
    changed(before);
    return e;
}

store::UnlockResult AppSession::unlock(const store::SecureBuffer &passphrase)
{
    const State before = state();
    store::UnlockResult r = m_session.unlock(passphrase);
    if (!m_session.lastOpenError().ok())
        emit storeFailed(m_session.lastOpenError().message);
    changed(before);
    return r;
}

void AppSession::setUpAgain()
{
    const State before = state();
    m_session.setUpAgain();
    changed(before);
}

QString AppSession::resumeFilePath() const
{
    return m_session.resumeFilePath();
}

void AppSession::lock()
{
    if (state() != State::Unlocked)
        return;
    emit aboutToLock();
    m_session.lock();
    changed(State::Unlocked);
}

bool AppSession::wipe()
{
    const State before = state();
    if (before == State::Unlocked)
        emit aboutToLock(); // drafts are saved first: sealed work is not lost
    const bool done = m_session.wipe();
    changed(before);
    return done;
}

} // namespace safeguard::ui
