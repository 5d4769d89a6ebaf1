#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace safeguard::protocol {

// One submitted record version as the officer's store froze it: the one
// vocabulary the store's outbox and the sync engine's sealed outbox share.
struct Submission
{
    QString recordId;
    int version = 0;
    QByteArray sha256; // of the exact serialized bytes stored
    qint64 size = 0;
    bool urgent = false;
    qint64 submittedMs = 0;
    bool alreadySubmitted = false; // true when submit() found it done before
};

} // namespace safeguard::protocol
