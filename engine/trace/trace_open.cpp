// TraceStore::open: recognise, create or migrate a trace file. A file is inspected through a
// read-only connection before anything may write to it, so foreign, damaged and newer files are
// refused without a single byte changed.
#include "trace/trace_schema.h"
#include "trace/trace_store_impl.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

namespace sinkscope {

namespace trace {

Status configureConnection(const Db& db) {
    // Another process may hold the write lock for the length of one run's commit.
    sqlite3_busy_timeout(db.get(), 10000);
    // synchronous=NORMAL is crash-safe in WAL mode (see trace_store.h). journal_size_limit keeps
    // the WAL from staying at the size of the largest run ever written.
    return db.exec(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864",
        "configuring the connection");
}

Result<Db> openConnection(const std::string& path) {
    auto db = Db::open(path, SQLITE_OPEN_READWRITE);
    if (!db) return db.error();
    if (auto s = configureConnection(*db); !s) return s.error();
    return db;
}

std::string nowIso8601() {
    const auto now = std::chrono::system_clock::now();
    const auto t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

} // namespace trace

namespace {

using namespace trace;

constexpr int kPageSize = 4096;

// Looks at the raw header before SQLite does, for wording SQLite cannot give ("empty", "not
// SQLite") and so that SQLite never touches a file that is not a database at all.
Status precheck(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot read the file ({})", path, std::strerror(errno))};
    char header[100] = {};
    in.read(header, sizeof header);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) return Error{fmt::format("{}: the file is empty, not a SinkScope trace file", path)};
    static const char kSqliteMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                          'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
    if (got < sizeof kSqliteMagic || std::memcmp(header, kSqliteMagic, sizeof kSqliteMagic) != 0)
        return Error{fmt::format("{}: not a SinkScope trace file (not an SQLite database)", path)};
    if (got < sizeof header)
        return Error{
            fmt::format("{}: the file is corrupt (truncated to {} bytes, inside the header)", path, got)};
    // The application id sits at offset 68, big-endian. Ours is always in the main file's header
    // (the schema is created in rollback mode), so a foreign database is refused here without
    // SQLite opening it, which could create -wal/-shm files beside it.
    std::uint32_t appId = 0;
    for (int i = 0; i < 4; ++i)
        appId = (appId << 8) | static_cast<std::uint8_t>(header[68 + i]);
    if (appId != static_cast<std::uint32_t>(kApplicationId))
        return Error{fmt::format("{}: not a SinkScope trace file (application_id 0x{:08x})", path, appId)};
    return okStatus();
}

Result<FileVersion> inspect(const std::string& path) {
    if (auto s = precheck(path); !s) return s.error();
    auto db = Db::open(path, SQLITE_OPEN_READONLY);
    if (!db) return db.error();
    sqlite3_busy_timeout(db->get(), 10000); // a rollback-mode (schema 1) file may be mid-write
    auto v = readVersion(*db);
    if (!v) return v;
    if (v->oldestCompatible > kSchemaVersion)
        return Error{
            fmt::format("{}: written by a newer SinkScope (schema {}, this build reads up to {}): update "
                        "SinkScope",
                        path, v->schema, kSchemaVersion)};
    return v;
}

Status setWal(const Db& db) {
    return db.exec("PRAGMA journal_mode = WAL", "switching to WAL mode");
}

// Opens an existing file that inspect() accepted, migrating it when it is older than us.
Result<std::unique_ptr<TraceStore::Impl>> openExisting(const std::string& path) {
    auto version = inspect(path);
    if (!version) return version.error();
    auto db = openConnection(path);
    if (!db) return db.error();
    auto impl = std::make_unique<TraceStore::Impl>();
    impl->path = path;
    impl->schema = version->schema;
    if (version->schema < kSchemaVersion) {
        auto txn = Transaction::begin(*db);
        if (!txn) return txn.error();
        // Another process may have migrated the file since inspect(); read it again under the lock.
        auto now = readVersion(*db);
        if (!now) return now.error();
        if (now->schema < kSchemaVersion) {
            if (auto s = migrate(*db, now->schema); !s) return s.error();
        }
        if (auto s = txn->commit(); !s) return s.error();
        impl->schema = std::max(now->schema, kSchemaVersion);
    }
    if (auto s = setWal(*db); !s) return s.error();
    if (auto s = checkTables(*db); !s) return s.error();
    impl->db = std::move(*db);
    return impl;
}

// Creates a new file. Returns null (no error) when another process created it first.
Result<std::unique_ptr<TraceStore::Impl>> createFile(const std::string& path) {
    auto db = Db::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!db) return db.error();
    if (auto s = configureConnection(*db); !s) return s.error();
    // The page size can only be set before the first table exists.
    const std::string pageSize = fmt::format("PRAGMA page_size = {}", kPageSize);
    if (auto s = db->exec(pageSize.c_str(), "creating the trace file"); !s) return s.error();
    {
        // The schema is written in rollback-journal mode, so the application id is in the main
        // file's header from the first commit on, never only in a WAL.
        auto txn = Transaction::begin(*db);
        if (!txn) return txn.error();
        auto count = Stmt::prepare(*db, "SELECT count(*) FROM sqlite_schema");
        if (!count) return count.error();
        auto row = count->step("creating the trace file");
        if (!row) return row.error();
        if (*row && count->int64(0) > 0) return std::unique_ptr<TraceStore::Impl>();
        count = Stmt();
        if (auto s = createSchema(*db); !s) return s.error();
        if (auto s = txn->commit(); !s) return s.error();
    }
    if (auto s = setWal(*db); !s) return s.error();
    auto impl = std::make_unique<TraceStore::Impl>();
    impl->path = path;
    impl->schema = kSchemaVersion;
    impl->db = std::move(*db);
    return impl;
}

} // namespace

TraceStore::TraceStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TraceStore::~TraceStore() = default;

const std::string& TraceStore::path() const {
    return m_impl->path;
}
int TraceStore::schemaVersion() const {
    return m_impl->schema;
}
int TraceStore::currentSchemaVersion() {
    return kSchemaVersion;
}

Result<std::unique_ptr<TraceStore>> TraceStore::open(const std::string& path, bool create) {
    try {
        // SQLite would open "" as a private temporary database.
        if (path.empty()) return Error{"the trace file's path is empty"};
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (std::filesystem::is_directory(status))
            return Error{fmt::format("{}: is a directory, not a trace file", path)};
        if (!std::filesystem::exists(status)) {
            if (!create) return Error{fmt::format("{}: no such trace file", path)};
            auto made = createFile(path);
            if (!made) {
                // An empty file left by a failed creation would be refused as foreign next time.
                // Only an empty one: the name may have been taken by someone else meanwhile.
                if (std::filesystem::file_size(path, ec) == 0 && !ec) std::filesystem::remove(path, ec);
                return made.error();
            }
            if (*made) return std::unique_ptr<TraceStore>(new TraceStore(std::move(*made)));
        } else if (!std::filesystem::is_regular_file(status)) {
            return Error{fmt::format("{}: not a regular file, not a trace file", path)};
        }
        auto impl = openExisting(path);
        if (!impl) return impl.error();
        return std::unique_ptr<TraceStore>(new TraceStore(std::move(*impl)));
    } catch (const std::exception& e) {
        return Error{fmt::format("{}: {}", path, e.what())};
    }
}

} // namespace sinkscope
