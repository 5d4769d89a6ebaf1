#pragma once

#include "appsession.h"

#include <QObject>
#include <QTimer>

namespace safeguard::ui {

// The unlock screen: takes the passphrase, says how many attempts are left,
// counts down a lockout, and warns before the wipe. Reads the vault's
// unauthenticated status so it can show a lockout already in force when the
// app starts.
class UnlockController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(Outcome outcome READ outcome NOTIFY changed)
    Q_PROPERTY(QString message READ message NOTIFY changed)
    Q_PROPERTY(int attemptsLeft READ attemptsLeft NOTIFY changed)
    Q_PROPERTY(int secondsUntilRetry READ secondsUntilRetry NOTIFY countdownChanged)
    Q_PROPERTY(bool canTry READ canTry NOTIFY countdownChanged)
    Q_PROPERTY(bool wipeWarning READ wipeWarning NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    // After an unlock: the wrong passphrases tried since the one before (0
    // when none), so the officer learns someone tried their device.
    Q_PROPERTY(int failedSinceLastUnlock READ failedSinceLastUnlock NOTIFY changed)

public:
    enum class Outcome
    {
        None,
        Unlocked,
        WrongPassphrase,
        LockedOut,
        Wiped,
        Damaged
    };
    Q_ENUM(Outcome)

    // A warning shows from this many attempts left.
    static constexpr int kWarnAtAttemptsLeft = 3;

    UnlockController(AppSession &session, QObject *parent = nullptr);

    Outcome outcome() const { return m_outcome; }
    QString message() const { return m_message; }
    int attemptsLeft() const { return m_attemptsLeft; }
    int failedSinceLastUnlock() const { return m_failedSinceLastUnlock; }
    int secondsUntilRetry() const;
    bool canTry() const { return secondsUntilRetry() == 0 && m_outcome != Outcome::Wiped; }
    bool wipeWarning() const { return m_attemptsLeft > 0 && m_attemptsLeft <= kWarnAtAttemptsLeft; }
    bool busy() const { return m_busy; }

    // Tries the passphrase. Blocks for the Argon2id time (about 0.4 s).
    Q_INVOKABLE void unlock(const QString &passphrase);
    // Re-reads the vault's counters (on showing the screen).
    Q_INVOKABLE void refresh();

signals:
    void changed();
    void countdownChanged();
    void busyChanged();

private:
    void setOutcome(Outcome o, const QString &message);

    AppSession &m_session;
    Outcome m_outcome = Outcome::None;
    QString m_message;
    int m_attemptsLeft = 0;
    int m_failedSinceLastUnlock = 0;
    qint64 m_lockedUntilMs = 0;
    bool m_busy = false;
    QTimer m_tick;
};

} // namespace safeguard::ui
