// mergeTraces: checks every shard, then copies their groups and timelines into the output in
// one transaction (a new output under a temporary name, renamed into place once committed).
#include "trace/trace_merge.h"

#include "trace/trace_merge_rows.h"
#include "trace/trace_store_impl.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>

namespace sinkscope {

namespace {

using namespace trace;
namespace fs = std::filesystem;

// A shard this build can copy whole: a trace of its schema or an older one (migrated as
// openReadOnly migrates it), whose pages pass quick_check.
Status checkShard(const std::string& shard, const std::string& out, bool outExists) {
    std::error_code ec;
    if (outExists && fs::equivalent(shard, out, ec))
        return Error{fmt::format("{}: is the output file itself; it cannot be merged into itself", shard)};
    auto store = TraceStore::openReadOnly(shard);
    if (!store) return store.error();
    // A newer file may declare this build able to read it, but its rows may hold what this build
    // would drop when copying them.
    if ((*store)->schemaVersion() > TraceStore::currentSchemaVersion())
        return Error{fmt::format("{}: written by a newer SinkScope (schema {}, this build merges up to {}): "
                                 "update SinkScope to merge it",
                                 shard, (*store)->schemaVersion(), TraceStore::currentSchemaVersion())};
    if (auto s = (*store)->quickCheck(); !s)
        return Error{s.error().message + ": refusing to merge it (export what is still readable)"};
    return okStatus();
}

// The new output's temporary name and its SQLite files, removed unless published.
struct TempOutput {
    std::string path;
    bool keep = false;
    ~TempOutput() {
        if (keep || path.empty()) return;
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            fs::remove(path + suffix, ec);
    }
};

// Gives the committed temporary file the output's name, unless a file of that name appeared
// meanwhile (link does not replace one).
Status publish(const std::string& temp, const std::string& out) {
    std::error_code ec;
    if (fs::exists(temp + "-wal", ec))
        return Error{fmt::format("{}: the merged file was not checkpointed; nothing was written", out)};
    if (::link(temp.c_str(), out.c_str()) == 0) {
        fs::remove(temp, ec);
        return okStatus();
    }
    const int err = errno;
    if (err == EEXIST)
        return Error{fmt::format("{}: another program created the file while the merge ran; nothing was "
                                 "written (merge again to add to it)",
                                 out)};
    // File systems without hard links: a rename, which could replace a file created this instant.
    if (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP || err == ENOSYS) {
        if (fs::exists(out, ec))
            return Error{fmt::format("{}: another program created the file while the merge ran; nothing "
                                     "was written (merge again to add to it)",
                                     out)};
        fs::rename(temp, out, ec);
        if (!ec) return okStatus();
        return Error{fmt::format("{}: cannot put the merged file in place ({})", out, ec.message())};
    }
    return Error{fmt::format("{}: cannot put the merged file in place ({})", out, std::strerror(err))};
}

// The output's groups by content hash, to find a shard's group among them.
using GroupIndex = std::unordered_multimap<std::uint64_t, RunGroup>;

Result<MergeReport> mergeInto(const std::vector<std::string>& shards, const std::string& target,
                              const std::string& out, const MergeProgressFn& progress,
                              TraceStore::WriteWait wait) {
    BusyWait busy;
    busy.policy = std::move(wait);
    auto db = openConnection(target, busy);
    if (!db) return db.error();
    // A new output is private until published: written in place with a rollback journal (which
    // holds next to nothing for appended pages) instead of through a WAL as big as the merge.
    const bool fresh = target != out;
    if (fresh)
        if (auto s = db->exec("PRAGMA journal_mode = DELETE", "preparing the merged file"); !s)
            return s.error();
    MergeReport report;
    report.shards = static_cast<int>(shards.size());
    {
        auto txn = Transaction::begin(*db);
        if (!txn) return txn.error();
        auto outRuns = RunSource::prepare(*db);
        if (!outRuns) return outRuns.error();
        auto writer = GroupWriter::prepare(*db);
        if (!writer) return writer.error();

        GroupIndex index;
        auto existing = listGroups(*db);
        if (!existing) return existing.error();
        for (auto& g : *existing) {
            auto h = outRuns->groupHash(g);
            if (!h) return h.error();
            index.emplace(*h, std::move(g));
        }

        for (std::size_t i = 0; i < shards.size(); ++i) {
            auto shardDb = openReader(shards[i]);
            if (!shardDb) return shardDb.error();
            // One snapshot of the shard, should a writer still be adding to it.
            if (auto s = shardDb->exec("BEGIN", "reading the file"); !s) return s.error();
            auto source = RunSource::prepare(*shardDb);
            if (!source) return source.error();
            auto groups = listGroups(*shardDb);
            if (!groups) return groups.error();
            MergeProgress at{static_cast<int>(i), report.shards, 0,
                             static_cast<std::int64_t>(groups->size())};
            for (const auto& g : *groups) {
                auto h = source->groupHash(g);
                if (!h) return h.error();
                bool present = false;
                for (auto [it, end] = index.equal_range(*h); it != end && !present; ++it) {
                    auto same = RunSource::sameGroup(*source, g, *outRuns, it->second);
                    if (!same) return same.error();
                    present = *same;
                }
                if (present) {
                    report.runsPresent += static_cast<std::int64_t>(g.size());
                } else {
                    auto copied = writer->copy(*source, g);
                    if (!copied) return copied.error();
                    report.runsMerged += static_cast<std::int64_t>(g.size());
                    index.emplace(*h, std::move(*copied));
                }
                ++at.groupsDone;
                if (progress && !progress(at))
                    return Error{fmt::format("{}: the merge was cancelled; the file is as it was", out)};
            }
            auto timelines = copyTimelines(*shardDb, *db);
            if (!timelines) return timelines.error();
            report.timelinePointsMerged += timelines->added;
            report.timelinePointsPresent += timelines->present;
        }
        *outRuns = RunSource();
        *writer = GroupWriter();
        if (auto s = txn->commit(); !s) return s.error();
    }
    if (fresh)
        if (auto s = db->exec("PRAGMA journal_mode = WAL", "preparing the merged file"); !s) return s.error();
    if (auto s = db->close(); !s) return s.error();
    return report;
}

} // namespace

Result<MergeReport> mergeTraces(const std::vector<std::string>& shards, const std::string& out,
                                const MergeProgressFn& progress, TraceStore::WriteWait wait) {
    try {
        if (shards.empty()) return Error{"no trace files to merge"};
        if (out.empty()) return Error{"the output trace file's path is empty"};
        std::error_code ec;
        const bool outExists = fs::exists(fs::symlink_status(out, ec));

        // Every shard before the output is touched: a bad one leaves everything as it was.
        for (const auto& shard : shards)
            if (auto s = checkShard(shard, out, outExists); !s) return s.error();

        TempOutput temp;
        std::string target = out;
        if (outExists) {
            // Checked (writable, quick_check) and migrated as any file opened to write.
            auto store = TraceStore::open(out, /*create=*/false);
            if (!store) return store.error();
        } else {
            if (auto s = checkCreatable(out); !s) return s.error();
            temp.path = fmt::format("{}.merging-{}", out, ::getpid());
            // Left by a merge of a process that had this pid and was killed.
            for (const char* suffix : {"", "-wal", "-shm", "-journal"})
                fs::remove(temp.path + suffix, ec);
            auto store = TraceStore::open(temp.path, /*create=*/true);
            if (!store) return Error{fmt::format("{}: cannot create it: {}", out, store.error().message)};
            target = temp.path;
        }

        auto report = mergeInto(shards, target, out, progress, std::move(wait));
        if (!report) {
            // The temporary name means nothing to the user: the error is the output's.
            auto message = report.error().message;
            if (!temp.path.empty() && message.rfind(temp.path + ": ", 0) == 0)
                message = out + message.substr(temp.path.size());
            return Error{message};
        }
        if (!outExists) {
            if (auto s = publish(temp.path, out); !s) return s.error();
            temp.keep = true;
            report->created = true;
        }
        return report;
    } catch (const std::exception& e) {
        return Error{fmt::format("{}: {}", out, e.what())};
    }
}

} // namespace sinkscope
