#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTimer>
#include <functional>
#include <memory>

class QTcpSocket;

namespace safeguard::testing {

// A user-space fault-injecting HTTP/1.1 proxy on 127.0.0.1, for tests that
// put a load balancer's or a broken network's answers between a device and
// a real hub (this kernel has no netem). It runs in the test's event loop.
// Each request is decided on its head (method, path, headers, length) by
// the test's rule, which may change between requests:
//   - forward it to the upstream (the hub), optionally after a delay, and
//     relay the answer, optionally truncated or dropped;
//   - answer by itself with a chosen status, headers and body (a 413 with
//     or without limits, 429, 503 with any Retry-After, an HTML portal page,
//     a redirect);
//   - reset the connection at once, cut it after N request body bytes, or
//     hold it open and never answer.
// A bandwidth limit (bytes per second, shared by every connection and both
// directions) applies to everything relayed. Every answer it relays or
// makes closes the connection afterwards (Connection: close), so each
// request is seen whole. Counters say what passed.
class FaultProxy : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        int index = 0; // 0 for the first request the proxy saw
        QByteArray method;
        QByteArray path;
        QList<std::pair<QByteArray, QByteArray>> headers;
        qint64 contentLength = 0;
        QByteArray body; // filled only for a rule set with needsBody
    };

    enum class Kind
    {
        Forward,          // to the upstream; the answer relayed
        Answer,           // status, headers and body from here; the upstream never sees it
        Reset,            // abort the connection as soon as the head is read
        CutRequest,       // abort after cutAfterBytes of the request body
        Hold,             // read everything, answer nothing, keep the connection open
        DropResponse,     // forward; the upstream's answer is thrown away, the connection aborted
        TruncateResponse, // forward; relay only the first cutAfterBytes of the answer, then abort
    };

    struct Action
    {
        Kind kind = Kind::Forward;
        int delayMs = 0; // before the answer (relayed or made here) is written
        int status = 200;
        QList<std::pair<QByteArray, QByteArray>> headers;
        QByteArray body;
        qint64 cutAfterBytes = 0;

        static Action forward() { return {}; }
        static Action answer(int status, QByteArray body = {},
                             QList<std::pair<QByteArray, QByteArray>> headers = {});
        static Action of(Kind k, qint64 cutAfter = 0);
    };

    using Rule = std::function<Action(const Request &)>;

    explicit FaultProxy(quint16 upstreamPort, QObject *parent = nullptr);
    ~FaultProxy() override;

    QString url() const;
    quint16 port() const;

    // The rule for every request from now on (default: forward everything).
    // With needsBody it is asked once the whole body is in (Reset and
    // CutRequest then act at that point).
    void setRule(Rule rule, bool needsBody = false)
    {
        m_rule = std::move(rule);
        m_ruleNeedsBody = needsBody;
    }
    // Where connections from now on are forwarded (a hub restarted on
    // another port behind the same address the device was enrolled with).
    void setUpstreamPort(quint16 port) { m_upstreamPort = port; }
    // Bytes per second over all connections and both directions; 0: no limit.
    void setBandwidth(qint64 bytesPerSecond) { m_bandwidth = bytesPerSecond; }
    // Answers every held connection with this raw response, then closes it.
    void releaseHeld(const QByteArray &rawResponse = {});

    int requests() const { return m_requests; }
    // Of those, the ones to /v1/sync (not a check-in or a health probe).
    int syncRequests() const { return m_syncRequests; }
    qint64 requestBodyBytes() const { return m_requestBodyBytes; }
    // Requests whose answer (the upstream's or the proxy's own) had this status.
    int answered(int status) const { return m_answered.value(status); }
    int forwarded() const { return m_forwarded; }
    int held() const { return int(m_held.size()); }

signals:
    // A request's head was read and decided (the test may count or wait).
    void requestSeen(int index);
    // An answer with this status was written to the client whole.
    void answerWritten(int status);

private:
    struct Conn;
    void onConnection();
    void onClientData(Conn *c);
    void decide(Conn *c);
    void startForward(Conn *c);
    void finishForward(Conn *c);
    void writeAnswer(Conn *c, QByteArray raw, int status);
    void queueWrite(QTcpSocket *to, QByteArray data, std::function<void()> done = {});
    void pumpWrites();
    void closeConn(Conn *c, bool abort);

    QTcpServer m_server;
    quint16 m_upstreamPort;
    Rule m_rule;
    bool m_ruleNeedsBody = false;
    qint64 m_bandwidth = 0;
    QTimer m_tick;
    int m_requests = 0;
    int m_syncRequests = 0;
    int m_forwarded = 0;
    qint64 m_requestBodyBytes = 0;
    QHash<int, int> m_answered;
    std::shared_ptr<Conn> find(Conn *c) const;
    std::weak_ptr<Conn> weak(Conn *c) const;

    QList<std::shared_ptr<Conn>> m_conns;
    QList<Conn *> m_held;

    struct PendingWrite
    {
        QPointer<QTcpSocket> to;
        QByteArray data;
        std::function<void()> done;
    };
    QList<PendingWrite> m_writes;
};

} // namespace safeguard::testing
