#pragma once
// TraceStore's private state, shared by the files that implement it (internal).
#include "trace/sqlite_util.h"
#include "trace/trace_store.h"

#include <atomic>
#include <memory>
#include <string>

namespace sinkscope {

struct TraceStore::Impl {
    trace::Db db;
    std::string path;
    int schema = 0;
    // Set while a Writer of this store is open; shared so that a Writer may outlive the store.
    std::shared_ptr<std::atomic<bool>> writing = std::make_shared<std::atomic<bool>>(false);
};

namespace trace {

// Per-connection settings: busy timeout, foreign keys, WAL durability level.
Status configureConnection(const Db& db);
// Opens a read-write connection to an existing trace file and configures it.
Result<Db> openConnection(const std::string& path);
// "2025-01-31T12:34:56.789Z"
std::string nowIso8601();

} // namespace trace
} // namespace sinkscope
