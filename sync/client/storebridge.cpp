#include "storebridge.h"

#include "receiptreader.h"
#include "wire/batchbuilder.h"
#include "wire/sealingsession.h"

#include <QLoggingCategory>
#include <QSet>
#include <limits>
#include <sodium.h>

Q_LOGGING_CATEGORY(lcBridge, "safeguard.sync.store")

namespace safeguard::syncclient {

StoreBridge::StoreBridge(Hooks hooks)
    : m_hooks(std::move(hooks))
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
    m_trusted.reset();
    if (m_session)
        m_session->end();
    m_session.reset();
}

SyncError StoreBridge::attach(RecordSource *store)
{
    if (store != m_store)
        detach(); // a session signs with its own store's key
    m_store = store;
    if (!store)
        return {};
    if (const SourceError e = store->trustedEnrolment(&m_trusted); !e.ok()) {
        m_trusted.reset();
        return {SyncErrorKind::Store, e.message};
    }
    return {};
}

SyncError StoreBridge::keepTrusted(const Enrolment &enrolment)
{
    if (!m_store)
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    if (const SourceError e = m_store->keepEnrolment(enrolment); !e.ok())
        return {SyncErrorKind::Store, e.message};
    m_trusted = enrolment;
    return {};
}

SyncError StoreBridge::devicePublicKey(QByteArray *out) const
{
    if (!m_store)
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    if (const SourceError e = m_store->devicePublicKey(out); !e.ok())
        return {SyncErrorKind::Store, e.message};
    return {};
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
    if (!m_trusted || !m_trusted->isValid())
        return {SyncErrorKind::NotEnrolled, QStringLiteral("not enrolled")};
    const Enrolment &t = *m_trusted;
    const qint64 now = m_hooks.clock->nowMs();
    if (m_session && m_session->hubPublicKey() == t.sealingPublicKey &&
        m_session->binding().deviceId == t.deviceId && m_session->binding().hubId == t.hubId &&
        !m_session->isDue(now))
        return {};
    if (m_session)
        m_session->end();
    m_session.reset();
    // The session's public key is signed once, with the device key that
    // only the encrypted store holds: the hub takes no seal it did not make.
    RecordSource *store = m_store;
    auto sign = [store](std::string_view statement) {
        QByteArray signature;
        if (!store->sign(statement, &signature).ok())
            return QByteArray();
        return signature;
    };
    auto session = std::make_unique<syncwire::SealingSession>(
        t.sealingPublicKey, syncwire::SealBinding{t.deviceId, t.hubId, sign}, now);
    if (!session->isOpen())
        return {SyncErrorKind::Sealing, session->error().message};
    m_session = std::move(session);
    return {};
}

SyncError StoreBridge::sealEntries(const QList<protocol::Submission> &subs,
                                   QList<SealedEntry> &entries)
{
    if (!m_trusted || !m_trusted->isValid())
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
        e.sessionSignature = QByteArray::fromStdString(env.session_signature());
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
    if (!m_trusted || !m_trusted->isValid())
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
    if (!isAttached() || !m_trusted || !m_trusted->isValid() || m_outbox->resealThrough() <= 0)
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
    if (!isAttached() || !m_trusted || !m_trusted->isValid())
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

namespace {

// The hub rejected the seal, not the officer's content: sealed afresh, the
// same bytes may well be taken (a session the hub could not check, bytes
// damaged on the device).
bool sealLevel(const SignedVerdict &v)
{
    if (v.state != EntryState::NeedsCorrection || v.codes.isEmpty())
        return false;
    for (const QString &code : v.codes)
        if (code != QLatin1String("bad_signature") && code != QLatin1String("unsealable") &&
            code != QLatin1String("hash_mismatch"))
            return false;
    return true;
}

} // namespace

int StoreBridge::requeueFromStore(const QList<std::pair<QString, int>> &versions, const char *why)
{
    if (versions.isEmpty())
        return 0;
    // Only what the store still waits for can be (and needs to be) sent
    // again; a version it decided or purged keeps its verdict.
    QList<protocol::Submission> pending;
    if (const SourceError e = m_store->pending(&pending); !e.ok()) {
        failed(e.message);
        return 0;
    }
    QHash<std::pair<QString, int>, qsizetype> waiting;
    for (qsizetype i = 0; i < pending.size(); ++i)
        waiting.insert({pending.at(i).recordId, pending.at(i).version}, i);
    QList<protocol::Submission> again;
    for (const auto &key : versions)
        if (auto it = waiting.constFind(key); it != waiting.constEnd())
            again.append(pending.at(*it));
    if (again.isEmpty())
        return 0;
    QList<SealedEntry> sealed;
    if (SyncError e = sealEntries(again, sealed); !e.ok()) {
        failed(e.message);
        return 0;
    }
    if (OutboxError oe = m_outbox->requeue(sealed, m_hooks.clock->nowMs()); !oe.ok()) {
        failed(oe.message);
        return 0;
    }
    qCWarning(lcBridge) << "sealed" << sealed.size() << "versions again:" << why;
    if (m_hooks.requeued)
        m_hooks.requeued();
    return int(sealed.size());
}

void StoreBridge::applyVerdicts()
{
    if (!isAttached() || !m_trusted || !m_trusted->isValid())
        return;
    const QList<UnappliedResult> verdicts = m_outbox->unapplied();
    if (verdicts.isEmpty())
        return;
    const Enrolment &t = *m_trusted;
    // Each receipt is checked once, against the store's copy of the hub's
    // key, however many verdicts it holds.
    using Checked = std::optional<QHash<std::pair<QString, int>, SignedVerdict>>;
    QHash<QByteArray, Checked> receipts;
    QList<UnappliedResult> believed;
    QList<UnappliedResult> settled; // nothing the store waits for hangs on these
    QList<std::pair<QString, int>> forged;
    QList<std::pair<QString, int>> resend;
    for (const UnappliedResult &v : verdicts) {
        if (v.beforeSignedReceipts) {
            // Decided before receipts were kept: the hub is asked again and
            // answers with a signed receipt (DUPLICATE or CONFLICT).
            resend.append({v.recordId, v.version});
            settled.append(v);
            continue;
        }
        auto it = receipts.find(v.receipt);
        if (it == receipts.end()) {
            Checked checked;
            if (const auto signedList = ReceiptReader::signedVerdicts(v.receipt, t.deviceId,
                                                                      t.hubId, t.hubSigningKey)) {
                checked.emplace();
                for (const SignedVerdict &sv : *signedList)
                    checked->insert({sv.recordId, sv.version}, sv);
            }
            it = receipts.insert(v.receipt, checked);
        }
        const std::pair<QString, int> key{v.recordId, v.version};
        const SignedVerdict *sv = nullptr;
        if (it->has_value())
            if (auto found = (*it)->constFind(key); found != (*it)->constEnd())
                sv = &*found;
        if (!sv) {
            forged.append(key);
            settled.append(v);
            continue;
        }
        if (sealLevel(*sv)) {
            int &tries = m_sealRetries[key];
            if (tries < kSealRetries) {
                ++tries;
                qCWarning(lcBridge)
                    << "record" << v.recordId << "version" << v.version << "rejected for its seal ("
                    << sv->codes.join(',') << "): sealed again, try" << tries;
                resend.append(key);
                continue;
            }
        }
        m_sealRetries.remove(key); // decided: its count of fresh seals is done
        UnappliedResult r = v;
        r.state = sv->state;
        r.reasons = sv->reasons;
        r.sha256 = sv->sha256;
        believed.append(r);
    }
    QList<std::pair<QString, int>> refused;
    if (!believed.isEmpty()) {
        if (const SourceError e = m_store->applyVerdicts(believed, &refused); !e.ok()) {
            qCWarning(lcBridge) << "could not apply" << believed.size() << "verdicts to the store";
            return;
        }
    }
    for (const auto &key : refused)
        forged.append(key); // signed, but for other bytes than the store's
    for (const auto &key : std::as_const(forged)) {
        qCCritical(lcBridge) << "record" << key.first << "version" << key.second
                             << "has a verdict in the sealed outbox that no receipt signed by "
                                "the hub backs for this store's bytes: sealed again";
        if (m_hooks.fault)
            m_hooks.fault(SyncFault::ForgedVerdict, key.first);
    }
    believed.append(settled);
    if (!believed.isEmpty())
        m_outbox->markApplied(believed);
    // After markApplied: a requeued entry is pending again and unapplied.
    requeueFromStore(forged + resend, "verdicts not believed or seals rejected");
}

int StoreBridge::reconcile(SyncError *error)
{
    if (!isAttached() || !m_trusted || !m_trusted->isValid())
        return 0;
    // A read failure is returned, not reported again: the repair that runs
    // beside this reports the store's failures (RepairFailed).
    QList<protocol::Submission> pending;
    if (const SourceError e = m_store->pending(&pending); !e.ok()) {
        if (error)
            *error = {SyncErrorKind::Store, e.message};
        return 0;
    }
    // Not yet handed over: the repair's (chunked) work, not this.
    QList<protocol::Submission> unhanded;
    if (const SourceError e = m_store->notHandedOver(std::numeric_limits<int>::max(), &unhanded);
        !e.ok()) {
        if (error)
            *error = {SyncErrorKind::Store, e.message};
        return 0;
    }
    QSet<std::pair<QString, int>> repairs;
    for (const protocol::Submission &o : std::as_const(unhanded))
        repairs.insert({o.recordId, o.version});
    OutboxError oe;
    const auto held = m_outbox->statuses(&oe);
    if (!oe.ok()) {
        if (error)
            *error = {SyncErrorKind::Outbox, oe.message};
        return 0;
    }
    QList<std::pair<QString, int>> lost;
    for (const protocol::Submission &o : std::as_const(pending)) {
        if (repairs.contains({o.recordId, o.version}))
            continue;
        const auto it = held.constFind({o.recordId, o.version});
        const std::optional<SealedOutbox::EntryStatus> status =
            it == held.constEnd() ? std::nullopt : std::optional(*it);
        // Missing; decided and taken by the store (yet the store still
        // waits: the outbox was edited); or waiting with other bytes than
        // the store's. An unapplied verdict was just looked at.
        const bool sameBytes = status && status->sha256.size() == o.sha256.size() &&
                               sodium_memcmp(status->sha256.constData(), o.sha256.constData(),
                                             size_t(o.sha256.size())) == 0;
        if (!status || !sameBytes || (status->state != EntryState::Pending && status->applied))
            lost.append({o.recordId, o.version});
    }
    if (lost.isEmpty())
        return 0;
    qCCritical(lcBridge) << lost.size()
                         << "versions the store waits for were lost or misstated in the sealed "
                            "outbox";
    if (m_hooks.fault)
        m_hooks.fault(SyncFault::OutboxRepaired, QString::number(lost.size()));
    return requeueFromStore(lost, "the outbox lost or misstated them");
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
