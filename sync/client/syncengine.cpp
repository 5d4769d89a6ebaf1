#include "syncengine.h"

#include "connectivity/connectivity.h"
#include "keystore/credentialstore.h"
#include "receiptreader.h"
#include "syncbatchbody.h"
#include "wire/batchbuilder.h"
#include "wire/enrolmentcode.h"
#include "wire/sealingsession.h"
#include "wire/signing.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>

Q_LOGGING_CATEGORY(lcSync, "safeguard.sync")

namespace safeguard::syncclient {

namespace {

const char *laneName(const SyncLane &lane)
{
    return lane.urgent() ? "urgent" : "normal";
}

} // namespace

SyncEngine::SyncEngine(QString deviceDir, Dependencies deps, QObject *parent)
    : SyncEngine(std::move(deviceDir), std::move(deps), Options{}, parent)
{}

SyncEngine::SyncEngine(QString deviceDir, Dependencies deps, Options options, QObject *parent)
    : QObject(parent)
    , m_dir(std::move(deviceDir))
    , m_deps(std::move(deps))
    , m_options(std::move(options))
    , m_urgent(true, m_options.urgentRequestsInFlight, m_options.maxBatchRecords)
    , m_normal(false, m_options.normalRequestsInFlight, m_options.maxBatchRecords)
    , m_bridge(StoreBridge::Hooks{
          m_deps.clock, m_deps.compactBefore,
          [this](SyncFault fault, const QString &detail) { emit faultReported(fault, detail); },
          [this] {
              // Old entries pending again: the lanes'
              // cursors are past them.
              m_urgent.rewind();
              m_normal.rewind();
              refreshCounts();
          }})
{
    Q_ASSERT(m_deps.clock && m_deps.credentials);
    if (!m_deps.random)
        m_deps.random = systemRandomSource();

    m_wakeTimer.setSingleShot(true);
    m_repairTimer.setSingleShot(true);
    connect(&m_repairTimer, &QTimer::timeout, this, [this] {
        repairStep();
        pump();
    });
    connect(&m_wakeTimer, &QTimer::timeout, this, &SyncEngine::wake);
    m_periodicTimer.setInterval(m_options.periodicSyncMs);
    connect(&m_periodicTimer, &QTimer::timeout, this, &SyncEngine::periodic);
    m_probeTimer.setInterval(m_options.healthProbeMs);
    connect(&m_probeTimer, &QTimer::timeout, this, &SyncEngine::probeHealth);
    if (m_deps.connectivity)
        connect(m_deps.connectivity, &platform::Connectivity::reachabilityChanged, this,
                &SyncEngine::onConnectivity);
}

SyncEngine::~SyncEngine() = default;

SyncError SyncEngine::load()
{
    if (!m_outbox) {
        OutboxError e;
        m_outbox = SealedOutbox::open(m_dir, &e);
        if (!m_outbox)
            return {SyncErrorKind::Outbox, e.message};
        m_hubLimits = m_outbox->hubLimits();
        m_bridge.setOutbox(m_outbox.get());
        // Earlier builds never copied a conflict into the store, leaving the
        // record "waiting to send" for ever: copy them at the next unlock.
        m_outbox->reapplyConflictsOnce();
        refreshCounts();
        emit lastSuccessfulSyncChanged();
    }
    if (isEnrolled())
        return {};
    if (auto enrolment = m_outbox->enrolment()) {
        // Enrolled before: the credential must be read again. The platform
        // key store may not be ready at start (a Secret Service that comes
        // up late), so this is retried on every trigger until it answers.
        const EnrolmentClient::Restored restored =
            EnrolmentClient::restore(*enrolment, *m_deps.credentials);
        if (restored.error.kind == SyncErrorKind::EnrolmentChanged) {
            if (!m_enrolmentChangedReported) {
                m_enrolmentChangedReported = true;
                qCCritical(lcSync) << "outbox.db names another hub, pins or sealing key than "
                                      "this device enrolled with: nothing is sent";
                emit faultReported(SyncFault::EnrolmentChanged, QString());
            }
            halt(State::Error);
            return restored.error;
        }
        if (!restored.error.ok())
            return restored.error;
        m_enrolmentChangedReported = false;
        if (m_stop == State::Error)
            m_stop = State::Idle;
        m_enrolment = *enrolment;
        m_credential = restored.credential;
        // A wipe order already carried out before a restart: drain what is
        // left, then stay revoked; the store is gone, so no second wipe.
        m_wiped = m_outbox->wipeOrdered();
        ensureConnection();
        emit enrolledChanged();
        return {};
    }
    return {SyncErrorKind::NotEnrolled, QStringLiteral("not enrolled")};
}

SyncError SyncEngine::start()
{
    const SyncError e = load();
    refreshCounts();
    if (!e.ok() && e.kind != SyncErrorKind::NotEnrolled)
        return e;
    m_periodicTimer.start();
    if (e.ok())
        checkIn();
    pump();
    return e;
}

void SyncEngine::ensureConnection()
{
    if (m_connection) {
        // Re-enrolled while requests were out: they belong to the old
        // connection and will never be answered here. Forget them (their
        // entries are still pending and go again; the hub is idempotent),
        // or the lanes would count them in flight for ever.
        for (QNetworkReply *reply : m_connection->findChildren<QNetworkReply *>()) {
            reply->disconnect(this);
            reply->abort();
        }
        for (SyncLane *lane : {&m_urgent, &m_normal})
            lane->forgetInFlight();
        m_probing = false;
        m_checkingIn = false; // its answer will never arrive here either
        settle();
    }
    HubEndpoint endpoint{
        QUrl(m_enrolment.hubUrl), m_enrolment.hubId, {m_enrolment.tlsPin, m_enrolment.backupPin}};
    m_connection = std::make_unique<HubConnection>(endpoint, m_deps.networkAccess,
                                                   m_options.transferTimeoutMs);
}

QDateTime SyncEngine::lastSuccessfulSync() const
{
    const qint64 ms = m_outbox ? m_outbox->lastSuccessfulSyncMs() : 0;
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime();
}

QByteArray SyncEngine::authorization() const
{
    return "Bearer " + m_enrolment.deviceId.toLatin1() + '.' + m_credential;
}

QList<std::pair<SyncEngine::State, SyncEngine::State>> SyncEngine::allowedTransitions()
{
    using S = State;
    // Built once: setState() consults it on every change.
    static const QList<std::pair<State, State>> edges = {
        // Work arrives or the network goes.
        {S::Idle, S::Sending},
        {S::Idle, S::WaitingForNetwork},
        {S::WaitingForNetwork, S::Idle},
        // The network returns: what is due goes at once, or a lane is still
        // waiting out its backoff.
        {S::WaitingForNetwork, S::Sending},
        {S::WaitingForNetwork, S::BackingOff},
        // A request's answer.
        {S::Sending, S::Idle},
        {S::Sending, S::BackingOff},
        {S::Sending, S::ReenrolmentNeeded},
        {S::Sending, S::Revoked},
        {S::Sending, S::Error},
        // Waiting out a failure: the timer, the officer's "sync now", or
        // the network going while waiting.
        {S::BackingOff, S::Sending},
        {S::BackingOff, S::Idle},
        {S::BackingOff, S::WaitingForNetwork},
        // Nothing could be sent: the hub's address is not allowed (plain
        // HTTP off loopback), an error before any request; or the outbox
        // could not be read, backed off and tried again.
        {S::Idle, S::Error},
        {S::Idle, S::BackingOff},
        // A wiped device whose sealed outbox is empty: nothing will ever
        // be sent again.
        {S::Idle, S::Revoked},
        // A lane halted in Error tries again (every errorRetryMs), or the
        // other lane sends.
        {S::Error, S::Sending},
        // Recovery: a new enrolment (also after a wipe: "set up again"),
        // or "sync now" after an error.
        {S::ReenrolmentNeeded, S::Idle},
        {S::Revoked, S::Idle},
        {S::Error, S::Idle},
    };
    return edges;
}

bool SyncEngine::isAllowedTransition(State from, State to)
{
    return allowedTransitions().contains(std::pair{from, to});
}

void SyncEngine::setState(State s)
{
    if (m_state == s)
        return;
    if (!isAllowedTransition(m_state, s)) {
        ++m_stats.illegalTransitions;
        qCCritical(lcSync) << "state machine bug: no transition" << m_state << "->" << s;
    }
    qCInfo(lcSync) << "state" << m_state << "->" << s;
    m_state = s;
    emit stateChanged(s);
}

void SyncEngine::refreshCounts()
{
    if (!m_outbox)
        return;
    const OutboxCounts c = m_outbox->counts();
    const bool changed =
        c.pending != m_counts.pending || c.urgentPending != m_counts.urgentPending ||
        c.needsCorrection != m_counts.needsCorrection || c.conflicts != m_counts.conflicts;
    m_counts = c;
    if (changed)
        emit countsChanged();
}

int SyncEngine::requestsInFlight() const
{
    return m_urgent.inFlight() + m_normal.inFlight();
}

bool SyncEngine::isQuiescent() const
{
    // A check-in in flight may yet bring a wipe order.
    if (requestsInFlight() > 0 || m_repairTimer.isActive() || m_checkingIn)
        return false;
    if (m_stop != State::Idle)
        return true;
    // A lane is done when it has nothing it may send: nothing pending but
    // parked entries, or halted in Error.
    const int urgentSendable = m_counts.urgentPending - m_counts.urgentParked;
    const int normalSendable =
        (m_counts.pending - m_counts.urgentPending) - (m_counts.parked - m_counts.urgentParked);
    return (urgentSendable <= 0 || m_urgent.halted()) && (normalSendable <= 0 || m_normal.halted());
}

SyncEngine::LaneStatus SyncEngine::laneStatus(bool urgent) const
{
    const SyncLane &l = urgent ? m_urgent : m_normal;
    const bool waiting = l.backingOff(m_deps.clock->nowMs());
    return {l.inFlight(),
            l.failures(),
            waiting ? l.delayMs() : 0,
            waiting ? l.retryAtMs() : 0,
            l.halted(),
            l.haltedUntilMs(),
            l.batchLimit(),
            l.refusedBytes()};
}

qint64 SyncEngine::backoffDelayMs() const
{
    const LaneStatus n = laneStatus(false);
    return n.delayMs > 0 ? n.delayMs : laneStatus(true).delayMs;
}

qint64 SyncEngine::nextAttemptAtMs() const
{
    const LaneStatus n = laneStatus(false);
    return n.retryAtMs > 0 ? n.retryAtMs : laneStatus(true).retryAtMs;
}

int SyncEngine::consecutiveFailures() const
{
    return std::max(m_normal.failures(), m_urgent.failures());
}

void SyncEngine::resetLanes()
{
    m_urgent.reset();
    m_normal.reset();
}

// ---- enrolment -------------------------------------------------------------

bool SyncEngine::hasPendingEnrolment() const
{
    QByteArray code;
    return !m_deps.credentials->read(pendingCodeName(), &code) && !code.isEmpty();
}

void SyncEngine::retryPendingEnrolment()
{
    if (isEnrolled() || m_enrolling || m_deps.clock->nowMs() < m_nextEnrolAttemptMs)
        return;
    QByteArray code;
    if (m_deps.credentials->read(pendingCodeName(), &code) || code.isEmpty())
        return;
    qCInfo(lcSync) << "retrying enrolment with the pending code";
    enrol(QString::fromLatin1(code));
}

void SyncEngine::enrol(const QString &codeText)
{
    if (m_enrolling)
        return;
    if (!m_outbox) {
        if (SyncError e = start(); !e.ok() && e.kind != SyncErrorKind::NotEnrolled) {
            // Queued so callers can connect after calling enrol().
            QMetaObject::invokeMethod(
                this, [this, e] { emit enrolmentFinished(e); }, Qt::QueuedConnection);
            return;
        }
    }
    m_enrolling = true;
    auto *client =
        new EnrolmentClient({m_deps.clock, m_deps.credentials, m_deps.networkAccess, m_outbox.get(),
                             m_options.transferTimeoutMs, m_options.deviceName,
                             [this](QByteArray *key) { return m_bridge.devicePublicKey(key); },
                             [this](const Enrolment &e) { return m_bridge.keepTrusted(e); }},
                            this);
    connect(client, &EnrolmentClient::finished, this,
            [this, client](const EnrolmentClient::Result &r) {
                client->deleteLater();
                m_enrolling = false;
                if (EnrolmentClient::isRetryable(r.error.kind)) {
                    // The hub could not be reached, or its answer could not
                    // be written down here: the code (and the credential
                    // sent with it) is kept and tried again later, waiting
                    // longer each time.
                    m_nextEnrolAttemptMs = m_deps.clock->nowMs() + m_enrolRetryDelayMs;
                    m_enrolRetryDelayMs = std::min(m_enrolRetryDelayMs * 2, kEnrolRetryMaxMs);
                } else {
                    m_enrolRetryDelayMs = kEnrolRetryMinMs;
                    m_nextEnrolAttemptMs = 0;
                }
                if (r.error.ok())
                    adoptEnrolment(r);
                emit enrolmentFinished(r.error);
                if (r.error.ok())
                    pump();
            });
    client->start(codeText);
}

void SyncEngine::adoptEnrolment(const EnrolmentClient::Result &r)
{
    if (r.policy.retention_hours() > 0)
        m_outbox->setRetentionHours(int(r.policy.retention_hours()));
    // A new hub: what an earlier one took says nothing about this one.
    learnHubLimits(r.policy, true);
    learnOfflineLimit(r.policy);
    m_enrolment = r.enrolment;
    m_credential = r.credential;
    // Another hub's instrument is not this one's: the built-in DASH until
    // this hub says otherwise (what was kept stays, for drafts, as long as
    // it checks out under the new hub's key, which it will not for another
    // hub's).
    m_refusedInstrument.clear();
    if (!m_outbox->currentRiskInstrument().isEmpty())
        m_outbox->setCurrentRiskInstrument({});
    emit riskChecklistsChanged();
    ensureConnection();
    qCInfo(lcSync) << "enrolled device" << m_enrolment.deviceId << "with hub" << m_enrolment.hubId;
    emit enrolledChanged();
    // A new enrolment starts afresh, whatever stopped the last one: no wipe
    // carried out for it, no backoff promised to another hub, no entry
    // parked for it.
    m_wiped = false;
    m_probeTimer.stop();
    m_stop = State::Idle;
    resetLanes();
    m_outbox->unparkAll();
    settle();
    repair();
}

// ---- store side: the bridge does the work, the engine says when -----------

SyncError SyncEngine::recordSubmitted(const protocol::Submission &submission)
{
    if (!m_outbox || !m_bridge.isAttached())
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    int inserted = 0;
    if (SyncError e = m_bridge.submit(submission, &inserted); !e.ok())
        return e;
    // Only a newly submitted urgent entry goes through its lane's backoff,
    // once; nothing else cuts a wait short.
    if (submission.urgent)
        m_urgent.bypassBackoffOnce();
    // One new pending entry: counted here rather than by re-counting the
    // whole outbox on every submit (the counts would grow with the backlog).
    if (inserted > 0) {
        m_counts.pending += inserted;
        if (submission.urgent)
            m_counts.urgentPending += inserted;
        emit countsChanged();
    }
    pump();
    return {};
}

SyncError SyncEngine::checkTrustedEnrolment()
{
    const std::optional<Enrolment> &trusted = m_bridge.trusted();
    // None: this store never enrolled (a first run, or set up again after a
    // wipe while the outbox drains what it holds); nothing is sealed until
    // it does.
    if (!trusted || !m_outbox)
        return {};
    const std::optional<Enrolment> plain = m_outbox->enrolment();
    if (plain && *plain == *trusted)
        return {};
    // outbox.db (and the digest beside it) say otherwise than the encrypted
    // store: the store's copy wins, and the plain copies are put back. A
    // pending code means an enrolment cut short between its writes (the
    // trusted copy is written first), not an attack.
    const bool interrupted = hasPendingEnrolment();
    if (!interrupted) {
        qCCritical(lcSync) << "outbox.db's enrolment differs from the encrypted store's: "
                              "restored from the store";
        emit faultReported(SyncFault::EnrolmentRestored, trusted->deviceId);
    }
    if (auto ce = m_deps.credentials->write(enrolmentDigestName(), enrolmentDigest(*trusted));
        !ce.ok())
        return {SyncErrorKind::Credential, ce.message};
    if (OutboxError oe = m_outbox->setEnrolment(*trusted); !oe.ok())
        return {SyncErrorKind::Outbox, oe.message};
    m_enrolment = {};
    m_credential.clear();
    // Read again as at start (a new connection, in-flight requests to the
    // forged address forgotten).
    return load();
}

SyncError SyncEngine::unlocked(RecordSource *store)
{
    const SyncError attached = m_bridge.attach(store);
    if (!m_outbox) {
        if (SyncError e = start(); !e.ok() && e.kind != SyncErrorKind::NotEnrolled)
            return e;
    }
    if (!attached.ok())
        return attached;
    if (SyncError e = checkTrustedEnrolment(); !e.ok())
        return e;
    // A code that waited for the store (its device key lives there) goes now.
    if (!isEnrolled() && hasPendingEnrolment())
        m_nextEnrolAttemptMs = 0;
    checkIn();
    m_bridge.applyVerdicts();
    SyncError result = repair();
    // After the repair's first step: whatever the outbox lost or misstates
    // of what the store waits for is sealed again (ForgedVerdict and
    // OutboxRepaired faults).
    if (result.ok())
        m_bridge.reconcile(&result);
    SyncError purge;
    m_bridge.purgeExpired(&purge);
    m_bridge.compact();
    refreshCounts();
    pump();
    return !result.ok() ? result : purge;
}

SyncError SyncEngine::sealSubmissions(RecordSource *store)
{
    if (SyncError e = load(); !e.ok())
        return e;
    RecordSource *previous = m_bridge.store();
    SyncError e = m_bridge.attach(store);
    if (e.ok())
        e = checkTrustedEnrolment();
    if (e.ok())
        e = m_bridge.repairAll();
    if (previous)
        m_bridge.attach(previous);
    else
        m_bridge.detach(); // the caller's store was attached only for this call
    refreshCounts();
    return e;
}

void SyncEngine::locked()
{
    m_repairTimer.stop();
    m_bridge.detach();
}

int SyncEngine::purgeExpired(SyncError *error)
{
    return m_bridge.purgeExpired(error);
}

SyncError SyncEngine::repair()
{
    if (!m_bridge.isAttached() || !m_enrolment.isValid())
        return {};
    if (SyncError e = m_bridge.resealForNewEnrolment(); !e.ok())
        return e;
    return repairStep();
}

SyncError SyncEngine::repairStep()
{
    // One bounded step now; the rest after the event loop has run, so a
    // large backlog never holds the officer's screen.
    const StoreBridge::RepairStep step = m_bridge.repairStep();
    if (step.sealed > 0)
        refreshCounts();
    if (step.more)
        m_repairTimer.start(0);
    return step.error;
}

// ---- sending ---------------------------------------------------------------

void SyncEngine::learnOfflineLimit(const v1::DevicePolicy &policy)
{
    // Written only when it changes (SealedOutbox::setMaxOfflineDays).
    if (m_outbox)
        m_outbox->setMaxOfflineDays(int(std::min<quint32>(policy.max_offline_days(), 3650)));
}

void SyncEngine::learnHubLimits(const v1::DevicePolicy &policy, bool replace)
{
    HubLimits limits = replace ? HubLimits{} : m_hubLimits;
    if (policy.max_body_bytes() > 0)
        limits.maxBodyBytes = qint64(std::min<quint64>(
            policy.max_body_bytes(), quint64(std::numeric_limits<qint64>::max())));
    if (policy.max_batch_records() > 0)
        limits.maxBatchRecords = int(std::min<quint32>(policy.max_batch_records(),
                                                       quint32(std::numeric_limits<int>::max())));
    if (limits == m_hubLimits)
        return;
    qCInfo(lcSync) << "hub takes at most" << limits.maxBodyBytes << "bytes and"
                   << limits.maxBatchRecords << "records per batch";
    m_hubLimits = limits;
    if (m_outbox)
        m_outbox->setHubLimits(limits); // if this fails, the next receipt says it again
}

int SyncEngine::batchRecordCap() const
{
    const int hub = m_hubLimits.maxBatchRecords;
    return hub > 0 ? std::min(m_options.maxBatchRecords, hub) : m_options.maxBatchRecords;
}

qint64 SyncEngine::batchByteCap() const
{
    const qint64 hub = m_hubLimits.maxBodyBytes;
    if (hub <= 0)
        return m_options.maxBatchBytes;
    // Room for the batch's own fields and framing, as in the default; the
    // outbox's per-envelope estimate is generous too.
    return std::min(m_options.maxBatchBytes,
                    std::max<qint64>(1, hub - std::min<qint64>(64 * 1024, hub / 8)));
}

void SyncEngine::syncNow()
{
    m_nextEnrolAttemptMs = 0; // the officer asked: a pending enrolment goes now too
    m_probeTimer.stop();
    m_urgent.clearWaits();
    m_normal.clearWaits();
    if (m_outbox && isEnrolled()) {
        if (OutboxError e = m_outbox->unparkAll(); !e.ok())
            qCWarning(lcSync) << "could not release parked entries:" << e.message;
        refreshCounts();
    }
    pump();
}

void SyncEngine::wake()
{
    pump();
}

void SyncEngine::periodic()
{
    refreshCounts(); // a parked entry's wait may have ended
    if (m_lastCheckInMs == 0 || m_deps.clock->nowMs() - m_lastCheckInMs >= m_options.checkInMs)
        checkIn();
    if (m_bridge.isAttached()) {
        repair(); // failures are reported as RepairFailed
        m_bridge.purgeExpired();
        m_bridge.compact();
    }
    pump();
}

void SyncEngine::pump()
{
    if (m_outbox && !isEnrolled()) {
        const SyncErrorKind k = load().kind;
        // A changed enrolment with a code still pending is most likely our
        // own crash between the digest and the outbox row: the retry
        // settles it (the hub answers with the same device).
        if (k == SyncErrorKind::NotEnrolled ||
            (k == SyncErrorKind::EnrolmentChanged && hasPendingEnrolment()))
            retryPendingEnrolment();
    }
    if (!m_outbox || !isEnrolled() || !m_connection) {
        settle();
        return;
    }
    if (m_stop != State::Idle) {
        settle();
        return;
    }
    const bool offline = m_deps.connectivity && m_deps.connectivity->reachability() ==
                                                    platform::Connectivity::Reachability::Offline;
    if (!offline) {
        const qint64 now = m_deps.clock->nowMs();
        for (SyncLane *lane : {&m_urgent, &m_normal}) {
            bool leftError = false;
            const bool may = lane->mayStart(now, &leftError);
            if (leftError)
                qCInfo(lcSync) << laneName(*lane) << "lane tries again after an error";
            if (!may)
                continue;
            while (m_stop == State::Idle && lane->hasRoom() && sendNext(*lane)) {
            }
            lane->endBypass();
        }
    }
    settle();
}

SyncEngine::State SyncEngine::headline() const
{
    if (m_stop != State::Idle)
        return m_stop;
    if (requestsInFlight() > 0)
        return State::Sending;
    if (m_urgent.halted() || m_normal.halted())
        return State::Error;
    if (m_deps.connectivity &&
        m_deps.connectivity->reachability() == platform::Connectivity::Reachability::Offline &&
        m_counts.pending > 0)
        return State::WaitingForNetwork;
    const qint64 now = m_deps.clock->nowMs();
    if (m_urgent.backingOff(now) || m_normal.backingOff(now))
        return State::BackingOff;
    return State::Idle;
}

void SyncEngine::settle()
{
    // Wiped and drained: nothing will ever be sent again.
    if (m_wiped && m_stop == State::Idle && requestsInFlight() == 0 && m_counts.pending == 0) {
        halt(State::Revoked);
        return;
    }
    setState(headline());
    armWakeTimer();
    if (isQuiescent())
        emit quiescent();
}

void SyncEngine::armWakeTimer()
{
    // The earliest moment something becomes due again, on the injected
    // clock; the timer only wakes the engine, which reads the clock.
    const qint64 now = m_deps.clock->nowMs();
    const qint64 u = m_urgent.nextDeadline(now);
    const qint64 n = m_normal.nextDeadline(now);
    const qint64 next = u == 0 ? n : n == 0 ? u : std::min(u, n);
    if (next == 0 || m_stop != State::Idle) {
        m_wakeTimer.stop();
        return;
    }
    m_wakeTimer.start(int(std::clamp<qint64>(next - now, 1, std::numeric_limits<int>::max())));
}

BatchCaps SyncEngine::caps() const
{
    return {batchRecordCap(), batchByteCap(), m_options.urgentMaxRecords, m_options.urgentMaxBytes};
}

bool SyncEngine::sendNext(SyncLane &lane)
{
    OutboxError error;
    QList<SealedEntry> entries;
    const qint64 now = m_deps.clock->nowMs();
    // The urgent lane's second request is small and takes the newest first.
    const bool small = lane.nextIsSmall();
    // Skip what is in flight; the cursor keeps a busy lane from rescanning.
    for (;;) {
        const int cap = lane.recordCap(caps(), small);
        const qint64 byteCap = lane.byteCap(caps(), small, now) - 1024;
        entries = small
                      ? m_outbox->pending(true, 0, cap + lane.inFlightEntries(),
                                          std::numeric_limits<qint64>::max(), &error, now, true)
                      : m_outbox->pending(lane.urgent(), lane.cursor(), cap, byteCap, &error, now);
        if (!error.ok()) {
            // Loud, not silent, but not a dead end: a passing I/O error
            // (memory pressure, a full disk) must not keep an urgent record
            // waiting for the officer to notice. Backed off, tried again.
            qCCritical(lcSync) << "outbox read failed:" << error.message;
            emit faultReported(SyncFault::OutboxUnreadable, error.message);
            laneFailed(lane, Batch{}, ReplyAction{});
            return false;
        }
        if (entries.isEmpty())
            return false;
        if (!small)
            lane.setCursor(entries.last().id);
        entries.removeIf([&](const SealedEntry &e) { return lane.isInFlight(e.id); });
        if (small) {
            // Within the small caps, newest first.
            qint64 bytes = 0;
            qsizetype keep = 0;
            while (keep < entries.size() && keep < cap) {
                bytes += entries.at(keep).sealed.size() + 128;
                if (keep > 0 && bytes > byteCap)
                    break;
                ++keep;
            }
            entries.resize(keep);
            if (entries.isEmpty())
                return false;
            break;
        }
        if (!entries.isEmpty())
            break;
    }

    // Only the batch's head: the entries were sealed (and their sessions
    // signed) by the store bridge.
    syncwire::BatchBuilder builder(
        m_enrolment.sealingPublicKey,
        syncwire::SealBinding{m_enrolment.deviceId, m_enrolment.hubId, {}});
    const v1::SyncBatch head = builder.batch(m_outbox->takeSequence(), m_deps.clock->nowMs(),
                                             m_deps.clock->utcOffsetMinutes());
    const QByteArray body = encodeSyncBatch(head, entries);

    Batch sent;
    sent.batchId = QString::fromStdString(head.batch_id());
    sent.lane = &lane;
    sent.big = lane.urgent() && !small;
    sent.bodyBytes = qint64(body.size());
    for (SealedEntry &e : entries) {
        sent.ids.append(e.id);
        e.sealed.clear(); // the request holds the bytes now
    }
    sent.entries = std::move(entries);

    QNetworkReply *reply = m_connection->post(QStringLiteral("/v1/sync"), body, authorization());
    if (!reply) {
        lane.rewind();
        emit faultReported(SyncFault::ClientBug, QStringLiteral("hub URL not allowed"));
        haltLane(lane);
        return false;
    }
    lane.sent(sent.ids, sent.big);
    ++m_stats.requests;
    m_stats.sent += sent.entries.size();
    qCDebug(lcSync) << "batch" << sent.batchId << laneName(lane) << sent.entries.size()
                    << "records";
    connect(reply, &QNetworkReply::uploadProgress, this,
            [uploaded = sent.uploaded](qint64 bytesSent, qint64) {
                *uploaded = std::max(*uploaded, bytesSent);
            });
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, sent] { onSyncReply(reply, sent); });
    setState(State::Sending);
    return true;
}

void SyncEngine::onSyncReply(QNetworkReply *reply, const Batch &batch)
{
    reply->deleteLater();
    SyncLane &lane = *batch.lane;
    lane.answered(batch.ids, batch.big);

    Reply r;
    r.transport = m_connection->outcome(reply, &r.status);
    r.body = reply->readAll();
    if (reply->hasRawHeader("Retry-After"))
        r.retryAfter = reply->rawHeader("Retry-After");
    r.requestBytes = batch.bodyBytes;
    r.uploadedBytes = *batch.uploaded;
    r.nowMs = m_deps.clock->nowMs();
    m_stats.bytesOnWire += HubConnection::bytesOnWire(reply, batch.bodyBytes) + r.body.size();
    const ReplyAction action = ReplyPolicy::decide(r);
    const ReceiptReader::Expected expected{batch.batchId, m_enrolment.hubId, batch.entries,
                                           m_enrolment.deviceId, m_enrolment.hubSigningKey};
    const QString status = QString::number(r.status);

    if (r.transport == TransportOutcome::NetworkError) {
        ++m_stats.networkErrors;
        qCInfo(lcSync) << "batch" << batch.batchId << "network error" << reply->error() << "after"
                       << r.uploadedBytes << "of" << r.requestBytes << "bytes";
    }
    // Whatever was not answered must be looked at again from the start.
    auto rewind = [&lane] { lane.rewind(); };

    switch (action.kind) {
    case ReplyKind::Receipt: {
        const ReceiptReading read = ReceiptReader::read(r.body, expected);
        if (!read.ok()) {
            qCWarning(lcSync) << "batch" << batch.batchId << "status" << r.status
                              << "is not a receipt:" << toText(read.problem);
            emit faultReported(SyncFault::NotAReceipt, batch.batchId);
            rewind();
            laneFailed(lane, batch, action);
            return;
        }
        if (!recordReceipt(read, r.body)) {
            emit faultReported(SyncFault::OutboxWriteFailed, batch.batchId);
            rewind();
            laneFailed(lane, batch, action);
            return;
        }
        lane.succeeded(batch.bodyBytes);
        pump();
        return;
    }
    case ReplyKind::WipeOrder: {
        const ReceiptReading read = ReceiptReader::readWipeOrder(r.body, expected);
        if (read.problem == ReceiptProblem::NotAWipeOrder) {
            qCWarning(lcSync) << "batch" << batch.batchId << "403 without a valid wipe order";
            emit faultReported(SyncFault::ClientBug, status);
            rewind();
            haltLane(lane);
            return;
        }
        // outcome() == Answered means pinned TLS or plain loopback. A wipe
        // order that is also this batch's receipt means the hub still takes
        // what this device holds (sealed to the hub, so lost if not sent):
        // record the verdicts first, wipe, and drain the rest; settle()
        // stops in Revoked once nothing is pending.
        if (read.ok() && recordReceipt(read, r.body)) {
            lane.succeeded(batch.bodyBytes);
            wipeOnce();
            pump();
            return;
        }
        qCInfo(lcSync) << "batch" << batch.batchId
                       << "wipe order without its receipt:" << toText(read.problem);
        wipeOnce();
        rewind();
        halt(State::Revoked);
        return;
    }
    case ReplyKind::Reenrol:
        qCWarning(lcSync) << "device" << m_enrolment.deviceId
                          << "not authorised: re-enrolment needed";
        emit faultReported(SyncFault::Unauthorised, m_enrolment.deviceId);
        rewind();
        halt(State::ReenrolmentNeeded);
        return;
    case ReplyKind::Refused:
        qCWarning(lcSync) << "batch" << batch.batchId << "refused with status" << r.status;
        emit faultReported(SyncFault::ClientBug, status);
        rewind();
        haltLane(lane);
        return;
    case ReplyKind::TooLarge: {
        rewind();
        // The hub's 413 states its limits: later batches fit at once.
        v1::DevicePolicy stated;
        stated.set_max_body_bytes(quint64(action.statedMaxBodyBytes));
        stated.set_max_batch_records(quint32(action.statedMaxBatchRecords));
        learnHubLimits(stated, false);
        const int limit = lane.tooLarge(batch.bodyBytes, int(batch.entries.size()), r.nowMs);
        if (batch.entries.size() > 1) {
            if (!action.noAnswer)
                ++m_stats.splits;
            qCInfo(lcSync) << "batch" << batch.batchId
                           << (action.noAnswer ? "upload cut part way;" : "too large;")
                           << "next batches at most" << limit << "records and"
                           << lane.byteCap(caps(), false, r.nowMs) << "bytes";
            if (action.noAnswer) {
                laneFailed(lane, batch, action); // the network may be at fault too
                return;
            }
            pump();
            return;
        }
        // One record refused by something other than the hub's per-record
        // answer (a proxy's limit, a misconfigured hub): never a verdict. It
        // stays pending, waits, and is parked if it keeps failing alone.
        qCWarning(lcSync) << "record" << batch.entries.first().recordId
                          << "refused as too large on its own, not by the hub's receipt";
        emit faultReported(SyncFault::TooLarge, batch.entries.first().recordId);
        ReplyAction counted = action;
        counted.countsAgainstEntries = true;
        laneFailed(lane, batch, counted);
        return;
    }
    case ReplyKind::Retry:
        if (action.hasFault) {
            qCWarning(lcSync) << "batch" << batch.batchId << "not stored: status" << r.status;
            emit faultReported(action.fault, action.fault == SyncFault::Redirect ||
                                                     action.fault == SyncFault::PinMismatch
                                                 ? batch.batchId
                                                 : status);
        }
        if (action.retryAfterMalformed)
            qCInfo(lcSync) << "unreadable Retry-After ignored";
        rewind();
        laneFailed(lane, batch, action);
        return;
    }
}

bool SyncEngine::recordReceipt(const ReceiptReading &receipt, const QByteArray &body)
{
    const qint64 now = m_deps.clock->nowMs();
    // With its signed bytes: the store takes a verdict only from them.
    if (OutboxError e = m_outbox->record(receipt.results, body, now); !e.ok()) {
        qCCritical(lcSync) << "could not record a receipt:" << e.message;
        return false;
    }
    for (const EntryResult &r : receipt.results) {
        switch (r.state) {
        case EntryState::Acknowledged:
            ++m_stats.acknowledged;
            break;
        case EntryState::NeedsCorrection:
            ++m_stats.needsCorrection;
            qCInfo(lcSync) << "record" << r.recordId << "version" << r.version
                           << "needs correction";
            break;
        case EntryState::Conflict:
            ++m_stats.conflicts;
            qCWarning(lcSync) << "record" << r.recordId << "version" << r.version
                              << "conflicts on the hub";
            emit faultReported(SyncFault::Conflict, r.recordId);
            break;
        case EntryState::Pending:
            break;
        }
    }
    if (receipt.policy.retention_hours() > 0)
        m_outbox->setRetentionHours(int(receipt.policy.retention_hours()));
    learnHubLimits(receipt.policy, false);
    learnOfflineLimit(receipt.policy);
    m_bridge.applyVerdicts();
    refreshCounts();
    emit lastSuccessfulSyncChanged();
    emit entriesDecided(receipt.results);
    return true;
}

void SyncEngine::laneFailed(SyncLane &lane, const Batch &batch, const ReplyAction &action)
{
    const qint64 now = m_deps.clock->nowMs();
    if (action.countsAgainstEntries && batch.entries.size() == 1) {
        const SealedEntry &e = batch.entries.first();
        OutboxError error;
        const std::optional<bool> parked = m_outbox->noteFailure(e.id, now, m_options.park, &error);
        if (!error.ok())
            qCWarning(lcSync) << "could not count a failure:" << error.message;
        if (parked.value_or(false)) {
            ++m_stats.parked;
            qCWarning(lcSync) << "record" << e.recordId << "version" << e.version
                              << "parked after failing alone; the rest of its lane goes";
            emit faultReported(SyncFault::EntryParked, e.recordId);
            refreshCounts();
            lane.entryParked(); // not this lane's failure any more: the rest goes at once
            pump();
            return;
        }
    }
    if (lane.failed(action, int(batch.entries.size()), now, m_options.backoff, m_deps.random))
        qCInfo(lcSync) << lane.failures() << "failures in a row; next batches at most"
                       << lane.batchLimit() << "records";
    qCInfo(lcSync) << laneName(lane) << "lane backing off" << lane.delayMs() << "ms after"
                   << lane.failures() << "failures";
    if (action.noAnswer && m_deps.connectivity &&
        m_deps.connectivity->reachability() == platform::Connectivity::Reachability::Unknown &&
        lane.delayMs() > m_options.healthProbeMs)
        m_probeTimer.start();
    settle();
}

void SyncEngine::haltLane(SyncLane &lane)
{
    lane.halt(m_deps.clock->nowMs(), m_options.errorRetryMs);
    qCWarning(lcSync) << laneName(lane) << "lane stopped until sync now or"
                      << m_options.errorRetryMs << "ms";
    settle();
}

void SyncEngine::halt(State s)
{
    // The lanes answer in any order: a lesser stop arriving after a more
    // decisive one (an Error after the other lane's 401 or wipe order)
    // does not undo it. Revoked > re-enrolment needed > error.
    auto rank = [](State x) {
        return x == State::Revoked             ? 3
               : x == State::ReenrolmentNeeded ? 2
               : x == State::Error             ? 1
                                               : 0;
    };
    if (rank(m_stop) > rank(s)) {
        qCInfo(lcSync) << "staying" << m_stop << "rather than" << s;
        return;
    }
    m_probeTimer.stop();
    m_stop = s;
    setState(s);
    armWakeTimer();
    if (isQuiescent())
        emit quiescent();
}

void SyncEngine::wipeOnce()
{
    if (m_wiped)
        return;
    m_wiped = true;
    qCWarning(lcSync) << "device" << m_enrolment.deviceId
                      << "revoked with a wipe order; the sealed outbox is kept";
    emit faultReported(SyncFault::WipeOrdered, m_enrolment.deviceId);
    m_repairTimer.stop();
    // Submitted work still only in the store (a crash between the commits,
    // or a repair not yet finished) is sealed first: the wipe must not lose
    // what the officer submitted. A locked store cannot be read, so what it
    // alone holds is lost (docs/SECURITY.md).
    if (m_bridge.isAttached()) {
        if (const SyncError e = m_bridge.repairAll(); !e.ok())
            qCWarning(lcSync) << "could not seal everything before the wipe:" << e.message;
        refreshCounts();
    }
    m_bridge.detach(); // the handler destroys the store
    const bool done = m_deps.onWipeOrder ? m_deps.onWipeOrder() : true;
    if (!done) {
        // The key is still there: not wiped, so the next wipe order (every
        // answer to a revoked device carries one) runs the handler again.
        qCCritical(lcSync) << "the wipe order could not be carried out; trying again at the next";
        m_wiped = false;
        return;
    }
    // Only after the handler: a crash before this line wipes again at the
    // next wipe order, never leaves a store standing.
    if (OutboxError e = m_outbox->setWipeOrdered(); !e.ok())
        qCWarning(lcSync) << "could not note the wipe order:" << e.message;
}

void SyncEngine::onConnectivity()
{
    const auto r = m_deps.connectivity->reachability();
    if (r != platform::Connectivity::Reachability::Offline) {
        // Regained (or at least not known to be offline): a wait that only
        // the network caused is over; go at once.
        m_urgent.networkBack();
        m_normal.networkBack();
        checkIn();
    }
    pump();
}

bool SyncEngine::offlineTooLong() const
{
    return m_outbox && isEnrolled() && m_outbox->offlineTooLong(m_deps.clock->nowMs());
}

void SyncEngine::checkIn()
{
    if (m_checkingIn || m_wiped || !m_connection || !isEnrolled() || m_stop == State::Revoked)
        return;
    QStringList query;
    if (m_deps.unlockCounts) {
        const UnlockCounts counts = m_deps.unlockCounts();
        query << QStringLiteral("failed_unlocks=%1").arg(counts.failedUnlocks)
              << QStringLiteral("lockouts=%1").arg(counts.lockouts);
    }
    // The instrument held (or refused), so the hub sends a definition only
    // when it has another; sent empty, it asks for the definition (a hub
    // sends none to an app that does not ask).
    const QByteArray held =
        !m_refusedInstrument.isEmpty() ? m_refusedInstrument : heldRiskInstrument();
    query << QStringLiteral("risk_instrument=") + QString::fromLatin1(held.toHex());
    QString path = QStringLiteral("/v1/device/status");
    if (!query.isEmpty())
        path += QLatin1Char('?') + query.join(QLatin1Char('&'));
    QNetworkReply *reply = m_connection->get(path, authorization());
    if (!reply)
        return;
    m_checkingIn = true;
    m_lastCheckInMs = m_deps.clock->nowMs();
    ++m_stats.checkIns;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_checkingIn = false;
        checkInAnswered(reply);
        if (isQuiescent())
            emit quiescent();
    });
}

void SyncEngine::checkInAnswered(QNetworkReply *reply)
{
    {
        int status = 0;
        // Only a pinned (or loopback) answer from this hub counts; anything
        // else waits for the next check-in or sync.
        if (m_connection->outcome(reply, &status) != TransportOutcome::Answered)
            return;
        const QByteArray body = reply->readAll();
        const ReceiptReader::Expected expected{
            QString(), m_enrolment.hubId, {}, m_enrolment.deviceId, m_enrolment.hubSigningKey};
        if (status == 403) {
            const ReceiptReading order = ReceiptReader::readWipeOrder(body, expected);
            if (order.problem == ReceiptProblem::NotAWipeOrder)
                return;
            qCInfo(lcSync) << "check-in: the hub withdrew this device";
            wipeOnce();
            pump(); // drains what is sealed, then Revoked
            return;
        }
        if (status != 200)
            return;
        v1::SyncReceipt answer;
        if (!answer.ParseFromArray(body.constData(), int(body.size())) ||
            QString::fromStdString(answer.hub_id()) != m_enrolment.hubId)
            return;
        if (answer.policy().retention_hours() > 0)
            m_outbox->setRetentionHours(int(answer.policy().retention_hours()));
        m_outbox->setLastCheckInMs(m_deps.clock->nowMs());
        learnHubLimits(answer.policy(), false);
        learnOfflineLimit(answer.policy());
        learnRiskInstrument(answer.policy());
    }
}

namespace {

// The checklist inside a kept or offered instrument, when it is signed by
// this hub, hashes right and is what it says it is; why not otherwise.
std::variant<protocol::RiskChecklist, QString>
instrumentChecklist(const v1::RiskInstrument &instrument, const Enrolment &enrolment)
{
    if (!syncwire::signing::verifyInstrument(instrument, enrolment.hubId.toStdString(),
                                             enrolment.hubSigningKey))
        return QStringLiteral("not signed by this device's hub");
    if (instrument.definition().empty() ||
        qint64(instrument.definition().size()) > protocol::Limits::kMaxRiskInstrumentBytes)
        return QStringLiteral("no definition, or one over the size limit");
    auto loaded =
        protocol::RiskChecklist::fromJson(QByteArray::fromStdString(instrument.definition()));
    if (const auto *e = std::get_if<protocol::ChecklistLoadError>(&loaded))
        return e->message;
    const protocol::RiskChecklist &c = std::get<protocol::RiskChecklist>(loaded);
    if (c.id().toStdString() != instrument.checklist_id() ||
        quint32(c.version()) != instrument.version())
        return QStringLiteral("the definition names another checklist or version");
    return c;
}

} // namespace

QByteArray SyncEngine::heldRiskInstrument() const
{
    // The current one counts as held only while its kept copy still checks
    // out under this enrolment; otherwise the hub is asked for it again.
    const QByteArray current = m_outbox->currentRiskInstrument();
    if (current.isEmpty())
        return {};
    for (const QByteArray &kept : m_outbox->riskInstruments()) {
        v1::RiskInstrument k;
        if (k.ParseFromArray(kept.constData(), int(kept.size())) &&
            QByteArray::fromStdString(k.sha256()) == current)
            return std::holds_alternative<protocol::RiskChecklist>(
                       instrumentChecklist(k, m_enrolment))
                       ? current
                       : QByteArray();
    }
    return {};
}

void SyncEngine::learnRiskInstrument(const v1::DevicePolicy &policy)
{
    const QByteArray current = m_outbox->currentRiskInstrument();
    if (!policy.has_risk_instrument()) {
        // The force withdrew its own: new records go back to the built-in
        // DASH (drafts keep theirs, which stays kept).
        if (!current.isEmpty() && m_outbox->setCurrentRiskInstrument({}).ok()) {
            qCInfo(lcSync) << "the hub has no risk instrument of its own now";
            emit riskChecklistsChanged();
        }
        return;
    }
    const v1::RiskInstrument &offered = policy.risk_instrument();
    const QByteArray sha = QByteArray::fromStdString(offered.sha256());
    if (sha == m_refusedInstrument || (sha == current && heldRiskInstrument() == sha))
        return;
    // Held already: a kept copy with this hash that checks out now.
    std::optional<v1::RiskInstrument> held;
    const QList<QByteArray> kept = m_outbox->riskInstruments();
    for (const QByteArray &bytes : kept) {
        v1::RiskInstrument k;
        if (k.ParseFromArray(bytes.constData(), int(bytes.size())) &&
            QByteArray::fromStdString(k.sha256()) == sha &&
            std::holds_alternative<protocol::RiskChecklist>(instrumentChecklist(k, m_enrolment)))
            held = std::move(k);
    }
    if (!held) {
        const auto refuse = [&](const QString &why) {
            // Once per hash and run: the check-in then names it as held, so
            // the hub stops sending it, and nothing is logged every 15 min.
            m_refusedInstrument = sha;
            qCWarning(lcSync).noquote() << "refused the hub's risk instrument"
                                        << QString::fromStdString(offered.checklist_id())
                                        << offered.version() << ":" << why;
        };
        if (offered.definition().empty())
            return; // the hub thinks this device holds it: asked for again at the next check-in
        const auto checked = instrumentChecklist(offered, m_enrolment);
        if (const auto *why = std::get_if<QString>(&checked))
            return refuse(*why);
        if (kept.size() >= kMaxKeptRiskInstruments)
            return refuse(QStringLiteral("%1 kept already").arg(kMaxKeptRiskInstruments));
        // One that clashes with what this build has (the same id and version
        // with other questions) is refused rather than shadowing it.
        protocol::RiskChecklistRegistry registry = riskChecklists();
        if (auto clash = registry.add(std::get<protocol::RiskChecklist>(checked)))
            return refuse(clash->message);
        if (!m_outbox
                 ->keepRiskInstrument(sha, QByteArray::fromStdString(offered.SerializeAsString()))
                 .ok())
            return; // told again at the next check-in
    }
    if (!m_outbox->setCurrentRiskInstrument(sha).ok())
        return;
    qCInfo(lcSync).noquote() << "the hub's risk instrument is"
                             << QString::fromStdString(offered.checklist_id()) << "version"
                             << offered.version();
    emit riskChecklistsChanged();
}

protocol::RiskChecklistRegistry SyncEngine::riskChecklists() const
{
    using Use = protocol::RiskChecklistRegistry::Use;
    protocol::RiskChecklistRegistry registry;
    registry.addBuiltIns();
    if (m_outbox && m_enrolment.isValid()) {
        // The hub's current instrument is offered (and, added last, current
        // for its incidents); the others it handed over are kept for the
        // records answered on them. One that no longer checks out (another
        // hub's, changed on disk) is neither.
        const QByteArray current = m_outbox->currentRiskInstrument();
        std::optional<protocol::RiskChecklist> inForce;
        for (const QByteArray &bytes : m_outbox->riskInstruments()) {
            v1::RiskInstrument instrument;
            if (!instrument.ParseFromArray(bytes.constData(), int(bytes.size())))
                continue;
            auto checked = instrumentChecklist(instrument, m_enrolment);
            auto *checklist = std::get_if<protocol::RiskChecklist>(&checked);
            if (!checklist)
                continue;
            if (!current.isEmpty() && QByteArray::fromStdString(instrument.sha256()) == current)
                inForce = std::move(*checklist);
            else
                registry.add(*checklist, Use::RecordsOnly);
        }
        if (inForce)
            registry.add(*inForce, Use::Offered);
    }
    return registry;
}

void SyncEngine::probeHealth()
{
    if (m_probing || !m_connection)
        return;
    QNetworkReply *reply = m_connection->get(QStringLiteral("/healthz"));
    if (!reply)
        return;
    m_probing = true;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_probing = false;
        int status = 0;
        if (m_connection->outcome(reply, &status) != TransportOutcome::Answered || status != 200)
            return;
        const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
        if (o.value(QStringLiteral("hub_id")).toString() != m_enrolment.hubId)
            return; // a portal's 200 is not the hub
        m_probeTimer.stop();
        m_urgent.networkBack();
        m_normal.networkBack();
        pump();
    });
}

} // namespace safeguard::syncclient
