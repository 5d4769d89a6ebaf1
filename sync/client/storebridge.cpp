#include "storebridge.h"

#include "wire/batchbuilder.h"
#include "wire/sealingsession.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcBridge, "safeguard.sync.store")

namespace safeguard::syncclient {

StoreBridge::StoreBridge(const Enrolment &enrolment, Hooks hooks)
    : m_enrolment(enrolment)
    , m_hooks(std::move(hooks))
{
    Q_ASSERT(m_hooks.clock);
}

StoreBridge::~StoreBridge()
{
    detach();
}

void StoreBridge::detach()
{
    m_store = nullptr;
    if (m_session)
        m_session->end();
    m_session.reset();
}

void StoreBridge::failed(const QString &message) const
{
    qCWarning(lcBridge) << "repair failed:" << message;
    if (m_hooks.fault)
        m_hooks.fault(SyncFault::RepairFailed, message);
}

qint64 StoreBridge::retentionCutoffMs() const
{
    return m_hooks.clock->nowMs() - qint64(m_outbox->retentionHours()) * 3600 * 1000;
}

SyncError StoreBridge::ensureSession()
{
    if (!m_store)
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    const qint64 now = m_hooks.clock->nowMs();
    if (m_session && m_session->hubPublicKey() == m_enrolment.sealingPublicKey &&
        m_session->binding().deviceId == m_enrolment.deviceId &&
        m_session->binding().hubId == m_enrolment.hubId && !m_session->isDue(now))
        return {};
    if (m_session)
        m_session->end();
    m_session.reset();
    auto session = std::make_unique<syncwire::SealingSession>(
        m_enrolment.sealingPublicKey,
        syncwire::SealBinding{m_enrolment.deviceId, m_enrolment.hubId}, now);
    if (!session->isOpen())
        return {SyncErrorKind::Sealing, session->error().message};
    m_session = std::move(session);
    return {};
}

SyncError StoreBridge::sealEntries(const QList<protocol::Submission> &subs,
                                   QList<SealedEntry> &entries)
{
    if (!m_enrolment.isValid())
        return {SyncErrorKind::NotEnrolled, QStringLiteral("not enrolled")};
    entries.reserve(entries.size() + subs.size());
    for (const protocol::Submission &s : subs) {
        QByteArray bytes;
        if (const SourceError e = m_store->submittedBytes(s.recordId, s.version, &bytes); !e.ok())
            return {SyncErrorKind::Store, e.message};
        const v1::Priority priority = s.urgent ? v1::PRIORITY_URGENT : v1::PRIORITY_NORMAL;
        // Always the session scheme: hubs no longer open crypto_box_seal,
        // which binds a sealed record to nothing.
        if (SyncError e = ensureSession(); !e.ok())
            return e;
        syncwire::BatchBuilder sealer(*m_session);
        syncwire::SealingError sealingError;
        const v1::RecordEnvelope env =
            sealer.seal(s.recordId, quint32(s.version), priority, bytes, &sealingError);
        if (!sealingError.ok())
            return {SyncErrorKind::Sealing, sealingError.message};
        SealedEntry e;
        e.recordId = s.recordId;
        e.version = s.version;
        e.urgent = s.urgent;
        e.sha256 = QByteArray::fromStdString(env.sha256());
        e.size = bytes.size();
        e.sealed = QByteArray::fromStdString(env.sealed());
        e.scheme = env.seal_scheme();
        entries.append(std::move(e));
    }
    return {};
}

SyncError StoreBridge::sealAndAdd(const QList<protocol::Submission> &subs, int *inserted)
{
    QList<SealedEntry> entries;
    if (SyncError e = sealEntries(subs, entries); !e.ok())
        return e;
    if (OutboxError oe = m_outbox->add(entries, m_hooks.clock->nowMs(), inserted); !oe.ok())
        return {SyncErrorKind::Outbox, oe.message};
    return {};
}

SyncError StoreBridge::submit(const protocol::Submission &submission, int *inserted)
{
    if (!isAttached())
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    if (!m_enrolment.isValid())
        return {SyncErrorKind::NotEnrolled, QStringLiteral("not enrolled; sealed at enrolment")};
    if (SyncError e = sealAndAdd({submission}, inserted); !e.ok())
        return e;
    // The repair need not look at it again; if this write is lost, the
    // repair finds the entry in the outbox with the same hash.
    if (const SourceError e = m_store->markHandedOver({{submission.recordId, submission.version}});
        !e.ok())
        qCWarning(lcBridge) << "could not note a hand-over:" << e.message;
    return {};
}

SyncError StoreBridge::resealForNewEnrolment()
{
    if (!isAttached() || !m_enrolment.isValid() || m_outbox->resealThrough() <= 0)
        return {};
    // Entries the store no longer holds go as they are.
    QList<protocol::Submission> pending;
    if (const SourceError e = m_store->pending(&pending); !e.ok()) {
        failed(e.message);
        return {SyncErrorKind::Store, e.message};
    }
    QList<protocol::Submission> held;
    for (const protocol::Submission &o : pending)
        if (m_outbox->contains(o.recordId, o.version))
            held.append(o);
    QList<SealedEntry> resealed;
    if (SyncError e = sealEntries(held, resealed); !e.ok())
        return e;
    if (OutboxError oe = m_outbox->resealed(resealed); !oe.ok()) {
        failed(oe.message);
        return {SyncErrorKind::Outbox, oe.message};
    }
    qCInfo(lcBridge) << "sealed" << resealed.size() << "entries again for the new enrolment";
    return {};
}

StoreBridge::RepairStep StoreBridge::repairStep(int limit)
{
    RepairStep step;
    if (!isAttached() || !m_enrolment.isValid())
        return step;
    // Only what the store has not seen handed over: a crash between the
    // store's commit and the outbox's, or entries from before the flag.
    QList<protocol::Submission> chunk;
    if (const SourceError e = m_store->notHandedOver(limit, &chunk); !e.ok()) {
        failed(e.message);
        step.error = {SyncErrorKind::Store, e.message};
        return step;
    }
    if (chunk.isEmpty())
        return step;
    QList<protocol::Submission> missing;
    QList<std::pair<QString, int>> handed;
    for (const protocol::Submission &o : chunk) {
        const std::optional<QByteArray> held = m_outbox->sha256Of(o.recordId, o.version);
        if (!held) {
            missing.append(o);
        } else if (*held != o.sha256) {
            // Two different copies of one version: the hub would take
            // whichever arrives. Loud; the officer's store is not changed.
            qCCritical(lcBridge) << "record" << o.recordId << "version" << o.version
                                 << "differs between the store and the sealed outbox";
            if (m_hooks.fault)
                m_hooks.fault(SyncFault::RepairMismatch, o.recordId);
        }
        handed.append({o.recordId, o.version});
    }
    if (!missing.isEmpty()) {
        if (SyncError e = sealAndAdd(missing); !e.ok()) {
            failed(e.message);
            step.error = e;
            return step;
        }
        step.sealed = int(missing.size());
    }
    if (const SourceError e = m_store->markHandedOver(handed); !e.ok()) {
        failed(e.message);
        step.error = {SyncErrorKind::Store, e.message};
        return step;
    }
    if (step.sealed > 0)
        qCInfo(lcBridge) << "sealed" << step.sealed << "submissions the outbox lacked";
    step.more = chunk.size() >= limit;
    return step;
}

SyncError StoreBridge::repairAll()
{
    if (SyncError e = resealForNewEnrolment(); !e.ok())
        return e;
    for (;;) {
        const RepairStep step = repairStep();
        if (!step.error.ok())
            return step.error;
        if (!step.more)
            return {};
    }
}

void StoreBridge::applyVerdicts()
{
    if (!isAttached())
        return;
    const QList<UnappliedResult> verdicts = m_outbox->unapplied();
    if (verdicts.isEmpty())
        return;
    if (const SourceError e = m_store->applyVerdicts(verdicts); !e.ok()) {
        qCWarning(lcBridge) << "could not apply" << verdicts.size() << "verdicts to the store";
        return;
    }
    m_outbox->markApplied(verdicts);
}

int StoreBridge::purgeExpired(SyncError *error)
{
    if (!isAttached())
        return 0;
    int purged = 0;
    for (const QString &id : m_outbox->purgeableBefore(retentionCutoffMs())) {
        RecordSource::Purge outcome = RecordSource::Purge::NotYet;
        if (const SourceError e = m_store->purge(id, &outcome); !e.ok()) {
            if (error)
                *error = {SyncErrorKind::Store, e.message};
            continue;
        }
        // NotYet: a newer version is still on its way; purge later.
        if (outcome != RecordSource::Purge::NotYet) {
            m_outbox->markPurged(id);
            purged += outcome == RecordSource::Purge::Purged ? 1 : 0;
        }
    }
    if (purged > 0)
        qCInfo(lcBridge) << "purged" << purged << "acknowledged records past retention";
    return purged;
}

void StoreBridge::compact()
{
    if (!m_outbox)
        return;
    const qint64 cutoff = retentionCutoffMs();
    const qint64 before =
        m_hooks.compactBefore ? std::min(cutoff, m_hooks.compactBefore()) : cutoff;
    OutboxError error;
    const int removed = m_outbox->compact(before, &error);
    if (!error.ok())
        qCWarning(lcBridge) << "outbox compaction failed:" << error.message;
    if (removed > 0)
        qCInfo(lcBridge) << "compacted" << removed << "final entries";
}

} // namespace safeguard::syncclient
