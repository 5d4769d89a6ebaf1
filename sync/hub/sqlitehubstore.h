#pragma once

#include "hubstore.h"
#include "sqlite/sqldatabase.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace safeguard::hub {

// The embedded default HubStore: one SQLite file (hub.db in the data
// directory) in WAL mode with synchronous=FULL, so a commit is on disk
// before the hub answers. SQLite has a single writer, so batches are
// committed by group commit: the first caller to find no commit running
// becomes the leader, takes every batch queued meanwhile and writes them in
// one fsynced transaction (each batch inside its own savepoint, so a batch
// that fails to write fails alone); every caller returns once its own batch
// is durable. Three connections: the writer, a reader for authentication
// and health checks (WAL lets it read while a group commits), and a
// checkpointer thread that copies the WAL into the database off the commit
// path.
class SqliteHubStore final : public HubStore
{
public:
    static std::unique_ptr<SqliteHubStore> open(const QString &path, HubStoreError *error);

    HubStoreError migrate() override;
    bool ping() override;
    HubStoreError addEnrolmentCode(const EnrolmentCodeRow &code) override;
    RedeemOutcome redeemCode(const QString &codeId, const QByteArray &secretHash, qint64 nowMs,
                             DeviceRow &device, const QString &deviceName) override;
    std::optional<DeviceRow> findDevice(const QString &deviceId, HubStoreError *error) override;
    HubStoreError revokeDevice(const QString &deviceId, qint64 nowMs, bool *found) override;
    HubStoreError commitBatch(const BatchWrite &batch, std::vector<StoredResult> &results) override;
    void auditRefusedRequest(qint64 nowMs, int status, const QString &reason,
                             const QString &deviceId) override;
    void auditAnonymousRefusals(qint64 nowMs, const QString &summaryJson) override;
    HubStoreError auditStaffAction(qint64 nowMs, const QString &by, const QString &action,
                                   const QString &detailJson) override;
    std::optional<std::vector<PictureWork>> claimPictureWork(const QString &worker, int limit,
                                                             qint64 nowMs, qint64 leaseMs,
                                                             HubStoreError *error) override;
    HubStoreError finishPictureWork(const QString &worker,
                                    const std::vector<qint64> &rowids) override;
    std::optional<HubStats> stats(HubStoreError *error) override;
    std::optional<std::vector<RecordListing>> listRecords(const RecordFilter &filter,
                                                          HubStoreError *error) override;
    std::optional<std::vector<AlertListing>> listAlerts(int limit, HubStoreError *error) override;
    HubStoreError recordSighting(const DeviceSighting &sighting) override;
    std::optional<DeviceSighting> findSighting(const QString &deviceId,
                                               HubStoreError *error) override;
    HubStoreError raiseDeviceAlert(qint64 nowMs, const QString &kind, const QString &deviceId,
                                   const QString &officerId, const QString &detailJson) override;
    std::optional<std::vector<DeviceListing>> listDevices(HubStoreError *error) override;

    ~SqliteHubStore() override;

    // Group commit at work: transactions committed, and batches in them.
    qint64 groupsCommitted() const { return m_groups.load(); }
    qint64 batchesCommitted() const { return m_batches.load(); }

    // WAL size (pages) at which the checkpointer is woken, and past which the
    // leader checkpoints itself so the WAL cannot grow without bound.
    static constexpr int kCheckpointPages = 1000;
    static constexpr int kInlineCheckpointPages = 16 * kCheckpointPages;

private:
    struct BatchStatements;
    struct PendingBatch
    {
        const BatchWrite *batch = nullptr;
        std::vector<StoredResult> *outcomes = nullptr;
        HubStoreError error;
        bool done = false;
    };

    SqliteHubStore(sql::Database db, sql::Database readDb, sql::Database checkpointDb);
    HubStoreError fail(const sql::SqlError &e, const char *what);
    // Under m_mutex, inside an open transaction.
    HubStoreError writeBatch(const BatchWrite &batch, std::vector<StoredResult> &outcomes);
    void commitGroup(const std::vector<PendingBatch *> &group);
    void startCheckpointer();
    void checkpointLoop();
    static int walHook(void *self, struct sqlite3 *db, const char *name, int pages);

    std::mutex m_mutex; // the writer connection and its statements
    sql::Database m_db;
    std::unique_ptr<BatchStatements> m_statements; // prepared once, reused per batch

    std::mutex m_readMutex;
    sql::Database m_readDb;

    std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;
    std::vector<PendingBatch *> m_queue;
    bool m_leaderActive = false;
    std::atomic<qint64> m_groups{0}, m_batches{0};

    std::mutex m_checkpointMutex;
    std::condition_variable m_checkpointWanted;
    bool m_checkpointDue = false;
    bool m_stopping = false;
    int m_walPages = 0; // after the last commit, from the WAL hook (writer thread)
    sql::Database m_checkpointDb;
    std::thread m_checkpointer;
};

} // namespace safeguard::hub
