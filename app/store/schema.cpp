#include "schema.h"

#include "sqlite/sqldatabase.h"

namespace safeguard::store::schema {

namespace {

// Version 1: records (one row per record version; body is the serialized
// IncidentRecord, frozen once status leaves 'draft') and the outbox the sync
// engine drains.
constexpr const char *kV1 = R"sql(
CREATE TABLE records (
  record_id        TEXT    NOT NULL,
  version          INTEGER NOT NULL CHECK (version >= 1),
  status           TEXT    NOT NULL,
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL,
  submitted_ms     INTEGER,
  police_reference TEXT    NOT NULL DEFAULT '',
  child_count      INTEGER NOT NULL DEFAULT 0,
  urgent           INTEGER NOT NULL DEFAULT 0,
  body             BLOB    NOT NULL,
  sha256           BLOB,
  PRIMARY KEY (record_id, version)
);
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  record_id  TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  priority   INTEGER NOT NULL,
  sha256     BLOB    NOT NULL,
  size       INTEGER NOT NULL,
  state      TEXT    NOT NULL,
  created_ms INTEGER NOT NULL,
  UNIQUE (record_id, version),
  FOREIGN KEY (record_id, version) REFERENCES records (record_id, version)
);
)sql";

// Version 2: the outbox gains the hub's answer (reason, updated_ms) and a
// CHECK on its states, which needs a table rebuild on SQLite 3.15; an index
// for the sync engine's "urgent first, oldest first" scan; purge receipts;
// and a CHECK on record statuses (another rebuild).
constexpr const char *kV2 = R"sql(
CREATE TABLE records_new (
  record_id        TEXT    NOT NULL,
  version          INTEGER NOT NULL CHECK (version >= 1),
  status           TEXT    NOT NULL
                   CHECK (status IN ('draft','queued','acknowledged','needs_correction')),
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL,
  submitted_ms     INTEGER,
  police_reference TEXT    NOT NULL DEFAULT '',
  child_count      INTEGER NOT NULL DEFAULT 0,
  urgent           INTEGER NOT NULL DEFAULT 0,
  amendment_reason TEXT    NOT NULL DEFAULT '',
  body             BLOB    NOT NULL,
  sha256           BLOB,
  PRIMARY KEY (record_id, version)
);
INSERT INTO records_new (record_id, version, status, created_ms, updated_ms, submitted_ms,
                         police_reference, child_count, urgent, body, sha256)
  SELECT record_id, version, status, created_ms, updated_ms, submitted_ms,
         police_reference, child_count, urgent, body, sha256 FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;

CREATE TABLE outbox_new (
  id         INTEGER PRIMARY KEY,
  record_id  TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  priority   INTEGER NOT NULL CHECK (priority IN (0, 1)),
  sha256     BLOB    NOT NULL,
  size       INTEGER NOT NULL,
  state      TEXT    NOT NULL CHECK (state IN ('pending','acknowledged','needs_correction')),
  reason     TEXT    NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL DEFAULT 0,
  UNIQUE (record_id, version),
  FOREIGN KEY (record_id, version) REFERENCES records (record_id, version) ON DELETE CASCADE
);
INSERT INTO outbox_new (id, record_id, version, priority, sha256, size, state, created_ms, updated_ms)
  SELECT id, record_id, version, priority, sha256, size, state, created_ms, created_ms FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (state, priority DESC, id);

CREATE TABLE receipts (
  record_id        TEXT    NOT NULL,
  version          INTEGER NOT NULL,
  police_reference TEXT    NOT NULL,
  acknowledged_ms  INTEGER NOT NULL,
  purged_ms        INTEGER NOT NULL,
  PRIMARY KEY (record_id, version)
);
)sql";

// Version 3: a record version the hub holds with other content (CONFLICT)
// is "held_at_hub", in records and in the outbox, instead of staying
// "queued" for ever: both CHECKs change, so both tables are rebuilt.
constexpr const char *kV3 = R"sql(
CREATE TABLE records_new (
  record_id        TEXT    NOT NULL,
  version          INTEGER NOT NULL CHECK (version >= 1),
  status           TEXT    NOT NULL
                   CHECK (status IN ('draft','queued','acknowledged','needs_correction',
                                     'held_at_hub')),
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL,
  submitted_ms     INTEGER,
  police_reference TEXT    NOT NULL DEFAULT '',
  child_count      INTEGER NOT NULL DEFAULT 0,
  urgent           INTEGER NOT NULL DEFAULT 0,
  amendment_reason TEXT    NOT NULL DEFAULT '',
  body             BLOB    NOT NULL,
  sha256           BLOB,
  PRIMARY KEY (record_id, version)
);
INSERT INTO records_new SELECT record_id, version, status, created_ms, updated_ms, submitted_ms,
  police_reference, child_count, urgent, amendment_reason, body, sha256 FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;

CREATE TABLE outbox_new (
  id         INTEGER PRIMARY KEY,
  record_id  TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  priority   INTEGER NOT NULL CHECK (priority IN (0, 1)),
  sha256     BLOB    NOT NULL,
  size       INTEGER NOT NULL,
  state      TEXT    NOT NULL
             CHECK (state IN ('pending','acknowledged','needs_correction','held_at_hub')),
  reason     TEXT    NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL DEFAULT 0,
  UNIQUE (record_id, version),
  FOREIGN KEY (record_id, version) REFERENCES records (record_id, version) ON DELETE CASCADE
);
INSERT INTO outbox_new SELECT id, record_id, version, priority, sha256, size, state, reason,
  created_ms, updated_ms FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (state, priority DESC, id);
)sql";

// v4: each outbox row says whether the sync engine has its sealed copy
// (handed_over), so the repair after a crash between the store's and the
// sealed outbox's commits reads only rows not handed over (a partial index),
// never every pending row. Rows from before start not handed over: the first
// repair compares each once.
constexpr const char *kV4 = R"sql(
ALTER TABLE outbox ADD COLUMN handed_over INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_not_handed_over ON outbox (id) WHERE handed_over = 0 AND state = 'pending';
)sql";

// v5: what the device must be able to trust when its other files are not.
// device_key: its Ed25519 signing key (libsodium's 64-byte secret key), made
// at the first enrolment and kept only here; it signs each sealing session.
// enrolment: the enrolment itself (hub URL and id, device, officer, pins,
// the hub's sealing and receipt keys); sealing uses this copy, and the
// sealed outbox's plain copy must match it.
constexpr const char *kV5 = R"sql(
CREATE TABLE device_key (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  secret_key BLOB    NOT NULL CHECK (length(secret_key) = 64),
  public_key BLOB    NOT NULL CHECK (length(public_key) = 32),
  created_ms INTEGER NOT NULL
);
CREATE TABLE enrolment (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  hub_url            TEXT    NOT NULL,
  hub_id             TEXT    NOT NULL,
  device_id          TEXT    NOT NULL,
  officer_id         TEXT    NOT NULL,
  tls_pin            TEXT    NOT NULL,
  backup_pin         TEXT    NOT NULL,
  sealing_public_key BLOB    NOT NULL,
  hub_signing_key    BLOB    NOT NULL,
  enrolled_ms        INTEGER NOT NULL
);
)sql";

// v6: what the home list shows of each record without opening it (when and
// where the incident was, its type, the children's names) and whether the
// officer withdrew it. Rows from before have summary_version 0 and are
// filled from their bodies when the store opens (RecordStore::backfill).
constexpr const char *kV6 = R"sql(
ALTER TABLE records ADD COLUMN occurred_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN occurred_offset_min INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN incident_type INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN child_names TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN summary_version INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr const char *kMigrations[] = {kV1, kV2, kV3, kV4, kV5, kV6};
static_assert(std::size(kMigrations) == kCurrentVersion);

} // namespace

StoreError migrate(sql::Database &db, int targetVersion)
{
    sql::SqlError e;
    const auto current = db.queryInt("PRAGMA user_version;", &e);
    if (!current)
        return StoreError::fromSql(e, "read schema version");
    if (*current > kCurrentVersion)
        return {StoreErrorKind::TooNew,
                QStringLiteral("The store was written by a newer version of the app."),
                {}};
    if (*current >= targetVersion)
        return {};
    // foreign_keys cannot change inside a transaction; rebuilds need it off.
    if ((e = db.exec("PRAGMA foreign_keys = OFF;")))
        return StoreError::fromSql(e, "migrate");
    StoreError result;
    for (int v = int(*current) + 1; v <= targetVersion && result.ok(); ++v) {
        sql::Transaction tx(db);
        if (tx.beginError()) {
            result = StoreError::fromSql(tx.beginError(), "migrate");
            break;
        }
        if ((e = db.exec(kMigrations[v - 1]))) {
            result = StoreError::fromSql(e, "migrate");
            break;
        }
        sql::Statement fk = db.prepare("PRAGMA foreign_key_check;");
        if (fk.step()) {
            result = {StoreErrorKind::Corrupt,
                      QStringLiteral("migration %1 broke a foreign key").arg(v),
                      {}};
            break;
        }
        const QByteArray bump = "PRAGMA user_version = " + QByteArray::number(v) + ";";
        if ((e = db.exec(bump.constData())) || (e = tx.commit()))
            result = StoreError::fromSql(e, "migrate");
    }
    const sql::SqlError on = db.exec("PRAGMA foreign_keys = ON;");
    if (result.ok() && on)
        result = StoreError::fromSql(on, "migrate");
    return result;
}

} // namespace safeguard::store::schema
