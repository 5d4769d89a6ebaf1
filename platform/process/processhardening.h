#pragma once

#include <QtGlobal>

namespace safeguard::platform {

// Turns core dumps off for this process: PR_SET_DUMPABLE 0 and a core size
// limit of zero (soft and hard); false when the kernel refused either. The
// officer's app and the device simulator hold the store's data key and
// decrypted records while unlocked; every hub command holds secrets in memory (the sealing key and
// the TLS key in serve, code secrets in enrol-device, and GnuTLS's own heap copies of the key and
// of session keys, which we cannot wipe); a core dump would write all of it to disk, where the
// operator, a crash collector (systemd-coredump, apport) or a backup would keep it. Non-dumpable
// also keeps processes of the same user without CAP_SYS_PTRACE from attaching with ptrace or
// reading /proc/PID/mem and /proc/PID/environ.
bool hardenProcess();

// What the kernel says now, read back with prctl(PR_GET_DUMPABLE) and
// getrlimit(RLIMIT_CORE), so the log states what holds rather than what was
// asked for. The dumpable flag cannot be read from another process, so
// `serve` logs it ("process_hardened") for operators and tests.
struct ProcessHardening
{
    int dumpable = -1;
    qint64 coreLimit = -1;    // soft limit, bytes; -1 unlimited or unknown
    qint64 coreLimitMax = -1; // hard limit
};
ProcessHardening readProcessHardening();

} // namespace safeguard::platform
