#pragma once
// The trace file's schema: creation, version checks and migrations (internal).
//
// Version history (meta.schema_version):
//   1  runs, run_data, run_interventions, maps (attention only), norms
//   2  runs gains label, group_id and stored_bytes; maps gains kind (attention or scores)
//   3  timeline_points (training runs' sink timelines); nothing else changes, so version 2
//      readers still use the file
// meta.oldest_compatible is the oldest reader that can use the file: a file whose value exceeds
// kSchemaVersion is refused; a newer file that still declares us compatible is used as is.
#include "core/result.h"
#include "trace/sqlite_util.h"

#include <cstdint>
#include <string>

namespace sinkscope::trace {

// PRAGMA application_id of every trace file: "SkSc".
inline constexpr std::int32_t kApplicationId = 0x536B5363;
inline constexpr const char* kMagic = "SinkScope trace";
inline constexpr int kSchemaVersion = 3;
// Version 1 readers know neither scores nor the new run columns.
inline constexpr int kOldestCompatible = 2;

struct FileVersion {
    int schema = 0;
    int oldestCompatible = 0;
};

// Reads the application id and meta table; errors say why the file is not a usable trace.
Result<FileVersion> readVersion(const Db& db);
// Creates every table of kSchemaVersion in an empty database (inside the caller's transaction).
Status createSchema(const Db& db);
// Migrates from `from` to kSchemaVersion (inside the caller's transaction).
Status migrate(const Db& db, int from);
// Checks that the tables this build reads exist.
Status checkTables(const Db& db);

} // namespace sinkscope::trace
