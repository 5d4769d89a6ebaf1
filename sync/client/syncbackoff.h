#pragma once

#include <QtGlobal>
#include <functional>

namespace safeguard::syncclient {

// Uniform random integer in [0, bound]; injected so tests can fix it.
using RandomSource = std::function<quint64(quint64 bound)>;
RandomSource systemRandomSource();

// How long a lane waits after a failure: max(what the server asked, the
// floor, the exponential step for the n-th failure in a row), plus up to
// half of that again as jitter (so a fleet refused together does not come
// back together), never more than maxMs. Pure arithmetic: the engine times
// it with its Clock.
struct SyncBackoff
{
    qint64 baseMs = 1000;             // the first step
    qint64 stepCapMs = 5 * 60 * 1000; // the exponential step stops growing here
    qint64 floorMs = 1000;            // never less, whatever Retry-After says (0 included)
    qint64 maxMs = 60 * 60 * 1000;    // never more, whatever Retry-After says

    // The exponential step after `failures` failures in a row (>= 1).
    qint64 stepMs(int failures) const;
    // The wait before the next attempt. retryAfterMs < 0: the server asked
    // nothing (or nothing readable).
    qint64 delayMs(int failures, qint64 retryAfterMs, const RandomSource &random) const;
};

} // namespace safeguard::syncclient
