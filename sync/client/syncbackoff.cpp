#include "syncbackoff.h"

#include <QRandomGenerator>
#include <algorithm>

namespace safeguard::syncclient {

RandomSource systemRandomSource()
{
    return [](quint64 bound) {
        return bound == 0 ? 0 : QRandomGenerator::system()->bounded(bound + 1);
    };
}

qint64 SyncBackoff::stepMs(int failures) const
{
    const int doublings = std::clamp(failures - 1, 0, 30);
    return std::min(stepCapMs, baseMs << doublings);
}

qint64 SyncBackoff::delayMs(int failures, qint64 retryAfterMs, const RandomSource &random) const
{
    const qint64 wait = std::min(maxMs, std::max({retryAfterMs, floorMs, stepMs(failures)}));
    const quint64 bound = quint64(wait / 2);
    const qint64 jitter = qint64(std::min(bound, random ? random(bound) : bound));
    return std::min(maxMs, wait + jitter);
}

} // namespace safeguard::syncclient
