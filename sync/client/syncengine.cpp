#include "syncengine.h"

#include "batchbuilder.h"
#include "connectivity/connectivity.h"
#include "enrolmentcode.h"
#include "keystore/credentialstore.h"
#include "sealingsession.h"
#include "store/recordstore.h"
#include "syncbatchbody.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QUuid>
#include <sodium.h>

Q_LOGGING_CATEGORY(lcSync, "safeguard.sync")

namespace safeguard::syncclient {

namespace {

constexpr int kReconcileChunk = 200;

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

template<typename Message> bool parseMessage(const QByteArray &body, Message *out)
{
    return out->ParseFromArray(body.constData(), int(body.size()));
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
{
    Q_ASSERT(m_deps.clock && m_deps.credentials);
    if (!m_deps.random)
        m_deps.random = systemRandomSource();
    m_urgent.urgent = true;
    m_urgent.maxInFlight = std::max(1, m_options.urgentRequestsInFlight);
    m_urgent.batchLimit = m_options.maxBatchRecords;
    m_normal.maxInFlight = std::max(1, m_options.normalRequestsInFlight);
    m_normal.batchLimit = m_options.maxBatchRecords;

    m_backoffTimer.setSingleShot(true);
    connect(&m_backoffTimer, &QTimer::timeout, this, [this] {
        m_probeTimer.stop();
        pump();
    });
    m_periodicTimer.setInterval(m_options.periodicSyncMs);
    connect(&m_periodicTimer, &QTimer::timeout, this, [this] {
        if (m_store)
            purgeExpired();
        pump();
    });
    m_probeTimer.setInterval(m_options.healthProbeMs);
    connect(&m_probeTimer, &QTimer::timeout, this, &SyncEngine::probeHealth);
    if (m_deps.connectivity)
        connect(m_deps.connectivity, &platform::Connectivity::reachabilityChanged, this,
                &SyncEngine::onConnectivity);
}

SyncEngine::~SyncEngine() = default;

QByteArray SyncEngine::enrolmentDigest(const Enrolment &e)
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
    auto add = [&state](const QByteArray &field) {
        // Length-prefixed, so no two enrolments hash alike by shifting text.
        const quint64 n = quint64(field.size());
        unsigned char len[8];
        for (int i = 0; i < 8; ++i)
            len[i] = static_cast<unsigned char>(n >> (8 * i));
        crypto_generichash_update(&state, len, sizeof len);
        crypto_generichash_update(&state,
                                  reinterpret_cast<const unsigned char *>(field.constData()), n);
    };
    add(QByteArrayLiteral("safeguard/v1/enrolment-digest"));
    for (const QString &text : {e.hubUrl, e.hubId, e.deviceId, e.officerId, e.tlsPin, e.backupPin})
        add(text.toUtf8());
    add(e.sealingPublicKey);
    QByteArray out(crypto_generichash_BYTES, Qt::Uninitialized);
    crypto_generichash_final(&state, reinterpret_cast<unsigned char *>(out.data()),
                             size_t(out.size()));
    return out.toBase64();
}

SyncError SyncEngine::load()
{
    if (!m_outbox) {
        OutboxError e;
        m_outbox = SealedOutbox::open(m_dir, &e);
        if (!m_outbox)
            return {SyncErrorKind::Outbox, e.message};
        m_hubLimits = m_outbox->hubLimits();
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
        QByteArray credential;
        const platform::CredentialStoreError ce =
            m_deps.credentials->read(credentialName(), &credential);
        if (ce)
            return {SyncErrorKind::Credential, ce.message};
        const QByteArray digest = enrolmentDigest(*enrolment);
        QByteArray remembered;
        const platform::CredentialStoreError de =
            m_deps.credentials->read(enrolmentDigestName(), &remembered);
        if (de.kind == platform::CredentialStoreErrorKind::NotFound) {
            // Enrolled by a build that kept no digest: remember this one.
            if (auto we = m_deps.credentials->write(enrolmentDigestName(), digest); we)
                return {SyncErrorKind::Credential, we.message};
        } else if (de) {
            return {SyncErrorKind::Credential, de.message};
        } else if (remembered.size() != digest.size() ||
                   sodium_memcmp(remembered.constData(), digest.constData(),
                                 size_t(digest.size())) != 0) {
            if (!m_enrolmentChangedReported) {
                m_enrolmentChangedReported = true;
                qCCritical(lcSync) << "outbox.db names another hub, pins or sealing key than "
                                      "this device enrolled with: nothing is sent";
                emit faultReported(SyncFault::EnrolmentChanged, QString());
            }
            if (m_state != State::Error)
                halt(State::Error);
            return {SyncErrorKind::EnrolmentChanged,
                    QStringLiteral("The hub settings on this device were changed outside the app; "
                                   "nothing is sent until it is enrolled again.")};
        }
        m_enrolmentChangedReported = false;
        m_enrolment = *enrolment;
        m_credential = credential;
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
    if (e && e.kind != SyncErrorKind::NotEnrolled)
        return e;
    m_periodicTimer.start();
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
        for (Lane *lane : {&m_urgent, &m_normal}) {
            lane->inFlight = 0;
            lane->inFlightIds.clear();
            lane->cursor = 0;
        }
        m_probing = false;
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
        // One lane halted in Error while the other's request was out; its
        // answer says more.
        {S::Error, S::ReenrolmentNeeded},
        {S::Error, S::Revoked},
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
    return m_urgent.inFlight + m_normal.inFlight;
}

bool SyncEngine::isQuiescent() const
{
    if (requestsInFlight() > 0)
        return false;
    switch (m_state) {
    case State::ReenrolmentNeeded:
    case State::Revoked:
    case State::Error:
        return true;
    default:
        return m_counts.pending == 0;
    }
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
    auto finish = [this, attempt = codeText.trimmed().toLatin1()](SyncError e) {
        m_enrolling = false;
        if (e.kind == SyncErrorKind::Transport || e.kind == SyncErrorKind::Credential ||
            e.kind == SyncErrorKind::Outbox) {
            // The hub could not be reached, or its answer could not be
            // written down here: keep the code (and the credential sent with
            // it) and try again later, waiting longer each time.
            m_nextEnrolAttemptMs = m_deps.clock->nowMs() + m_enrolRetryDelayMs;
            m_enrolRetryDelayMs = std::min(m_enrolRetryDelayMs * 2, kEnrolRetryMaxMs);
        } else {
            // Enrolled, or this code can never work. Another code's failure
            // (a garbled scan) leaves a pending code and its credential
            // alone: the hub may already have enrolled this device with it.
            QByteArray pending;
            if (!e ||
                (!m_deps.credentials->read(pendingCodeName(), &pending) && pending == attempt)) {
                m_deps.credentials->remove(pendingCodeName());
                m_deps.credentials->remove(pendingCredentialName());
            }
            m_enrolRetryDelayMs = kEnrolRetryMinMs;
            m_nextEnrolAttemptMs = 0;
        }
        // Queued so callers can connect after calling enrol().
        QMetaObject::invokeMethod(
            this, [this, e] { emit enrolmentFinished(e); }, Qt::QueuedConnection);
    };
    if (m_enrolling)
        return;
    if (!m_outbox) {
        if (SyncError e = start(); e && e.kind != SyncErrorKind::NotEnrolled)
            return finish(e);
    }
    syncwire::EnrolmentCodeParseError parseError;
    const auto code = syncwire::EnrolmentCode::parse(codeText.trimmed(), &parseError);
    if (!code)
        return finish({SyncErrorKind::InvalidCode, parseError.message});
    // The credential already sent with this very code, if an earlier
    // attempt got no answer: the same pair again, so the hub can answer
    // with the device it may already have enrolled.
    QByteArray pendingCode;
    QByteArray ownCredential;
    const bool retry = !m_deps.credentials->read(pendingCodeName(), &pendingCode) &&
                       pendingCode == codeText.trimmed().toLatin1() &&
                       !m_deps.credentials->read(pendingCredentialName(), &ownCredential) &&
                       syncwire::fromBase64Url(ownCredential).value_or(QByteArray()).size() == 32;
    // A fresh code past its expiry is refused here at once; a retry is
    // decided by the hub (the code may have been redeemed in time).
    if (!retry && code->expires_at_unix_ms() <= m_deps.clock->nowMs())
        return finish(
            {SyncErrorKind::InvalidCode, QStringLiteral("The enrolment code has expired.")});
    if (!retry) {
        QByteArray raw(32, Qt::Uninitialized);
        randombytes_buf(raw.data(), size_t(raw.size()));
        ownCredential = syncwire::toBase64Url(raw);
        sodium_memzero(raw.data(), size_t(raw.size()));
        // Kept until the hub has answered for it, so a device set up with
        // no signal enrols as soon as it reaches the hub. Both are written
        // before anything is sent.
        if (auto ce = m_deps.credentials->write(pendingCredentialName(), ownCredential); ce)
            return finish({SyncErrorKind::Credential, ce.message});
        if (auto ce = m_deps.credentials->write(pendingCodeName(), codeText.trimmed().toLatin1());
            ce)
            return finish({SyncErrorKind::Credential, ce.message});
    }
    m_enrolling = true;

    HubEndpoint endpoint{QUrl(QString::fromStdString(code->hub_url())),
                         QString::fromStdString(code->hub_id()),
                         {QString::fromStdString(code->tls_pin_sha256()),
                          QString::fromStdString(code->backup_pin_sha256())}};
    auto *connection =
        new HubConnection(endpoint, m_deps.networkAccess, m_options.transferTimeoutMs, this);
    v1::EnrolmentRequest request;
    request.set_code_id(code->code_id());
    request.set_secret(code->secret());
    request.set_device_name(m_options.deviceName.toStdString());
    request.set_device_credential(ownCredential.toStdString());
    const std::string body = request.SerializeAsString();
    QNetworkReply *reply =
        connection->post(QStringLiteral("/v1/devices/enrol"), QByteArray::fromStdString(body));
    if (!reply) {
        connection->deleteLater();
        return finish(
            {SyncErrorKind::Transport,
             QStringLiteral("The hub's address is not HTTPS (plain HTTP is for loopback only).")});
    }
    const v1::EnrolmentCode codeCopy = *code;
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, connection, codeCopy, finish, ownCredential] {
            reply->deleteLater();
            connection->deleteLater();
            int status = 0;
            const TransportOutcome outcome = connection->outcome(reply, &status);
            if (outcome != TransportOutcome::Answered)
                return finish(
                    {SyncErrorKind::Transport,
                     outcome == TransportOutcome::PinMismatch
                         ? QStringLiteral("The hub's certificate does not match the code.")
                         : QStringLiteral("The hub could not be reached.")});
            if (status >= 500)
                return finish({SyncErrorKind::Transport,
                               QStringLiteral("The hub is busy (status %1); trying again later.")
                                   .arg(status)});
            if (status == 401 || status == 410)
                return finish({SyncErrorKind::CodeRefused,
                               status == 410
                                   ? QStringLiteral("The code was already used or has expired.")
                                   : QStringLiteral("The hub does not know this code.")});
            v1::EnrolmentResponse response;
            if (status != 200 || !parseMessage(reply->readAll(), &response) ||
                response.device_id().empty() || response.hub_id() != codeCopy.hub_id())
                return finish(
                    {SyncErrorKind::UnexpectedAnswer,
                     QStringLiteral("The hub answered enrolment with status %1.").arg(status)});

            // A hub that predates device-chosen credentials sends its own.
            const QByteArray credential =
                response.device_credential().empty()
                    ? ownCredential
                    : QByteArray::fromStdString(response.device_credential());
            if (auto ce = m_deps.credentials->write(credentialName(), credential); ce)
                return finish({SyncErrorKind::Credential, ce.message});
            Enrolment e;
            e.hubUrl = QString::fromStdString(codeCopy.hub_url());
            e.hubId = QString::fromStdString(codeCopy.hub_id());
            e.deviceId = QString::fromStdString(response.device_id());
            e.officerId = QString::fromStdString(response.officer_id());
            e.tlsPin = QString::fromStdString(codeCopy.tls_pin_sha256());
            e.backupPin = QString::fromStdString(codeCopy.backup_pin_sha256());
            e.sealingPublicKey = QByteArray::fromStdString(codeCopy.sealing_public_key());
            // The digest first: a crash before the outbox row leaves a mismatch
            // that the pending code's retry (same code, same credential, same
            // device) repairs by writing the row.
            if (auto ce = m_deps.credentials->write(enrolmentDigestName(), enrolmentDigest(e)); ce)
                return finish({SyncErrorKind::Credential, ce.message});
            if (auto oe = m_outbox->setEnrolment(e); oe)
                return finish({SyncErrorKind::Outbox, oe.message});
            if (response.has_policy() && response.policy().retention_hours() > 0)
                m_outbox->setRetentionHours(int(response.policy().retention_hours()));
            // A new hub: what an earlier one took says nothing about this one.
            learnHubLimits(response.policy(), true);
            m_enrolment = e;
            m_credential = credential;
            ensureConnection();
            qCInfo(lcSync) << "enrolled device" << e.deviceId << "with hub" << e.hubId;
            emit enrolledChanged();
            // A new enrolment starts afresh, whatever stopped the last one: no
            // wipe carried out for it, no backoff promised to another hub.
            m_wiped = false;
            m_backoffTimer.stop();
            m_probeTimer.stop();
            m_backoffDelayMs = 0;
            m_nextAttemptAtMs = 0;
            m_failures = 0;
            m_urgent.batchLimit = m_normal.batchLimit = m_options.maxBatchRecords;
            setState(State::Idle);
            if (m_store)
                reconcile();
            finish({});
            pump();
        });
}

// ---- store side ------------------------------------------------------------

SyncError SyncEngine::sealAndAdd(const QList<store::Submission> &subs)
{
    QList<SealedEntry> entries;
    if (SyncError e = sealEntries(subs, entries); e)
        return e;
    if (OutboxError oe = m_outbox->add(entries, m_deps.clock->nowMs()); oe)
        return {SyncErrorKind::Outbox, oe.message};
    return {};
}

SyncError SyncEngine::sealEntries(const QList<store::Submission> &subs, QList<SealedEntry> &entries)
{
    if (!m_enrolment.isValid())
        return {SyncErrorKind::NotEnrolled, QStringLiteral("not enrolled")};
    entries.reserve(entries.size() + subs.size());
    for (const store::Submission &s : subs) {
        auto bytes = m_store->submittedBytes(s.recordId, s.version);
        if (!bytes)
            return {SyncErrorKind::Store, bytes.error().message};
        const v1::Priority priority = s.urgent ? v1::PRIORITY_URGENT : v1::PRIORITY_NORMAL;
        // Always the session scheme: hubs no longer open crypto_box_seal,
        // which binds a sealed record to nothing.
        if (SyncError e = ensureSession(); e)
            return e;
        syncwire::BatchBuilder sealer(*m_session);
        syncwire::SealingError sealingError;
        const v1::RecordEnvelope env =
            sealer.seal(s.recordId, quint32(s.version), priority, bytes.value(), &sealingError);
        if (sealingError)
            return {SyncErrorKind::Sealing, sealingError.message};
        SealedEntry e;
        e.recordId = s.recordId;
        e.version = s.version;
        e.urgent = s.urgent;
        e.sha256 = QByteArray::fromStdString(env.sha256());
        e.size = bytes.value().size();
        e.sealed = QByteArray::fromStdString(env.sealed());
        e.scheme = env.seal_scheme();
        entries.append(std::move(e));
    }
    return {};
}

SyncError SyncEngine::ensureSession()
{
    if (!m_store)
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    const qint64 now = m_deps.clock->nowMs();
    if (m_session && m_session->hubPublicKey() == m_enrolment.sealingPublicKey &&
        m_session->binding().deviceId == m_enrolment.deviceId &&
        m_session->binding().hubId == m_enrolment.hubId && !m_session->isDue(now))
        return {};
    endSession();
    auto session = std::make_unique<syncwire::SealingSession>(
        m_enrolment.sealingPublicKey,
        syncwire::SealBinding{m_enrolment.deviceId, m_enrolment.hubId}, now);
    if (!session->isOpen())
        return {SyncErrorKind::Sealing, session->error().message};
    m_session = std::move(session);
    return {};
}

void SyncEngine::endSession()
{
    if (m_session)
        m_session->end();
    m_session.reset();
}

SyncError SyncEngine::recordSubmitted(const store::Submission &submission)
{
    if (!m_outbox || !m_store)
        return {SyncErrorKind::Store, QStringLiteral("the store is locked")};
    if (!m_enrolment.isValid())
        return {SyncErrorKind::NotEnrolled, QStringLiteral("not enrolled; sealed at enrolment")};
    if (SyncError e = sealAndAdd({submission}); e)
        return e;
    refreshCounts();
    pump();
    return {};
}

SyncError SyncEngine::unlocked(store::RecordStore *store)
{
    m_store = store;
    if (!m_outbox) {
        if (SyncError e = start(); e && e.kind != SyncErrorKind::NotEnrolled)
            return e;
    }
    applyVerdictsToStore();
    SyncError result = reconcile();
    SyncError purge;
    purgeExpired(&purge);
    refreshCounts();
    pump();
    return result ? result : purge;
}

SyncError SyncEngine::sealSubmissions(store::RecordStore *store)
{
    if (SyncError e = load(); e)
        return e;
    store::RecordStore *previous = m_store;
    m_store = store;
    SyncError e = reconcile();
    m_store = previous;
    if (!m_store)
        endSession(); // the caller's store was attached only for this call
    return e;
}

void SyncEngine::locked()
{
    m_store = nullptr;
    endSession();
}

namespace {

store::Submission submissionOf(const store::OutboxEntry &o)
{
    store::Submission s;
    s.recordId = o.recordId;
    s.version = o.version;
    s.urgent = o.urgent;
    return s;
}

} // namespace

SyncError SyncEngine::reconcile()
{
    if (!m_store || !m_enrolment.isValid())
        return {};
    auto pending = m_store->pendingOutbox(-1);
    if (!pending)
        return {SyncErrorKind::Store, pending.error().message};
    if (m_outbox->resealThrough() > 0) {
        // Re-enrolled as another device (or with another hub): what was
        // sealed for the old one is sealed again, from the store, for this
        // one. Entries the store no longer holds go as they are.
        QList<store::Submission> held;
        for (const store::OutboxEntry &o : pending.value())
            if (m_outbox->contains(o.recordId, o.version))
                held.append(submissionOf(o));
        QList<SealedEntry> resealed;
        if (SyncError e = sealEntries(held, resealed); e)
            return e;
        if (OutboxError oe = m_outbox->resealed(resealed); oe)
            return {SyncErrorKind::Outbox, oe.message};
        qCInfo(lcSync) << "sealed" << resealed.size() << "entries again for the new enrolment";
    }
    QList<store::Submission> missing;
    int sealed = 0;
    for (const store::OutboxEntry &o : pending.value()) {
        if (m_outbox->contains(o.recordId, o.version))
            continue;
        missing.append(submissionOf(o));
        if (missing.size() >= kReconcileChunk) {
            if (SyncError e = sealAndAdd(missing); e)
                return e;
            sealed += int(missing.size());
            missing.clear();
        }
    }
    if (!missing.isEmpty()) {
        if (SyncError e = sealAndAdd(missing); e)
            return e;
        sealed += int(missing.size());
    }
    if (sealed > 0)
        qCInfo(lcSync) << "sealed" << sealed << "submissions the outbox lacked";
    refreshCounts();
    return {};
}

void SyncEngine::applyVerdictsToStore()
{
    if (!m_store || !m_outbox)
        return;
    const QList<UnappliedResult> verdicts = m_outbox->unapplied();
    if (verdicts.isEmpty())
        return;
    QList<store::OutboxOutcome> outcomes;
    for (const UnappliedResult &v : verdicts) {
        store::OutboxOutcome o;
        o.recordId = v.recordId;
        o.version = v.version;
        if (v.state == EntryState::Acknowledged) {
            o.kind = store::OutboxOutcome::Kind::Acknowledged;
        } else if (v.state == EntryState::NeedsCorrection) {
            o.kind = store::OutboxOutcome::Kind::NeedsCorrection;
            o.reason = v.reasons;
        } else if (v.state == EntryState::Conflict) {
            // A fault for the hub's staff, not the officer's to fix; but no
            // longer waiting to send either.
            o.kind = store::OutboxOutcome::Kind::HeldAtHub;
            o.reason = v.reasons;
        } else {
            continue;
        }
        outcomes.append(o);
    }
    if (const store::StoreError e = m_store->applyOutcomes(outcomes); e) {
        qCWarning(lcSync) << "could not apply" << outcomes.size() << "verdicts to the store";
        return;
    }
    m_outbox->markApplied(verdicts);
}

int SyncEngine::purgeExpired(SyncError *error)
{
    if (!m_store || !m_outbox)
        return 0;
    const qint64 cutoff = m_deps.clock->nowMs() - qint64(m_outbox->retentionHours()) * 3600 * 1000;
    int purged = 0;
    for (const QString &id : m_outbox->purgeableBefore(cutoff)) {
        const store::StoreError e = m_store->purge(id);
        if (e.ok() || e.kind == store::StoreErrorKind::NotFound) {
            m_outbox->markPurged(id);
            purged += e.ok() ? 1 : 0;
        } else if (e.kind != store::StoreErrorKind::WrongState && error) {
            *error = {SyncErrorKind::Store, e.message};
        }
        // WrongState: a newer version is still on its way; purge later.
    }
    if (purged > 0)
        qCInfo(lcSync) << "purged" << purged << "acknowledged records past retention";
    return purged;
}

// ---- sending ---------------------------------------------------------------

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
    if (m_state == State::Error)
        setState(State::Idle);
    m_backoffTimer.stop();
    m_probeTimer.stop();
    m_backoffDelayMs = 0;
    m_nextAttemptAtMs = 0;
    if (m_state == State::BackingOff)
        setState(State::Idle);
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
    if (!m_outbox || !isEnrolled() || !m_connection)
        return;
    switch (m_state) {
    case State::ReenrolmentNeeded:
    case State::Revoked:
    case State::Error:
        return;
    default:
        break;
    }
    if (m_backoffTimer.isActive())
        return;
    if (m_deps.connectivity &&
        m_deps.connectivity->reachability() == platform::Connectivity::Reachability::Offline) {
        if (requestsInFlight() == 0)
            setState(State::WaitingForNetwork);
        return;
    }
    while (m_urgent.inFlight < m_urgent.maxInFlight && sendNext(m_urgent)) {
    }
    while (m_normal.inFlight < m_normal.maxInFlight && sendNext(m_normal)) {
    }
    settle();
}

void SyncEngine::settle()
{
    // Wiped and drained: nothing will ever be sent again.
    if (m_wiped && m_state != State::Revoked && requestsInFlight() == 0 &&
        !m_backoffTimer.isActive() && m_counts.pending == 0) {
        halt(State::Revoked);
        return;
    }
    if (m_state == State::ReenrolmentNeeded || m_state == State::Revoked || m_state == State::Error)
        ;
    else if (m_backoffTimer.isActive())
        setState(State::BackingOff);
    else if (requestsInFlight() > 0)
        setState(State::Sending);
    else
        setState(State::Idle);
    if (isQuiescent())
        emit quiescent();
}

bool SyncEngine::sendNext(Lane &lane)
{
    // The other lane may just have halted, or found the outbox unreadable.
    if (m_state == State::Error || m_backoffTimer.isActive())
        return false;
    OutboxError error;
    QList<SealedEntry> entries;
    // Skip what is in flight; the cursor keeps a busy lane from rescanning.
    for (;;) {
        entries =
            m_outbox->pending(lane.urgent, lane.cursor, std::min(lane.batchLimit, batchRecordCap()),
                              batchByteCap(), &error);
        if (error) {
            // Loud, not silent, but not a dead end: a passing I/O error
            // (memory pressure, a full disk) must not keep an urgent record
            // waiting for the officer to notice. Backed off, tried again.
            qCCritical(lcSync) << "outbox read failed:" << error.message;
            emit faultReported(SyncFault::OutboxUnreadable, error.message);
            backOff(-1, false);
            return false;
        }
        if (entries.isEmpty())
            return false;
        lane.cursor = entries.last().id;
        entries.removeIf([&](const SealedEntry &e) { return lane.inFlightIds.contains(e.id); });
        if (!entries.isEmpty())
            break;
    }

    syncwire::BatchBuilder builder(m_enrolment.sealingPublicKey,
                                   syncwire::SealBinding{m_enrolment.deviceId, m_enrolment.hubId});
    const v1::SyncBatch head = builder.batch(m_outbox->takeSequence(), m_deps.clock->nowMs(),
                                             m_deps.clock->utcOffsetMinutes());
    const QByteArray body = encodeSyncBatch(head, entries);

    Batch sent;
    sent.batchId = QString::fromStdString(head.batch_id());
    sent.lane = &lane;
    sent.bodyBytes = qint64(body.size());
    for (SealedEntry &e : entries) {
        lane.inFlightIds.insert(e.id);
        e.sealed.clear(); // the request holds the bytes now
    }
    sent.entries = std::move(entries);

    QNetworkReply *reply = m_connection->post(QStringLiteral("/v1/sync"), body, authorization());
    if (!reply) {
        for (const SealedEntry &e : sent.entries)
            lane.inFlightIds.remove(e.id);
        halt(State::Error);
        emit faultReported(SyncFault::ClientBug, QStringLiteral("hub URL not allowed"));
        return false;
    }
    ++lane.inFlight;
    ++m_stats.requests;
    m_stats.sent += sent.entries.size();
    qCDebug(lcSync) << "batch" << sent.batchId << (lane.urgent ? "urgent" : "normal")
                    << sent.entries.size() << "records";
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
    Lane &lane = *batch.lane;
    --lane.inFlight;
    for (const SealedEntry &e : batch.entries)
        lane.inFlightIds.remove(e.id);

    int status = 0;
    const TransportOutcome outcome = m_connection->outcome(reply, &status);
    const QByteArray body = reply->readAll();
    m_stats.bytesOnWire += HubConnection::bytesOnWire(reply, batch.bodyBytes) + body.size();
    // Whatever was not answered must be looked at again from the start.
    auto rewind = [&lane] { lane.cursor = 0; };

    if (outcome == TransportOutcome::PinMismatch) {
        qCWarning(lcSync) << "batch" << batch.batchId << "refused: the hub's key matches no pin";
        emit faultReported(SyncFault::PinMismatch, batch.batchId);
        rewind();
        backOff(-1, false);
        return;
    }
    if (outcome != TransportOutcome::Answered) {
        ++m_stats.networkErrors;
        const qint64 uploaded = *batch.uploaded;
        qCInfo(lcSync) << "batch" << batch.batchId << "network error" << reply->error() << "after"
                       << uploaded << "of" << batch.bodyBytes << "bytes";
        rewind();
        // The hub answers an oversized body with a readable 413, but a proxy
        // with a smaller body limit may cut the upload instead. Only a
        // connection lost part way through the upload says so (offline or
        // refused sends nothing; a timeout comes after the whole body): then
        // send less.
        // Bytes handed to the socket are not bytes the server read: a proxy
        // that resets after the whole body fit in the send buffer looks
        // like a timeout. So, as a backstop, several network errors in a
        // row with the whole body handed over send less too (a success
        // doubles the limit again).
        const bool cut = uploaded > 0 && uploaded < batch.bodyBytes;
        const bool repeated =
            uploaded >= batch.bodyBytes && m_failures >= kNetworkErrorsBeforeSplit;
        if ((cut || repeated) && batch.entries.size() > 1) {
            lane.batchLimit = std::max(1, int(batch.entries.size() / 2));
            qCInfo(lcSync) << (cut ? "upload cut part way;" : "repeated network errors;")
                           << "next batches at most" << lane.batchLimit << "records";
        }
        backOff(-1, true);
        return;
    }

    if (status >= 200 && status < 300) {
        QString why;
        if (!applyReceipt(body, batch, &why)) {
            qCWarning(lcSync) << "batch" << batch.batchId << "status" << status
                              << "is not a receipt:" << why;
            emit faultReported(SyncFault::NotAReceipt, batch.batchId);
            rewind();
            backOff(-1, false);
            return;
        }
        m_failures = 0;
        m_lastFailureWasNetwork = false;
        if (lane.batchLimit < m_options.maxBatchRecords)
            lane.batchLimit = std::min(m_options.maxBatchRecords, lane.batchLimit * 2);
        pump();
        return;
    }
    if (status >= 300 && status < 400) {
        qCWarning(lcSync) << "batch" << batch.batchId << "redirected (" << status
                          << "): nothing sent";
        emit faultReported(SyncFault::Redirect, batch.batchId);
        rewind();
        backOff(-1, false);
        return;
    }
    switch (status) {
    case 401:
        qCWarning(lcSync) << "device" << m_enrolment.deviceId
                          << "not authorised: re-enrolment needed";
        emit faultReported(SyncFault::Unauthorised, m_enrolment.deviceId);
        rewind();
        halt(State::ReenrolmentNeeded);
        return;
    case 403: {
        v1::SyncReceipt receipt;
        if (!parseMessage(body, &receipt) || !receipt.policy().wipe() ||
            QString::fromStdString(receipt.hub_id()) != m_enrolment.hubId) {
            qCWarning(lcSync) << "batch" << batch.batchId << "403 without a valid wipe order";
            emit faultReported(SyncFault::ClientBug, QStringLiteral("403"));
            rewind();
            halt(State::Error);
            return;
        }
        // outcome() == Answered means pinned TLS or plain loopback. A wipe
        // order that is also this batch's receipt means the hub still takes
        // what this device holds (sealed to the hub, so lost if not sent):
        // record the verdicts first, wipe, and drain the rest; settle()
        // stops in Revoked once nothing is pending.
        QString why;
        if (applyReceipt(body, batch, &why)) {
            m_failures = 0;
            m_lastFailureWasNetwork = false;
            wipeOnce();
            pump();
            return;
        }
        qCInfo(lcSync) << "batch" << batch.batchId << "wipe order without its receipt:" << why;
        wipeOnce();
        rewind();
        halt(State::Revoked);
        return;
    }
    case 413: {
        rewind();
        // The hub's 413 states its limits: later batches fit at once.
        const QJsonObject refusal = QJsonDocument::fromJson(body).object();
        v1::DevicePolicy stated;
        stated.set_max_body_bytes(quint64(
            std::max<qint64>(0, refusal.value(QStringLiteral("max_body_bytes")).toInteger())));
        stated.set_max_batch_records(quint32(
            std::max<qint64>(0, refusal.value(QStringLiteral("max_batch_records")).toInteger())));
        learnHubLimits(stated, false);
        if (batch.entries.size() > 1) {
            lane.batchLimit = std::max(1, int(batch.entries.size() / 2));
            ++m_stats.splits;
            qCInfo(lcSync) << "batch" << batch.batchId << "too large; splitting to"
                           << lane.batchLimit << "records";
            pump();
        } else {
            // One record the hub will never take whole: it needs correcting,
            // and nothing behind it waits.
            const SealedEntry &e = batch.entries.first();
            m_outbox->record(
                {{e.recordId, e.version, EntryState::NeedsCorrection,
                  QStringLiteral(
                      ": record_too_large: The record is larger than the hub accepts.")}},
                m_deps.clock->nowMs());
            ++m_stats.needsCorrection;
            applyVerdictsToStore();
            refreshCounts();
            pump();
        }
        return;
    }
    case 500:
    case 502:
    case 503:
    case 504:
        rewind();
        backOff(HubConnection::retryAfterSeconds(reply), false);
        return;
    default:
        qCWarning(lcSync) << "batch" << batch.batchId << "refused with status" << status;
        emit faultReported(SyncFault::ClientBug, QString::number(status));
        rewind();
        halt(State::Error);
        return;
    }
}

bool SyncEngine::applyReceipt(const QByteArray &body, const Batch &batch, QString *why)
{
    v1::SyncReceipt receipt;
    if (!parseMessage(body, &receipt)) {
        *why = QStringLiteral("undecodable");
        return false;
    }
    if (QString::fromStdString(receipt.batch_id()) != batch.batchId) {
        *why = QStringLiteral("batch id differs");
        return false;
    }
    if (QString::fromStdString(receipt.hub_id()) != m_enrolment.hubId) {
        *why = QStringLiteral("hub id differs");
        return false;
    }
    if (receipt.results_size() != batch.entries.size()) {
        *why = QStringLiteral("result count differs");
        return false;
    }
    QList<EntryResult> results;
    results.reserve(batch.entries.size());
    int conflicts = 0;
    for (int i = 0; i < receipt.results_size(); ++i) {
        const v1::RecordResult &r = receipt.results(i);
        const SealedEntry &e = batch.entries.at(i);
        if (QString::fromStdString(r.record_id()) != e.recordId || int(r.version()) != e.version) {
            *why = QStringLiteral("results out of order");
            return false;
        }
        EntryResult out{e.recordId, e.version, EntryState::Pending, {}};
        out.entryId = e.id;
        switch (r.result()) {
        case v1::RecordResult::RESULT_ACCEPTED:
        case v1::RecordResult::RESULT_DUPLICATE:
            out.state = EntryState::Acknowledged;
            break;
        case v1::RecordResult::RESULT_REJECTED:
            out.state = EntryState::NeedsCorrection;
            out.reasons = reasonsText(r);
            break;
        case v1::RecordResult::RESULT_CONFLICT:
            out.state = EntryState::Conflict;
            out.reasons =
                QStringLiteral(": conflict: The hub holds this version with another hash.");
            ++conflicts;
            break;
        default:
            *why = QStringLiteral("unknown result");
            return false;
        }
        results.append(out);
    }
    const qint64 now = m_deps.clock->nowMs();
    if (OutboxError e = m_outbox->record(results, now); e) {
        *why = QStringLiteral("outbox write failed");
        return false;
    }
    for (const EntryResult &r : results) {
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
    Q_UNUSED(conflicts);
    if (receipt.has_policy() && receipt.policy().retention_hours() > 0)
        m_outbox->setRetentionHours(int(receipt.policy().retention_hours()));
    learnHubLimits(receipt.policy(), false);
    applyVerdictsToStore();
    refreshCounts();
    emit lastSuccessfulSyncChanged();
    emit entriesDecided(results);
    return true;
}

void SyncEngine::backOff(int retryAfterSeconds, bool networkFailure)
{
    ++m_failures;
    m_lastFailureWasNetwork = networkFailure;
    const qint64 delay = retryAfterSeconds >= 0
                             ? m_options.backoff.retryAfterMs(retryAfterSeconds)
                             : m_options.backoff.delayMs(m_failures, m_deps.random);
    // A later failure never shortens a wait already promised to the hub.
    const qint64 at = m_deps.clock->nowMs() + delay;
    if (!m_backoffTimer.isActive() || at > m_nextAttemptAtMs) {
        m_backoffDelayMs = delay;
        m_nextAttemptAtMs = at;
        m_backoffTimer.start(int(std::min<qint64>(delay, std::numeric_limits<int>::max())));
    }
    qCInfo(lcSync) << "backing off" << m_backoffDelayMs << "ms after" << m_failures << "failures";
    if (networkFailure && m_deps.connectivity &&
        m_deps.connectivity->reachability() == platform::Connectivity::Reachability::Unknown &&
        m_backoffDelayMs > m_options.healthProbeMs)
        m_probeTimer.start();
    settle();
}

void SyncEngine::halt(State s)
{
    // The lanes answer in any order: a lesser stop arriving after a more
    // decisive one (an Error from one lane after the other's 401 or wipe
    // order) does not undo it. Revoked > re-enrolment needed > error.
    auto rank = [](State x) {
        return x == State::Revoked             ? 3
               : x == State::ReenrolmentNeeded ? 2
               : x == State::Error             ? 1
                                               : 0;
    };
    if (rank(s) > 0 && rank(m_state) > rank(s)) {
        qCInfo(lcSync) << "staying" << m_state << "rather than" << s;
        return;
    }
    m_backoffTimer.stop();
    m_probeTimer.stop();
    m_backoffDelayMs = 0;
    m_nextAttemptAtMs = 0;
    setState(s);
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
    m_store = nullptr; // the handler destroys it
    endSession();
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
    if (OutboxError e = m_outbox->setWipeOrdered(); e)
        qCWarning(lcSync) << "could not note the wipe order:" << e.message;
}

void SyncEngine::onConnectivity()
{
    const auto r = m_deps.connectivity->reachability();
    if (r == platform::Connectivity::Reachability::Offline) {
        if (requestsInFlight() == 0 && m_state != State::ReenrolmentNeeded &&
            m_state != State::Revoked && m_state != State::Error)
            setState(State::WaitingForNetwork);
        return;
    }
    // Regained (or at least not known to be offline): try at once.
    if (m_state == State::WaitingForNetwork)
        setState(State::Idle);
    if (m_state == State::BackingOff && m_lastFailureWasNetwork) {
        m_backoffTimer.stop();
        m_backoffDelayMs = 0;
    }
    pump();
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
        if (m_state == State::BackingOff && m_lastFailureWasNetwork) {
            m_backoffTimer.stop();
            m_backoffDelayMs = 0;
            pump();
        }
    });
}

} // namespace safeguard::syncclient
