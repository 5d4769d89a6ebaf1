#pragma once

#include "safeguard/v1/sync.pb.h"
#include "sealedoutbox.h"

#include <QByteArray>
#include <QList>

namespace safeguard::syncclient {

// The wire bytes of a v1::SyncBatch: head's fields (everything but records)
// followed by one RecordEnvelope per entry, in order. The bytes are exactly
// what head.SerializeAsString() gives once the envelopes are added to it, but
// they are written straight from the entries into one buffer of the final
// size: building the message first would copy each sealed blob three more
// times (into the envelope, into the serialized string, into the QByteArray
// the network layer takes). head must hold no records.
QByteArray encodeSyncBatch(const v1::SyncBatch &head, const QList<SealedEntry> &entries);

} // namespace safeguard::syncclient
