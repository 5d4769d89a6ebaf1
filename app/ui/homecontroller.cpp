#include "homecontroller.h"

namespace safeguard::ui {

HomeController::HomeController(AppSession &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
    connect(&m_session, &AppSession::unlocked, this, &HomeController::refresh);
    // Nothing about the records stays in memory while locked. Queued: the
    // home page lets go of the model first (its binding on the session's
    // state), so no view is torn down mid-change.
    connect(&m_session, &AppSession::stateChanged, this, [this] {
        if (m_session.state() == AppSession::State::Unlocked)
            return;
        m_model.clear();
        m_counts.clear();
        emit countsChanged();
    }, Qt::QueuedConnection);
}

QString HomeController::syncBanner() const
{
    // The sync engine (next phase) adds "sending n" and the last sync time.
    if (waitingCount() > 0)
        return tr("%n record(s) only on this device, waiting to send", nullptr, waitingCount());
    if (needsCorrectionCount() > 0)
        return tr("%n record(s) need correction", nullptr, needsCorrectionCount());
    return tr("Every submitted record is on the hub");
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
    m_model.setRecords(list.value());
    m_counts = counts.value();
    emit countsChanged();
}

} // namespace safeguard::ui
