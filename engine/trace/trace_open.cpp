// TraceStore::open and openReadOnly: recognise, create or migrate a trace file. A file is
// inspected through a connection that cannot write before anything may write to it, so foreign,
// damaged and newer files are refused without a single byte changed; a file opened to write is
// checked (writable, quick_check) before the caller computes what it will add.
#include "trace/trace_schema.h"
#include "trace/trace_store_impl.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

namespace sinkscope {

namespace trace {

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

struct Inspected {
    FileVersion version;
    Db db; // the connection that read it (openReader's)
};

Result<Inspected> inspect(const std::string& path) {
    if (auto s = precheck(path); !s) return s.error();
    auto db = openReader(path);
    if (!db) return db.error();
    auto v = readVersion(*db);
    if (!v) return v.error();
    if (v->oldestCompatible > kSchemaVersion)
        return Error{
            fmt::format("{}: written by a newer SinkScope (schema {}, this build reads up to {}): update "
                        "SinkScope",
                        path, v->schema, kSchemaVersion)};
    return Inspected{*v, std::move(*db)};
}

Status setWal(const Db& db) {
    return db.exec("PRAGMA journal_mode = WAL", "switching to WAL mode");
}

// Opens an existing file that inspect() accepted, to write, migrating it when it is older than
// us. Everything that could make a later write fail is checked here.
Result<std::unique_ptr<TraceStore::Impl>> openToWrite(const std::string& path) {
    if (auto s = checkWritable(path); !s) return s.error();
    auto version = inspect(path);
    if (!version) return version.error();
    version->db = Db(); // closed before the writing connection opens
    auto impl = std::make_unique<TraceStore::Impl>();
    auto db = openConnection(path, *impl->busy);
    if (!db) return db.error();
    impl->path = path;
    impl->schema = version->version.schema;
    // Before anything is added (or migrated): new runs must not land among damaged pages.
    if (auto s = quickCheckDb(*db); !s)
        return Error{s.error().message + ": refusing to write to it (export what is still readable)"};
    if (impl->schema < kSchemaVersion) {
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

// Opens an existing file to read. An older file is migrated first when it can be written.
Result<std::unique_ptr<TraceStore::Impl>> openToRead(const std::string& path) {
    auto version = inspect(path);
    if (!version) return version.error();
    if (version->version.schema < kSchemaVersion) {
        version->db = Db();
        if (auto s = checkWritable(path); !s)
            return Error{fmt::format("{}: written by an older SinkScope (schema {}) and must be converted "
                                     "once, which needs write access: {}",
                                     path, version->version.schema,
                                     s.error().message.substr(path.size() + 2))};
        auto migrated = openToWrite(path);
        if (!migrated) return migrated.error();
        migrated->reset();
        version = inspect(path);
        if (!version) return version.error();
    }
    auto impl = std::make_unique<TraceStore::Impl>();
    impl->path = path;
    impl->schema = version->version.schema;
    impl->readOnly = true;
    if (auto s = checkTables(version->db); !s) return s.error();
    impl->db = std::move(version->db);
    return impl;
}

// Creates a new file. Returns null (no error) when another process created it first.
Result<std::unique_ptr<TraceStore::Impl>> createFile(const std::string& path) {
    if (auto s = checkCreatable(path); !s) return s.error();
    auto impl = std::make_unique<TraceStore::Impl>();
    auto db = Db::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!db) return db.error();
    if (auto s = configureConnection(*db, *impl->busy); !s) return s.error();
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
    impl->path = path;
    impl->schema = kSchemaVersion;
    impl->db = std::move(*db);
    return impl;
}

// Checks shared by open and openReadOnly; returns false (no error) when the file does not exist.
Result<bool> existingFile(const std::string& path) {
    // SQLite would open "" as a private temporary database.
    if (path.empty()) return Error{"the trace file's path is empty"};
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::is_directory(status))
        return Error{fmt::format("{}: is a directory, not a trace file", path)};
    if (!std::filesystem::exists(status)) return false;
    if (!std::filesystem::is_regular_file(status))
        return Error{fmt::format("{}: not a regular file, not a trace file", path)};
    return true;
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

bool TraceStore::readOnly() const {
    return m_impl->readOnly;
}

Status TraceStore::Impl::writable(std::string_view what) const {
    if (!readOnly) return okStatus();
    return Error{fmt::format("{}: opened read-only: cannot {}", path, what)};
}

void TraceStore::setWriteWait(WriteWait wait) {
    m_impl->busy->policy = std::move(wait);
}

Result<std::unique_ptr<TraceStore>> TraceStore::open(const std::string& path, bool create) {
    try {
        auto existing = existingFile(path);
        if (!existing) return existing.error();
        if (!*existing) {
            if (!create) return Error{fmt::format("{}: no such trace file", path)};
            auto made = createFile(path);
            if (!made) {
                // An empty file left by a failed creation would be refused as foreign next time.
                // Only an empty one: the name may have been taken by someone else meanwhile.
                std::error_code ec;
                if (std::filesystem::file_size(path, ec) == 0 && !ec) std::filesystem::remove(path, ec);
                return made.error();
            }
            if (*made) return std::unique_ptr<TraceStore>(new TraceStore(std::move(*made)));
        }
        auto impl = openToWrite(path);
        if (!impl) return impl.error();
        return std::unique_ptr<TraceStore>(new TraceStore(std::move(*impl)));
    } catch (const std::exception& e) {
        return Error{fmt::format("{}: {}", path, e.what())};
    }
}

Result<std::unique_ptr<TraceStore>> TraceStore::openReadOnly(const std::string& path) {
    try {
        auto existing = existingFile(path);
        if (!existing) return existing.error();
        if (!*existing) return Error{fmt::format("{}: no such trace file", path)};
        auto impl = openToRead(path);
        if (!impl) return impl.error();
        return std::unique_ptr<TraceStore>(new TraceStore(std::move(*impl)));
    } catch (const std::exception& e) {
        return Error{fmt::format("{}: {}", path, e.what())};
    }
}

} // namespace sinkscope
