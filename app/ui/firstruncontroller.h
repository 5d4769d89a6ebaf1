#pragma once

#include "appsession.h"

#include <QObject>
#include <functional>

namespace safeguard::ui {

// First run: the hub's enrolment code, then the officer's passphrase with
// its strength explained in plain words, then the vault and store are made.
// The code's own check is injected (the sync layer knows its format); the
// exchange with the hub happens when the sync engine first reaches it.
class FirstRunController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString codeError READ codeError NOTIFY codeChanged)
    Q_PROPERTY(bool codeAccepted READ codeAccepted NOTIFY codeChanged)
    Q_PROPERTY(int strengthScore READ strengthScore NOTIFY strengthChanged)
    Q_PROPERTY(QString strengthAdvice READ strengthAdvice NOTIFY strengthChanged)
    Q_PROPERTY(bool strongEnough READ strongEnough NOTIFY strengthChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    Q_PROPERTY(QString storageStatement READ storageStatement CONSTANT)

public:
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

    Q_INVOKABLE bool submitCode(const QString &code);
    // Back to entering a code (a wrong one was pasted).
    Q_INVOKABLE void changeCode();
    Q_INVOKABLE void judgePassphrase(const QString &passphrase);
    // Creates the vault; false with error() set when it cannot.
    Q_INVOKABLE bool finish(const QString &passphrase, const QString &confirmation);

    // Tests may lower the Argon2id cost to the floor; the app never does.
    void setKdfParams(store::KdfParams p) { m_kdf = p; }

signals:
    void codeChanged();
    void strengthChanged();
    void errorChanged();
    void enrolmentCodeAccepted(const QString &code);
    // The store exists; the code is handed to the sync engine to enrol.
    void setupFinished(const QString &code);

private:
    void setError(const QString &e);

    AppSession &m_session;
    CodeCheck m_checkCode;
    QString m_code;
    QString m_codeError;
    bool m_codeAccepted = false;
    int m_score = -1;
    QString m_advice;
    QString m_error;
    store::KdfParams m_kdf = store::KdfLimits::kDefault;
};

} // namespace safeguard::ui
