#pragma once
// TraceStore: one SQLite file (WAL mode) holding many runs with their captured tensors.
//
// Guarantees. A run is written in one transaction: it appears whole or not at all, also when the
// process is killed mid-write. The connection runs with synchronous=NORMAL, which in WAL mode
// keeps every committed run across a crash of the process; after a power loss or OS crash the
// last few committed runs may be missing, but the file stays consistent.
//
// Files that are not ours (another SQLite database, not SQLite at all, empty, truncated or
// corrupt) and files from a newer SinkScope are refused with a one-line error naming the file;
// they are judged from their header bytes and then through a read-only connection, and never
// modified. Older trace files are migrated in place, in one transaction.
//
// Storage. Attention maps are fp16 + zstd without the causal upper triangle, scores float32 +
// zstd (precision and blob format: map_codec.h); norms are raw float32. Deleting runs frees
// pages inside the file; vacuum() gives them back to the file system.
//
// Opening to write (open) checks first that the file and its folder can be written and runs
// SQLite's quick_check over the file (about 0.3 s per GB from the page cache, 1.7 s per GB from
// disk), so that a damaged file is refused before a caller computes anything to add to it.
// Opening to read (openReadOnly) writes nothing: where this process may write the file and its
// folder it is an ordinary connection that only reads (SQLite removes the -wal and -shm files
// when it closes); elsewhere it is read-only, and when no -wal, -shm or -journal file exists
// (nobody is writing), "immutable", so that reading a file in a read-only folder creates no
// files beside it. A read-only store refuses every write with a message naming the file.
//
// Threads and processes. A TraceStore is used from one thread at a time. A Writer has its own
// connection and may live on another thread; the store's reads do not see its run until it
// commits. One Writer at a time per store. A Writer holds the file's write lock from beginRun to
// commit: readers (in any process) go on, other writers wait (WriteWait: up to 10 minutes by
// default) and then fail with "the file is busy".
#include "core/result.h"
#include "trace/trace_types.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sinkscope {

class TraceStore {
public:
    // To read and write; create=true makes a new file when absent. Errors name the file.
    static Result<std::unique_ptr<TraceStore>> open(const std::string& path, bool create = true);
    // To read only (see above). A file of an older schema is migrated first, which needs write
    // access; without it the file is refused.
    static Result<std::unique_ptr<TraceStore>> openReadOnly(const std::string& path);
    ~TraceStore();
    TraceStore(const TraceStore&) = delete;
    TraceStore& operator=(const TraceStore&) = delete;

    const std::string& path() const;
    // The file's schema version: this build's after a migration, or a newer one that declared
    // itself readable by this build.
    int schemaVersion() const;
    // The newest schema this build writes and reads.
    static int currentSchemaVersion();
    bool readOnly() const;

    // How a write waits for another connection's write lock: up to `limit`, calling `waiting`
    // with the whole seconds waited so far about once a second (returning false stops waiting).
    // Applies to this store's writes and to Writers begun after the call.
    struct WriteWait {
        std::chrono::seconds limit{600};
        std::function<bool(int seconds)> waiting;
    };
    void setWriteWait(WriteWait wait);

    // Whole run in one transaction; returns its id.
    Result<std::int64_t> writeRun(RunRecord run, const std::vector<AttentionMap>& maps,
                                  const std::vector<NormSeries>& norms);

    // For big runs captured incrementally: begin, add maps/norms, commit. Destroying an
    // uncommitted Writer rolls the run back. A failed add leaves the run open unless the error
    // says it was rolled back. nextRun starts another run in the same transaction, so that a
    // group (a base run and its intervened run) is committed whole or not at all.
    class Writer {
    public:
        ~Writer();
        Writer(const Writer&) = delete;
        Writer& operator=(const Writer&) = delete;
        std::int64_t id() const; // the current run's id, final once committed
        Status add(const AttentionMap& map);
        Status add(const NormSeries& norms);
        // Ends the current run; maps and norms added from now on belong to `run`.
        Status nextRun(RunRecord run);
        // Commits every run begun; returns the last one's id.
        Result<std::int64_t> commit();

    private:
        friend class TraceStore;
        struct Impl;
        explicit Writer(std::unique_ptr<Impl> impl);
        std::unique_ptr<Impl> m_impl;
    };
    Result<std::unique_ptr<Writer>> beginRun(RunRecord run);

    // Runs in id order (oldest first).
    Result<std::vector<RunSummary>> listRuns(const RunFilter& filter = {}) const;
    Result<RunRecord> loadRun(std::int64_t id) const; // no tensors
    Result<AttentionMap> loadMap(std::int64_t id, int step, int layer, int head,
                                 MapKind kind = MapKind::Attention) const;
    Result<std::vector<NormSeries>> loadNorms(std::int64_t id) const; // in the order written
    // (step, layer, head), sorted.
    Result<std::vector<std::array<int, 3>>> listMaps(std::int64_t id,
                                                     MapKind kind = MapKind::Attention) const;
    Status deleteRun(std::int64_t id);

    // Training timelines, each named after its training run: one point per checkpoint, keyed by
    // step; writing a step that is already stored replaces it. One transaction per call.
    Status writeTimeline(const std::string& name, const std::vector<TimelinePoint>& points);
    Result<std::vector<TimelineSummary>> listTimelines() const;                     // by name
    Result<std::vector<TimelinePoint>> loadTimeline(const std::string& name) const; // by step
    Status deleteTimeline(const std::string& name);
    // Rewrites the file without the space freed by deleted runs.
    Status vacuum();
    // SQLite's integrity and foreign-key checks over the whole file (reads every page).
    Status checkIntegrity() const;
    // SQLite's quick_check (reads every page, skips the index cross-checks): what opening to
    // write runs. The error says the file is corrupt and quotes SQLite's first finding.
    Status quickCheck() const;

    struct Impl; // opaque, internal to sinkscope_trace

private:
    explicit TraceStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sinkscope
