#pragma once

#include "safeguard/v1/sync.pb.h"
#include "sealedoutbox.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

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
    BadSignature,      // not signed by the hub's receipt key for this device
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

// One verdict of a receipt whose signature has been checked.
struct SignedVerdict
{
    QString recordId;
    int version = 0;
    EntryState state = EntryState::Pending;
    QString reasons;
    QByteArray sha256; // the bytes it is about, as the hub echoed them
    QStringList codes; // the reasons' machine codes (REJECTED)
};

// Reads a 2xx or 403 body against the batch it answers, with no network and
// no storage (tst_receiptreader). A receipt counts only when it is a
// SyncReceipt for this batch id, from this hub id, with one known result per
// envelope, in order, each naming the envelope's record id and version and
// echoing the envelope's SHA-256 (so a DUPLICATE is known to be for this
// device's own bytes), and signed by the hub's receipt key for this device
// (syncwire::signing::receiptStatement).
class ReceiptReader
{
public:
    struct Expected
    {
        QString batchId;
        QString hubId;
        // The entries sent, in order (id, recordId, version and sha256 used).
        QList<SealedEntry> entries;
        // The authenticated device and the hub's receipt key (enrolment):
        // a receipt counts only with a valid signature for this device.
        QString deviceId;
        QByteArray hubSigningKey;
    };

    static ReceiptReading read(const QByteArray &body, const Expected &expected);

    // A 403's body: a wipe order from this hub (policy.wipe), and, when it is
    // also this batch's receipt, its verdicts. problem is NotAWipeOrder when
    // it is no wipe order; otherwise wipe is true and results are filled only
    // when the receipt is this batch's (problem says why not).
    static ReceiptReading readWipeOrder(const QByteArray &body, const Expected &expected);

    // The verdicts of a stored receipt, once its signature by hubSigningKey
    // for deviceId and its hub id are checked; nullopt when either fails
    // (or it is empty or undecodable). What the store applies comes from
    // here, never from the outbox's own columns.
    static std::optional<QList<SignedVerdict>> signedVerdicts(const QByteArray &body,
                                                              const QString &deviceId,
                                                              const QString &hubId,
                                                              const QByteArray &hubSigningKey);
};

} // namespace safeguard::syncclient
