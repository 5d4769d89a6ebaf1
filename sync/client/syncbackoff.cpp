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

qint64 SyncBackoff::ceilingMs(int failures) const
{
    const int doublings = std::clamp(failures - 1, 0, 30);
    const qint64 grown = baseMs << doublings;
    return std::min(capMs, grown);
}

qint64 SyncBackoff::delayMs(int failures, const RandomSource &random) const
{
    const qint64 ceiling = ceilingMs(failures);
    const qint64 drawn = qint64(random ? random(quint64(ceiling)) : quint64(ceiling));
    return std::clamp(drawn, floorMs, ceiling);
}

qint64 SyncBackoff::retryAfterMs(int seconds) const
{
    return std::min(qint64(seconds) * 1000, maxRetryAfterMs);
}

} // namespace safeguard::syncclient
