#include "hubserver.h"

#include "batchingestor.h"
#include "deviceregistry.h"
#include "hubidentity.h"
#include "hublog.h"
#include "hubstore.h"
#include "protocol/loopbackaddress.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <arpa/inet.h>
#include <cstdarg>
#include <cstring>
#include <microhttpd.h>
#include <netinet/in.h>
#include <optional>

namespace safeguard::hub {

namespace {

constexpr const char *kProtobuf = "application/x-protobuf";

enum class Route
{
    Health,
    Enrol,
    Sync
};

MHD_Result accessTrampoline(void *cls, MHD_Connection *connection, const char *url,
                            const char *method, const char *, const char *uploadData,
                            size_t *uploadDataSize, void **requestState)
{
    return static_cast<HubServer *>(cls)->handle(connection, url, method, uploadData,
                                                 uploadDataSize, requestState)
               ? MHD_YES
               : MHD_NO;
}

void completedTrampoline(void *cls, MHD_Connection *, void **requestState,
                         MHD_RequestTerminationCode)
{
    static_cast<HubServer *>(cls)->completed(static_cast<HubServer::Request *>(*requestState));
    *requestState = nullptr;
}

void mhdLogger(void *, const char *format, va_list ap)
{
    char text[512];
    std::vsnprintf(text, sizeof text, format, ap);
    QString message = QString::fromUtf8(text).trimmed();
    HubLog::event("http_error", {{QStringLiteral("detail"), message.left(200)}});
}

QByteArray header(MHD_Connection *connection, const char *name)
{
    const char *value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
    return value ? QByteArray(value) : QByteArray();
}

bool hasHeader(MHD_Connection *connection, const char *name)
{
    return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name) != nullptr;
}

QByteArray serialize(const google::protobuf::MessageLite &message)
{
    const std::string bytes = message.SerializeAsString();
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

QByteArray errorJson(const char *reason)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), QString::fromLatin1(reason)}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

struct HubServer::Request
{
    Route route = Route::Health;
    qint64 limit = 0;
    // Past this many body bytes the connection is dropped: the limit, or
    // discardAllowance() once the client is known (a device, or enrolment).
    qint64 discardLimit = 0;
    QByteArray body;
    qint64 received = 0;
    QString deviceId;
    QString officerId;           // of the authenticated device
    QByteArray signingPublicKey; // its Ed25519 key from enrolment
    // Revoked but holding its credential: the batch is still ingested (what
    // the device had not sent is sealed to this hub and would be lost), and
    // every answer that is not "send less" or "try later" is a 403 with the
    // wipe order.
    bool revoked = false;
    bool holdsSlot = false;
    bool responded = false;
    // A refusal decided from the headers while the client is still sending a
    // body of acceptable size is held until the body has been read: answering
    // and closing mid-upload makes the client's TCP stack reset the
    // connection, and clients such as QNetworkAccessManager then never see
    // the status (a device would retry a 401 or a wipe order as a network
    // error for ever, and could not tell a 413 from a cut connection).
    // Bodies declared over discardLimit are still refused at once.
    bool deferRefusals = false;
    struct Deferred
    {
        unsigned status = 0;
        QByteArray body;
        const char *contentType = nullptr; // always a string literal
        QByteArray reason;                 // owned: the caller's may be a temporary
    };
    std::optional<Deferred> deferred;
};

HubServer::HubServer(HubStore &store, DeviceRegistry &registry, BatchIngestor &ingestor,
                     QString hubId, ServerOptions options)
    : m_store(store)
    , m_registry(registry)
    , m_ingestor(ingestor)
    , m_hubId(std::move(hubId))
    , m_certificateNotAfterMs(HubIdentity::certificateNotAfterMs(options.certPem))
    , m_options(std::move(options))
    , m_anonymousRefusals(m_options.anonymousAuditIntervalMs)
    , m_sightings(store)
{}

HubServer::~HubServer()
{
    stop();
}

qint64 HubServer::discardAllowance(qint64 limit, qint64 floor)
{
    return std::max(limit, std::min(std::max(4 * limit, floor), kMaxDiscardBytes));
}

QByteArray HubServer::tooLargeJson(const Request &request, const char *reason) const
{
    QJsonObject o{{QStringLiteral("error"), QString::fromLatin1(reason)}};
    if (request.route == Route::Sync) {
        o.insert(QStringLiteral("max_body_bytes"), m_options.maxBodyBytes);
        o.insert(QStringLiteral("max_batch_records"), protocol::Limits::kMaxBatchRecords);
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void HubServer::tellLimits(v1::DevicePolicy *policy) const
{
    policy->set_max_body_bytes(quint64(m_options.maxBodyBytes));
    policy->set_max_batch_records(quint32(protocol::Limits::kMaxBatchRecords));
    policy->clear_seal_schemes();
    policy->add_seal_schemes(v1::SEAL_SCHEME_SESSION_XCHACHA20);
    policy->set_max_offline_days(m_options.maxOfflineDays);
}

bool HubServer::isLoopbackHost(const QString &host)
{
    return protocol::isLoopbackLiteral(host);
}

ServerError HubServer::start()
{
    const qsizetype colon = m_options.listen.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const uint port = colon > 0 ? m_options.listen.mid(colon + 1).toUInt(&portOk) : 0;
    // An address, never a name: "localhost" is whatever the resolver says,
    // and plain HTTP is allowed on loopback only.
    const QString host = colon > 0 ? m_options.listen.left(colon) : QString();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(quint16(port));
    if (!portOk || port > 65535 ||
        inet_pton(AF_INET, host.toLatin1().constData(), &address.sin_addr) != 1)
        return {ServerErrorKind::BadListenAddress,
                QStringLiteral("--listen wants IPV4:PORT with an address, not a name, e.g. "
                               "127.0.0.1:8443 (got %1)")
                    .arg(m_options.listen)};
    if (m_options.plainHttp && !isLoopbackHost(host))
        return {ServerErrorKind::PlainHttpNotLoopback,
                QStringLiteral(
                    "--plain-http is allowed only on a loopback address; use HTTPS elsewhere")};

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (!m_options.plainHttp) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return {ServerErrorKind::TlsUnsupported,
                    QStringLiteral("this libmicrohttpd has no TLS support")};
        if (m_options.keyPem.isEmpty())
            return {ServerErrorKind::NoTlsKey,
                    QStringLiteral("no TLS key (a server uses its key once, at its first start)")};
        flags |= MHD_USE_TLS;
    }
    // MHD wants NUL-terminated PEM; SecretBytes keeps a NUL after the key.
    const QByteArray cert = m_options.certPem + '\0';
    MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char *>(cert.constData())},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char *>(m_options.keyPem.c_str())},
        {MHD_OPTION_HTTPS_PRIORITIES, 0,
         const_cast<char *>("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")},
        {MHD_OPTION_END, 0, nullptr},
    };
    MHD_OptionItem none[] = {{MHD_OPTION_END, 0, nullptr}};
    m_daemon = MHD_start_daemon(
        flags, quint16(port), nullptr, nullptr, &accessTrampoline, this, MHD_OPTION_EXTERNAL_LOGGER,
        &mhdLogger, nullptr, MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&address),
        MHD_OPTION_THREAD_POOL_SIZE, m_options.threads, MHD_OPTION_CONNECTION_LIMIT,
        m_options.connectionLimit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        m_options.perIpConnectionLimit, MHD_OPTION_CONNECTION_TIMEOUT,
        m_options.connectionTimeoutSecs, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        m_options.connectionMemoryLimit, MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_NOTIFY_COMPLETED, &completedTrampoline, this, MHD_OPTION_ARRAY,
        m_options.plainHttp ? none : tls, MHD_OPTION_END);
    // MHD_start_daemon has had GnuTLS parse the key into its credentials
    // (MHD_TLS_init -> gnutls_certificate_set_x509_key_mem); MHD keeps only
    // our pointer, which it never reads again. Our copy goes now, so the
    // only one left is GnuTLS's (docs/SECURITY.md, "The hub").
    m_options.keyPem.wipe();
    if (!m_daemon)
        return {ServerErrorKind::CannotListen,
                QStringLiteral("cannot listen on %1").arg(m_options.listen)};
    const MHD_DaemonInfo *info = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_BIND_PORT);
    const uint bound = info ? info->port : port;
    m_url = QStringLiteral("%1://%2:%3")
                .arg(m_options.plainHttp ? QStringLiteral("http") : QStringLiteral("https"), host)
                .arg(bound);
    return {};
}

void HubServer::stop()
{
    if (m_daemon) {
        MHD_stop_daemon(m_daemon);
        m_daemon = nullptr;
    }
    // In-flight requests have finished: what is still counted goes on record.
    m_sightings.flush();
    if (auto summary = m_anonymousRefusals.takeDue(QDateTime::currentMSecsSinceEpoch(), true))
        writeAnonymousSummary(*summary);
}

void HubServer::completed(Request *request)
{
    if (!request)
        return;
    if (request->holdsSlot)
        --m_inflight;
    delete request;
}

int HubServer::respond(MHD_Connection *connection, Request &request, unsigned status,
                       const QByteArray &body, const char *contentType, const char *refusalReason)
{
    if (request.deferRefusals) {
        request.deferred = Request::Deferred{
            status, body, contentType, refusalReason ? QByteArray(refusalReason) : QByteArray()};
        request.deferRefusals = false;
        return 1;
    }
    request.responded = true;
    MHD_Response *response = MHD_create_response_from_buffer(
        size_t(body.size()), const_cast<char *>(body.constData()), MHD_RESPMEM_MUST_COPY);
    if (!response)
        return 0;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, contentType);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER,
                                QByteArray::number(m_options.retryAfterSecs).constData());
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    const MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    if (refusalReason)
        auditRefusal(request, status, refusalReason);
    else if (auto summary = m_anonymousRefusals.takeDue(QDateTime::currentMSecsSinceEpoch()))
        writeAnonymousSummary(*summary);
    return queued == MHD_YES;
}

void HubServer::auditRefusal(const Request &request, unsigned status, const char *reason)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // A refusal that names no known device costs no fsync and no log line
    // of its own: one client on a keep-alive connection could otherwise make
    // thousands of durable writes a second under the store's lock and slow
    // every device's ingest.
    if (request.deviceId.isEmpty()) {
        if (auto summary = m_anonymousRefusals.add(int(status), now))
            writeAnonymousSummary(*summary);
        return;
    }
    m_store.auditRefusedRequest(now, int(status), QString::fromLatin1(reason), request.deviceId);
    HubLog::event("request_refused", {{QStringLiteral("status"), int(status)},
                                      {QStringLiteral("reason"), QString::fromLatin1(reason)},
                                      {QStringLiteral("device_id"), request.deviceId}});
}

void HubServer::writeAnonymousSummary(const AnonymousRefusalTally::Summary &summary)
{
    QJsonObject byStatus;
    for (const auto &[status, count] : summary.byStatus)
        byStatus.insert(QString::number(status), count);
    const QJsonObject detail{{QStringLiteral("count"), summary.total},
                             {QStringLiteral("by_status"), byStatus},
                             {QStringLiteral("from_ms"), summary.fromMs},
                             {QStringLiteral("to_ms"), summary.toMs}};
    m_store.auditAnonymousRefusals(
        summary.toMs, QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact)));
    HubLog::event("anonymous_refusals", detail);
}

int HubServer::refuseCredentials(MHD_Connection *connection, Request &request, AuthOutcome outcome)
{
    if (outcome == AuthOutcome::StoreFailed)
        return respond(connection, request, MHD_HTTP_SERVICE_UNAVAILABLE,
                       errorJson("store_unavailable"), "application/json", "store_unavailable");
    const char *reason =
        outcome == AuthOutcome::Missing ? "credentials_missing" : "credentials_invalid";
    return respond(connection, request, MHD_HTTP_UNAUTHORIZED, errorJson(reason),
                   "application/json", reason);
}

namespace {
// More than any device could count in its life (ten per vault before a wipe).
constexpr uint kMaxUnlockReport = 1000000;
} // namespace

int HubServer::respondWipe(MHD_Connection *connection, Request &request)
{
    v1::SyncReceipt receipt = m_ingestor.wipeReceipt(request.deviceId);
    tellLimits(receipt.mutable_policy());
    // A revoked device that keeps calling (every check-in) is audited once
    // per device per interval, not with a durable row per call.
    const bool audit =
        m_sightings.auditRevoked(request.deviceId, QDateTime::currentMSecsSinceEpoch());
    return respond(connection, request, MHD_HTTP_FORBIDDEN, serialize(receipt), kProtobuf,
                   audit ? "device_revoked" : nullptr);
}

int HubServer::handle(MHD_Connection *connection, const char *url, const char *method,
                      const char *uploadData, size_t *uploadDataSize, void **requestState)
{
    if (*requestState == nullptr) {
        auto *request = new Request;
        *requestState = request;
        return firstCall(connection, *request, url, method);
    }
    Request &request = *static_cast<Request *>(*requestState);
    if (request.responded) {
        // Already answered from the headers: drop whatever still arrives,
        // and the connection past the allowance.
        request.received += qint64(*uploadDataSize);
        *uploadDataSize = 0;
        return request.received > request.discardLimit ? 0 : 1;
    }
    if (request.deferred) {
        if (*uploadDataSize != 0) {
            // Read and dropped (a chunked body may run past what it could
            // declare): the answer goes once the body is in.
            request.received += qint64(*uploadDataSize);
            *uploadDataSize = 0;
            return request.received > request.discardLimit ? 0 : 1;
        }
        const Request::Deferred d = *request.deferred;
        return respond(connection, request, d.status, d.body, d.contentType,
                       d.reason.isEmpty() ? nullptr : d.reason.constData());
    }
    if (*uploadDataSize != 0) {
        request.received += qint64(*uploadDataSize);
        // Chunked bodies declare no length: cap what actually arrives. Past
        // the limit nothing is kept and finish() answers 413; past the
        // allowance the client is hostile: drop the connection.
        if (request.received > request.discardLimit)
            return 0;
        if (request.received <= request.limit)
            request.body.append(uploadData, qsizetype(*uploadDataSize));
        else if (!request.body.isNull())
            request.body = QByteArray();
        *uploadDataSize = 0;
        return 1;
    }
    return finish(connection, request);
}

int HubServer::firstCall(MHD_Connection *connection, Request &request, const char *url,
                         const char *method)
{
    const bool get = std::strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    const bool post = std::strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    const bool head = std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (std::strcmp(url, "/healthz") == 0) {
        if (!get && !head)
            return respond(connection, request, MHD_HTTP_METHOD_NOT_ALLOWED,
                           errorJson("method_not_allowed"), "application/json",
                           "method_not_allowed");
        const bool up = m_store.ping();
        QJsonObject o =
            up ? QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")},
                             {QStringLiteral("hub_id"), m_hubId}}
               : QJsonObject{{QStringLiteral("status"), QStringLiteral("database_unavailable")}};
        // Devices pinned to the key sync past the certificate's end, but
        // operators are told well before (renew-cert keeps the key).
        if (!m_options.plainHttp) {
            const QJsonObject cert = HubIdentity::certificateStatus(
                m_certificateNotAfterMs, QDateTime::currentMSecsSinceEpoch());
            for (auto it = cert.begin(); it != cert.end(); ++it)
                o.insert(it.key(), it.value());
        }
        return respond(connection, request, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                       QJsonDocument(o).toJson(QJsonDocument::Compact), "application/json",
                       nullptr);
    }
    if (std::strcmp(url, "/v1/device/status") == 0) {
        // The check-in: a device with nothing to send still learns its
        // policy and, revoked, its wipe order (the same 403 as on sync).
        if (!get)
            return respond(connection, request, MHD_HTTP_METHOD_NOT_ALLOWED,
                           errorJson("method_not_allowed"), "application/json",
                           "method_not_allowed");
        const AuthResult auth =
            m_registry.authenticate(header(connection, MHD_HTTP_HEADER_AUTHORIZATION));
        request.deviceId = auth.deviceId;
        switch (auth.outcome) {
        case AuthOutcome::Authenticated: {
            // The device's own count of failed unlocks and lockouts, totals
            // since its vault was made (absent from an older app).
            std::optional<UnlockReport> report;
            const char *failed =
                MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "failed_unlocks");
            const char *lockouts =
                MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "lockouts");
            if (failed || lockouts) {
                bool okFailed = false, okLockouts = false;
                const uint f = QByteArray(failed ? failed : "0").toUInt(&okFailed);
                const uint l = QByteArray(lockouts ? lockouts : "0").toUInt(&okLockouts);
                if (!okFailed || !okLockouts || f > kMaxUnlockReport || l > kMaxUnlockReport)
                    return respond(connection, request, MHD_HTTP_BAD_REQUEST,
                                   errorJson("bad_unlock_report"), "application/json",
                                   "bad_unlock_report");
                report = UnlockReport{f, l};
            }
            m_sightings.seen(auth.deviceId, auth.officerId, QDateTime::currentMSecsSinceEpoch(),
                             report);
            v1::SyncReceipt status;
            status.set_hub_id(m_hubId.toStdString());
            status.mutable_received_at()->set_unix_ms(QDateTime::currentMSecsSinceEpoch());
            status.mutable_policy()->set_retention_hours(DeviceRegistry::kDefaultRetentionHours);
            tellLimits(status.mutable_policy());
            if (const v1::RiskInstrument *offered = m_ingestor.offeredInstrument()) {
                // The force's instrument, its definition left out when the
                // device says (by its hash) that it holds it already.
                v1::RiskInstrument *instrument = status.mutable_policy()->mutable_risk_instrument();
                *instrument = *offered;
                // An app that does not ask (older than the field) is not
                // sent a definition it would only throw away.
                const char *held = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND,
                                                               "risk_instrument");
                if (!held || QByteArray::fromHex(QByteArray(held)) ==
                                 QByteArray::fromStdString(offered->sha256()))
                    instrument->clear_definition();
            }
            return respond(connection, request, MHD_HTTP_OK, serialize(status), kProtobuf, nullptr);
        }
        case AuthOutcome::Revoked:
            return respondWipe(connection, request);
        case AuthOutcome::Missing:
        case AuthOutcome::Invalid:
        case AuthOutcome::StoreFailed:
            return refuseCredentials(connection, request, auth.outcome);
        }
    }
    if (std::strcmp(url, "/v1/devices/enrol") == 0) {
        request.route = Route::Enrol;
        request.limit = m_options.maxEnrolmentBytes;
        request.discardLimit = discardAllowance(request.limit);
    } else if (std::strcmp(url, "/v1/sync") == 0) {
        request.route = Route::Sync;
        request.limit = m_options.maxBodyBytes;
        request.discardLimit = request.limit; // until the device is known
    } else {
        return respond(connection, request, MHD_HTTP_NOT_FOUND, errorJson("not_found"),
                       "application/json", "not_found");
    }
    if (!post)
        return respond(connection, request, MHD_HTTP_METHOD_NOT_ALLOWED,
                       errorJson("method_not_allowed"), "application/json", "method_not_allowed");

    // Request smuggling: a proxy and the hub could disagree on where the body ends.
    if (hasHeader(connection, MHD_HTTP_HEADER_CONTENT_LENGTH) &&
        hasHeader(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return respond(connection, request, MHD_HTTP_BAD_REQUEST,
                       errorJson("conflicting_length_headers"), "application/json",
                       "conflicting_length_headers");

    {
        bool ok = false;
        const QByteArray length = header(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const qint64 declared = length.trimmed().toLongLong(&ok);
        request.deferRefusals =
            length.isEmpty() || (ok && declared > 0 && declared <= request.limit);
    }

    if (request.route == Route::Sync) {
        const AuthResult auth =
            m_registry.authenticate(header(connection, MHD_HTTP_HEADER_AUTHORIZATION));
        request.deviceId = auth.deviceId;
        request.officerId = auth.officerId;
        request.signingPublicKey = auth.signingPublicKey;
        // Only an enrolled device in good standing gets its stale over-limit
        // batch read to a readable 413; a revoked credential may be in
        // hostile hands and gets the plain limit.
        if (auth.outcome == AuthOutcome::Authenticated)
            request.discardLimit =
                discardAllowance(request.limit, protocol::Limits::kMaxBatchBytes);
        switch (auth.outcome) {
        case AuthOutcome::Authenticated:
            m_sightings.seen(auth.deviceId, auth.officerId, QDateTime::currentMSecsSinceEpoch());
            break;
        case AuthOutcome::Missing:
        case AuthOutcome::Invalid:
        case AuthOutcome::StoreFailed:
            return refuseCredentials(connection, request, auth.outcome);
        case AuthOutcome::Revoked:
            request.revoked = true;
            break;
        }
    }

    QByteArray contentType = header(connection, MHD_HTTP_HEADER_CONTENT_TYPE);
    contentType =
        contentType
            .left(contentType.indexOf(';') < 0 ? contentType.size() : contentType.indexOf(';'))
            .trimmed()
            .toLower();
    if (contentType != kProtobuf && request.revoked)
        return respondWipe(connection, request);
    if (contentType != kProtobuf)
        return respond(connection, request, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                       errorJson("unsupported_media_type"), "application/json",
                       "unsupported_media_type");

    const QByteArray lengthText = header(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!lengthText.isEmpty()) {
        bool ok = false;
        const qint64 length = lengthText.trimmed().toLongLong(&ok);
        if ((!ok || length < 0) && request.revoked)
            return respondWipe(connection, request);
        if (!ok || length < 0)
            return respond(connection, request, MHD_HTTP_BAD_REQUEST,
                           errorJson("invalid_content_length"), "application/json",
                           "invalid_content_length");
        if (length > request.limit) {
            // Within the allowance the body is read and dropped first, so
            // the client reads the 413 and sends less; beyond it, at once.
            request.deferRefusals = length <= request.discardLimit;
            return respond(connection, request, MHD_HTTP_CONTENT_TOO_LARGE,
                           tooLargeJson(request, "body_too_large"), "application/json",
                           "body_too_large");
        }
        request.body.reserve(qsizetype(length));
    }

    if (request.route == Route::Sync) {
        if (m_inflight.fetch_add(1) >= m_options.maxInflight) {
            --m_inflight;
            return respond(connection, request, MHD_HTTP_SERVICE_UNAVAILABLE,
                           errorJson("overloaded"), "application/json", "overloaded");
        }
        request.holdsSlot = true;
    }
    return 1;
}

int HubServer::finish(MHD_Connection *connection, Request &request)
{
    // The whole body is in: every answer from here on goes out at once.
    request.deferRefusals = false;
    if (request.received > request.limit)
        return respond(connection, request, MHD_HTTP_CONTENT_TOO_LARGE,
                       tooLargeJson(request, "body_too_large"), "application/json",
                       "body_too_large");
    if (request.route == Route::Enrol) {
        v1::EnrolmentRequest enrolment;
        if (!enrolment.ParseFromArray(request.body.constData(), int(request.body.size())))
            return respond(connection, request, MHD_HTTP_BAD_REQUEST, errorJson("undecodable"),
                           "application/json", "undecodable");
        EnrolmentResult result = m_registry.enrol(enrolment, m_hubId);
        switch (result.outcome) {
        case RedeemOutcome::Enrolled:
            HubLog::event("device_enrolled",
                          {{QStringLiteral("device_id"),
                            QString::fromStdString(result.response.device_id())}});
            tellLimits(result.response.mutable_policy());
            return respond(connection, request, MHD_HTTP_OK, serialize(result.response), kProtobuf,
                           nullptr);
        case RedeemOutcome::UnknownCode:
        case RedeemOutcome::WrongSecret:
            return respond(connection, request, MHD_HTTP_UNAUTHORIZED, errorJson("code_invalid"),
                           "application/json", "enrolment_code_invalid");
        case RedeemOutcome::AlreadyUsed:
            return respond(connection, request, MHD_HTTP_GONE, errorJson("code_used"),
                           "application/json", "enrolment_code_used");
        case RedeemOutcome::Malformed:
            return respond(connection, request, MHD_HTTP_BAD_REQUEST,
                           errorJson("credential_malformed"), "application/json",
                           "enrolment_credential_malformed");
        case RedeemOutcome::Expired:
            return respond(connection, request, MHD_HTTP_GONE, errorJson("code_expired"),
                           "application/json", "enrolment_code_expired");
        case RedeemOutcome::StoreFailed:
            return respond(connection, request, MHD_HTTP_SERVICE_UNAVAILABLE,
                           errorJson("store_unavailable"), "application/json", "store_unavailable");
        }
    }
    IngestResult result =
        m_ingestor.ingest(request.body, {request.deviceId, request.officerId, request.revoked,
                                         request.signingPublicKey});
    tellLimits(result.receipt.mutable_policy());
    const QByteArray reason = result.reason.toLatin1();
    switch (result.error) {
    case IngestError::None:
        if (request.revoked)
            return respond(connection, request, MHD_HTTP_FORBIDDEN, serialize(result.receipt),
                           kProtobuf, "device_revoked");
        return respond(connection, request, MHD_HTTP_OK, serialize(result.receipt), kProtobuf,
                       nullptr);
    case IngestError::Undecodable:
    case IngestError::DeviceMismatch:
        if (request.revoked)
            return respondWipe(connection, request);
        return respond(connection, request, MHD_HTTP_BAD_REQUEST, errorJson(reason.constData()),
                       "application/json", reason.constData());
    case IngestError::TooManyRecords:
        return respond(connection, request, MHD_HTTP_CONTENT_TOO_LARGE,
                       tooLargeJson(request, reason.constData()), "application/json",
                       reason.constData());
    case IngestError::StoreFailed:
        return respond(connection, request, MHD_HTTP_SERVICE_UNAVAILABLE,
                       errorJson(reason.constData()), "application/json", reason.constData());
    }
    return 0;
}

} // namespace safeguard::hub
