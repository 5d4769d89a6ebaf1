// The fault-injecting proxy the sync tests put in front of a hub: each
// action gives the client the answer (or the failure) it promises.
#include "faultproxy.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using safeguard::testing::FaultProxy;

namespace {

// An upstream that answers every request with a fixed 200 and a body.
class Upstream : public QTcpServer
{
public:
    QByteArray body = QByteArray(64 * 1024, 'u');
    int requests = 0;
    QByteArray lastRequestBody;
    Upstream()
    {
        listen(QHostAddress::LocalHost, 0);
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                auto *in = new QByteArray;
                connect(s, &QTcpSocket::readyRead, s, [this, s, in] {
                    *in += s->readAll();
                    const qsizetype end = in->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    qsizetype length = 0;
                    for (const QByteArray &line : in->left(end).split('\n'))
                        if (line.toLower().startsWith("content-length:"))
                            length = line.mid(15).trimmed().toLongLong();
                    if (in->size() < end + 4 + length)
                        return;
                    ++requests;
                    lastRequestBody = in->mid(end + 4, length);
                    s->write(
                        "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) +
                        "\r\nConnection: close\r\n\r\n" + body);
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, [s, in] {
                    delete in;
                    s->deleteLater();
                });
            }
        });
    }
};

struct Outcome
{
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    int status = 0;
    QByteArray body;
    QByteArray retryAfter;
};

Outcome post(const FaultProxy &proxy, const QByteArray &body)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(proxy.url() + QStringLiteral("/v1/sync")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/x-protobuf");
    QNetworkReply *reply = nam.post(request, body);
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(10000);
    Outcome o;
    o.error = reply->error();
    o.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    o.body = reply->readAll();
    o.retryAfter = reply->rawHeader("Retry-After");
    reply->deleteLater();
    return o;
}

} // namespace

class TestFaultProxy : public QObject
{
    Q_OBJECT

private slots:
    void forwardsWholeRequestsAndAnswers()
    {
        Upstream up;
        FaultProxy proxy(up.serverPort());
        const QByteArray body(100 * 1024, 'b');
        const Outcome o = post(proxy, body);
        QCOMPARE(o.error, QNetworkReply::NoError);
        QCOMPARE(o.status, 200);
        QCOMPARE(o.body, up.body);
        QCOMPARE(up.lastRequestBody, body);
        QCOMPARE(proxy.requests(), 1);
        QCOMPARE(proxy.forwarded(), 1);
        QCOMPARE(proxy.answered(200), 1);
        QCOMPARE(proxy.requestBodyBytes(), qint64(body.size()));
    }

    void answersByItselfWithAnyStatusAndHeaders()
    {
        Upstream up;
        FaultProxy proxy(up.serverPort());
        proxy.setRule([](const FaultProxy::Request &) {
            return FaultProxy::Action::answer(503, "busy", {{"Retry-After", "0"}});
        });
        const Outcome o = post(proxy, "x");
        QCOMPARE(o.status, 503);
        QCOMPARE(o.body, QByteArray("busy"));
        QCOMPARE(o.retryAfter, QByteArray("0"));
        QCOMPARE(up.requests, 0); // the upstream never saw it
    }

    void failsTheWayItIsTold_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<qint64>("cut");
        QTest::addColumn<bool>("upstreamSees");
        QTest::newRow("reset") << int(FaultProxy::Kind::Reset) << qint64(0) << false;
        QTest::newRow("cut request") << int(FaultProxy::Kind::CutRequest) << qint64(1000) << false;
        QTest::newRow("drop response") << int(FaultProxy::Kind::DropResponse) << qint64(0) << true;
        QTest::newRow("truncate response")
            << int(FaultProxy::Kind::TruncateResponse) << qint64(200) << true;
    }
    void failsTheWayItIsTold()
    {
        QFETCH(int, kind);
        QFETCH(qint64, cut);
        QFETCH(bool, upstreamSees);
        Upstream up;
        FaultProxy proxy(up.serverPort());
        proxy.setRule([&](const FaultProxy::Request &) {
            return FaultProxy::Action::of(FaultProxy::Kind(kind), cut);
        });
        const Outcome o = post(proxy, QByteArray(256 * 1024, 'b'));
        QVERIFY2(o.error != QNetworkReply::NoError, qPrintable(QString::number(o.error)));
        // Qt sends a request again once when the connection goes without
        // an answer (as the engine's own requests do): each try is cut.
        QVERIFY(proxy.requests() >= 1);
        QCOMPARE(up.requests, upstreamSees ? proxy.requests() : 0);
        if (kind == int(FaultProxy::Kind::CutRequest))
            QCOMPARE(proxy.requestBodyBytes(), cut * proxy.requests());
    }

    // A truncated answer is exactly the first bytes of the hub's, then the
    // connection goes: what a client reads is a cut response, not a whole one.
    void truncateGivesExactlyTheFirstBytes()
    {
        Upstream up;
        FaultProxy proxy(up.serverPort());
        constexpr qint64 cut = 200;
        proxy.setRule([&](const FaultProxy::Request &) {
            return FaultProxy::Action::of(FaultProxy::Kind::TruncateResponse, cut);
        });
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, quint16(QUrl(proxy.url()).port()));
        QVERIFY(raw.waitForConnected(5000));
        raw.write("POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nbody");
        QByteArray received;
        QSignalSpy gone(&raw, &QTcpSocket::disconnected);
        connect(&raw, &QTcpSocket::readyRead, [&] { received += raw.readAll(); });
        QVERIFY(gone.wait(10000));
        received += raw.readAll();
        QCOMPARE(received.size(), cut);
        QVERIFY(received.startsWith("HTTP/1.1 200 OK\r\n"));
        QCOMPARE(up.requests, 1);
    }

    void holdsUntilReleasedAndDelaysWithoutLosingBytes()
    {
        Upstream up;
        FaultProxy proxy(up.serverPort());
        proxy.setRule([](const FaultProxy::Request &) {
            return FaultProxy::Action::of(FaultProxy::Kind::Hold);
        });
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(proxy.url() + QStringLiteral("/v1/sync")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/x-protobuf");
        QNetworkReply *reply = nam.post(request, QByteArray("held"));
        QTRY_COMPARE_WITH_TIMEOUT(proxy.held(), 1, 10000);
        QVERIFY(!reply->isFinished());
        proxy.releaseHeld("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 429);
        reply->deleteLater();

        // A delay and a shared bandwidth limit change when bytes arrive,
        // never which.
        proxy.setRule([](const FaultProxy::Request &) {
            FaultProxy::Action a = FaultProxy::Action::forward();
            a.delayMs = 50;
            return a;
        });
        proxy.setBandwidth(256 * 1024);
        const Outcome o = post(proxy, QByteArray(32 * 1024, 'b'));
        QCOMPARE(o.status, 200);
        QCOMPARE(o.body, up.body);
    }
};

QTEST_GUILESS_MAIN(TestFaultProxy)
#include "tst_faultproxy.moc"
