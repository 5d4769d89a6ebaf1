#pragma once

#include "hubstore.h"
#include "sqlite/sqldatabase.h"

#include <mutex>

namespace safeguard::hub {

// The embedded default HubStore: one SQLite file (hub.db in the data
// directory) in WAL mode with synchronous=FULL, so a commit is on disk
// before the hub answers. One connection behind a mutex: SQLite has a single
// writer anyway, and each batch is one short transaction.
class SqliteHubStore final : public HubStore
{
public:
    static std::unique_ptr<SqliteHubStore> open(const QString &path, HubStoreError *error);

    HubStoreError migrate() override;
    bool ping() override;
    HubStoreError addEnrolmentCode(const EnrolmentCodeRow &code) override;
    RedeemOutcome redeemCode(const QString &codeId, const QByteArray &secretHash, qint64 nowMs,
                             const DeviceRow &newDevice, const QString &deviceName) override;
    std::optional<DeviceRow> findDevice(const QString &deviceId, HubStoreError *error) override;
    HubStoreError revokeDevice(const QString &deviceId, qint64 nowMs, bool *found) override;
    HubStoreError commitBatch(const BatchWrite &batch,
                              std::vector<StoredOutcome> &outcomes) override;
    void auditRefusedRequest(qint64 nowMs, int status, const QString &reason,
                             const QString &deviceId) override;
    std::optional<HubStats> stats(HubStoreError *error) override;

private:
    explicit SqliteHubStore(sql::Database db);
    HubStoreError fail(const sql::SqlError &e, const char *what);

    std::mutex m_mutex;
    sql::Database m_db;
};

} // namespace safeguard::hub
