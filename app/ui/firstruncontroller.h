#pragma once

#include "appsession.h"

#include <QObject>
#include <functional>

namespace safeguard::ui {

// First run: the hub's enrolment code, then the officer's passphrase with
// its strength explained in plain words, then the vault and store are made
// and the code is exchanged with the hub (the device's key lives in the
// vault, so it cannot be sent before). The page stays until the hub has
// answered, or could not be reached: "accepted" is the hub's word, never
// the code's format. The code's own check is injected (the sync layer knows
// its format).
class FirstRunController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString codeError READ codeError NOTIFY codeChanged)
    // The code reads as an enrolment code (its format only).
    Q_PROPERTY(bool codeAccepted READ codeAccepted NOTIFY codeChanged)
    Q_PROPERTY(HubCheck hubCheck READ hubCheck NOTIFY hubCheckChanged)
    Q_PROPERTY(QString hubMessage READ hubMessage NOTIFY hubCheckChanged)
    // True from "Finish set-up" until the officer goes on to home.
    Q_PROPERTY(bool showing READ showing NOTIFY hubCheckChanged)
    Q_PROPERTY(int strengthScore READ strengthScore NOTIFY strengthChanged)
    Q_PROPERTY(QString strengthAdvice READ strengthAdvice NOTIFY strengthChanged)
    Q_PROPERTY(bool strongEnough READ strongEnough NOTIFY strengthChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    Q_PROPERTY(QString storageStatement READ storageStatement CONSTANT)

public:
    // What the hub made of the code, once the vault exists.
    enum class HubCheck
    {
        NotAsked,    // set-up not finished
        Checking,    // the code is with the hub
        Accepted,    // the hub enrolled this device
        Unreachable, // kept, and tried again whenever there is a connection
        Refused,     // the hub will never accept it: a new code is needed
    };
    Q_ENUM(HubCheck)

    // Returns an empty string for a valid code, else why it is not.
    using CodeCheck = std::function<QString(const QString &code)>;

    FirstRunController(AppSession &session, CodeCheck checkCode, QObject *parent = nullptr);

    // The real check: the code parses as a hub's enrolment code (SGE1.) and
    // has not expired by the clock.
    static CodeCheck enrolmentCodeCheck(const protocol::Clock &clock);

    QString codeError() const { return m_codeError; }
    bool codeAccepted() const { return m_codeAccepted; }
    int strengthScore() const { return m_score; }
    QString strengthAdvice() const { return m_advice; }
    bool strongEnough() const;
    QString error() const { return m_error; }
    QString storageStatement() const;
    QString acceptedCode() const { return m_code; }
    HubCheck hubCheck() const { return m_hubCheck; }
    QString hubMessage() const { return m_hubMessage; }
    bool showing() const { return m_hubCheck != HubCheck::NotAsked && !m_continued; }

    // The sync engine's answer to the exchange: retryable when the hub could
    // not be reached (the code is kept and tried again), officerId the
    // officer the hub enrolled.
    void hubAnswered(bool ok, bool retryable, const QString &officerId);

    Q_INVOKABLE bool submitCode(const QString &code);
    // Back to entering a code (a wrong one was pasted).
    Q_INVOKABLE void changeCode();
    Q_INVOKABLE void judgePassphrase(const QString &passphrase);
    // Creates the vault; false with error() set when it cannot.
    Q_INVOKABLE bool finish(const QString &passphrase, const QString &confirmation);
    // After "Refused": another code from the hub, checked and sent at once.
    Q_INVOKABLE bool tryAnotherCode(const QString &code);
    // On to home: after the hub's answer, or while it cannot be reached.
    Q_INVOKABLE void goOn();

    // Tests may lower the Argon2id cost to the floor; the app never does.
    void setKdfParams(store::KdfParams p) { m_kdf = p; }

signals:
    void codeChanged();
    void strengthChanged();
    void errorChanged();
    void enrolmentCodeAccepted(const QString &code);
    void hubCheckChanged();
    // The store exists; the code is handed to the sync engine to enrol
    // (again with another code after a refusal).
    void setupFinished(const QString &code);

private:
    void setError(const QString &e);

    AppSession &m_session;
    CodeCheck m_checkCode;
    QString m_code;
    QString m_codeError;
    bool m_codeAccepted = false;
    HubCheck m_hubCheck = HubCheck::NotAsked;
    QString m_hubMessage;
    bool m_continued = false;
    int m_score = -1;
    QString m_advice;
    QString m_error;
    store::KdfParams m_kdf = store::KdfLimits::kDefault;
};

} // namespace safeguard::ui
