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
}

void AutoLock::check()
{
    if (m_session.state() != AppSession::State::Unlocked)
        return;
    if (m_session.clock().nowMs() - m_lastActivityMs >= qint64(m_timeoutSeconds) * 1000)
        m_session.lock();
}

void AutoLock::windowHidden()
{
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
