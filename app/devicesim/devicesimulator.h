#pragma once

#include "protocol/clock.h"

#include <QStringList>
#include <cstdio>

namespace safeguard::store {

// The headless officer device behind safeguard-devicesim:
//
//   safeguard-devicesim --store DIR --passphrase-file FILE
//       [--kdf-ops N --kdf-mem-mib M] [--seed S] [--form-version 1|2] COMMAND
//   init          create the key vault and an empty store
//   generate N    add N synthetic drafts (1-4 children, every field, SYNTHETIC)
//   submit-all    submit every draft, one durable transaction each, printing
//                 each record id on its own line as soon as submit returns
//   verify        read every page; print {"records":..,"draft":..,...,
//                 "cipher_version":"3.4.x","schema_version":N,
//                 "key_generation":G}
//   rotate-keys   move the store to a fresh data key and wipe key now (the
//                 app does this daily; unlock does it when a day is past)
//   change-passphrase FILE
//                 check --passphrase-file again and move the store to fresh
//                 keys under the passphrase in FILE
//   enrol CODE    exchange an enrolment code with its hub, unlocked (the
//                 device key and the trusted enrolment live in the store);
//                 submit-all then also seals into the outbox
//   sync          drain the sealed outbox to the hub (--timeout SECONDS);
//                 without --passphrase-file as a locked device; prints
//                 {"sent":..,"acknowledged":..,"needs_correction":..,
//                 "seconds":..,"records_per_s":..,"bytes_on_wire":..,
//                 "waiting":..,"parked":..,"stopped":"drained"|"timed_out"|
//                 "parked"|"revoked"|"reenrolment_needed"|"error"} and, when
//                 not drained, why on stderr; a backlog of 1,000 or more
//                 shows its progress on a terminal
//   --devices K   K devices in DIR/device-1..K (enrol takes line i of
//                 --codes FILE); sync runs all K against the hub at once
//
// Exit status: 0 ok (sync: drained); 1 usage or refused input; 2 wrong
// passphrase, locked out or wiped (no database file is touched); 3
// unexpected SQLCipher version; 4 damaged vault or store; 5 storage error.
// sync only: 10 timed out with records waiting; 11 every waiting record
// parked; 12 revoked; 13 re-enrolment needed; 14 a lane stopped in Error.
// Messages go to stderr and never hold record content or key material. The passphrase file
// is read straight into secure memory; one trailing newline is dropped.
class DeviceSimulator
{
public:
    explicit DeviceSimulator(const protocol::Clock &clock, std::FILE *out = stdout,
                             std::FILE *err = stderr);
    int run(const QStringList &args);

private:
    int enrol(const QStringList &dirs, const QStringList &codes, const QString &passFile);
    int sync(const QStringList &dirs, const QString &passFile, int timeoutSecs);
    int fail(int code, const QString &message);

    const protocol::Clock &m_clock;
    std::FILE *m_out;
    std::FILE *m_err;
};

} // namespace safeguard::store
