#include "appsession.h"

namespace safeguard::ui {

AppSession::AppSession(QString storeDir, const protocol::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_session(std::move(storeDir), clock)
{
    m_rotationTimer.setInterval(std::chrono::hours(1));
    connect(&m_rotationTimer, &QTimer::timeout, this, &AppSession::rotateKeysIfDue);
}

AppSession::~AppSession()
{
    lock();
}

void AppSession::changed(State before)
{
    if (state() == before)
        return;
    emit stateChanged();
    if (state() == State::Unlocked) {
        m_rotationTimer.start();
        emit unlocked();
    } else {
        m_rotationTimer.stop();
    }
}

void AppSession::rotateKeysIfDue()
{
    if (state() != State::Unlocked)
        return;
    const store::VaultError e = m_session.rotateKeysIfDue();
    if (!e.ok())
        qWarning("key rotation failed; the old keys stay (kind %d)", int(e.kind));
    if (state() != State::Unlocked) {
        // The store could not be reopened under its new key: locked, and
        // the next unlock opens it.
        emit storeFailed(m_session.lastOpenError().message);
        changed(State::Unlocked);
    }
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
    if (before == State::Locked && m_unlockGate && m_unlockGate()) {
        store::UnlockResult wiped;
        wiped.status = store::UnlockStatus::Wiped;
        wiped.wipedOffline = true;
        wiped.message = QStringLiteral("This device had not reached the hub for too long.");
        wipe();
        return wiped;
    }
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
    m_unsubmittedAtLock = unsubmittedCount(); // after the editor saved or discarded
    m_session.lock();
    changed(State::Unlocked);
}

int AppSession::unsubmittedCount() const
{
    store::RecordStore *store = recordStore();
    if (!store)
        return 0;
    const auto counts = store->statusCounts();
    return counts ? counts.value().value(protocol::RecordStatus::Draft) : 0;
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
