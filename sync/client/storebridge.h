#pragma once

#include "protocol/clock.h"
#include "recordsource.h"
#include "replypolicy.h"
#include "sealedoutbox.h"
#include "syncerror.h"

#include <functional>
#include <memory>

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
    };

    // enrolment is the engine's, read at every seal; it must outlive this.
    StoreBridge(const Enrolment &enrolment, Hooks hooks);
    ~StoreBridge();
    StoreBridge(const StoreBridge &) = delete;
    StoreBridge &operator=(const StoreBridge &) = delete;

    void setOutbox(SealedOutbox *outbox) { m_outbox = outbox; }
    void attach(RecordSource *store) { m_store = store; }
    // Locked or wiped: the store and the session's key go.
    void detach();
    RecordSource *store() const { return m_store; }
    bool isAttached() const { return m_store && m_outbox; }
    const syncwire::SealingSession *session() const { return m_session.get(); }

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

    void applyVerdicts();
    int purgeExpired(SyncError *error = nullptr);
    void compact();

private:
    SyncError sealEntries(const QList<protocol::Submission> &subs, QList<SealedEntry> &entries);
    SyncError sealAndAdd(const QList<protocol::Submission> &subs, int *inserted = nullptr);
    SyncError ensureSession();
    void failed(const QString &message) const;
    qint64 retentionCutoffMs() const;

    const Enrolment &m_enrolment;
    Hooks m_hooks;
    SealedOutbox *m_outbox = nullptr;
    RecordSource *m_store = nullptr;
    std::unique_ptr<syncwire::SealingSession> m_session;
};

} // namespace safeguard::syncclient
