#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

// The embedded SQL engine, wrapped once and compiled twice: against SQLCipher
// for the officer's encrypted store (target safeguard_sqlite_cipher, which
// defines SAFEGUARD_SQLCIPHER) and against Debian's plain SQLite for the hub's
// embedded default (safeguard_sqlite_plain). The two export the same symbols,
// so no process links both (nor Qt's SQLite driver).
namespace safeguard::sql {

// What went wrong, classified so callers can react without parsing text.
enum class SqlErrorKind
{
    None,
    NotADatabase, // wrong key or damaged header: only the vault can tell which
    Corrupt,      // the file is damaged
    Busy,         // another connection holds the lock
    DiskFull,
    ReadOnly,
    Io,
    CantOpen,
    Constraint, // a UNIQUE/FOREIGN KEY/CHECK rule refused the change
    Misuse,     // a programming error (bad SQL, wrong bind index...)
    Other,
};

// A typed error. The message is SQLite's own text, which holds no bound
// values, so it is safe to log; callers must still never add record content.
struct SqlError
{
    SqlErrorKind kind = SqlErrorKind::None;
    int code = 0; // SQLite's extended result code
    QString message;

    bool ok() const { return kind == SqlErrorKind::None; }
    explicit operator bool() const { return !ok(); }
    static SqlError fromCode(int code, sqlite3 *db);
};

class Database;

// A prepared statement. Binds are 1-based, columns 0-based, as in SQLite.
// step() returns true while there is a row; errors land in error().
class Statement
{
public:
    Statement() = default;
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    ~Statement();

    bool isValid() const { return m_stmt != nullptr; }

    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, int value) { return bind(index, std::int64_t(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view text); // TEXT, copied
    Statement &bind(int index, const QString &text);
    Statement &bindBlob(int index, const void *data, std::size_t size); // BLOB, copied
    Statement &bindBlob(int index, const QByteArray &data)
    {
        return bindBlob(index, data.constData(), std::size_t(data.size()));
    }
    // BLOB, not copied: data must stay unchanged until the statement has
    // been stepped for the last time with this binding (a 3.6 KB record
    // bound for one insert need not be copied first).
    Statement &bindBlobView(int index, const QByteArray &data);
    Statement &bindNull(int index);

    // Advances; true when a row is ready. false at the end or on error.
    bool step();
    // Runs a statement that returns no rows; false on error.
    bool exec();
    void reset();

    std::int64_t columnInt64(int column) const;
    double columnDouble(int column) const;
    bool columnIsNull(int column) const;
    QString columnText(int column) const;
    std::string columnString(int column) const;
    QByteArray columnBlob(int column) const;

    const SqlError &error() const { return m_error; }

private:
    friend class Database;
    Statement(sqlite3_stmt *stmt, sqlite3 *db)
        : m_stmt(stmt)
        , m_db(db)
    {}
    void noteBind(int rc);

    sqlite3_stmt *m_stmt = nullptr;
    sqlite3 *m_db = nullptr;
    SqlError m_error;
};

// One connection. Closing (or destroying) finalizes it; statements must not
// outlive it.
class Database
{
public:
    enum class OpenMode
    {
        ReadWriteCreate,
        ReadWrite,
        ReadOnly
    };

    Database() = default;
    Database(Database &&other) noexcept;
    Database &operator=(Database &&other) noexcept;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;
    ~Database();

    // Opens (and with ReadWriteCreate, creates) the file; no SQL runs yet, so
    // an encrypted file can be keyed before anything reads it.
    static std::optional<Database> open(const QString &path, OpenMode mode, SqlError *error);

#ifdef SAFEGUARD_SQLCIPHER
    // Sets the raw 256-bit key (SQLCipher's own KDF is skipped) and the page
    // size; must be the first call after open(). The key is passed as a
    // blob literal built in locked memory and wiped after use.
    SqlError setRawKey(const unsigned char *key, std::size_t size, int cipherPageSize = 4096);
    // Copies this database (schema, rows, user_version) into a new file at
    // path, encrypted under another raw key with the given page size
    // (sqlcipher_export into an attached database). The copy is complete and
    // fsynced when this returns; the caller removes it on failure.
    SqlError exportWithRawKey(const QString &path, const unsigned char *key, std::size_t size,
                              int cipherPageSize = 4096);
    // SQLCipher's version string, e.g. "3.4.1".
    QString cipherVersion();
#endif

    bool isOpen() const
    {
        return m_db != nullptr;
    }
    void close();

    // Runs one or more statements with no bound values.
    SqlError exec(const char *sql);
    Statement prepare(std::string_view sql, SqlError *error = nullptr);
    // A single integer from a query such as "PRAGMA user_version"; nullopt on error.
    std::optional<std::int64_t> queryInt(const char *sql, SqlError *error = nullptr);

    std::int64_t lastInsertRowId() const;
    int changes() const;
    sqlite3 *handle() const
    {
        return m_db;
    }

private:
    explicit Database(sqlite3 *db)
        : m_db(db)
    {}
    sqlite3 *m_db = nullptr;
};

// A transaction that rolls back unless committed. BEGIN IMMEDIATE takes the
// write lock up front, so a later statement cannot fail with SQLITE_BUSY
// half-way through.
class Transaction
{
public:
    explicit Transaction(Database &db);
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    ~Transaction();

    const SqlError &beginError() const { return m_error; }
    SqlError commit();
    void rollback();

private:
    Database &m_db;
    SqlError m_error;
    bool m_active = false;
};

// Writes a lower-case hex string of the bytes into out (2*size chars), for
// keys kept in locked memory rather than a QString.
void toHex(const unsigned char *data, std::size_t size, char *out);

} // namespace safeguard::sql
