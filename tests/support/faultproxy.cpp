#include "faultproxy.h"

#include <QHostAddress>
#include <QTcpSocket>

namespace safeguard::testing {

struct FaultProxy::Conn
{
    QPointer<QTcpSocket> client;
    QPointer<QTcpSocket> upstream;
    QByteArray in;
    qsizetype headEnd = -1; // index after the blank line
    Request request;
    Action action;
    bool decided = false;
    bool needsBody = false;
    bool requestDone = false;
    QByteArray response;
    bool finished = false;
};

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 302:
        return "Found";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

int statusOf(const QByteArray &response)
{
    // "HTTP/1.1 200 OK"
    const qsizetype sp = response.indexOf(' ');
    if (sp < 0)
        return 0;
    return response.mid(sp + 1, 3).toInt();
}

} // namespace

FaultProxy::Action FaultProxy::Action::answer(int status, QByteArray body,
                                              QList<std::pair<QByteArray, QByteArray>> headers)
{
    Action a;
    a.kind = Kind::Answer;
    a.status = status;
    a.body = std::move(body);
    a.headers = std::move(headers);
    return a;
}

FaultProxy::Action FaultProxy::Action::of(Kind k, qint64 cutAfter)
{
    Action a;
    a.kind = k;
    a.cutAfterBytes = cutAfter;
    return a;
}

FaultProxy::FaultProxy(quint16 upstreamPort, QObject *parent)
    : QObject(parent)
    , m_upstreamPort(upstreamPort)
    , m_rule([](const Request &) { return Action::forward(); })
{
    m_server.listen(QHostAddress::LocalHost, 0);
    connect(&m_server, &QTcpServer::newConnection, this, &FaultProxy::onConnection);
    m_tick.setInterval(10);
    connect(&m_tick, &QTimer::timeout, this, &FaultProxy::pumpWrites);
}

FaultProxy::~FaultProxy()
{
    for (const auto &c : std::exchange(m_conns, {})) {
        if (c->client)
            c->client->abort();
        if (c->upstream)
            c->upstream->abort();
    }
}

QString FaultProxy::url() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

quint16 FaultProxy::port() const
{
    return m_server.serverPort();
}

void FaultProxy::onConnection()
{
    while (QTcpSocket *s = m_server.nextPendingConnection()) {
        auto conn = std::make_shared<Conn>();
        conn->client = s;
        m_conns.append(conn);
        Conn *c = conn.get();
        connect(s, &QTcpSocket::readyRead, this, [this, c] { onClientData(c); });
        connect(s, &QTcpSocket::disconnected, this, [this, c] { closeConn(c, false); });
    }
}

void FaultProxy::onClientData(Conn *c)
{
    // Held for this call: a rule may close (and so release) the connection.
    const std::shared_ptr<Conn> keep = find(c);
    if (!keep || !c->client)
        return;
    c->in += c->client->readAll();
    if (c->headEnd < 0) {
        const qsizetype end = c->in.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        c->headEnd = end + 4;
        const QList<QByteArray> lines = c->in.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        c->request.index = m_requests++;
        c->request.method = first.value(0);
        c->request.path = first.value(1);
        if (c->request.path == "/v1/sync")
            ++m_syncRequests;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            c->request.headers.append({name, value});
            if (name == "content-length")
                c->request.contentLength = value.toLongLong();
        }
        c->needsBody = m_ruleNeedsBody;
        if (!c->needsBody) {
            decide(c);
            if (!find(c) || !c->client)
                return;
        }
    }
    const qint64 body = c->in.size() - c->headEnd;
    if (c->needsBody && !c->decided) {
        if (body < c->request.contentLength)
            return;
        c->request.body = c->in.mid(c->headEnd, c->request.contentLength);
        decide(c);
        if (!find(c) || !c->client)
            return;
    }
    if (c->action.kind == Kind::CutRequest) {
        if (body >= c->action.cutAfterBytes) {
            m_requestBodyBytes += c->action.cutAfterBytes;
            closeConn(c, true);
        }
        return;
    }
    if (c->requestDone || body < c->request.contentLength)
        return;
    c->requestDone = true;
    m_requestBodyBytes += c->request.contentLength;
    switch (c->action.kind) {
    case Kind::Answer: {
        QByteArray raw = "HTTP/1.1 " + QByteArray::number(c->action.status) + ' ' +
                         reasonPhrase(c->action.status) + "\r\n";
        for (const auto &[name, value] : c->action.headers)
            raw += name + ": " + value + "\r\n";
        raw += "Content-Length: " + QByteArray::number(c->action.body.size()) +
               "\r\nConnection: close\r\n\r\n" + c->action.body;
        const int status = c->action.status;
        QTimer::singleShot(c->action.delayMs, this, [this, w = weak(c), raw, status] {
            if (auto c = w.lock(); c && c->client)
                writeAnswer(c.get(), raw, status);
        });
        return;
    }
    case Kind::Hold:
        m_held.append(c);
        return;
    default:
        startForward(c);
        return;
    }
}

void FaultProxy::decide(Conn *c)
{
    c->action = m_rule(c->request);
    c->decided = true;
    emit requestSeen(c->request.index);
    if (c->action.kind == Kind::Reset)
        closeConn(c, true);
}

void FaultProxy::startForward(Conn *c)
{
    ++m_forwarded;
    auto *up = new QTcpSocket(this);
    c->upstream = up;
    // The request as sent, but closing after one answer, so each is seen whole.
    QByteArray head = c->request.method + ' ' + c->request.path + " HTTP/1.1\r\n";
    for (const auto &[name, value] : c->request.headers) {
        if (name == "connection" || name == "keep-alive")
            continue;
        head += name + ": " + value + "\r\n";
    }
    head += "connection: close\r\n\r\n";
    const QByteArray body = c->in.mid(c->headEnd, c->request.contentLength);
    connect(up, &QTcpSocket::connected, this,
            [this, up, data = head + body] { queueWrite(up, data); });
    connect(up, &QTcpSocket::readyRead, this, [c, up] { c->response += up->readAll(); });
    connect(up, &QTcpSocket::disconnected, this, [this, c] { finishForward(c); });
    connect(up, &QTcpSocket::errorOccurred, this, [this, c, up](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError &&
            up->state() != QTcpSocket::ConnectedState)
            finishForward(c);
    });
    up->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
}

void FaultProxy::finishForward(Conn *c)
{
    if (c->finished || !c->client)
        return;
    c->finished = true;
    if (c->upstream)
        c->response += c->upstream->readAll();
    const QByteArray response = c->response;
    const int status = statusOf(response);
    QTimer::singleShot(c->action.delayMs, this, [this, w = weak(c), response, status] {
        const auto conn = w.lock();
        if (!conn || !conn->client)
            return;
        Conn *c = conn.get();
        if (response.isEmpty()) {
            closeConn(c, true); // the hub itself gave no answer
            return;
        }
        switch (c->action.kind) {
        case Kind::DropResponse:
            closeConn(c, true);
            return;
        case Kind::TruncateResponse:
            // The first bytes, then a close once they are written (a reset,
            // or deleting the socket at once, would lose them): a cut answer.
            queueWrite(c->client, response.left(c->action.cutAfterBytes),
                       [client = QPointer<QTcpSocket>(c->client)] {
                           if (client)
                               client->disconnectFromHost();
                       });
            return;
        default:
            writeAnswer(c, response, status);
            return;
        }
    });
}

void FaultProxy::writeAnswer(Conn *c, QByteArray raw, int status)
{
    QPointer<QTcpSocket> client = c->client;
    queueWrite(client, std::move(raw), [this, client, status] {
        ++m_answered[status];
        emit answerWritten(status);
        if (client)
            client->disconnectFromHost();
    });
}

void FaultProxy::queueWrite(QTcpSocket *to, QByteArray data, std::function<void()> done)
{
    m_writes.append({to, std::move(data), std::move(done)});
    if (m_bandwidth <= 0)
        pumpWrites();
    else if (!m_tick.isActive())
        m_tick.start();
}

void FaultProxy::pumpWrites()
{
    qint64 budget = m_bandwidth > 0 ? std::max<qint64>(1, m_bandwidth / 100)
                                    : std::numeric_limits<qint64>::max();
    while (!m_writes.isEmpty() && budget > 0) {
        PendingWrite &w = m_writes.first();
        if (!w.to) {
            m_writes.removeFirst();
            continue;
        }
        const qint64 n = std::min<qint64>(budget, w.data.size());
        w.to->write(w.data.constData(), n);
        w.data.remove(0, n);
        budget -= n;
        if (w.data.isEmpty()) {
            auto done = std::move(w.done);
            m_writes.removeFirst();
            if (done)
                done();
        }
    }
    if (m_writes.isEmpty())
        m_tick.stop();
}

void FaultProxy::releaseHeld(const QByteArray &rawResponse)
{
    for (Conn *c : std::exchange(m_held, {})) {
        if (!find(c) || !c->client)
            continue;
        if (rawResponse.isEmpty())
            closeConn(c, true);
        else
            writeAnswer(c, rawResponse, statusOf(rawResponse));
    }
}

void FaultProxy::closeConn(Conn *c, bool abort)
{
    const std::shared_ptr<Conn> keep = find(c);
    if (!keep)
        return;
    m_held.removeAll(c);
    m_conns.removeAll(keep);
    if (c->upstream) {
        c->upstream->disconnect(this);
        c->upstream->abort();
        c->upstream->deleteLater();
    }
    if (c->client) {
        c->client->disconnect(this);
        if (abort)
            c->client->abort();
        else
            c->client->disconnectFromHost();
        c->client->deleteLater();
    }
}

std::shared_ptr<FaultProxy::Conn> FaultProxy::find(Conn *c) const
{
    for (const auto &conn : m_conns)
        if (conn.get() == c)
            return conn;
    return {};
}

std::weak_ptr<FaultProxy::Conn> FaultProxy::weak(Conn *c) const
{
    return find(c);
}

} // namespace safeguard::testing
