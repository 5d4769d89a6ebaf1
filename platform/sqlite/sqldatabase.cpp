#include "sqldatabase.h"

#ifdef SAFEGUARD_SQLCIPHER
#ifndef SQLITE_HAS_CODEC
#define SQLITE_HAS_CODEC 1
#endif
#include <sodium.h>
#include <sqlcipher/sqlite3.h>
#else
#include <sqlite3.h>
#endif

#include <QFile>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace safeguard::sql {

namespace {

SqlErrorKind classify(int code)
{
    switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return SqlErrorKind::None;
    case SQLITE_NOTADB:
        return SqlErrorKind::NotADatabase;
    case SQLITE_CORRUPT:
        return SqlErrorKind::Corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SqlErrorKind::Busy;
    case SQLITE_FULL:
        return SqlErrorKind::DiskFull;
    case SQLITE_READONLY:
        return SqlErrorKind::ReadOnly;
    case SQLITE_IOERR:
        return SqlErrorKind::Io;
    case SQLITE_CANTOPEN:
        return SqlErrorKind::CantOpen;
    case SQLITE_CONSTRAINT:
        return SqlErrorKind::Constraint;
    case SQLITE_MISUSE:
    case SQLITE_ERROR:
    case SQLITE_RANGE:
        return SqlErrorKind::Misuse;
    default:
        return SqlErrorKind::Other;
    }
}

} // namespace

SqlError SqlError::fromCode(int code, sqlite3 *db)
{
    SqlError e;
    e.kind = classify(code);
    if (e.kind == SqlErrorKind::None)
        return e;
    e.code = db ? sqlite3_extended_errcode(db) : code;
    if (e.code == 0)
        e.code = code;
    e.message = QString::fromUtf8(db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    return e;
}

void toHex(const unsigned char *data, std::size_t size, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
}

// ---------------------------------------------------------------- Statement

Statement::Statement(Statement &&other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr))
    , m_db(other.m_db)
    , m_error(std::move(other.m_error))
{}

Statement &Statement::operator=(Statement &&other) noexcept
{
    if (this != &other) {
        if (m_stmt)
            sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_db = other.m_db;
        m_error = std::move(other.m_error);
    }
    return *this;
}

Statement::~Statement()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
}

void Statement::noteBind(int rc)
{
    if (rc != SQLITE_OK && m_error.ok())
        m_error = SqlError::fromCode(rc, m_db);
}

Statement &Statement::bind(int index, std::int64_t value)
{
    noteBind(sqlite3_bind_int64(m_stmt, index, value));
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    noteBind(sqlite3_bind_double(m_stmt, index, value));
    return *this;
}

Statement &Statement::bind(int index, std::string_view text)
{
    noteBind(sqlite3_bind_text(m_stmt, index, text.data(), int(text.size()), SQLITE_TRANSIENT));
    return *this;
}

Statement &Statement::bind(int index, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    return bind(index, std::string_view(utf8.constData(), std::size_t(utf8.size())));
}

Statement &Statement::bindBlob(int index, const void *data, std::size_t size)
{
    // A zero-length blob is still a blob, not NULL.
    noteBind(sqlite3_bind_blob(m_stmt, index, size ? data : "", int(size), SQLITE_TRANSIENT));
    return *this;
}

Statement &Statement::bindBlobView(int index, const QByteArray &data)
{
    // A zero-length blob is still a blob, not NULL.
    noteBind(sqlite3_bind_blob(m_stmt, index, data.isEmpty() ? "" : data.constData(),
                               int(data.size()), SQLITE_STATIC));
    return *this;
}

Statement &Statement::bindNull(int index)
{
    noteBind(sqlite3_bind_null(m_stmt, index));
    return *this;
}

bool Statement::step()
{
    if (!m_stmt || !m_error.ok())
        return false;
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        m_error = SqlError::fromCode(rc, m_db);
    return false;
}

bool Statement::exec()
{
    step();
    const bool ok = m_error.ok();
    reset();
    return ok;
}

void Statement::reset()
{
    if (!m_stmt)
        return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::columnInt64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::columnDouble(int column) const
{
    return sqlite3_column_double(m_stmt, column);
}

bool Statement::columnIsNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

QString Statement::columnText(int column) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return QString::fromUtf8(p, sqlite3_column_bytes(m_stmt, column));
}

std::string Statement::columnString(int column) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return p ? std::string(p, std::size_t(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

QByteArray Statement::columnBlob(int column) const
{
    const void *p = sqlite3_column_blob(m_stmt, column);
    const int n = sqlite3_column_bytes(m_stmt, column);
    return p ? QByteArray(static_cast<const char *>(p), n) : QByteArray();
}

// ----------------------------------------------------------------- Database

Database::Database(Database &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
{}

Database &Database::operator=(Database &&other) noexcept
{
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
    }
    return *this;
}

Database::~Database()
{
    close();
}

std::optional<Database> Database::open(const QString &path, OpenMode mode, SqlError *error)
{
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
    case OpenMode::ReadWriteCreate:
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    case OpenMode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE;
        break;
    case OpenMode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    }
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        if (error)
            *error = SqlError::fromCode(rc, db);
        sqlite3_close(db);
        return std::nullopt;
    }
    sqlite3_extended_result_codes(db, 1);
    if (error)
        *error = SqlError();
    return Database(db);
}

#ifdef SAFEGUARD_SQLCIPHER
SqlError Database::setRawKey(const unsigned char *key, std::size_t size, int cipherPageSize)
{
    // "x'<hex>'" tells SQLCipher the key is raw: no PBKDF2 on every open.
    const std::size_t literalSize = 3 + 2 * size;
    auto *literal = static_cast<char *>(sodium_malloc(literalSize + 1));
    if (!literal)
        return SqlError{SqlErrorKind::Other, SQLITE_NOMEM, QStringLiteral("out of secure memory")};
    literal[0] = 'x';
    literal[1] = '\'';
    toHex(key, size, literal + 2);
    literal[literalSize - 1] = '\'';
    literal[literalSize] = '\0';
    const int rc = sqlite3_key(m_db, literal, int(literalSize));
    sodium_free(literal); // zeroes before freeing
    if (rc != SQLITE_OK)
        return SqlError::fromCode(rc, m_db);
    char pragma[64];
    std::snprintf(pragma, sizeof pragma, "PRAGMA cipher_page_size = %d;", cipherPageSize);
    return exec(pragma);
}

SqlError Database::exportWithRawKey(const QString &path, const unsigned char *key, std::size_t size,
                                    int cipherPageSize)
{
    const std::size_t literalSize = 3 + 2 * size;
    auto *literal = static_cast<char *>(sodium_malloc(literalSize + 1));
    if (!literal)
        return SqlError{SqlErrorKind::Other, SQLITE_NOMEM, QStringLiteral("out of secure memory")};
    literal[0] = 'x';
    literal[1] = '\'';
    toHex(key, size, literal + 2);
    literal[literalSize - 1] = '\'';
    literal[literalSize] = '\0';
    SqlError e;
    {
        Statement attach = prepare("ATTACH DATABASE ?1 AS safeguard_next KEY ?2;", &e);
        if (!e) {
            attach.bind(1, path).bind(2, std::string_view(literal, literalSize));
            if (!attach.exec())
                e = attach.error();
        }
    }
    sodium_free(literal); // zeroes before freeing
    if (e)
        return e;
    char pragma[80];
    std::snprintf(pragma, sizeof pragma, "PRAGMA safeguard_next.cipher_page_size = %d;",
                  cipherPageSize);
    if (!(e = exec(pragma))) {
        Statement copy = prepare("SELECT sqlcipher_export('safeguard_next');", &e);
        if (!e && !copy.exec())
            e = copy.error();
    }
    // SQLCipher 3.4's export copies schema and rows but not user_version
    // (the schema migration's number).
    if (!e) {
        if (const auto version = queryInt("PRAGMA main.user_version;", &e)) {
            std::snprintf(pragma, sizeof pragma, "PRAGMA safeguard_next.user_version = %lld;",
                          static_cast<long long>(*version));
            e = exec(pragma);
        }
    }
    const SqlError detached = exec("DETACH DATABASE safeguard_next;");
    if (!e)
        e = detached;
    if (!e) {
        const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0)
            e = SqlError{SqlErrorKind::Io, SQLITE_IOERR, QStringLiteral("cannot fsync the copy")};
        if (fd >= 0)
            ::close(fd);
    }
    return e;
}

QString Database::cipherVersion()
{
    Statement st = prepare("PRAGMA cipher_version;");
    if (st.step())
        return st.columnText(0);
    return QString();
}
#endif

void Database::close()
{
    if (m_db) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }
}

SqlError Database::exec(const char *sql)
{
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    return SqlError::fromCode(rc, m_db);
}

Statement Database::prepare(std::string_view sql, SqlError *error)
{
    sqlite3_stmt *stmt = nullptr;
    const int rc = sqlite3_prepare_v2(m_db, sql.data(), int(sql.size()), &stmt, nullptr);
    Statement st(stmt, m_db);
    if (rc != SQLITE_OK)
        st.m_error = SqlError::fromCode(rc, m_db);
    if (error)
        *error = st.m_error;
    return st;
}

std::optional<std::int64_t> Database::queryInt(const char *sql, SqlError *error)
{
    Statement st = prepare(sql);
    if (st.step()) {
        if (error)
            *error = SqlError();
        return st.columnInt64(0);
    }
    if (error)
        *error = st.error().ok() ? SqlError{SqlErrorKind::Other, 0, QStringLiteral("no row")}
                                 : st.error();
    return std::nullopt;
}

std::int64_t Database::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int Database::changes() const
{
    return sqlite3_changes(m_db);
}

// -------------------------------------------------------------- Transaction

Transaction::Transaction(Database &db)
    : m_db(db)
{
    m_error = m_db.exec("BEGIN IMMEDIATE;");
    m_active = m_error.ok();
}

Transaction::~Transaction()
{
    rollback();
}

SqlError Transaction::commit()
{
    if (!m_active)
        return m_error.ok() ? SqlError{SqlErrorKind::Misuse, 0, QStringLiteral("no transaction")}
                            : m_error;
    SqlError e = m_db.exec("COMMIT;");
    if (e.ok())
        m_active = false;
    return e;
}

void Transaction::rollback()
{
    if (m_active) {
        m_db.exec("ROLLBACK;");
        m_active = false;
    }
}

} // namespace safeguard::sql
