#include "processhardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

namespace safeguard::platform {

bool hardenProcess()
{
    const rlimit none{0, 0};
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || ::setrlimit(RLIMIT_CORE, &none) != 0)
        return false;
    const ProcessHardening now = readProcessHardening();
    return now.dumpable == 0 && now.coreLimit == 0 && now.coreLimitMax == 0;
}

ProcessHardening readProcessHardening()
{
    ProcessHardening h;
    h.dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    rlimit core{};
    if (::getrlimit(RLIMIT_CORE, &core) == 0) {
        h.coreLimit = core.rlim_cur == RLIM_INFINITY ? -1 : qint64(core.rlim_cur);
        h.coreLimitMax = core.rlim_max == RLIM_INFINITY ? -1 : qint64(core.rlim_max);
    }
    return h;
}

} // namespace safeguard::platform
