#pragma once

namespace safeguard::platform {

// A named point in a multi-step durable change (creating the key vault,
// changing the passphrase, rotating the keys) where a crash test may kill
// this process for real: when the environment variable SAFEGUARD_CRASH_AT
// names the point, the process sends itself SIGKILL there, with no chance
// to clean up, exactly as a power cut or the OOM killer would. Unset (every
// officer's device), each call is one comparison against a cached empty
// string. Whoever can set this process's environment can kill it anyway.
void crashPoint(const char *name);

} // namespace safeguard::platform
