#include "crashpoint.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace safeguard::platform {

void crashPoint(const char *name)
{
    static const char *const target = [] {
        const char *v = std::getenv("SAFEGUARD_CRASH_AT");
        return v && *v ? v : nullptr;
    }();
    if (target && std::strcmp(target, name) == 0)
        ::kill(::getpid(), SIGKILL);
}

} // namespace safeguard::platform
