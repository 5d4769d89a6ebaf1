#pragma once

#include "hubconnection.h"
#include "safeguard/v1/sync.pb.h"
#include "sealedoutbox.h"
#include "syncerror.h"

#include <QObject>
#include <functional>

namespace safeguard::protocol {
class Clock;
}

namespace safeguard::platform {
class CredentialStore;
}

namespace safeguard::syncclient {

// One enrolment: a one-line code in; out, either the device's enrolment
// written down (the credential and the enrolment's digest in the platform
// key store, the enrolment in the sealed outbox) or a typed error. Safe to
// repeat: the credential this device chose is written with the pending code
// before anything is sent, and a retry of the same code sends the same pair,
// so a lost answer or a crash gets the same device from the hub. The engine
// owns the retry schedule for a pending code; this is one attempt.
class EnrolmentClient : public QObject
{
    Q_OBJECT
public:
    struct Dependencies
    {
        const protocol::Clock *clock = nullptr;
        platform::CredentialStore *credentials = nullptr;
        NetworkAccessFactory networkAccess;
        SealedOutbox *outbox = nullptr;
        int transferTimeoutMs = 30000;
        QString deviceName;
        // The attached store's: the device signing key's public half (made
        // there at the first call; a Store error while it is locked, and the
        // pending code waits for the unlock), and keeping the trusted copy
        // of the enrolment in the encrypted store.
        std::function<SyncError(QByteArray *)> devicePublicKey;
        std::function<SyncError(const Enrolment &)> keepTrusted;
    };

    struct Result
    {
        SyncError error;
        Enrolment enrolment;     // when error.ok()
        QByteArray credential;   // when error.ok()
        v1::DevicePolicy policy; // the hub's, from its answer
    };

    static QString credentialName() { return QStringLiteral("device-credential"); }
    // An enrolment code that could not reach the hub yet (it holds a secret,
    // so it lives in the credential store), retried until the hub answers.
    static QString pendingCodeName() { return QStringLiteral("pending-enrolment-code"); }
    // The credential this device chose for the pending code, kept with it
    // until the enrolment is written down.
    static QString pendingCredentialName() { return QStringLiteral("pending-device-credential"); }
    // A digest of the enrolment (hub URL and id, device, officer, pins,
    // sealing key, receipt key), kept in the platform key store beside the credential.
    // outbox.db is a plain file: whoever can write it could point the device
    // at another hub, pins and sealing key. At every load the outbox's
    // enrolment must match this, or nothing is sealed or sent.
    static QString enrolmentDigestName() { return QStringLiteral("enrolment-digest"); }
    static QByteArray enrolmentDigest(const Enrolment &e);

    struct Restored
    {
        SyncError error; // Credential, or EnrolmentChanged
        QByteArray credential;
    };
    // An enrolment read back from the outbox at start: its credential from
    // the key store, and its digest compared with the one remembered there,
    // so an outbox edited to name another hub, pin or sealing key is
    // refused (EnrolmentChanged), and so is a missing digest.
    static Restored restore(const Enrolment &enrolment, platform::CredentialStore &credentials);

    explicit EnrolmentClient(Dependencies deps, QObject *parent = nullptr);

    // Starts the exchange; finished() follows exactly once, always queued
    // (so a caller may connect after calling this).
    void start(const QString &codeText);

    // Whether a failure of this kind keeps the pending code for a retry.
    static bool isRetryable(SyncErrorKind kind)
    {
        return kind == SyncErrorKind::Transport || kind == SyncErrorKind::Credential ||
               kind == SyncErrorKind::Outbox || kind == SyncErrorKind::Store;
    }

signals:
    void finished(const safeguard::syncclient::EnrolmentClient::Result &result);

private:
    void finish(Result result);
    void onAnswer(QNetworkReply *reply, HubConnection *connection, const v1::EnrolmentCode &code,
                  const QByteArray &ownCredential);

    Dependencies m_deps;
    QByteArray m_attempt; // the code text, trimmed
    bool m_finished = false;
};

} // namespace safeguard::syncclient
