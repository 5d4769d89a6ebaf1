#include "synccontroller.h"

#include "protocol/riskchecklist.h"

#include <QDateTime>
#include <QLocale>

namespace safeguard::ui {

using State = syncclient::SyncEngine::State;

SyncController::SyncController(AppSession &session, syncclient::SyncEngine &sync, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_sync(sync)
{
    using syncclient::SyncEngine;
    connect(&m_sync, &SyncEngine::stateChanged, this, &SyncController::changed);
    connect(&m_sync, &SyncEngine::countsChanged, this, &SyncController::changed);
    connect(&m_sync, &SyncEngine::lastSuccessfulSyncChanged, this, &SyncController::changed);
    connect(&m_sync, &SyncEngine::enrolledChanged, this, &SyncController::changed);
    connect(&m_sync, &SyncEngine::riskChecklistsChanged, this, [this] {
        readRiskInstrument();
        emit changed();
    });
    connect(&m_sync, &SyncEngine::quiescent, this, [this] {
        settleCheckIn();
        emit changed();
    });
    connect(&m_session, &AppSession::unlocked, this, [this] {
        readRiskInstrument();
        emit changed();
    });
    readRiskInstrument();
    connect(&m_session, &AppSession::aboutToLock, this, &SyncController::close);
}

void SyncController::open()
{
    if (m_showing)
        return;
    m_showing = true;
    emit changed(); // the times are read afresh
    emit showingChanged();
}

void SyncController::close()
{
    if (!m_showing)
        return;
    m_showing = false;
    m_lastAction.clear();
    emit showingChanged();
}

QString SyncController::stateText() const
{
    if (!m_sync.isEnrolled())
        return m_sync.hasPendingEnrolment() ? tr("Connecting to the hub")
                                            : tr("Not connected to a hub");
    if (m_sync.state() != State::Revoked && m_sync.urgentParkedCount() > 0)
        return tr("Urgent record not sent");
    switch (m_sync.state()) {
    case State::Idle:
        return m_sync.waitingCount() > 0 ? tr("Waiting to send") : tr("Up to date");
    case State::WaitingForNetwork:
        return tr("Offline");
    case State::Sending:
        return tr("Sending");
    case State::BackingOff:
        return tr("Waiting to try again");
    case State::Error:
        return tr("Paused after a fault");
    case State::ReenrolmentNeeded:
        return tr("Enrol this device again");
    case State::Revoked:
        return tr("Withdrawn by the hub");
    }
    return {};
}

QString SyncController::stateDetail() const
{
    const int waiting = m_sync.isEnrolled() ? m_sync.waitingCount() : 0;
    if (!m_sync.isEnrolled()) {
        return m_sync.hasPendingEnrolment()
                   ? tr("The code is kept and tried again until the hub can be reached. Records "
                        "stay on this device, encrypted, until then.")
                   : tr("Enter the enrolment code from your supervisor on the home screen. "
                        "Records stay on this device, encrypted, until then.");
    }
    if (m_sync.state() != State::Revoked && m_sync.urgentParkedCount() > 0)
        return tr("%n urgent record(s) failed again and again and were set aside. Press Sync "
                  "now; if this stays, phone the safeguarding hub with the police reference.",
                  nullptr, m_sync.urgentParkedCount());
    switch (m_sync.state()) {
    case State::Idle:
        return waiting > 0 ? tr("%n record(s) will be sent at the next chance.", nullptr, waiting)
                           : tr("Every submitted record is on the hub.");
    case State::WaitingForNetwork:
        return tr("No network. %n record(s) kept on this device, encrypted, and sent as soon as "
                  "a network is back.",
                  nullptr, waiting);
    case State::Sending:
        return tr("%n record(s) on their way to the hub.", nullptr, waiting);
    case State::BackingOff:
        return tr("The hub could not be reached, or asked the device to wait. It is tried again "
                  "by itself; Sync now tries at once. %n record(s) waiting.",
                  nullptr, waiting);
    case State::Error:
        return tr("The hub refused a request as faulty. Sending is tried again every 15 minutes, "
                  "or now with Sync now; the hub's staff can see the fault. %n record(s) waiting.",
                  nullptr, waiting);
    case State::ReenrolmentNeeded:
        return tr("The hub no longer accepts this device. Ask your supervisor for a new code and "
                  "enter it on the home screen. Nothing is lost: %n record(s) kept.",
                  nullptr, waiting);
    case State::Revoked:
        return tr("The hub withdrew this device. Its records were wiped, and anything sealed for "
                  "the hub is still sent. Give the device back to your supervisor.");
    }
    return {};
}

bool SyncController::needsAttention() const
{
    if (!m_sync.isEnrolled())
        return !m_sync.hasPendingEnrolment();
    const State s = m_sync.state();
    return s == State::ReenrolmentNeeded || s == State::Revoked || s == State::Error ||
           (s != State::Revoked && m_sync.urgentParkedCount() > 0);
}

bool SyncController::upToDate() const
{
    return m_sync.isEnrolled() && m_sync.state() == State::Idle && m_sync.waitingCount() == 0 &&
           m_sync.parkedCount() == 0;
}

QString SyncController::when(qint64 ms, qint64 nowMs, int offsetMinutes)
{
    if (ms <= 0)
        return tr("Never");
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms, Qt::OffsetFromUTC, offsetMinutes * 60);
    const QDateTime now =
        QDateTime::fromMSecsSinceEpoch(nowMs, Qt::OffsetFromUTC, offsetMinutes * 60);
    const QString time = at.time().toString(QStringLiteral("HH:mm"));
    const qint64 days = at.date().daysTo(now.date());
    if (days == 0)
        return tr("Today %1").arg(time);
    if (days == 1)
        return tr("Yesterday %1").arg(time);
    return QLocale(QLocale::English, QLocale::UnitedKingdom)
               .toString(at.date(), QStringLiteral("d MMM yyyy")) +
           QLatin1Char(' ') + time;
}

QString SyncController::lastContact() const
{
    const protocol::Clock &clock = m_session.clock();
    const qint64 ms = m_sync.outbox() ? m_sync.outbox()->lastHubContactMs() : 0;
    return when(ms, clock.nowMs(), clock.utcOffsetMinutes());
}

QString SyncController::lastSent() const
{
    const protocol::Clock &clock = m_session.clock();
    const QDateTime last = m_sync.lastSuccessfulSync();
    return when(last.isValid() ? last.toMSecsSinceEpoch() : 0, clock.nowMs(),
                clock.utcOffsetMinutes());
}

QString SyncController::nextAttempt() const
{
    if (!m_sync.isEnrolled() || m_sync.backoffDelayMs() <= 0)
        return {};
    const protocol::Clock &clock = m_session.clock();
    const qint64 at = m_sync.nextAttemptAtMs();
    const qint64 inMs = at - clock.nowMs();
    if (inMs <= 0)
        return tr("Now");
    const int minutes = int((inMs + 59999) / 60000);
    return tr("%1, in %n min", nullptr, minutes)
        .arg(when(at, clock.nowMs(), clock.utcOffsetMinutes()));
}

QString SyncController::hubPin() const
{
    const QString pin = m_sync.enrolment().tlsPin;
    return pin.size() > 16 ? pin.left(16) + QStringLiteral("…") : pin;
}

void SyncController::readRiskInstrument()
{
    m_riskInstrument.clear();
    const protocol::RiskChecklist *now =
        m_session.checklists().currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
    if (!now)
        return;
    const auto builtIn = [](const protocol::RiskChecklist &c) {
        static const protocol::RiskChecklistRegistry builtIns =
            protocol::RiskChecklistRegistry::withBuiltIns();
        const protocol::RiskChecklist *b = builtIns.find(c.id(), c.version());
        return b && b->canonicalJson() == c.canonicalJson();
    };
    QString text = (builtIn(*now) ? tr("%1, version %2 (built into the app)")
                                  : tr("%1, version %2 (the force's, from the hub)"))
                       .arg(now->title())
                       .arg(now->version());
    // Handed over by the hub since the store was opened: said, not hidden.
    const protocol::RiskChecklistRegistry next = m_sync.riskChecklists();
    if (const protocol::RiskChecklist *c = next.currentFor(v1::INCIDENT_TYPE_DOMESTIC_ABUSE);
        c && (c->id() != now->id() || c->version() != now->version()))
        text +=
            QLatin1Char(' ') + tr("%1, version %2 is used for new records from the next unlock.")
                                   .arg(c->title())
                                   .arg(c->version());
    m_riskInstrument = text;
}

void SyncController::syncNow()
{
    if (!m_sync.isEnrolled()) {
        m_lastAction = tr("Not connected to a hub yet: enter the enrolment code on the home "
                          "screen.");
        emit changed();
        return;
    }
    if (m_sync.waitingCount() > 0 || m_sync.parkedCount() > 0) {
        m_sync.syncNow();
        m_lastAction =
            tr("Sending %n record(s) now.", nullptr, m_sync.waitingCount() + m_sync.parkedCount());
        emit changed();
        return;
    }
    // Nothing to send: ask the hub, so the answer is its own.
    m_contactBefore = m_sync.outbox() ? m_sync.outbox()->lastHubContactMs() : 0;
    m_checking = true;
    m_lastAction = tr("Asking the hub…");
    m_sync.checkIn();
    emit changed();
    settleCheckIn(); // a check-in that could not start (no connection)
}

void SyncController::settleCheckIn()
{
    if (!m_checking || m_sync.isCheckingIn())
        return;
    m_checking = false;
    const qint64 contact = m_sync.outbox() ? m_sync.outbox()->lastHubContactMs() : 0;
    const protocol::Clock &clock = m_session.clock();
    m_lastAction = contact > m_contactBefore || (contact > 0 && contact == clock.nowMs())
                       ? tr("The hub answered %1. Nothing is waiting to be sent.")
                             .arg(when(contact, clock.nowMs(), clock.utcOffsetMinutes()))
                       : tr("The hub could not be reached. It is tried again by itself.");
}

} // namespace safeguard::ui
