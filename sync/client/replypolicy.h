#pragma once

#include "hubconnection.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace safeguard::syncclient {

// A problem the engine reports for logs and administrators, never for the
// officer to fix: ids and counts only.
enum class SyncFault
{
    Conflict,         // the hub holds this id and version with another hash
    Redirect,         // a 3xx: a portal or a misconfigured proxy; nothing sent
    NotAReceipt,      // a 2xx that is not this batch's receipt from this hub
    PinMismatch,      // TLS with a key that matches neither pin
    ClientBug,        // 400, 404, 405, 415: the same bytes are not retried at once
    Unauthorised,     // 401
    WipeOrdered,      // 403 with a wipe order over a trusted connection
    OutboxUnreadable, // the sealed outbox could not be read: nothing can be sent
    EnrolmentChanged, // outbox.db's hub, pins or sealing key differ from the enrolment
    Throttled,        // 503, 429 or 408: the hub or a proxy asked for a pause
    ServerError,      // 500, 502, 504: the hub or a proxy failed on this request
    UnexpectedStatus, // a status no hub sends (409, 507, 1xx, ...): something in between
    TooLarge,         // a one-record batch refused as too large by anything but the hub's receipt
    EntryParked,      // one entry kept failing alone: set aside, retried every 6 hours
    RepairMismatch,   // the store and the sealed outbox hold different hashes for one version
    RepairFailed,     // the store-to-outbox repair could not read or write
    OutboxWriteFailed,
    // Tampering with files beside the store, each found and undone:
    ForgedVerdict,  // a verdict with no hub-signed receipt for the store's own bytes: sealed again
    OutboxRepaired, // the outbox lost, or called decided, what the store waits for: sealed again
    EnrolmentRestored, // the outbox's enrolment differed from the store's copy: restored from it
};

// "forged_verdict", "enrolment_restored"...: for logs and JSON.
QString toKey(SyncFault fault);

// What the engine does with one answer to POST /v1/sync.
enum class ReplyKind
{
    Receipt,   // 2xx: the body must be this batch's receipt (ReceiptReader)
    WipeOrder, // 403: the body must be a wipe order from this hub, perhaps the receipt too
    Retry,     // nothing was stored: wait, then send the same entries again
    TooLarge,  // 413, or an upload cut part way: send fewer bytes
    Reenrol,   // 401: nothing more is sent until the device is enrolled again
    Refused,   // the hub called the request a bug (400, 404, 405, 415): the lane stops
};

// One finished exchange, as the transport saw it.
struct Reply
{
    TransportOutcome transport = TransportOutcome::NetworkError;
    int status = 0;           // when Answered
    QByteArray retryAfter;    // the raw Retry-After header; empty when absent
    QByteArray body;          // the answer's body
    qint64 requestBytes = 0;  // the batch body's size
    qint64 uploadedBytes = 0; // body bytes handed to the network
    qint64 nowMs = 0;         // for a Retry-After given as a date
};

struct ReplyAction
{
    ReplyKind kind = ReplyKind::Retry;
    // Reported with the status (faultReported); none for a receipt or a
    // plain network error.
    bool hasFault = false;
    SyncFault fault = SyncFault::UnexpectedStatus;
    // What the server asked to wait, in ms; -1 when it asked nothing or the
    // header could not be read (retryAfterMalformed).
    qint64 retryAfterMs = -1;
    bool retryAfterMalformed = false;
    // No HTTP answer at all: the network, not the hub, failed (the engine
    // probes /healthz and goes as soon as the network returns).
    bool noAnswer = false;
    // An answer that may be about these entries (a server error, an answer
    // no hub gives): counted against each entry, so one that keeps failing
    // alone is set aside. Pauses the hub asks for (503, 429) and network
    // errors say nothing about the entries and are never counted.
    bool countsAgainstEntries = false;
    // A 413's stated limits (0 where it stated none: a proxy).
    qint64 statedMaxBodyBytes = 0;
    int statedMaxBatchRecords = 0;
};

// The device's reply rules in one pure function: a transport outcome,
// status, headers and body in, what to do out. No network, no clock, no
// state: unit-tested for every status class (tst_replypolicy). The
// principle: only a receipt's per-record answer makes a final verdict on a
// record; every other answer keeps every entry pending.
class ReplyPolicy
{
public:
    static ReplyAction decide(const Reply &reply);

    // Retry-After in ms: delta-seconds or an HTTP-date (RFC 9110 10.2.3),
    // relative to nowMs; huge values are capped by the backoff, a date in
    // the past is 0. -1 when absent; -2 when present but unreadable.
    static qint64 retryAfterMs(const QByteArray &value, qint64 nowMs);
};

} // namespace safeguard::syncclient
