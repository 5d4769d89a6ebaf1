#include "storerecordsource.h"

#include "recordstore.h"

#include <sodium.h>

namespace safeguard::store {

namespace {

QList<protocol::Submission> submissionsOf(const QList<OutboxEntry> &rows)
{
    QList<protocol::Submission> out;
    out.reserve(rows.size());
    for (const OutboxEntry &o : rows) {
        protocol::Submission s;
        s.recordId = o.recordId;
        s.version = o.version;
        s.urgent = o.urgent;
        s.sha256 = o.sha256;
        s.size = o.size;
        out.append(s);
    }
    return out;
}

syncclient::SourceError fromStore(const StoreError &e)
{
    return e.ok() ? syncclient::SourceError{} : syncclient::SourceError{e.message};
}

} // namespace

syncclient::SourceError StoreRecordSource::notHandedOver(int limit,
                                                         QList<protocol::Submission> *out)
{
    auto rows = m_store.pendingNotHandedOver(limit);
    if (!rows)
        return {rows.error().message};
    *out = submissionsOf(rows.value());
    return {};
}

syncclient::SourceError StoreRecordSource::pending(QList<protocol::Submission> *out)
{
    auto rows = m_store.pendingOutbox(-1);
    if (!rows)
        return {rows.error().message};
    *out = submissionsOf(rows.value());
    return {};
}

syncclient::SourceError
StoreRecordSource::markHandedOver(const QList<std::pair<QString, int>> &versions)
{
    return fromStore(m_store.markHandedOver(versions));
}

syncclient::SourceError StoreRecordSource::submittedBytes(const QString &recordId, int version,
                                                          QByteArray *out)
{
    auto bytes = m_store.submittedBytes(recordId, version);
    if (!bytes)
        return {bytes.error().message};
    *out = bytes.value();
    return {};
}

syncclient::SourceError
StoreRecordSource::applyVerdicts(const QList<syncclient::UnappliedResult> &verdicts,
                                 QList<std::pair<QString, int>> *refused)
{
    using syncclient::EntryState;
    QList<OutboxOutcome> outcomes;
    outcomes.reserve(verdicts.size());
    for (const syncclient::UnappliedResult &v : verdicts) {
        // Only for the bytes this store holds for a version still waiting.
        auto own = m_store.queuedSha256(v.recordId, v.version);
        if (!own) {
            if (own.error().kind == StoreErrorKind::NotFound)
                continue; // decided before, purged, or never here
            return {own.error().message};
        }
        if (own.value().size() != v.sha256.size() ||
            sodium_memcmp(own.value().constData(), v.sha256.constData(), size_t(v.sha256.size())) !=
                0) {
            if (refused)
                refused->append({v.recordId, v.version});
            continue;
        }
        OutboxOutcome o;
        o.recordId = v.recordId;
        o.version = v.version;
        if (v.state == EntryState::Acknowledged) {
            o.kind = OutboxOutcome::Kind::Acknowledged;
        } else if (v.state == EntryState::NeedsCorrection) {
            o.kind = OutboxOutcome::Kind::NeedsCorrection;
            o.reason = v.reasons;
        } else if (v.state == EntryState::Conflict) {
            // A fault for the hub's staff, not the officer's to fix; but no
            // longer waiting to send either.
            o.kind = OutboxOutcome::Kind::HeldAtHub;
            o.reason = v.reasons;
        } else {
            continue;
        }
        outcomes.append(o);
    }
    return fromStore(m_store.applyOutcomes(outcomes));
}

syncclient::SourceError StoreRecordSource::purge(const QString &recordId, Purge *outcome)
{
    const StoreError e = m_store.purge(recordId);
    if (e.ok()) {
        *outcome = Purge::Purged;
        return {};
    }
    if (e.kind == StoreErrorKind::NotFound) {
        *outcome = Purge::Gone;
        return {};
    }
    if (e.kind == StoreErrorKind::WrongState) {
        *outcome = Purge::NotYet;
        return {};
    }
    return {e.message};
}

syncclient::SourceError StoreRecordSource::devicePublicKey(QByteArray *out)
{
    auto key = m_store.deviceSigningPublicKey();
    if (!key)
        return {key.error().message};
    *out = key.value();
    return {};
}

syncclient::SourceError StoreRecordSource::sign(std::string_view statement, QByteArray *signature)
{
    auto s = m_store.signWithDeviceKey(statement);
    if (!s)
        return {s.error().message};
    *signature = s.value();
    return {};
}

syncclient::SourceError
StoreRecordSource::trustedEnrolment(std::optional<syncclient::Enrolment> *out)
{
    auto stored = m_store.enrolment();
    if (!stored)
        return {stored.error().message};
    out->reset();
    if (const auto &e = stored.value()) {
        syncclient::Enrolment t;
        t.hubUrl = e->hubUrl;
        t.hubId = e->hubId;
        t.deviceId = e->deviceId;
        t.officerId = e->officerId;
        t.tlsPin = e->tlsPin;
        t.backupPin = e->backupPin;
        t.sealingPublicKey = e->sealingPublicKey;
        t.hubSigningKey = e->hubSigningKey;
        *out = t;
    }
    return {};
}

syncclient::SourceError StoreRecordSource::keepEnrolment(const syncclient::Enrolment &e)
{
    return fromStore(m_store.keepEnrolment({e.hubUrl, e.hubId, e.deviceId, e.officerId, e.tlsPin,
                                            e.backupPin, e.sealingPublicKey, e.hubSigningKey}));
}

} // namespace safeguard::store
