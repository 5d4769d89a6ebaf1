#pragma once

#include <QtGlobal>
#include <functional>

namespace safeguard::syncclient {

// Uniform random integer in [0, bound]; injected so tests can fix it.
using RandomSource = std::function<quint64(quint64 bound)>;
RandomSource systemRandomSource();

// Exponential backoff with full jitter and a cap: after the n-th
// consecutive failure the wait is uniform in [0, min(cap, base * 2^(n-1))],
// never under floorMs (so a dead network is not hammered in a loop). A
// Retry-After from the hub replaces the computed wait, up to
// maxRetryAfterMs. Pure arithmetic: the engine times it with its Clock.
struct SyncBackoff
{
    qint64 baseMs = 1000;
    qint64 capMs = 5 * 60 * 1000;
    qint64 floorMs = 100;
    qint64 maxRetryAfterMs = 60 * 60 * 1000;

    // The ceiling of the jitter window after `failures` failures (>= 1).
    qint64 ceilingMs(int failures) const;
    qint64 delayMs(int failures, const RandomSource &random) const;
    qint64 retryAfterMs(int seconds) const;
};

} // namespace safeguard::syncclient
