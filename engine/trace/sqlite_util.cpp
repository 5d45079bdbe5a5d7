#include "trace/sqlite_util.h"

#include <fmt/format.h>
#include <utility>

namespace sinkscope::trace {

Error sqliteError(const std::string& path, sqlite3* db, int rc, std::string_view what) {
    const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return Error{fmt::format("{}: the file is corrupt ({})", path, msg)};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return Error{
            fmt::format("{}: {}: the file is busy, another connection is writing it ({})", path, what, msg)};
    case SQLITE_FULL:
        return Error{fmt::format("{}: {}: the disk is full ({})", path, what, msg)};
    case SQLITE_READONLY:
        return Error{fmt::format("{}: {}: the file cannot be written ({})", path, what, msg)};
    case SQLITE_CANTOPEN:
        return Error{fmt::format("{}: cannot open the file ({})", path, msg)};
    default:
        return Error{fmt::format("{}: {} failed ({})", path, what, msg)};
    }
}

Db::~Db() {
    // sqlite3_close_v2 defers the close until unfinalized statements are gone, so a leaked
    // statement cannot make this leak the connection.
    if (m_db) sqlite3_close_v2(m_db);
}

Db::Db(Db&& o) noexcept : m_db(std::exchange(o.m_db, nullptr)), m_path(std::move(o.m_path)) {}

Db& Db::operator=(Db&& o) noexcept {
    if (this != &o) {
        if (m_db) sqlite3_close_v2(m_db);
        m_db = std::exchange(o.m_db, nullptr);
        m_path = std::move(o.m_path);
    }
    return *this;
}

Result<Db> Db::open(const std::string& path, int flags, const std::string& uri) {
    Db db;
    db.m_path = path;
    if (!uri.empty()) flags |= SQLITE_OPEN_URI;
    // The connection is used by one thread at a time, so SQLite's own mutexes are not needed.
    const int rc = sqlite3_open_v2(uri.empty() ? path.c_str() : uri.c_str(), &db.m_db,
                                   flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return sqliteError(path, db.m_db, rc, "open");
    sqlite3_extended_result_codes(db.m_db, 1);
    return db;
}

Status Db::exec(const char* sql, std::string_view what) const {
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return error(rc, what);
    return okStatus();
}

Status Db::close() {
    if (!m_db) return okStatus();
    const int rc = sqlite3_close_v2(m_db);
    sqlite3* db = std::exchange(m_db, nullptr);
    if (rc != SQLITE_OK) return sqliteError(m_path, db, rc, "close");
    return okStatus();
}

Stmt::~Stmt() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Stmt::Stmt(Stmt&& o) noexcept
    : m_stmt(std::exchange(o.m_stmt, nullptr)), m_db(o.m_db), m_path(std::move(o.m_path)) {}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        if (m_stmt) sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(o.m_stmt, nullptr);
        m_db = o.m_db;
        m_path = std::move(o.m_path);
    }
    return *this;
}

Result<Stmt> Stmt::prepare(const Db& db, const char* sql) {
    Stmt s;
    s.m_db = db.get();
    s.m_path = db.path();
    const int rc = sqlite3_prepare_v2(db.get(), sql, -1, &s.m_stmt, nullptr);
    if (rc != SQLITE_OK) return db.error(rc, "reading the file's tables");
    return s;
}

void Stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(m_stmt, i, v);
}

void Stmt::bindReal(int i, double v) {
    sqlite3_bind_double(m_stmt, i, v);
}

void Stmt::bindText(int i, std::string_view s) {
    sqlite3_bind_text64(m_stmt, i, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Stmt::bindBlob(int i, const void* data, std::size_t size) {
    // A zero-length blob needs a non-null pointer, or SQLite stores NULL.
    static const char empty = 0;
    sqlite3_bind_blob64(m_stmt, i, size ? data : &empty, size, SQLITE_STATIC);
}

Result<bool> Stmt::step(std::string_view what) {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqliteError(m_path, m_db, rc, what);
}

Status Stmt::run(std::string_view what) {
    for (;;) {
        auto r = step(what);
        if (!r) return r.error();
        if (!*r) break;
    }
    reset();
    return okStatus();
}

void Stmt::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::string Stmt::text(int col) const {
    const auto* p = sqlite3_column_text(m_stmt, col);
    const int n = sqlite3_column_bytes(m_stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

std::span<const std::uint8_t> Stmt::blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, col));
    const int n = sqlite3_column_bytes(m_stmt, col);
    return p ? std::span<const std::uint8_t>(p, static_cast<std::size_t>(n))
             : std::span<const std::uint8_t>();
}

Transaction::~Transaction() {
    rollback();
}

Transaction::Transaction(Transaction&& o) noexcept
    : m_db(std::exchange(o.m_db, nullptr)), m_path(std::move(o.m_path)) {}

Transaction& Transaction::operator=(Transaction&& o) noexcept {
    if (this != &o) {
        rollback();
        m_db = std::exchange(o.m_db, nullptr);
        m_path = std::move(o.m_path);
    }
    return *this;
}

Result<Transaction> Transaction::begin(const Db& db) {
    // IMMEDIATE takes the write lock now, so a busy file fails here (after busy_timeout) rather
    // than halfway through a run.
    if (auto s = db.exec("BEGIN IMMEDIATE", "starting a transaction"); !s) return s.error();
    Transaction t;
    t.m_db = db.get();
    t.m_path = db.path();
    return t;
}

Status Transaction::commit() {
    if (!m_db) return Error{fmt::format("{}: commit without a transaction", m_path)};
    const int rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        auto err = sqliteError(m_path, m_db, rc, "committing");
        rollback();
        return err;
    }
    m_db = nullptr;
    return okStatus();
}

void Transaction::rollback() {
    if (!m_db) return;
    // SQLite may already have rolled back on its own (disk full, I/O error); then there is
    // nothing left to undo.
    if (!sqlite3_get_autocommit(m_db)) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_db = nullptr;
}

} // namespace sinkscope::trace
