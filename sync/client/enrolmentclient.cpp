#include "enrolmentclient.h"

#include "keystore/credentialstore.h"
#include "protocol/clock.h"
#include "wire/enrolmentcode.h"

#include <QLoggingCategory>
#include <QNetworkReply>
#include <sodium.h>

namespace safeguard::syncclient {

QByteArray EnrolmentClient::enrolmentDigest(const Enrolment &e)
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
    add(e.hubSigningKey);
    QByteArray out(crypto_generichash_BYTES, Qt::Uninitialized);
    crypto_generichash_final(&state, reinterpret_cast<unsigned char *>(out.data()),
                             size_t(out.size()));
    return out.toBase64();
}

EnrolmentClient::Restored EnrolmentClient::restore(const Enrolment &enrolment,
                                                   platform::CredentialStore &credentials)
{
    Restored r;
    if (const platform::CredentialStoreError ce = credentials.read(credentialName(), &r.credential);
        !ce.ok()) {
        r.error = {SyncErrorKind::Credential, ce.message};
        return r;
    }
    const QByteArray digest = enrolmentDigest(enrolment);
    QByteArray remembered;
    const platform::CredentialStoreError de = credentials.read(enrolmentDigestName(), &remembered);
    if (de.kind == platform::CredentialStoreErrorKind::NotFound) {
        // Enrolment writes the digest before the outbox's row, and no build
        // without it was ever released: an enrolment with no digest was put
        // there (deleting the digest file must not make a forged enrolment
        // trusted).
        r.error = {SyncErrorKind::EnrolmentChanged,
                   QStringLiteral("The hub settings on this device were changed outside the app; "
                                  "nothing is sent until it is enrolled again.")};
    } else if (!de.ok()) {
        r.error = {SyncErrorKind::Credential, de.message};
    } else if (remembered.size() != digest.size() ||
               sodium_memcmp(remembered.constData(), digest.constData(), size_t(digest.size())) !=
                   0) {
        r.error = {SyncErrorKind::EnrolmentChanged,
                   QStringLiteral("The hub settings on this device were changed outside the app; "
                                  "nothing is sent until it is enrolled again.")};
    }
    if (!r.error.ok())
        r.credential.clear();
    return r;
}

EnrolmentClient::EnrolmentClient(Dependencies deps, QObject *parent)
    : QObject(parent)
    , m_deps(std::move(deps))
{
    Q_ASSERT(m_deps.clock && m_deps.credentials && m_deps.outbox && m_deps.devicePublicKey &&
             m_deps.keepTrusted);
}

void EnrolmentClient::finish(Result result)
{
    if (m_finished)
        return;
    m_finished = true;
    const SyncError &e = result.error;
    if (!isRetryable(e.kind)) {
        // Enrolled, or this code can never work. Another code's failure (a
        // garbled scan) leaves a pending code and its credential alone: the
        // hub may already have enrolled this device with it.
        QByteArray pending;
        if (e.ok() ||
            (m_deps.credentials->read(pendingCodeName(), &pending).ok() && pending == m_attempt)) {
            m_deps.credentials->remove(pendingCodeName());
            m_deps.credentials->remove(pendingCredentialName());
        }
    }
    QMetaObject::invokeMethod(
        this, [this, result] { emit finished(result); }, Qt::QueuedConnection);
}

void EnrolmentClient::start(const QString &codeText)
{
    m_attempt = codeText.trimmed().toLatin1();
    syncwire::EnrolmentCodeParseError parseError;
    const auto code = syncwire::EnrolmentCode::parse(codeText.trimmed(), &parseError);
    if (!code)
        return finish({{SyncErrorKind::InvalidCode, parseError.message}, {}, {}, {}});
    // The credential already sent with this very code, if an earlier
    // attempt got no answer: the same pair again, so the hub can answer
    // with the device it may already have enrolled.
    QByteArray pendingCode;
    QByteArray ownCredential;
    const bool retry = m_deps.credentials->read(pendingCodeName(), &pendingCode).ok() &&
                       pendingCode == m_attempt &&
                       m_deps.credentials->read(pendingCredentialName(), &ownCredential).ok() &&
                       syncwire::fromBase64Url(ownCredential).value_or(QByteArray()).size() == 32;
    // A fresh code past its expiry is refused here at once; a retry is
    // decided by the hub (the code may have been redeemed in time).
    if (!retry && code->expires_at_unix_ms() <= m_deps.clock->nowMs())
        return finish(
            {{SyncErrorKind::InvalidCode, QStringLiteral("The enrolment code has expired.")},
             {},
             {},
             {}});
    if (!retry) {
        QByteArray raw(32, Qt::Uninitialized);
        randombytes_buf(raw.data(), size_t(raw.size()));
        ownCredential = syncwire::toBase64Url(raw);
        sodium_memzero(raw.data(), size_t(raw.size()));
        // Kept until the hub has answered for it, so a device set up with
        // no signal enrols as soon as it reaches the hub. Both are written
        // before anything is sent.
        if (auto ce = m_deps.credentials->write(pendingCredentialName(), ownCredential); !ce.ok())
            return finish({{SyncErrorKind::Credential, ce.message}, {}, {}, {}});
        if (auto ce = m_deps.credentials->write(pendingCodeName(), m_attempt); !ce.ok())
            return finish({{SyncErrorKind::Credential, ce.message}, {}, {}, {}});
    }

    // The device's signing key, from the encrypted store: the hub takes
    // only sessions signed by it. Locked: the code waits for the unlock.
    QByteArray devicePublicKey;
    if (SyncError e = m_deps.devicePublicKey(&devicePublicKey); !e.ok())
        return finish({e, {}, {}, {}});
    if (devicePublicKey.size() != 32)
        return finish({{SyncErrorKind::Store, QStringLiteral("the device signing key is damaged")},
                       {},
                       {},
                       {}});

    HubEndpoint endpoint{QUrl(QString::fromStdString(code->hub_url())),
                         QString::fromStdString(code->hub_id()),
                         {QString::fromStdString(code->tls_pin_sha256()),
                          QString::fromStdString(code->backup_pin_sha256())}};
    auto *connection =
        new HubConnection(endpoint, m_deps.networkAccess, m_deps.transferTimeoutMs, this);
    v1::EnrolmentRequest request;
    request.set_code_id(code->code_id());
    request.set_secret(code->secret());
    request.set_device_name(m_deps.deviceName.toStdString());
    request.set_device_credential(ownCredential.toStdString());
    request.set_device_signing_public_key(devicePublicKey.toStdString());
    const std::string body = request.SerializeAsString();
    QNetworkReply *reply =
        connection->post(QStringLiteral("/v1/devices/enrol"), QByteArray::fromStdString(body));
    if (!reply) {
        connection->deleteLater();
        return finish(
            {{SyncErrorKind::Transport,
              QStringLiteral("The hub's address is not HTTPS (plain HTTP is for loopback only).")},
             {},
             {},
             {}});
    }
    const v1::EnrolmentCode codeCopy = *code;
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, connection, codeCopy, ownCredential] {
                onAnswer(reply, connection, codeCopy, ownCredential);
            });
}

void EnrolmentClient::onAnswer(QNetworkReply *reply, HubConnection *connection,
                               const v1::EnrolmentCode &code, const QByteArray &ownCredential)
{
    reply->deleteLater();
    connection->deleteLater();
    auto fail = [this](SyncErrorKind kind, const QString &message) {
        finish({{kind, message}, {}, {}, {}});
    };
    int status = 0;
    const TransportOutcome outcome = connection->outcome(reply, &status);
    if (outcome != TransportOutcome::Answered)
        return fail(SyncErrorKind::Transport,
                    outcome == TransportOutcome::PinMismatch
                        ? QStringLiteral("The hub's certificate does not match the code.")
                        : QStringLiteral("The hub could not be reached."));
    if (status >= 500)
        return fail(SyncErrorKind::Transport,
                    QStringLiteral("The hub is busy (status %1); trying again later.").arg(status));
    if (status == 401 || status == 410)
        return fail(SyncErrorKind::CodeRefused,
                    status == 410 ? QStringLiteral("The code was already used or has expired.")
                                  : QStringLiteral("The hub does not know this code."));
    v1::EnrolmentResponse response;
    const QByteArray body = reply->readAll();
    if (status != 200 || !response.ParseFromArray(body.constData(), int(body.size())) ||
        response.device_id().empty() || response.hub_id() != code.hub_id())
        return fail(SyncErrorKind::UnexpectedAnswer,
                    QStringLiteral("The hub answered enrolment with status %1.").arg(status));

    // A hub that predates device-chosen credentials sends its own.
    const QByteArray credential = response.device_credential().empty()
                                      ? ownCredential
                                      : QByteArray::fromStdString(response.device_credential());
    if (auto ce = m_deps.credentials->write(credentialName(), credential); !ce.ok())
        return fail(SyncErrorKind::Credential, ce.message);
    Result r;
    Enrolment &e = r.enrolment;
    e.hubUrl = QString::fromStdString(code.hub_url());
    e.hubId = QString::fromStdString(code.hub_id());
    e.deviceId = QString::fromStdString(response.device_id());
    e.officerId = QString::fromStdString(response.officer_id());
    e.tlsPin = QString::fromStdString(code.tls_pin_sha256());
    e.backupPin = QString::fromStdString(code.backup_pin_sha256());
    e.sealingPublicKey = QByteArray::fromStdString(code.sealing_public_key());
    e.hubSigningKey = QByteArray::fromStdString(code.hub_signing_public_key());
    // The trusted copy in the encrypted store first (sealing and receipts
    // use it), then the digest, then the outbox's plain copy: a crash
    // between them leaves a mismatch that the pending code's retry (same
    // code, credential and key, so the same device) repairs.
    if (SyncError se = m_deps.keepTrusted(e); !se.ok())
        return finish({se, {}, {}, {}});
    if (auto ce = m_deps.credentials->write(enrolmentDigestName(), enrolmentDigest(e)); !ce.ok())
        return fail(SyncErrorKind::Credential, ce.message);
    if (auto oe = m_deps.outbox->setEnrolment(e); !oe.ok())
        return fail(SyncErrorKind::Outbox, oe.message);
    r.credential = credential;
    r.policy = response.policy();
    finish(std::move(r));
}

} // namespace safeguard::syncclient
