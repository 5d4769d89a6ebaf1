#include "hubconnection.h"

#include "protocol/loopbackaddress.h"

#include <QCryptographicHash>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslKey>

namespace safeguard::syncclient {

namespace {

const char *kPinFailed = "safeguard_pin_failed";

} // namespace

NetworkAccessFactory defaultNetworkAccessFactory()
{
    return [](QObject *parent) { return new QNetworkAccessManager(parent); };
}

HubConnection::HubConnection(HubEndpoint endpoint, const NetworkAccessFactory &factory,
                             int transferTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_network((factory ? factory : defaultNetworkAccessFactory())(this))
    , m_timeoutMs(transferTimeoutMs)
{
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_network->setCookieJar(nullptr);
}

bool HubConnection::isPlainLoopback() const
{
    if (m_endpoint.baseUrl.scheme() != QLatin1String("http"))
        return false;
    return protocol::isLoopbackLiteral(m_endpoint.baseUrl.host());
}

QString HubConnection::pinOf(const QSslCertificate &certificate)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(certificate.publicKey().toDer(), QCryptographicHash::Sha256)
            .toBase64());
}

bool HubConnection::pinned(const QSslCertificate &certificate) const
{
    return !certificate.isNull() && m_endpoint.pins.contains(pinOf(certificate));
}

QNetworkReply *HubConnection::prepare(QNetworkReply *reply)
{
    if (m_endpoint.baseUrl.scheme() != QLatin1String("https"))
        return reply;
    connect(reply, &QNetworkReply::sslErrors, reply, [this, reply](const QList<QSslError> &errors) {
        if (!pinned(reply->sslConfiguration().peerCertificate())) {
            reply->setProperty(kPinFailed, true);
            return; // not ignored: the handshake fails
        }
        QList<QSslError> expected;
        for (const QSslError &e : errors) {
            switch (e.error()) {
            case QSslError::SelfSignedCertificate:
            case QSslError::SelfSignedCertificateInChain:
            case QSslError::CertificateUntrusted:
            case QSslError::UnableToGetLocalIssuerCertificate:
            case QSslError::UnableToVerifyFirstCertificate:
            case QSslError::HostNameMismatch:
            // The pin matched: the key is the hub's, and a certificate's
            // dates add nothing to that. An expired certificate must not
            // stop the fleet (the hub warns ahead: stats, /healthz).
            case QSslError::CertificateExpired:
            case QSslError::CertificateNotYetValid:
                expected.append(e);
                break;
            default:
                break;
            }
        }
        reply->ignoreSslErrors(expected);
    });
    connect(reply, &QNetworkReply::encrypted, reply, [this, reply] {
        if (!pinned(reply->sslConfiguration().peerCertificate())) {
            reply->setProperty(kPinFailed, true);
            reply->abort();
        }
    });
    return reply;
}

std::optional<QNetworkRequest> HubConnection::makeRequest(const QString &path) const
{
    // HTTPS with the peer verified (the pins are checked on top), or plain
    // HTTP only to a loopback hub; never a redirect, never a cached answer.
    const QString scheme = m_endpoint.baseUrl.scheme();
    if (scheme != QLatin1String("https") && !isPlainLoopback())
        return std::nullopt;
    QUrl url = m_endpoint.baseUrl;
    // "PATH?QUERY": the query is the caller's (digits and names only).
    const qsizetype mark = path.indexOf(QLatin1Char('?'));
    url.setPath(mark < 0 ? path : path.left(mark));
    if (mark >= 0)
        url.setQuery(path.mid(mark + 1));
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setTransferTimeout(m_timeoutMs);
    if (scheme == QLatin1String("https")) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
        request.setSslConfiguration(tls);
    }
    return request;
}

QNetworkReply *HubConnection::post(const QString &path, const QByteArray &body,
                                   const QByteArray &authorization)
{
    std::optional<QNetworkRequest> request = makeRequest(path);
    if (!request)
        return nullptr;
    request->setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/x-protobuf"));
    if (!authorization.isEmpty())
        request->setRawHeader("Authorization", authorization);
    return prepare(m_network->post(*request, body));
}

QNetworkReply *HubConnection::get(const QString &path, const QByteArray &authorization)
{
    std::optional<QNetworkRequest> request = makeRequest(path);
    if (!request)
        return nullptr;
    if (!authorization.isEmpty())
        request->setRawHeader("Authorization", authorization);
    return prepare(m_network->get(*request));
}

TransportOutcome HubConnection::outcome(QNetworkReply *reply, int *status) const
{
    if (reply->property(kPinFailed).toBool())
        return TransportOutcome::PinMismatch;
    const QVariant code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!code.isValid())
        return TransportOutcome::NetworkError;
    if (m_endpoint.baseUrl.scheme() == QLatin1String("https")) {
        // Checked per reply: a reused connection brings no new handshake.
        if (!pinned(reply->sslConfiguration().peerCertificate()))
            return TransportOutcome::PinMismatch;
    } else if (!isPlainLoopback()) {
        return TransportOutcome::Refused;
    }
    if (status)
        *status = code.toInt();
    return TransportOutcome::Answered;
}

int HubConnection::retryAfterSeconds(QNetworkReply *reply)
{
    bool ok = false;
    const int s = reply->rawHeader("Retry-After").trimmed().toInt(&ok);
    return ok && s >= 0 ? s : -1;
}

qint64 HubConnection::bytesOnWire(QNetworkReply *reply, qint64 requestBodyBytes)
{
    qint64 bytes = requestBodyBytes;
    const QNetworkRequest request = reply->request();
    for (const QByteArray &h : request.rawHeaderList())
        bytes += h.size() + request.rawHeader(h).size() + 4;
    for (const auto &pair : reply->rawHeaderPairs())
        bytes += pair.first.size() + pair.second.size() + 4;
    bytes += 64; // request and status lines, Host, Content-Length
    return bytes;
}

} // namespace safeguard::syncclient
