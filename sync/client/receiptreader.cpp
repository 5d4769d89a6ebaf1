#include "receiptreader.h"

#include "wire/signing.h"

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

// A result's state and reasons; nullopt for a result this build does not know.
std::optional<std::pair<EntryState, QString>> verdictOf(const v1::RecordResult &r)
{
    switch (r.result()) {
    case v1::RecordResult::RESULT_ACCEPTED:
    case v1::RecordResult::RESULT_DUPLICATE:
        return std::pair{EntryState::Acknowledged, QString()};
    case v1::RecordResult::RESULT_REJECTED:
        return std::pair{EntryState::NeedsCorrection, reasonsText(r)};
    case v1::RecordResult::RESULT_CONFLICT:
        return std::pair{
            EntryState::Conflict,
            QStringLiteral(": conflict: The hub holds this version with another hash.")};
    default:
        return std::nullopt;
    }
}

ReceiptReading readParsed(const v1::SyncReceipt &receipt, const ReceiptReader::Expected &expected)
{
    if (QString::fromStdString(receipt.batch_id()) != expected.batchId)
        return fail(ReceiptProblem::BatchIdDiffers);
    if (QString::fromStdString(receipt.hub_id()) != expected.hubId)
        return fail(ReceiptProblem::HubIdDiffers);
    // One Ed25519 check per receipt, with the hub key from the enrolment.
    if (!syncwire::signing::verifyReceipt(receipt, expected.deviceId.toStdString(),
                                          expected.hubSigningKey))
        return fail(ReceiptProblem::BadSignature);
    if (receipt.results_size() != expected.entries.size())
        return fail(ReceiptProblem::ResultCountDiffers);
    ReceiptReading out;
    out.results.reserve(expected.entries.size());
    for (int i = 0; i < receipt.results_size(); ++i) {
        const v1::RecordResult &r = receipt.results(i);
        const SealedEntry &e = expected.entries.at(i);
        if (QString::fromStdString(r.record_id()) != e.recordId || qint64(r.version()) != e.version)
            return fail(ReceiptProblem::ResultsOutOfOrder);
        // The echo is required: the store later believes a verdict only for
        // the bytes it holds, which the signed echo names.
        if (!sameHash(r.sha256(), e.sha256))
            return fail(ReceiptProblem::HashDiffers);
        const auto verdict = verdictOf(r);
        if (!verdict)
            return fail(ReceiptProblem::UnknownResult);
        EntryResult v{e.recordId, e.version, verdict->first, verdict->second};
        v.entryId = e.id;
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
    case ReceiptProblem::BadSignature:
        return QStringLiteral("not signed by this hub's receipt key");
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
    // Signed by the hub's receipt key for this device, as every receipt:
    // pinned TLS alone does not order a wipe.
    if (!receipt.ParseFromArray(body.constData(), int(body.size())) || !receipt.policy().wipe() ||
        QString::fromStdString(receipt.hub_id()) != expected.hubId ||
        !syncwire::signing::verifyReceipt(receipt, expected.deviceId.toStdString(),
                                          expected.hubSigningKey))
        return fail(ReceiptProblem::NotAWipeOrder);
    ReceiptReading out = readParsed(receipt, expected);
    out.wipe = true;
    out.policy = receipt.policy();
    if (!out.ok())
        out.results.clear();
    return out;
}

std::optional<QList<SignedVerdict>> ReceiptReader::signedVerdicts(const QByteArray &body,
                                                                  const QString &deviceId,
                                                                  const QString &hubId,
                                                                  const QByteArray &hubSigningKey)
{
    v1::SyncReceipt receipt;
    if (body.isEmpty() || !receipt.ParseFromArray(body.constData(), int(body.size())) ||
        QString::fromStdString(receipt.hub_id()) != hubId ||
        !syncwire::signing::verifyReceipt(receipt, deviceId.toStdString(), hubSigningKey))
        return std::nullopt;
    QList<SignedVerdict> out;
    out.reserve(receipt.results_size());
    for (const v1::RecordResult &r : receipt.results()) {
        const auto verdict = verdictOf(r);
        if (!verdict)
            continue;
        SignedVerdict v;
        v.recordId = QString::fromStdString(r.record_id());
        v.version = int(std::min<quint32>(r.version(), quint32(INT32_MAX)));
        v.state = verdict->first;
        v.reasons = verdict->second;
        v.sha256 = QByteArray::fromStdString(r.sha256());
        for (const v1::RejectReason &reason : r.reasons())
            v.codes.append(QString::fromStdString(reason.code()));
        out.append(std::move(v));
    }
    return out;
}

} // namespace safeguard::syncclient
