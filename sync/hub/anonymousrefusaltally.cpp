#include "anonymousrefusaltally.h"

namespace safeguard::hub {

AnonymousRefusalTally::AnonymousRefusalTally(qint64 intervalMs)
    : m_intervalMs(intervalMs)
{}

std::optional<AnonymousRefusalTally::Summary> AnonymousRefusalTally::add(int status, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    if (m_open.total == 0)
        m_open.fromMs = nowMs;
    ++m_open.total;
    ++m_open.byStatus[status];
    if (m_written && nowMs - m_lastTakenMs < m_intervalMs)
        return std::nullopt;
    return takeLocked(nowMs);
}

std::optional<AnonymousRefusalTally::Summary> AnonymousRefusalTally::takeDue(qint64 nowMs,
                                                                             bool force)
{
    std::lock_guard lock(m_mutex);
    if (m_open.total == 0 || (!force && m_written && nowMs - m_lastTakenMs < m_intervalMs))
        return std::nullopt;
    return takeLocked(nowMs);
}

std::optional<AnonymousRefusalTally::Summary> AnonymousRefusalTally::takeLocked(qint64 nowMs)
{
    Summary out = std::move(m_open);
    out.toMs = nowMs;
    m_open = Summary{};
    m_written = true;
    m_lastTakenMs = nowMs;
    return out;
}

} // namespace safeguard::hub
