#pragma once

#include <QByteArray>
#include <QNetworkRequest>
#include <QObject>
#include <QSslCertificate>
#include <QStringList>
#include <QUrl>
#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace safeguard::syncclient {

// Makes the QNetworkAccessManager the engine uses; tests and the app inject
// their own (STYLE.md: network classes take a factory).
using NetworkAccessFactory = std::function<QNetworkAccessManager *(QObject *parent)>;
NetworkAccessFactory defaultNetworkAccessFactory();

// How an exchange with the hub ended, before its status is looked at.
enum class TransportOutcome
{
    Answered,     // an HTTP status came back over a trusted connection
    NetworkError, // no answer: refused, reset, DNS, timeout
    PinMismatch,  // TLS with a key that is neither pin: nothing is believed
    Refused,      // plain HTTP off loopback: never attempted
};

// Who the device trusts: the hub's URL, its id, and the SPKI SHA-256 pins
// (primary and backup) from the enrolment code.
struct HubEndpoint
{
    QUrl baseUrl;
    QString hubId;
    QStringList pins; // base64
};

// The device's pinned HTTP connection to one hub. Every request uses
// ManualRedirectPolicy (a redirect is an answer, never followed), a
// transfer timeout, no HTTP/2 and no cookies or cache. Over HTTPS the
// hub's self-signed certificate is trusted only when its public key's
// SHA-256 equals one of the pins: on sslErrors only the self-signed,
// untrusted and host-name errors are ignored and only after the pin
// matched, and the pin is checked again when each reply finishes (Qt
// reuses connections, so a handshake is not seen per request). Plain HTTP
// is allowed only to a loopback literal, 127.0.0.0/8 or [::1], never to a
// name such as localhost (protocol::isLoopbackLiteral; the hub refuses
// anything else).
class HubConnection : public QObject
{
    Q_OBJECT
public:
    HubConnection(HubEndpoint endpoint, const NetworkAccessFactory &factory,
                  int transferTimeoutMs = 30000, QObject *parent = nullptr);

    const HubEndpoint &endpoint() const { return m_endpoint; }
    // nullptr when the URL is not allowed (plain HTTP off loopback).
    QNetworkReply *post(const QString &path, const QByteArray &body,
                        const QByteArray &authorization = {});
    QNetworkReply *get(const QString &path, const QByteArray &authorization = {});

    // Classifies a finished reply; *status gets the HTTP status when Answered.
    TransportOutcome outcome(QNetworkReply *reply, int *status) const;
    // Seconds from a Retry-After header (delta-seconds form), or -1.
    static int retryAfterSeconds(QNetworkReply *reply);
    // Request and response bytes (bodies and headers) of a finished reply.
    static qint64 bytesOnWire(QNetworkReply *reply, qint64 requestBodyBytes);

    static QString pinOf(const QSslCertificate &certificate);
    bool isPlainLoopback() const;
    std::optional<QNetworkRequest> makeRequest(const QString &path) const;

private:
    QNetworkReply *prepare(QNetworkReply *reply);
    bool pinned(const QSslCertificate &certificate) const;

    HubEndpoint m_endpoint;
    QNetworkAccessManager *m_network;
    int m_timeoutMs;
};

} // namespace safeguard::syncclient
