#include "hubprocess.h"

#include "wire/enrolmentcode.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <csignal>
#include <sys/prctl.h>

namespace safeguard::testing {

HubProcess::HubProcess(QString hubBinary, QString dataDir)
    : m_binary(std::move(hubBinary))
    , m_dataDir(std::move(dataDir))
{
    if (m_dataDir.isEmpty()) {
        m_tmp = std::make_unique<QTemporaryDir>();
        m_dataDir = m_tmp->filePath(QStringLiteral("hub"));
    }
}

HubProcess::~HubProcess()
{
    stop();
}

bool HubProcess::start(const QStringList &extraArgs)
{
    QStringList args = {QStringLiteral("serve"), QStringLiteral("--data-dir"), m_dataDir,
                        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")};
    args += extraArgs;
    // A test that crashes must not leave its hub running: the kernel stops
    // the hub when the test process dies, however it dies.
    m_process.setChildProcessModifier([setup = m_childSetup] {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (setup)
            setup();
    });
    m_process.start(m_binary, args);
    if (!m_process.waitForStarted(5000))
        return false;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 15000) {
        if (m_process.canReadLine() || m_process.waitForReadyRead(200)) {
            const QJsonObject line = QJsonDocument::fromJson(m_process.readLine()).object();
            if (line.value(QStringLiteral("event")).toString() == QLatin1String("staff_listening"))
                m_staffUrl = QUrl(line.value(QStringLiteral("url")).toString());
            if (line.value(QStringLiteral("event")).toString() == QLatin1String("listening")) {
                m_url = QUrl(line.value(QStringLiteral("url")).toString());
                m_hubId = line.value(QStringLiteral("hub_id")).toString();
                return true;
            }
        }
        if (m_process.state() != QProcess::Running)
            break;
    }
    m_stderr += QString::fromUtf8(m_process.readAllStandardError());
    return false;
}

void HubProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(10000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    m_stderr += QString::fromUtf8(m_process.readAllStandardError());
}

int HubProcess::cli(const QString &command, const QStringList &args, QByteArray *out,
                    QByteArray *err) const
{
    QProcess p;
    p.start(m_binary, QStringList{command, QStringLiteral("--data-dir"), m_dataDir} + args);
    if (!p.waitForFinished(30000))
        return -1;
    if (out)
        *out = p.readAllStandardOutput();
    if (err)
        *err = p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

QStringList HubProcess::enrolmentCodes(int count, const QStringList &extra) const
{
    QByteArray out;
    // A test may name another URL for the code (a proxy in front of the hub).
    const QStringList url = extra.contains(QStringLiteral("--hub-url"))
                                ? QStringList{}
                                : QStringList{QStringLiteral("--hub-url"), m_url.toString()};
    if (cli(QStringLiteral("enrol-device"),
            QStringList{QStringLiteral("--by"), kStaff, QStringLiteral("--officer"),
                        QStringLiteral("SYN-OFFICER-0001"), QStringLiteral("--count"),
                        QString::number(count)} +
                url + extra,
            &out) != 0)
        return {};
    return QString::fromLatin1(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QJsonObject HubProcess::stats() const
{
    QByteArray out;
    cli(QStringLiteral("stats"), {QStringLiteral("--by"), kStaff}, &out);
    return QJsonDocument::fromJson(out).object();
}

HttpReply RawHttp::parse(const QByteArray &response)
{
    HttpReply reply;
    const qsizetype end = response.indexOf("\r\n\r\n");
    if (!response.startsWith("HTTP/1.") || end < 0) {
        reply.error = QStringLiteral("no response");
        return reply;
    }
    const QList<QByteArray> lines = response.left(end).split('\n');
    reply.status = lines.first().split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            reply.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                 lines[i].mid(colon + 1).trimmed());
    }
    reply.body = response.mid(end + 4);
    return reply;
}

HttpReply RawHttp::exchange(const QUrl &base, const QByteArray &request, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(base.host(), quint16(base.port()));
    if (!socket.waitForConnected(timeoutMs))
        return {0, {}, {}, QStringLiteral("cannot connect")};
    socket.write(request);
    QByteArray response;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (!socket.waitForReadyRead(100)) {
            if (socket.state() != QAbstractSocket::ConnectedState)
                break;
        }
        response += socket.readAll();
        const qsizetype end = response.indexOf("\r\n\r\n");
        if (end >= 0) {
            const HttpReply head = parse(response);
            const qsizetype length = head.headers.value("content-length", "-1").toLongLong();
            if (length >= 0 && response.size() - (end + 4) >= length)
                break;
        }
    }
    response += socket.readAll();
    return parse(response);
}

HttpReply RawHttp::post(const QUrl &base, const QByteArray &path, const QByteArray &body,
                        const QByteArray &contentType, const QByteArray &authorization)
{
    QByteArray request = "POST " + path + " HTTP/1.1\r\nHost: " + base.host().toLatin1() + "\r\n";
    if (!contentType.isEmpty())
        request += "Content-Type: " + contentType + "\r\n";
    if (!authorization.isEmpty())
        request += "Authorization: " + authorization + "\r\n";
    request += "Content-Length: " + QByteArray::number(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body;
    return exchange(base, request, 30000);
}

std::optional<EnrolledDevice> enrol(const QUrl &base, const QString &codeText, int *status,
                                    const QByteArray &ownCredential,
                                    std::shared_ptr<syncwire::SigningKey> signingKey)
{
    const auto code = syncwire::EnrolmentCode::parse(codeText);
    if (!code)
        return std::nullopt;
    v1::EnrolmentRequest request;
    request.set_code_id(code->code_id());
    request.set_secret(code->secret());
    request.set_device_name("SYNTHETIC test tablet");
    request.set_device_credential(ownCredential.toStdString());
    std::shared_ptr<syncwire::SigningKey> key =
        signingKey ? std::move(signingKey) : syncwire::SigningKey::generate();
    if (!key)
        return std::nullopt;
    request.set_device_signing_public_key(key->publicKey().toStdString());
    const std::string body = request.SerializeAsString();
    const HttpReply reply =
        RawHttp::post(base, "/v1/devices/enrol", QByteArray::fromStdString(body));
    if (status)
        *status = reply.status;
    if (reply.status != 200)
        return std::nullopt;
    v1::EnrolmentResponse response;
    if (!response.ParseFromArray(reply.body.constData(), int(reply.body.size())))
        return std::nullopt;
    return EnrolledDevice{*code, QString::fromStdString(response.device_id()),
                          response.device_credential().empty()
                              ? QString::fromLatin1(ownCredential)
                              : QString::fromStdString(response.device_credential()),
                          QString::fromStdString(response.officer_id()), std::move(key)};
}

} // namespace safeguard::testing
