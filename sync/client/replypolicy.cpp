#include "replypolicy.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <limits>

namespace safeguard::syncclient {

namespace {

// A 413's JSON is a few dozen bytes; a larger body is a proxy's page.
constexpr qsizetype kMaxRefusalJson = 4096;

ReplyAction fault(ReplyKind kind, SyncFault f, bool countsAgainstEntries = false)
{
    ReplyAction a;
    a.kind = kind;
    a.hasFault = true;
    a.fault = f;
    a.countsAgainstEntries = countsAgainstEntries;
    return a;
}

void statedLimits(const QByteArray &body, ReplyAction &a)
{
    if (body.size() > kMaxRefusalJson)
        return;
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    const qint64 bytes = o.value(QStringLiteral("max_body_bytes")).toInteger();
    const qint64 records = o.value(QStringLiteral("max_batch_records")).toInteger();
    a.statedMaxBodyBytes = bytes > 0 ? bytes : 0;
    a.statedMaxBatchRecords =
        records > 0 ? int(std::min<qint64>(records, std::numeric_limits<int>::max())) : 0;
}

} // namespace

qint64 ReplyPolicy::retryAfterMs(const QByteArray &raw, qint64 nowMs)
{
    const QByteArray value = raw.trimmed();
    if (value.isEmpty())
        return raw.isNull() ? -1 : -2;
    bool digits = true;
    for (char c : value)
        digits = digits && c >= '0' && c <= '9';
    if (digits) {
        // More digits than any wait worth honouring: the cap applies.
        if (value.size() > 9)
            return qint64(999999999) * 1000;
        return value.toLongLong() * 1000;
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), which Qt 6.4 reads as
    // RFC 2822 once the zone is numeric.
    QString text = QString::fromLatin1(value);
    if (text.endsWith(QLatin1String(" GMT")))
        text = text.chopped(4) + QLatin1String(" +0000");
    const QDateTime at = QDateTime::fromString(text, Qt::RFC2822Date);
    if (!at.isValid())
        return -2;
    return std::max<qint64>(0, at.toMSecsSinceEpoch() - nowMs);
}

ReplyAction ReplyPolicy::decide(const Reply &reply)
{
    switch (reply.transport) {
    case TransportOutcome::PinMismatch:
        return fault(ReplyKind::Retry, SyncFault::PinMismatch);
    case TransportOutcome::Refused:
        // Plain HTTP off loopback: nothing was attempted, and nothing would be.
        return fault(ReplyKind::Refused, SyncFault::ClientBug);
    case TransportOutcome::NetworkError: {
        ReplyAction a;
        a.noAnswer = true;
        // The hub answers an oversized body with a readable 413, but a proxy
        // with a smaller body limit may cut the upload instead. Only a
        // connection lost part way through the upload says so (offline or
        // refused sends nothing; a timeout comes after the whole body).
        a.kind = reply.uploadedBytes > 0 && reply.uploadedBytes < reply.requestBytes
                     ? ReplyKind::TooLarge
                     : ReplyKind::Retry;
        return a;
    }
    case TransportOutcome::Answered:
        break;
    }

    const int status = reply.status;
    ReplyAction a;
    if (status >= 200 && status < 300) {
        a.kind = ReplyKind::Receipt;
        return a;
    }
    if (status >= 300 && status < 400)
        return fault(ReplyKind::Retry, SyncFault::Redirect);
    switch (status) {
    case 401:
        return fault(ReplyKind::Reenrol, SyncFault::Unauthorised);
    case 403:
        a.kind = ReplyKind::WipeOrder;
        return a;
    case 413:
        // No fault here: the engine reports TooLarge only when one record is refused.
        a.kind = ReplyKind::TooLarge;
        statedLimits(reply.body, a);
        return a;
    case 400:
    case 404:
    case 405:
    case 415:
        return fault(ReplyKind::Refused, SyncFault::ClientBug);
    case 408:
    case 429:
    case 503:
        a = fault(ReplyKind::Retry, SyncFault::Throttled);
        break;
    case 500:
    case 502:
    case 504:
        a = fault(ReplyKind::Retry, SyncFault::ServerError, true);
        break;
    default:
        // 1xx, 409, 410, 422, 507, 6xx...: no hub answers a sync so; whatever
        // is in between may have seen these bytes. Wait and try again.
        a = fault(ReplyKind::Retry, SyncFault::UnexpectedStatus, true);
        break;
    }
    const qint64 wait = retryAfterMs(reply.retryAfter, reply.nowMs);
    a.retryAfterMs = wait >= 0 ? wait : -1;
    a.retryAfterMalformed = wait == -2;
    return a;
}

QString toKey(SyncFault fault)
{
    switch (fault) {
    case SyncFault::Conflict:
        return QStringLiteral("conflict");
    case SyncFault::Redirect:
        return QStringLiteral("redirect");
    case SyncFault::NotAReceipt:
        return QStringLiteral("not_a_receipt");
    case SyncFault::PinMismatch:
        return QStringLiteral("pin_mismatch");
    case SyncFault::ClientBug:
        return QStringLiteral("client_bug");
    case SyncFault::Unauthorised:
        return QStringLiteral("unauthorised");
    case SyncFault::WipeOrdered:
        return QStringLiteral("wipe_ordered");
    case SyncFault::OutboxUnreadable:
        return QStringLiteral("outbox_unreadable");
    case SyncFault::EnrolmentChanged:
        return QStringLiteral("enrolment_changed");
    case SyncFault::Throttled:
        return QStringLiteral("throttled");
    case SyncFault::ServerError:
        return QStringLiteral("server_error");
    case SyncFault::UnexpectedStatus:
        return QStringLiteral("unexpected_status");
    case SyncFault::TooLarge:
        return QStringLiteral("too_large");
    case SyncFault::EntryParked:
        return QStringLiteral("entry_parked");
    case SyncFault::RepairMismatch:
        return QStringLiteral("repair_mismatch");
    case SyncFault::RepairFailed:
        return QStringLiteral("repair_failed");
    case SyncFault::OutboxWriteFailed:
        return QStringLiteral("outbox_write_failed");
    case SyncFault::ForgedVerdict:
        return QStringLiteral("forged_verdict");
    case SyncFault::OutboxRepaired:
        return QStringLiteral("outbox_repaired");
    case SyncFault::EnrolmentRestored:
        return QStringLiteral("enrolment_restored");
    }
    return QStringLiteral("unknown");
}

} // namespace safeguard::syncclient
