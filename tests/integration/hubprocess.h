#pragma once

#include "safeguard/v1/sync.pb.h"
#include "wire/signing.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>
#include <functional>
#include <memory>
#include <optional>

namespace safeguard::testing {

// A real safeguard-hub process for tests and benchmarks: `serve` on
// 127.0.0.1 with port 0 in its own data directory, its URL read from the
// JSON line it prints, stopped with SIGTERM when destroyed. CLI subcommands
// (enrol-device, revoke-device, stats) run against the same directory;
// enrolmentCodes() and stats() run them as kStaff (--by), and a test that
// calls cli() for a staff command passes --by itself.
class HubProcess
{
public:
    // Who the tests' staff commands are run by, as the audit records it.
    static inline const QString kStaff = QStringLiteral("test-staff SYNTHETIC");

    // dataDir empty: a fresh temporary directory.
    explicit HubProcess(QString hubBinary, QString dataDir = {});
    ~HubProcess();

    bool start(const QStringList &extraArgs = {QStringLiteral("--plain-http")});
    void stop();
    // Runs in the forked child before serve is executed (after fork, so
    // async-signal-safe calls only): for tests that start the hub with
    // other limits or capabilities.
    void setChildSetup(std::function<void()> setup) { m_childSetup = std::move(setup); }

    QUrl url() const { return m_url; }
    QString hubId() const { return m_hubId; }
    QString dataDir() const { return m_dataDir; }
    // The staff API's URL, when started with --staff-listen.
    QUrl staffUrl() const { return m_staffUrl; }
    QString stderrText() const { return m_stderr; }
    qint64 processId() const { return m_process.processId(); }

    // Runs `safeguard-hub COMMAND --data-dir DIR args`; stdout in *out.
    int cli(const QString &command, const QStringList &args, QByteArray *out = nullptr,
            QByteArray *err = nullptr) const;
    // enrol-device for the running hub; the code lines.
    QStringList enrolmentCodes(int count = 1, const QStringList &extra = {}) const;
    QJsonObject stats() const;

private:
    QString m_binary;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_dataDir;
    QUrl m_staffUrl;
    QProcess m_process;
    QUrl m_url;
    QString m_hubId;
    QString m_stderr;
    std::function<void()> m_childSetup;
};

struct HttpReply
{
    int status = 0;
    QByteArray body;
    QMap<QByteArray, QByteArray> headers; // lower-case names
    QString error;
};

// Blocking HTTP/1.1 over a plain TCP socket: for hostile framing and for
// load, where QNetworkAccessManager's six-connection cap would distort.
class RawHttp
{
public:
    // Sends bytes as they are and reads until the response is complete or
    // the server closes; status 0 when nothing came back.
    static HttpReply exchange(const QUrl &base, const QByteArray &request, int timeoutMs = 5000);
    // A well-formed POST.
    static HttpReply post(const QUrl &base, const QByteArray &path, const QByteArray &body,
                          const QByteArray &contentType = "application/x-protobuf",
                          const QByteArray &authorization = {});
    static HttpReply parse(const QByteArray &response);
};

// An enrolled device, as the hub returned it.
struct EnrolledDevice
{
    v1::EnrolmentCode code;
    QString deviceId;
    QString credential;
    QString officerId; // the officer the hub says the device belongs to
    // The device signing key registered at enrolment (shared by copies).
    std::shared_ptr<syncwire::SigningKey> signingKey;
    // Signs sealing sessions as the device's store does.
    std::function<QByteArray(std::string_view)> signer() const
    {
        return [key = signingKey](std::string_view statement) {
            return key ? key->sign(statement) : QByteArray();
        };
    }
    QByteArray authorization() const
    {
        return "Bearer " + deviceId.toLatin1() + '.' + credential.toLatin1();
    }
};

// Parses a code and enrols through POST /v1/devices/enrol; status in *status.
// ownCredential: sent as the device's own credential (empty: the hub's);
// signingKey: the device key registered (null: a new one).
std::optional<EnrolledDevice> enrol(const QUrl &base, const QString &codeText,
                                    int *status = nullptr, const QByteArray &ownCredential = {},
                                    std::shared_ptr<syncwire::SigningKey> signingKey = {});

} // namespace safeguard::testing
