#pragma once

#include "protocol/clock.h"
#include "recordsource.h"
#include "replypolicy.h"
#include "sealedoutbox.h"
#include "syncerror.h"

#include <QHash>
#include <functional>
#include <memory>
#include <optional>

namespace safeguard::syncwire {
class SealingSession;
} // namespace safeguard::syncwire

namespace safeguard::syncclient {

// Everything between the officer's store and the sealed outbox, and nothing
// of the network: sealing what was submitted under one sealing session, the
// repair after a crash between the two commits, the hub's verdicts copied
// back to the store, purge past retention and compaction. It has no timer;
// the engine says when each runs. The store is attached only while unlocked,
// and the sealing session lives no longer than that.
//
// Nothing in the sealed outbox is believed on its own word (it is a plain
// file an attacker with the device can rewrite): sealing uses the store's
// trusted copy of the enrolment and signs each session with the store's
// device key; a verdict reaches the store only from a receipt whose hub
// signature and hash are checked here; and what the store still waits for
// but the outbox has lost, or calls decided without a believable receipt, is
// sealed again from the store and queued (docs/SECURITY.md).
class StoreBridge
{
public:
    // How many submissions one repair step reads at most: the step runs on
    // the store's (the UI) thread, so it is kept short and the engine gives
    // the event loop back between steps.
    static constexpr int kRepairChunk = 200;

    struct Hooks
    {
        const protocol::Clock *clock = nullptr;
        std::function<qint64()> compactBefore; // optional: the backup watermark
        std::function<void(SyncFault, const QString &)> fault;
        // Entries went back to pending (a requeue): the lanes look again.
        std::function<void()> requeued;
    };

    // How often a version the hub rejected for its seal (bad_signature,
    // unsealable, hash_mismatch: not the officer's content) is sealed afresh
    // and sent again before the rejection is taken as its verdict.
    static constexpr int kSealRetries = 3;

    explicit StoreBridge(Hooks hooks);
    ~StoreBridge();
    StoreBridge(const StoreBridge &) = delete;
    StoreBridge &operator=(const StoreBridge &) = delete;

    void setOutbox(SealedOutbox *outbox) { m_outbox = outbox; }
    // Attaches an unlocked store and reads its trusted enrolment (an error:
    // it could not be read, and nothing is sealed).
    SyncError attach(RecordSource *store);
    // Locked or wiped: the store and the session's key go.
    void detach();
    RecordSource *store() const { return m_store; }
    bool isAttached() const { return m_store && m_outbox; }
    const syncwire::SealingSession *session() const { return m_session.get(); }
    // The enrolment as the encrypted store holds it (nullopt: none, or no
    // store attached); keepTrusted() replaces it there first.
    const std::optional<Enrolment> &trusted() const { return m_trusted; }
    SyncError keepTrusted(const Enrolment &enrolment);
    // The device's signing key's public half, from the store.
    SyncError devicePublicKey(QByteArray *out) const;

    // One submission into the outbox and noted handed over; *inserted is 0
    // when the outbox held it already.
    SyncError submit(const protocol::Submission &submission, int *inserted);

    // Re-enrolled as another device or with another hub: what is held
    // sealed for the old one is sealed again, from the store, for this one.
    SyncError resealForNewEnrolment();

    struct RepairStep
    {
        SyncError error;
        bool more = false; // another step is needed
        int sealed = 0;    // entries the outbox lacked, sealed in this step
    };
    // One bounded step of the repair: reads what the store has not seen
    // handed over, seals what the outbox lacks, compares hashes of what it
    // has, and marks them handed over. Failures are reported (RepairFailed).
    RepairStep repairStep(int limit = kRepairChunk);
    // Every step at once (the simulator, and sealing before an enrolment).
    SyncError repairAll();

    // Verdicts the store has not taken, each only from its checked receipt
    // (ForgedVerdict and a fresh seal otherwise).
    void applyVerdicts();
    // What the store waits for against what the outbox holds: versions the
    // outbox lost, holds with another hash, or calls decided and applied
    // while the store still waits are sealed again and queued. Run at
    // attach, after applyVerdicts(). Returns how many were queued.
    int reconcile(SyncError *error = nullptr);
    int purgeExpired(SyncError *error = nullptr);
    void compact();

private:
    SyncError sealEntries(const QList<protocol::Submission> &subs, QList<SealedEntry> &entries);
    SyncError sealAndAdd(const QList<protocol::Submission> &subs, int *inserted = nullptr);
    SyncError ensureSession();
    void failed(const QString &message) const;
    qint64 retentionCutoffMs() const;
    int requeueFromStore(const QList<std::pair<QString, int>> &versions, const char *why);

    Hooks m_hooks;
    std::optional<Enrolment> m_trusted;
    QHash<std::pair<QString, int>, int> m_sealRetries;
    SealedOutbox *m_outbox = nullptr;
    RecordSource *m_store = nullptr;
    std::unique_ptr<syncwire::SealingSession> m_session;
};

} // namespace safeguard::syncclient
