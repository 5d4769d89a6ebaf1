#pragma once

#include "anonymousrefusaltally.h"
#include "deviceregistry.h"
#include "devicesightings.h"
#include "protocol/limits.h"
#include "secretbytes.h"

#include <QByteArray>
#include <QString>
#include <atomic>

struct MHD_Daemon;
namespace safeguard::v1 {
class DevicePolicy;
}
struct MHD_Connection;

namespace safeguard::hub {

class BatchIngestor;
class DeviceRegistry;
class HubStore;

enum class ServerErrorKind
{
    None,
    BadListenAddress,
    PlainHttpNotLoopback,
    TlsUnsupported,
    NoTlsKey, // HTTPS without a key, or a second start(): the key is used once
    CannotListen
};

struct ServerError
{
    ServerErrorKind kind = ServerErrorKind::None;
    QString message;
    bool ok() const { return kind == ServerErrorKind::None; }
};

struct ServerOptions
{
    QString listen = QStringLiteral("127.0.0.1:8443"); // HOST:PORT, IPv4; port 0 picks a free one
    bool plainHttp = false;                            // only on a loopback address
    QByteArray certPem;                                // for HTTPS
    // For HTTPS. start() hands it to libmicrohttpd, whose GnuTLS parses it
    // into its own structures, and then wipes it.
    SecretBytes keyPem;
    qint64 maxBodyBytes = protocol::Limits::kMaxBatchBytes;
    qint64 maxEnrolmentBytes = 64 * 1024;
    int maxInflight = 32; // concurrent POST /v1/sync beyond which 503 + Retry-After
    int retryAfterSecs = 5;
    unsigned connectionLimit = 512;
    unsigned perIpConnectionLimit = 64;
    unsigned connectionTimeoutSecs = 30;
    size_t connectionMemoryLimit = 64 * 1024; // headers and MHD's buffers, per connection
    unsigned threads = 4;
    // Refusals naming no known device are summarised in one audit row per
    // interval instead of one fsynced row each.
    qint64 anonymousAuditIntervalMs = AnonymousRefusalTally::kDefaultIntervalMs;
    // DevicePolicy.max_offline_days (--max-offline-days); 0: none.
    quint32 maxOfflineDays = 0;
};

// The hub's HTTP(S) front: libmicrohttpd with epoll, a thread pool, caps on
// connections (total and per IP), per-connection memory and idle timeouts,
// TLS through GnuTLS. Every request is judged from its headers before any
// body byte is stored: route and method, conflicting Content-Length and
// Transfer-Encoding (400), device credentials (401), Content-Type (415),
// declared length (413) and the in-flight cap (503). Bodies are then
// buffered up to the limit and handed to the registry or the ingestor. A
// body over the limit (declared, or counted when chunked) but within
// discardAllowance() is read and dropped and then answered 413, so the
// client reads the status instead of a reset connection; past the allowance
// the hub answers at once and closes. Every receipt and enrolment answer
// tells the device the limits (DevicePolicy), so a device that has heard
// them never sends too much. A revoked device that proves its credential is
// ingested like any other and answered 403 with its receipt and the wipe
// order. docs/PROTOCOL.md lists every status.
class HubServer
{
public:
    HubServer(HubStore &store, DeviceRegistry &registry, BatchIngestor &ingestor, QString hubId,
              ServerOptions options);
    ~HubServer();
    HubServer(const HubServer &) = delete;
    HubServer &operator=(const HubServer &) = delete;

    ServerError start();
    void stop();
    // The bound URL, e.g. "http://127.0.0.1:43123", once started.
    QString url() const { return m_url; }

    // True for a loopback literal, 127.0.0.0/8 or ::1, never a name
    // (protocol::isLoopbackLiteral, the rule the device applies too).
    static bool isLoopbackHost(const QString &host);

    // The most a request body may total, in bytes, that the hub still reads
    // (and drops) to answer 413 after it, for a route whose limit is `limit`.
    // Four times the limit covers a device whose batch was built for a limit
    // up to four times larger (one lowered since the device last heard it);
    // never less than `floor` (for sync, Limits::kMaxBatchBytes: the most a
    // device sends before it has heard this hub's limit); at most
    // kMaxDiscardBytes, so what a client can make the hub read for nothing is
    // bounded (about 3 s of a 100 Mbit/s link; only an authenticated device
    // gets more than the limit on /v1/sync; the idle timeout still applies).
    // Never less than the limit itself.
    static constexpr qint64 kMaxDiscardBytes = 32 * 1024 * 1024;
    static qint64 discardAllowance(qint64 limit, qint64 floor = 0);

    // libmicrohttpd callbacks (public so the C trampolines can reach them).
    struct Request;
    int handle(MHD_Connection *connection, const char *url, const char *method,
               const char *uploadData, size_t *uploadDataSize, void **requestState);
    void completed(Request *request);

private:
    int respond(MHD_Connection *connection, Request &request, unsigned status,
                const QByteArray &body, const char *contentType, const char *refusalReason);
    // 403 with an empty receipt carrying the wipe order: a revoked device's
    // request that could not be ingested still tells it to wipe.
    int respondWipe(MHD_Connection *connection, Request &request);
    // 401 for a missing or wrong credential, 503 when the store did not answer.
    int refuseCredentials(MHD_Connection *connection, Request &request, AuthOutcome outcome);
    // The limits this hub enforces, for the device (receipts, enrolment).
    void tellLimits(v1::DevicePolicy *policy) const;
    // A 413's JSON: the reason and, for /v1/sync, the same limits.
    QByteArray tooLargeJson(const Request &request, const char *reason) const;
    int firstCall(MHD_Connection *connection, Request &request, const char *url,
                  const char *method);
    int finish(MHD_Connection *connection, Request &request);
    void auditRefusal(const Request &request, unsigned status, const char *reason);
    void writeAnonymousSummary(const AnonymousRefusalTally::Summary &summary);

    HubStore &m_store;
    DeviceRegistry &m_registry;
    BatchIngestor &m_ingestor;
    QString m_hubId;
    qint64 m_certificateNotAfterMs = 0; // the TLS certificate's end, for /healthz
    ServerOptions m_options;
    AnonymousRefusalTally m_anonymousRefusals;
    DeviceSightings m_sightings;
    MHD_Daemon *m_daemon = nullptr;
    QString m_url;
    std::atomic<int> m_inflight{0};
};

} // namespace safeguard::hub
