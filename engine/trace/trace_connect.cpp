// Connections to a trace file: writers with a busy handler that waits (and says so) instead of
// dropping a computed run after a fixed timeout; readers that never write, nor leave files beside
// the trace, even in a folder they cannot write.
#include "trace/trace_store_impl.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <thread>
#include <unistd.h>

namespace sinkscope::trace {

namespace {

namespace fs = std::filesystem;

// SQLite calls this while another connection holds the lock it needs; nonzero means try again.
int onBusy(void* context, int count) {
    auto& w = *static_cast<BusyWait*>(context);
    const auto now = std::chrono::steady_clock::now();
    if (count == 0) {
        w.start = now;
        w.reported = 0;
    }
    const auto waited = now - w.start;
    if (waited >= w.policy.limit) return 0;
    const int seconds = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(waited).count());
    if (w.policy.waiting && seconds > w.reported) {
        w.reported = seconds;
        if (!w.policy.waiting(seconds)) return 0;
    }
    // Short sleeps first (a commit takes milliseconds), then at most 100 ms between tries.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 << std::min(count, 7), 100)));
    return 1;
}

// The file SQLite opens: it follows symbolic links and keeps -wal and -shm beside the target.
std::string realPath(const std::string& path) {
    std::error_code ec;
    auto real = fs::canonical(path, ec);
    return ec ? fs::absolute(path, ec).lexically_normal().string() : real.string();
}

std::string folderOf(const std::string& real) {
    const auto parent = fs::path(real).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

// 0 when this process may write p, else the errno saying why not (EACCES, EROFS, ...).
int writeErrno(const std::string& p) {
    return ::access(p.c_str(), W_OK) == 0 ? 0 : errno;
}

bool exists(const std::string& p) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
}

// "file:/abs/path?mode=ro&immutable=1" with the path percent-encoded.
std::string immutableUri(const std::string& real) {
    std::string uri = "file:";
    for (unsigned char c : real) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~')
            uri += static_cast<char>(c);
        else
            uri += fmt::format("%{:02X}", c);
    }
    return uri + "?mode=ro&immutable=1";
}

} // namespace

Status configureConnection(const Db& db, BusyWait& busy) {
    sqlite3_busy_handler(db.get(), onBusy, &busy);
    // synchronous=NORMAL is crash-safe in WAL mode (see trace_store.h). journal_size_limit keeps
    // the WAL from staying at the size of the largest run ever written.
    return db.exec(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864",
        "configuring the connection");
}

Result<Db> openConnection(const std::string& path, BusyWait& busy) {
    auto db = Db::open(path, SQLITE_OPEN_READWRITE);
    if (!db) return db.error();
    // SQLite opens a file it may not write read-only without saying so.
    if (sqlite3_db_readonly(db->get(), "main") == 1)
        return Error{fmt::format("{}: the file cannot be written (SQLite opened it read-only)", path)};
    if (auto s = configureConnection(*db, busy); !s) return s.error();
    return db;
}

Status checkWritable(const std::string& path) {
    const auto real = realPath(path);
    if (const int e = writeErrno(real))
        return Error{fmt::format("{}: the file cannot be written ({})", path, std::strerror(e))};
    const auto folder = folderOf(real);
    if (const int e = writeErrno(folder))
        return Error{fmt::format("{}: its folder {} cannot be written ({}), and SQLite keeps its -wal and "
                                 "-shm files there",
                                 path, folder, std::strerror(e))};
    return okStatus();
}

Status checkCreatable(const std::string& path) {
    const auto folder = folderOf(realPath(path));
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        return Error{fmt::format("{}: cannot create the file: there is no folder {}", path, folder)};
    if (const int e = writeErrno(folder))
        return Error{fmt::format("{}: cannot create the file: its folder cannot be written ({})", path,
                                 std::strerror(e))};
    return okStatus();
}

Result<Db> openReader(const std::string& path) {
    const auto real = realPath(path);
    Result<Db> db = Error{};
    if (writeErrno(real) == 0 && writeErrno(folderOf(real)) == 0) {
        // An ordinary connection that refuses to write: as the last one to close it checkpoints
        // and removes the -wal and -shm files it needed, where a read-only connection would
        // leave them (owned by this user, which can lock out the file's owner).
        db = Db::open(path, SQLITE_OPEN_READWRITE);
        if (db && sqlite3_db_readonly(db->get(), "main") != 1)
            if (auto s = db->exec("PRAGMA query_only = ON", "opening the file"); !s) return s.error();
    } else if (exists(real + "-wal") || exists(real + "-shm") || exists(real + "-journal")) {
        // Someone may be writing, or crashed mid-write: SQLite must see the journal. It uses an
        // existing -shm read-only, and fails when it needs one it cannot create.
        db = Db::open(path, SQLITE_OPEN_READONLY);
    } else {
        // Nobody is writing (a writer keeps a -wal or -journal beside the file), and SQLite's
        // WAL index (-shm) cannot be created: read the file as it is.
        db = Db::open(path, SQLITE_OPEN_READONLY, immutableUri(real));
    }
    if (!db) return db.error();
    // A rollback-journal file (schema 1) may be mid-write; a WAL may be under recovery.
    sqlite3_busy_timeout(db->get(), 10000);
    return db;
}

} // namespace sinkscope::trace
