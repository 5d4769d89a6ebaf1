#pragma once

#include <QtGlobal>
#include <map>
#include <mutex>
#include <optional>

namespace safeguard::hub {

// Counts, in memory, the refused requests that name no known device (unknown
// paths and methods, missing or unknown credentials, bad enrolment codes),
// so that a flood of them costs no fsync each: the hub writes at most one
// summary audit row (and one log line) per interval for them. The first
// refusal after a quiet interval is summarised at once, so a lone probe is
// still on record within the same request. Refusals tied to a known device
// are not counted here: each keeps its own durable audit row. Thread safe.
class AnonymousRefusalTally
{
public:
    struct Summary
    {
        qint64 fromMs = 0; // the first refusal counted
        qint64 toMs = 0;   // when the summary was taken
        qint64 total = 0;
        std::map<int, qint64> byStatus;
    };

    static constexpr qint64 kDefaultIntervalMs = 10 * 1000;

    explicit AnonymousRefusalTally(qint64 intervalMs = kDefaultIntervalMs);

    // Counts one refusal; returns what to write when the interval since the
    // last summary has passed.
    std::optional<Summary> add(int status, qint64 nowMs);
    // What is counted and not yet written, when the interval has passed (any
    // request may call this) or when force is set (at shutdown).
    std::optional<Summary> takeDue(qint64 nowMs, bool force = false);

private:
    std::optional<Summary> takeLocked(qint64 nowMs);

    std::mutex m_mutex;
    const qint64 m_intervalMs;
    bool m_written = false; // a summary was ever taken
    qint64 m_lastTakenMs = 0;
    Summary m_open;
};

} // namespace safeguard::hub
