#pragma once

#include <QString>

namespace safeguard::syncclient {

enum class SyncErrorKind
{
    None,
    NotEnrolled,      // no hub yet: enrol with a code first
    InvalidCode,      // the enrolment code cannot be read or has expired
    CodeRefused,      // the hub refused the code (unknown, used or expired)
    Outbox,           // the sealed outbox could not be read or written
    Store,            // the officer's store refused a read or write
    Credential,       // the platform key store failed
    Transport,        // the hub could not be reached or could not be trusted
    UnexpectedAnswer, // the hub (or something pretending) answered nonsense
    Sealing,          // no sealing session could be opened (a bad hub key, no secure memory)
    EnrolmentChanged, // outbox.db names another hub than the key store remembers: nothing is sent
};

struct SyncError
{
    SyncErrorKind kind = SyncErrorKind::None;
    QString message; // ids and counts only
    bool ok() const { return kind == SyncErrorKind::None; }
};

} // namespace safeguard::syncclient
