#include "firstruncontroller.h"

#include "store/passphrasestrength.h"
#include "wire/enrolmentcode.h"

namespace safeguard::ui {

FirstRunController::FirstRunController(AppSession &session, CodeCheck checkCode, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_checkCode(std::move(checkCode))
{}

FirstRunController::CodeCheck FirstRunController::enrolmentCodeCheck(const protocol::Clock &clock)
{
    return [&clock](const QString &text) -> QString {
        const auto code = syncwire::EnrolmentCode::parse(text);
        if (!code)
            return tr("This is not an enrolment code. It starts with SGE1. and is one long line: "
                      "copy all of it.");
        if (code->expires_at_unix_ms() > 0 && code->expires_at_unix_ms() <= clock.nowMs())
            return tr("This enrolment code has expired. Ask for a new one.");
        return QString();
    };
}

bool FirstRunController::strongEnough() const
{
    return m_score >= store::PassphraseStrength::kMinimumScore;
}

QString FirstRunController::storageStatement() const
{
    return tr("What this device keeps: the records you write, encrypted with a key only your "
              "passphrase opens. Drafts stay until you submit them. A submitted record stays "
              "until the hub confirms it has it, then its content is removed from this device "
              "after 24 hours (or the period the hub sets), leaving only a receipt. Ten wrong "
              "passphrases in a row destroy the key and everything on the device.");
}

bool FirstRunController::submitCode(const QString &code)
{
    const QString trimmed = code.trimmed();
    m_codeError =
        trimmed.isEmpty() ? tr("Paste the enrolment code from the hub.") : m_checkCode(trimmed);
    m_codeAccepted = m_codeError.isEmpty();
    if (m_codeAccepted) {
        m_code = trimmed;
        emit enrolmentCodeAccepted(m_code);
    }
    emit codeChanged();
    return m_codeAccepted;
}

void FirstRunController::changeCode()
{
    m_code.clear();
    m_codeError.clear();
    m_codeAccepted = false;
    emit codeChanged();
}

void FirstRunController::judgePassphrase(const QString &passphrase)
{
    if (passphrase.isEmpty()) {
        m_score = -1;
        m_advice.clear();
    } else {
        const auto s =
            store::PassphraseStrength::judge(store::SecureBuffer::fromPassphrase(passphrase));
        m_score = s.score;
        m_advice = s.advice;
    }
    emit strengthChanged();
}

void FirstRunController::setError(const QString &e)
{
    m_error = e;
    emit errorChanged();
}

bool FirstRunController::finish(const QString &passphrase, const QString &confirmation)
{
    if (!m_codeAccepted) {
        setError(tr("Enter the enrolment code first."));
        return false;
    }
    if (passphrase != confirmation) {
        setError(tr("The two passphrases are not the same."));
        return false;
    }
    judgePassphrase(passphrase);
    if (!strongEnough()) {
        setError(m_advice.isEmpty() ? tr("Choose a stronger passphrase.") : m_advice);
        return false;
    }
    const store::VaultError e =
        m_session.createVault(store::SecureBuffer::fromPassphrase(passphrase), m_kdf);
    if (!e.ok()) {
        setError(e.message);
        return false;
    }
    setError(QString());
    m_hubCheck = HubCheck::Checking;
    m_hubMessage = tr("Checking the code with the hub...");
    emit hubCheckChanged();
    emit setupFinished(m_code);
    return true;
}

void FirstRunController::hubAnswered(bool ok, bool retryable, const QString &officerId)
{
    // Only while the page waits for it: not an enrolment from home, nor a
    // retry after the officer went on (a later retry can still turn "cannot
    // be reached" into "accepted" while they read it).
    if (!showing() || (m_hubCheck != HubCheck::Checking && m_hubCheck != HubCheck::Unreachable))
        return;
    if (ok) {
        m_hubCheck = HubCheck::Accepted;
        m_hubMessage =
            officerId.isEmpty()
                ? tr("The hub accepted the code. This device is enrolled.")
                : tr("The hub accepted the code. This device is enrolled to %1.").arg(officerId);
    } else if (retryable) {
        m_hubCheck = HubCheck::Unreachable;
        m_hubMessage = tr("The hub cannot be reached now, so it has not accepted the code yet. "
                          "You can start recording: records stay on this device, the code is "
                          "tried again whenever there is a connection, and the home screen "
                          "says when the hub accepts it.");
    } else {
        m_hubCheck = HubCheck::Refused;
        m_hubMessage = tr("The hub refused the code: it is not one the hub issued, it was "
                          "already used, or it has expired. Ask the hub for a new code and "
                          "paste it here.");
    }
    emit hubCheckChanged();
}

bool FirstRunController::tryAnotherCode(const QString &code)
{
    if (m_hubCheck != HubCheck::Refused && m_hubCheck != HubCheck::Unreachable)
        return false;
    if (!submitCode(code))
        return false;
    m_hubCheck = HubCheck::Checking;
    m_hubMessage = tr("Checking the code with the hub...");
    emit hubCheckChanged();
    emit setupFinished(m_code);
    return true;
}

void FirstRunController::goOn()
{
    if (m_hubCheck == HubCheck::NotAsked || m_continued)
        return;
    m_continued = true;
    emit hubCheckChanged();
}

} // namespace safeguard::ui
