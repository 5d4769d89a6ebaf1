#include "storerecordsource.h"

#include "recordstore.h"

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
StoreRecordSource::applyVerdicts(const QList<syncclient::UnappliedResult> &verdicts)
{
    using syncclient::EntryState;
    QList<OutboxOutcome> outcomes;
    outcomes.reserve(verdicts.size());
    for (const syncclient::UnappliedResult &v : verdicts) {
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

} // namespace safeguard::store
