#include "unlockcontroller.h"

namespace safeguard::ui {

UnlockController::UnlockController(AppSession &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        emit countdownChanged();
        if (secondsUntilRetry() == 0)
            m_tick.stop();
    });
    refresh();
}

int UnlockController::secondsUntilRetry() const
{
    const qint64 left = m_lockedUntilMs - m_session.clock().nowMs();
    return left > 0 ? int((left + 999) / 1000) : 0;
}

void UnlockController::refresh()
{
    if (const auto status = m_session.vault().status()) {
        m_attemptsLeft = status->maxAttempts - status->failedAttempts;
        m_lockedUntilMs = status->lockedUntilMs;
    }
    if (secondsUntilRetry() > 0)
        m_tick.start();
    emit changed();
    emit countdownChanged();
}

void UnlockController::setOutcome(Outcome o, const QString &message)
{
    m_outcome = o;
    m_message = message;
    emit changed();
    emit countdownChanged();
}

void UnlockController::unlock(const QString &passphrase)
{
    if (!canTry())
        return;
    m_busy = true;
    emit busyChanged();
    const auto before = m_session.vault().status();
    const store::UnlockResult r = m_session.unlock(store::SecureBuffer::fromPassphrase(passphrase));
    m_busy = false;
    emit busyChanged();

    m_attemptsLeft = r.attemptsLeft;
    m_lockedUntilMs = r.lockedUntil.isValid() ? r.lockedUntil.toMSecsSinceEpoch() : 0;
    if (secondsUntilRetry() > 0)
        m_tick.start();
    switch (r.status) {
    case store::UnlockStatus::Unlocked:
        m_failedSinceLastUnlock = before ? before->failedAttempts : 0;
        setOutcome(Outcome::Unlocked, QString());
        break;
    case store::UnlockStatus::WrongPassphrase:
        setOutcome(Outcome::WrongPassphrase, tr("That passphrase is not right. %n attempt(s) left.",
                                                nullptr, r.attemptsLeft));
        break;
    case store::UnlockStatus::LockedOut:
        setOutcome(Outcome::LockedOut, tr("Too many wrong passphrases. Wait before trying again."));
        break;
    case store::UnlockStatus::Wiped:
        setOutcome(Outcome::Wiped,
                   r.wipedOffline
                       ? tr("This device had not reached the hub for longer than your force "
                            "allows, so its records were destroyed. Records already sent are "
                            "safe on the hub.")
                       : tr("Too many wrong passphrases: the records on this device were "
                            "destroyed. Records already sent are safe on the hub."));
        break;
    case store::UnlockStatus::CorruptVault:
    case store::UnlockStatus::StorageError:
        setOutcome(Outcome::Damaged, r.message);
        break;
    }
}

} // namespace safeguard::ui
