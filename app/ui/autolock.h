#pragma once

#include "appsession.h"

#include <QObject>
#include <QTimer>

namespace safeguard::ui {

// Locks the app after a period without input (default 5 minutes), when the
// window is hidden or the application is suspended, so an unattended or
// pocketed device shows nothing. Inactivity is measured with the injected
// Clock and checked on a one-second tick, so tests advance a ManualClock and
// call check() instead of waiting.
class AutoLock : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int timeoutSeconds READ timeoutSeconds WRITE setTimeoutSeconds NOTIFY timeoutChanged)
    // In the last kWarningSeconds before an inactivity lock: how many seconds
    // are left (the screen warns, and any touch keeps the app open); -1
    // otherwise.
    Q_PROPERTY(int secondsUntilLock READ secondsUntilLock NOTIFY warningChanged)
    // The last lock was for inactivity (not the Lock button or a hidden window).
    Q_PROPERTY(bool lockedForInactivity READ lockedForInactivity NOTIFY warningChanged)

public:
    static constexpr int kDefaultTimeoutSeconds = 5 * 60;
    static constexpr int kWarningSeconds = 30;

    AutoLock(AppSession &session, QObject *parent = nullptr);

    int timeoutSeconds() const { return m_timeoutSeconds; }
    int secondsUntilLock() const { return m_secondsUntilLock; }
    bool lockedForInactivity() const { return m_lockedForInactivity; }
    void setTimeoutSeconds(int s);

    // Watches every input event and the application state of qApp.
    void install();

    // Input from the officer: restarts the inactivity period.
    Q_INVOKABLE void noteActivity();
    // Locks now if the inactivity period has passed.
    Q_INVOKABLE void check();
    // The window was hidden or minimised, or the app suspended.
    Q_INVOKABLE void windowHidden();

signals:
    void timeoutChanged();
    void warningChanged();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    AppSession &m_session;
    int m_timeoutSeconds = kDefaultTimeoutSeconds;
    void setWarning(int secondsLeft);

    qint64 m_lastActivityMs = 0;
    int m_secondsUntilLock = -1;
    bool m_lockedForInactivity = false;
    QTimer m_tick;
};

} // namespace safeguard::ui
