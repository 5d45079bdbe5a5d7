#pragma once
// Thin RAII over the sqlite3 C API for sinkscope_trace (internal: the public headers carry no
// SQLite types). Every failure becomes one line naming the file; corruption, a busy file and a
// full disk get their own wording so users know what to do.
#include "core/result.h"

#include <cstdint>
#include <span>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace sinkscope::trace {

// "path: what (sqlite's message)", worded by the error class of rc.
Error sqliteError(const std::string& path, sqlite3* db, int rc, std::string_view what);

class Db {
public:
    Db() = default;
    ~Db();
    Db(Db&& o) noexcept;
    Db& operator=(Db&& o) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    // flags: SQLITE_OPEN_READONLY, or SQLITE_OPEN_READWRITE [| SQLITE_OPEN_CREATE]. A non-empty
    // uri ("file:...?mode=ro&immutable=1") is opened instead of path; errors still name path.
    static Result<Db> open(const std::string& path, int flags, const std::string& uri = {});
    sqlite3* get() const { return m_db; }
    const std::string& path() const { return m_path; }
    // Runs statements that return no rows of interest.
    Status exec(const char* sql, std::string_view what) const;
    Error error(int rc, std::string_view what) const { return sqliteError(m_path, m_db, rc, what); }
    Status close();

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
};

class Stmt {
public:
    Stmt() = default;
    ~Stmt();
    Stmt(Stmt&& o) noexcept;
    Stmt& operator=(Stmt&& o) noexcept;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    static Result<Stmt> prepare(const Db& db, const char* sql);

    // Binding indices start at 1, as in SQLite. The bound bytes must outlive the step.
    void bind(int i, std::int64_t v);
    void bindReal(int i, double v);
    void bindText(int i, std::string_view s);
    void bindBlob(int i, const void* data, std::size_t size);
    // true = a row is ready, false = done.
    Result<bool> step(std::string_view what);
    // Steps to the end, for statements without rows.
    Status run(std::string_view what);
    void reset();

    std::int64_t int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
    double real(int col) const { return sqlite3_column_double(m_stmt, col); }
    bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
    std::string text(int col) const;
    std::span<const std::uint8_t> blob(int col) const;
    // For copying and comparing column values between statements of different connections.
    sqlite3_stmt* get() const { return m_stmt; }

private:
    sqlite3_stmt* m_stmt = nullptr;
    sqlite3* m_db = nullptr;
    std::string m_path;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
public:
    Transaction() = default;
    ~Transaction();
    Transaction(Transaction&& o) noexcept;
    Transaction& operator=(Transaction&& o) noexcept;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    static Result<Transaction> begin(const Db& db);
    Status commit();
    void rollback();
    bool active() const { return m_db != nullptr; }

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
};

} // namespace sinkscope::trace
