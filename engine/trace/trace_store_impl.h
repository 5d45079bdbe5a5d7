#pragma once
// TraceStore's private state, shared by the files that implement it (internal).
#include "trace/sqlite_util.h"
#include "trace/trace_store.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace sinkscope {

namespace trace {

// One connection's busy handler: the store's wait policy and the state of the current wait.
struct BusyWait {
    TraceStore::WriteWait policy;
    std::chrono::steady_clock::time_point start;
    int reported = 0; // whole seconds already reported to policy.waiting
};

} // namespace trace

struct TraceStore::Impl {
    // Declared before the connection, so that it outlives it: SQLite keeps a pointer to it.
    std::unique_ptr<trace::BusyWait> busy = std::make_unique<trace::BusyWait>();
    trace::Db db;
    std::string path;
    int schema = 0;
    bool readOnly = false;
    // Set while a Writer of this store is open; shared so that a Writer may outlive the store.
    std::shared_ptr<std::atomic<bool>> writing = std::make_shared<std::atomic<bool>>(false);

    // "PATH: opened read-only: cannot <what>" when the store may not write.
    Status writable(std::string_view what) const;
};

namespace trace {

// Ok when this process may write the existing file at path and create files in its folder.
Status checkWritable(const std::string& path);
// Ok when this process may create a file at path (its folder exists and can be written).
Status checkCreatable(const std::string& path);
// A connection that never writes the file nor leaves files beside it (trace_store.h).
Result<Db> openReader(const std::string& path);
// PRAGMA quick_check; the error quotes SQLite's first finding and counts them.
Status quickCheckDb(const Db& db);
// Per-connection settings of a connection that writes: the busy handler (busy must outlive db),
// foreign keys, WAL durability level.
Status configureConnection(const Db& db, BusyWait& busy);
// Opens a read-write connection to an existing trace file and configures it.
Result<Db> openConnection(const std::string& path, BusyWait& busy);
// "2025-01-31T12:34:56.789Z"
std::string nowIso8601();

} // namespace trace
} // namespace sinkscope
