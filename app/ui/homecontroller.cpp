#include "homecontroller.h"

#include "recordform.h"

#include <QLocale>

namespace safeguard::ui {

HomeController::HomeController(AppSession &session, syncclient::SyncEngine &sync, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_sync(sync)
{
    using syncclient::SyncEngine;
    // Receipts change statuses on the list; the engine's state changes the banner.
    connect(&m_sync, &SyncEngine::countsChanged, this, &HomeController::refresh);
    connect(&m_sync, &SyncEngine::stateChanged, this, &HomeController::countsChanged);
    connect(&m_sync, &SyncEngine::lastSuccessfulSyncChanged, this, &HomeController::countsChanged);
    connect(&m_sync, &SyncEngine::enrolledChanged, this, &HomeController::countsChanged);
    connect(&m_sync, &SyncEngine::enrolmentFinished, this, [this](const syncclient::SyncError &e) {
        // A hub out of reach is retried and the banner says so; only a code
        // that can never work needs the officer's attention here.
        m_enrolmentProblem = !e.ok() && e.kind != syncclient::SyncErrorKind::Transport
                                 ? tr("Not yet connected to the hub: %1").arg(e.message)
                                 : QString();
        if (e.ok())
            m_enrolmentChanged = false;
        emit countsChanged();
    });
    connect(&m_sync, &SyncEngine::faultReported, this, [this](syncclient::SyncFault fault) {
        if (fault != syncclient::SyncFault::EnrolmentChanged)
            return;
        m_enrolmentChanged = true;
        emit countsChanged();
    });
    connect(&m_session, &AppSession::unlocked, this, &HomeController::refresh);
    // Nothing about the records stays in memory while locked. Queued: the
    // home page lets go of the model first (its binding on the session's
    // state), so no view is torn down mid-change.
    connect(
        &m_session, &AppSession::stateChanged, this,
        [this] {
            if (m_session.state() == AppSession::State::Unlocked)
                return;
            m_model.clear();
            m_counts.clear();
            emit countsChanged();
        },
        Qt::QueuedConnection);
}

QString HomeController::syncBanner() const
{
    using State = syncclient::SyncEngine::State;
    // The larger of what the store still calls queued and what the sealed
    // outbox has not delivered: never "all on the hub" while either waits.
    const int waiting = std::max(m_sync.isEnrolled() ? m_sync.waitingCount() : 0, waitingCount());
    // Before the pending code: the officer must know why nothing went.
    if (!m_sync.isEnrolled() && m_enrolmentChanged) {
        return tr("The hub settings on this device were changed outside the app, so nothing is "
                  "sent. Enrol it again with a new code. %n record(s) kept, waiting to send",
                  nullptr, waiting);
    }
    if (!m_sync.isEnrolled() && m_sync.hasPendingEnrolment()) {
        return waiting > 0 ? tr("Will connect to the hub when it can be reached: %n record(s) only "
                                "on this device",
                                nullptr, waiting)
                           : tr("Will connect to the hub when it can be reached");
    }
    if (!m_sync.isEnrolled()) {
        return waiting > 0 ? tr("Not connected to a hub yet: %n record(s) only on this device",
                                nullptr, waiting)
                           : tr("Not connected to a hub yet");
    }
    // An urgent record set aside after failing alone again and again: the
    // officer must know it has not gone, and what to do.
    if (m_sync.state() != State::Revoked && m_sync.urgentParkedCount() > 0) {
        return tr("Not sent: %n urgent record(s), only on this device. Press Sync now; if this "
                  "stays, phone the safeguarding hub with the police reference.",
                  nullptr, m_sync.urgentParkedCount());
    }
    switch (m_sync.state()) {
    case State::Revoked:
        return tr("This device was withdrawn by the hub.");
    case State::ReenrolmentNeeded:
        return tr("The hub no longer accepts this device: enrol it again. %n record(s) kept, "
                  "waiting to send",
                  nullptr, waiting);
    case State::WaitingForNetwork:
        return tr("Offline: %n record(s) only on this device, waiting to send", nullptr, waiting);
    case State::Sending:
        return tr("Sending %n record(s) to the hub…", nullptr, waiting);
    case State::BackingOff:
        return tr("The hub cannot be reached; trying again. %n record(s) waiting to send", nullptr,
                  waiting);
    case State::Error:
        // The hub called a request a bug: retried every 15 minutes, or at
        // once with Sync now; the fault is in the hub's logs.
        return tr("Sending paused after a fault; trying again in 15 minutes, or press Sync now. "
                  "%n record(s) waiting to send",
                  nullptr, waiting);
    case State::Idle:
        break;
    }
    if (waiting > 0)
        return tr("%n record(s) only on this device, waiting to send", nullptr, waiting);
    const QDateTime last = m_sync.lastSuccessfulSync();
    if (needsCorrectionCount() > 0)
        return tr("%n record(s) need correction", nullptr, needsCorrectionCount());
    // Never "all records" while a draft is only here.
    if (draftCount() > 0)
        return last.isValid()
                   ? tr("Every submitted record is on the hub · last sync %1")
                         .arg(QLocale().toString(last.toLocalTime(), QLocale::ShortFormat))
                   : tr("Every submitted record is on the hub");
    return last.isValid() ? tr("All records are on the hub · last sync %1")
                                .arg(QLocale().toString(last.toLocalTime(), QLocale::ShortFormat))
                          : tr("All records are on the hub");
}

QString HomeController::draftBanner() const
{
    return draftCount() > 0 ? tr("%n record(s) not submitted: only on this device until you submit",
                                 nullptr, draftCount())
                            : QString();
}

bool HomeController::allOnHub() const
{
    return m_sync.isEnrolled() && m_sync.waitingCount() == 0 && waitingCount() == 0 &&
           draftCount() == 0;
}

bool HomeController::needsEnrolmentCode() const
{
    return !m_sync.isEnrolled() ||
           m_sync.state() == syncclient::SyncEngine::State::ReenrolmentNeeded;
}

bool HomeController::canSyncNow() const
{
    using State = syncclient::SyncEngine::State;
    return m_sync.isEnrolled() && m_sync.state() != State::Revoked &&
           m_sync.state() != State::Sending;
}

void HomeController::syncNow()
{
    m_sync.syncNow();
}

void HomeController::enrol(const QString &code)
{
    m_enrolmentProblem.clear();
    emit countsChanged();
    m_sync.enrol(code.trimmed());
}

QString HomeController::receiptText(const QString &recordId) const
{
    store::RecordStore *store = m_session.recordStore();
    if (!store)
        return QString();
    const auto state = store->recordState(recordId);
    if (!state || state.value().status != protocol::RecordStatus::Purged)
        return QString();
    const store::RecordState &r = state.value();
    return tr("%1, version %2. The hub acknowledged it on %3. Its content was removed from "
              "this device on %4, as force policy asks once the hub holds a record. It can "
              "no longer be amended here: corrections go through the MASH, quoting the "
              "reference.")
        .arg(r.policeReference.isEmpty() ? tr("No reference") : r.policeReference)
        .arg(r.version)
        .arg(RecordListModel::displayTime(r.decidedMs), RecordListModel::displayTime(r.purgedMs));
}

void HomeController::refresh()
{
    store::RecordStore *store = m_session.recordStore();
    if (!store)
        return;
    auto list = store->listRecords();
    auto counts = store->statusCounts();
    if (!list || !counts) {
        m_error = tr("The records could not be read: %1")
                      .arg(!list ? list.error().message : counts.error().message);
        emit countsChanged();
        return;
    }
    m_error.clear();
    m_all = list.value();
    applySearch();
    m_counts = counts.value();
    emit countsChanged();
}

void HomeController::setSearch(const QString &text)
{
    if (text == m_search)
        return;
    m_search = text;
    applySearch();
    emit searchChanged();
}

void HomeController::applySearch()
{
    // Folded for matching: "Zoë" is found by "zoe".
    const auto fold = [](const QString &s) {
        QString out;
        for (const QChar c : s.normalized(QString::NormalizationForm_D))
            if (c.category() != QChar::Mark_NonSpacing)
                out += c.toCaseFolded();
        return out;
    };
    const QStringList words = fold(m_search).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.isEmpty()) {
        m_model.setRecords(m_all);
        return;
    }
    QList<store::RecordSummary> shown;
    for (const store::RecordSummary &r : m_all) {
        const QString hay = fold(QStringList{r.policeReference, r.place, r.childNames,
                                             RecordForm::incidentTypeLabel(r.incidentType)}
                                     .join(QLatin1Char(' ')));
        bool all = true;
        for (const QString &w : words)
            all = all && hay.contains(w);
        if (all)
            shown << r;
    }
    m_model.setRecords(shown);
}

} // namespace safeguard::ui
