#pragma once

#include "protocol/recordissue.h"
#include "sqlite/sqldatabase.h"

#include <QString>
#include <optional>
#include <utility>

namespace safeguard::store {

enum class StoreErrorKind
{
    None,
    NotFound,   // no such record (or version)
    Invalid,    // the record fails the shared rules; issues lists why
    Frozen,     // that version was submitted and can no longer change
    WrongState, // e.g. amend a draft, purge an unacknowledged record
    Corrupt,    // the database is damaged (the key was proven by the vault)
    TooNew,     // written by a newer app (schema version ahead of this build)
    DiskFull,
    Io,
    Busy,
    Internal, // a bug: bad SQL, a constraint we should have prevented
};

// A typed store error. The message is safe to log: it never holds record
// content, a key, or personal data (only ids the caller already has).
struct StoreError
{
    StoreErrorKind kind = StoreErrorKind::None;
    QString message;
    protocol::RecordIssues issues; // for Invalid

    bool ok() const { return kind == StoreErrorKind::None; }
    explicit operator bool() const { return !ok(); }

    // Maps an SQL error. Called only once the vault has proven the key, so
    // "not a database" means a damaged file, never a wrong key.
    static StoreError fromSql(const sql::SqlError &e, const char *during);
};

// "not_found", "corrupt"...: for logs and JSON.
QString toKey(StoreErrorKind kind);

// A value or a StoreError.
template<typename T> class StoreResult
{
public:
    StoreResult(T value)
        : m_value(std::move(value))
    {}
    StoreResult(StoreError error)
        : m_error(std::move(error))
    {}
    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    // From a temporary, by value: `for (x : store.list().value())` is safe.
    T value() && { return std::move(*m_value); }
    const T *operator->() const { return &*m_value; }
    const StoreError &error() const { return m_error; }

private:
    std::optional<T> m_value;
    StoreError m_error;
};

} // namespace safeguard::store
