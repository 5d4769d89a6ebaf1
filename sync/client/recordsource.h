#pragma once

#include "protocol/submission.h"
#include "sealedoutbox.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>
#include <string_view>
#include <utility>

namespace safeguard::syncclient {

// A failure of the record source (ids and counts only, never content).
struct SourceError
{
    QString message;
    bool ok() const { return message.isEmpty(); }
};

// What the sync engine needs from the officer's store, and nothing more: the
// port that keeps sync/client free of app/store. The app's adapter
// (store::StoreRecordSource) implements it over the encrypted RecordStore;
// tests and the device simulator use the same adapter, so the engine is
// tested on the app's own path. Every call runs on the caller's thread and
// is one store transaction where it writes.
class RecordSource
{
public:
    virtual ~RecordSource() = default;

    // Submissions the engine has not confirmed holding, oldest first: the
    // repair after a crash between the store's commit and the outbox's.
    virtual SourceError notHandedOver(int limit, QList<protocol::Submission> *out) = 0;
    // Every submission still waiting for the hub (resealing after a new
    // enrolment).
    virtual SourceError pending(QList<protocol::Submission> *out) = 0;
    // The engine holds these (record id, version) sealed copies now.
    virtual SourceError markHandedOver(const QList<std::pair<QString, int>> &versions) = 0;
    // The exact bytes submitted (what the SHA-256 covers).
    virtual SourceError submittedBytes(const QString &recordId, int version, QByteArray *out) = 0;
    // The hub's verdicts, in one transaction; unknown versions and late
    // answers for a version already decided are ignored. Each is applied
    // only when its sha256 is the store's own hash of the version waiting;
    // those that are not go to *refused (they name other bytes than the
    // officer submitted: forged or damaged), untouched.
    virtual SourceError applyVerdicts(const QList<UnappliedResult> &verdicts,
                                      QList<std::pair<QString, int>> *refused) = 0;

    // The device's Ed25519 signing key lives only in the store: its public
    // half (made at the first call, for enrolment), and a signature by it
    // over statement (a sealing session's).
    virtual SourceError devicePublicKey(QByteArray *out) = 0;
    virtual SourceError sign(std::string_view statement, QByteArray *signature) = 0;
    // The trusted copy of the enrolment (nullopt: never enrolled) and
    // replacing it: sealing uses it, and the sealed outbox's plain copy
    // must match it.
    virtual SourceError trustedEnrolment(std::optional<Enrolment> *out) = 0;
    virtual SourceError keepEnrolment(const Enrolment &enrolment) = 0;

    enum class Purge
    {
        Purged, // the record's content is gone, a receipt kept
        Gone,   // nothing to purge (purged before, or never here)
        NotYet, // a newer version is still on its way
    };
    // Removes an acknowledged record's content (every version).
    virtual SourceError purge(const QString &recordId, Purge *outcome) = 0;
};

} // namespace safeguard::syncclient
