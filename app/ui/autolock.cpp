#include "autolock.h"

#include <QEvent>
#include <QGuiApplication>

namespace safeguard::ui {

AutoLock::AutoLock(AppSession &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_lastActivityMs(session.clock().nowMs())
{
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &AutoLock::check);
    connect(&m_session, &AppSession::unlocked, this, &AutoLock::noteActivity);
    m_tick.start();
}

void AutoLock::setTimeoutSeconds(int s)
{
    if (s == m_timeoutSeconds || s <= 0)
        return;
    m_timeoutSeconds = s;
    emit timeoutChanged();
}

void AutoLock::install()
{
    qApp->installEventFilter(this);
    connect(qApp, &QGuiApplication::applicationStateChanged, this, [this](Qt::ApplicationState s) {
        if (s == Qt::ApplicationSuspended || s == Qt::ApplicationHidden)
            windowHidden();
    });
}

void AutoLock::noteActivity()
{
    m_lastActivityMs = m_session.clock().nowMs();
    setWarning(-1);
    if (m_lockedForInactivity && m_session.state() == AppSession::State::Unlocked) {
        m_lockedForInactivity = false;
        emit warningChanged();
    }
}

void AutoLock::setWarning(int secondsLeft)
{
    if (secondsLeft == m_secondsUntilLock)
        return;
    m_secondsUntilLock = secondsLeft;
    emit warningChanged();
}

void AutoLock::check()
{
    if (m_session.state() != AppSession::State::Unlocked) {
        setWarning(-1);
        return;
    }
    const qint64 idleMs = m_session.clock().nowMs() - m_lastActivityMs;
    const qint64 leftMs = qint64(m_timeoutSeconds) * 1000 - idleMs;
    if (leftMs <= 0) {
        setWarning(-1);
        m_lockedForInactivity = true;
        emit warningChanged();
        m_session.lock();
        return;
    }
    // Rounded up: "1 s" until the moment it locks.
    const int left = int((leftMs + 999) / 1000);
    setWarning(left <= kWarningSeconds && m_timeoutSeconds > kWarningSeconds ? left : -1);
}

void AutoLock::windowHidden()
{
    setWarning(-1);
    if (m_lockedForInactivity) {
        m_lockedForInactivity = false;
        emit warningChanged();
    }
    m_session.lock();
}

bool AutoLock::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::TouchBegin:
    case QEvent::Wheel:
        noteActivity();
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace safeguard::ui
