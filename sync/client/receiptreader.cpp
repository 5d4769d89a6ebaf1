#include "receiptreader.h"

#include <sodium.h>

namespace safeguard::syncclient {

namespace {

QString reasonsText(const v1::RecordResult &r)
{
    QStringList lines;
    for (const v1::RejectReason &reason : r.reasons()) {
        lines.append(QStringLiteral("%1: %2: %3")
                         .arg(QString::fromStdString(reason.path()),
                              QString::fromStdString(reason.code()),
                              QString::fromStdString(reason.message())));
    }
    return lines.join(QLatin1Char('\n'));
}

bool sameHash(const std::string &echoed, const QByteArray &sent)
{
    return echoed.size() == size_t(sent.size()) &&
           sodium_memcmp(echoed.data(), sent.constData(), echoed.size()) == 0;
}

ReceiptReading fail(ReceiptProblem p)
{
    ReceiptReading r;
    r.problem = p;
    return r;
}

ReceiptReading readParsed(const v1::SyncReceipt &receipt, const ReceiptReader::Expected &expected)
{
    if (QString::fromStdString(receipt.batch_id()) != expected.batchId)
        return fail(ReceiptProblem::BatchIdDiffers);
    if (QString::fromStdString(receipt.hub_id()) != expected.hubId)
        return fail(ReceiptProblem::HubIdDiffers);
    if (receipt.results_size() != expected.entries.size())
        return fail(ReceiptProblem::ResultCountDiffers);
    ReceiptReading out;
    out.results.reserve(expected.entries.size());
    for (int i = 0; i < receipt.results_size(); ++i) {
        const v1::RecordResult &r = receipt.results(i);
        const SealedEntry &e = expected.entries.at(i);
        if (QString::fromStdString(r.record_id()) != e.recordId || qint64(r.version()) != e.version)
            return fail(ReceiptProblem::ResultsOutOfOrder);
        if (!r.sha256().empty() && !sameHash(r.sha256(), e.sha256))
            return fail(ReceiptProblem::HashDiffers);
        EntryResult v{e.recordId, e.version, EntryState::Pending, {}};
        v.entryId = e.id;
        switch (r.result()) {
        case v1::RecordResult::RESULT_ACCEPTED:
        case v1::RecordResult::RESULT_DUPLICATE:
            v.state = EntryState::Acknowledged;
            break;
        case v1::RecordResult::RESULT_REJECTED:
            v.state = EntryState::NeedsCorrection;
            v.reasons = reasonsText(r);
            break;
        case v1::RecordResult::RESULT_CONFLICT:
            v.state = EntryState::Conflict;
            v.reasons = QStringLiteral(": conflict: The hub holds this version with another hash.");
            break;
        default:
            return fail(ReceiptProblem::UnknownResult);
        }
        out.results.append(v);
    }
    out.policy = receipt.policy();
    out.wipe = receipt.policy().wipe();
    return out;
}

} // namespace

QString toText(ReceiptProblem p)
{
    switch (p) {
    case ReceiptProblem::None:
        return QStringLiteral("a receipt");
    case ReceiptProblem::Undecodable:
        return QStringLiteral("undecodable");
    case ReceiptProblem::BatchIdDiffers:
        return QStringLiteral("batch id differs");
    case ReceiptProblem::HubIdDiffers:
        return QStringLiteral("hub id differs");
    case ReceiptProblem::ResultCountDiffers:
        return QStringLiteral("result count differs");
    case ReceiptProblem::ResultsOutOfOrder:
        return QStringLiteral("results out of order");
    case ReceiptProblem::UnknownResult:
        return QStringLiteral("unknown result");
    case ReceiptProblem::HashDiffers:
        return QStringLiteral("a result's hash differs from the bytes sent");
    case ReceiptProblem::NotAWipeOrder:
        return QStringLiteral("not a wipe order from this hub");
    }
    return {};
}

ReceiptReading ReceiptReader::read(const QByteArray &body, const Expected &expected)
{
    v1::SyncReceipt receipt;
    if (!receipt.ParseFromArray(body.constData(), int(body.size())))
        return fail(ReceiptProblem::Undecodable);
    return readParsed(receipt, expected);
}

ReceiptReading ReceiptReader::readWipeOrder(const QByteArray &body, const Expected &expected)
{
    v1::SyncReceipt receipt;
    if (!receipt.ParseFromArray(body.constData(), int(body.size())) || !receipt.policy().wipe() ||
        QString::fromStdString(receipt.hub_id()) != expected.hubId)
        return fail(ReceiptProblem::NotAWipeOrder);
    ReceiptReading out = readParsed(receipt, expected);
    out.wipe = true;
    out.policy = receipt.policy();
    if (!out.ok())
        out.results.clear();
    return out;
}

} // namespace safeguard::syncclient
