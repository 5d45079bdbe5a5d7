#pragma once
// The row work of merging trace files (internal): what makes two run groups the same, and copying
// a group or a training timeline from one file's connection to another's. Rows are read and
// written one at a time, so a merge holds at most one map blob (twice) in memory.
#include "core/result.h"
#include "trace/sqlite_util.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope::trace {

// The runs of one group (runs written together, such as a base run and its intervened run),
// ascending ids: the first is the one the group is named after.
using RunGroup = std::vector<std::int64_t>;

// Every group of a file, ordered by their first run.
Result<std::vector<RunGroup>> listGroups(const Db& db);

// Reads one file's runs for merging, with statements prepared once.
//
// A run's identity is its content: every column of its runs row, run_data row, interventions,
// maps and norms except the row ids, the group id and the creation time. So the same run written
// twice (a shard merged again, a task that ran twice) is one run, and a group is the same group
// when its runs are the same, in the same order.
class RunSource {
public:
    static Result<RunSource> prepare(const Db& db);

    // A hash of the group's identity over its small columns (the maps and norms only by count
    // and bytes): equal groups hash alike; sameGroup decides.
    Result<std::uint64_t> groupHash(const RunGroup& group);
    // Compares every identity column of both groups, blobs byte for byte.
    static Result<bool> sameGroup(RunSource& a, const RunGroup& ga, RunSource& b, const RunGroup& gb);

    const Db& db() const { return *m_db; }

private:
    friend class GroupWriter;
    static constexpr std::size_t kContent = 5; // runs, run_data, interventions, maps, norms
    static constexpr std::size_t kSizes = 2;   // maps and norms by count and bytes
    const Db* m_db = nullptr;
    std::array<Stmt, kContent> m_content;
    std::array<Stmt, kSizes> m_sizes;

    Result<std::uint64_t> runHash(std::int64_t id);
    static Result<bool> sameRun(RunSource& a, std::int64_t ra, RunSource& b, std::int64_t rb);
};

// Writes groups read from a RunSource into another file (inside the caller's transaction).
class GroupWriter {
public:
    static Result<GroupWriter> prepare(const Db& out);
    // Copies the group's runs with every row; returns their ids in the output. The group is
    // named after its first run's new id, as the store names groups it writes.
    Result<RunGroup> copy(RunSource& from, const RunGroup& group);

private:
    const Db* m_out = nullptr;
    std::array<Stmt, RunSource::kContent> m_insert;
    Stmt m_nameGroup;
};

// Timeline points added to the output, and those it held already.
struct TimelineCopy {
    std::int64_t added = 0, present = 0;
};

// Copies the training timelines of `from` into `out`, point by point. A point the output holds
// already (same timeline and step) is skipped when it is the same, and refused when it differs:
// the two files disagree about one checkpoint, and neither may silently win.
Result<TimelineCopy> copyTimelines(const Db& from, const Db& out);

} // namespace sinkscope::trace
