#pragma once

#include "safeguard/v1/sync.pb.h"
#include "sealedoutbox.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace safeguard::syncclient {

// Why a body is not this batch's receipt.
enum class ReceiptProblem
{
    None,
    Undecodable,    // not a SyncReceipt at all (a portal's page, a proxy's error)
    BatchIdDiffers, // a receipt for another batch
    HubIdDiffers,   // from another hub than the enrolment's
    ResultCountDiffers,
    ResultsOutOfOrder, // a result names another record id or version than its envelope
    UnknownResult,     // RESULT_UNSPECIFIED or a value this build does not know
    HashDiffers,       // the hub answered for other bytes than this device sent
    NotAWipeOrder,     // a 403 whose body is no wipe order from this hub
};

QString toText(ReceiptProblem p);

// What one receipt says, once read.
struct ReceiptReading
{
    ReceiptProblem problem = ReceiptProblem::None;
    // One verdict per entry, in the batch's order (entryId filled).
    QList<EntryResult> results;
    v1::DevicePolicy policy;
    bool wipe = false;
    bool ok() const { return problem == ReceiptProblem::None; }
};

// Reads a 2xx or 403 body against the batch it answers, with no network and
// no storage (tst_receiptreader). A receipt counts only when it is a
// SyncReceipt for this batch id, from this hub id, with one known result per
// envelope, in order, each naming the envelope's record id and version and,
// when the hub echoes it, the envelope's SHA-256 (so a DUPLICATE is known to
// be for this device's own bytes). A hub that echoes no hash (before schema
// field 5) is believed as before.
class ReceiptReader
{
public:
    struct Expected
    {
        QString batchId;
        QString hubId;
        // The entries sent, in order (id, recordId, version and sha256 used).
        QList<SealedEntry> entries;
    };

    static ReceiptReading read(const QByteArray &body, const Expected &expected);

    // A 403's body: a wipe order from this hub (policy.wipe), and, when it is
    // also this batch's receipt, its verdicts. problem is NotAWipeOrder when
    // it is no wipe order; otherwise wipe is true and results are filled only
    // when the receipt is this batch's (problem says why not).
    static ReceiptReading readWipeOrder(const QByteArray &body, const Expected &expected);
};

} // namespace safeguard::syncclient
