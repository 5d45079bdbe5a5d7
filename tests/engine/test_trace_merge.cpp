// mergeTraces: shards merge into one trace whose runs read back as the shards' runs, under fresh
// ids with their groups intact; merging again changes nothing; newer, damaged and conflicting
// shards are refused with one line naming the file, and the output is left as it was, also when
// the merge is cancelled or killed half way.
#include "small_disk.h"
#include "temp_dir.h"
#include "test_trace_util.h"
#include "trace/trace_merge.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

namespace fs = std::filesystem;

const std::string kFixture = std::string(SINKSCOPE_TEST_DATA_DIR) + "/trace/v1.sqlite";

std::unique_ptr<TraceStore> openStore(const std::string& path) {
    auto s = TraceStore::open(path);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
}

// A base run and its intervened run, written as one group, each with an attention map, a score
// map and norms; `seed` makes the content differ from other groups.
void writeGroup(TraceStore& store, std::uint32_t seed) {
    auto base = sampleRun("base");
    base.interventions.clear();
    base.settingsJson = fmt::format(R"({{"seed":{}}})", seed);
    auto w = store.beginRun(base);
    ASSERT_TRUE(w.ok()) << w.error().message;
    auto& writer = **w;
    ASSERT_TRUE(writer.add(syntheticMap(0, 0, 1, 0, 5, 5, seed)).ok());
    ASSERT_TRUE(writer.add(syntheticMap(1, 1, 0, 5, 1, 6, seed + 1, MapKind::Scores)).ok());
    ASSERT_TRUE(writer.add(normSeries(NormKind::Hidden, 1, -1, 0, 5, static_cast<float>(seed))).ok());
    auto intervened = sampleRun("intervened");
    intervened.settingsJson = base.settingsJson;
    intervened.group = writer.id();
    ASSERT_TRUE(writer.nextRun(intervened).ok());
    ASSERT_TRUE(writer.add(syntheticMap(0, 0, 1, 0, 5, 5, seed + 2)).ok());
    ASSERT_TRUE(writer.add(normSeries(NormKind::Key, 0, 1, 0, 5, 0.5f)).ok());
    ASSERT_TRUE(writer.add(normSeries(NormKind::Value, 0, 1, 0, 5, 0.25f)).ok());
    ASSERT_TRUE(writer.commit().ok());
}

std::vector<TimelinePoint> timeline(double loss) {
    std::vector<TimelinePoint> points(2);
    for (std::size_t i = 0; i < points.size(); ++i) {
        points[i].step = static_cast<std::int64_t>(100 * (i + 1));
        points[i].tokens = points[i].step * 64;
        points[i].trainLoss = loss;
        points[i].valLoss = loss + 0.5;
        points[i].probeLoss = loss + 0.25;
        points[i].sinkRate = 40.0 + static_cast<double>(i);
        points[i].alpha0 = {{0.5, 0.25}, {0.125, loss}};
    }
    return points;
}

// Shard a: two groups and a timeline. Shard b: a lone run, then a group, with ids that do not
// start at 1 (a deleted run), and another timeline.
struct Shards {
    TempDir dir;
    std::string a = dir.path("a.sqlite"), b = dir.path("b.sqlite");
    Shards() {
        auto sa = openStore(a);
        writeGroup(*sa, 1);
        writeGroup(*sa, 2);
        EXPECT_TRUE(sa->writeTimeline("train-a", timeline(3.0)).ok());
        auto sb = openStore(b);
        EXPECT_TRUE(sb->writeRun(sampleRun("gone"), {}, {}).ok());
        EXPECT_TRUE(sb->deleteRun(1).ok());
        EXPECT_TRUE(sb->writeRun(sampleRun("alone"), {syntheticMap(0, 1, 1, 0, 5, 5, 9)}, {}).ok());
        writeGroup(*sb, 3);
        EXPECT_TRUE(sb->writeTimeline("train-b", timeline(2.0)).ok());
    }
};

void expectSameRunContent(TraceStore& a, std::int64_t ia, TraceStore& b, std::int64_t ib) {
    SCOPED_TRACE(fmt::format("{} run {} against {} run {}", a.path(), ia, b.path(), ib));
    auto ra = a.loadRun(ia), rb = b.loadRun(ib);
    ASSERT_TRUE(ra.ok() && rb.ok());
    expectSameRun(*ra, *rb);
    EXPECT_EQ(ra->createdAt, rb->createdAt);
    for (auto kind : {MapKind::Attention, MapKind::Scores}) {
        auto ma = a.listMaps(ia, kind), mb = b.listMaps(ib, kind);
        ASSERT_TRUE(ma.ok() && mb.ok());
        ASSERT_EQ(*ma, *mb);
        for (const auto& [step, layer, head] : *ma) {
            auto x = a.loadMap(ia, step, layer, head, kind), y = b.loadMap(ib, step, layer, head, kind);
            ASSERT_TRUE(x.ok() && y.ok());
            EXPECT_EQ(x->firstRow, y->firstRow);
            EXPECT_EQ(x->rows, y->rows);
            EXPECT_EQ(x->cols, y->cols);
            EXPECT_TRUE(sameBits(x->values, y->values));
        }
    }
    auto na = a.loadNorms(ia), nb = b.loadNorms(ib);
    ASSERT_TRUE(na.ok() && nb.ok());
    ASSERT_EQ(na->size(), nb->size());
    for (std::size_t i = 0; i < na->size(); ++i) {
        EXPECT_EQ((*na)[i].kind, (*nb)[i].kind);
        EXPECT_EQ((*na)[i].layer, (*nb)[i].layer);
        EXPECT_EQ((*na)[i].head, (*nb)[i].head);
        EXPECT_EQ((*na)[i].firstToken, (*nb)[i].firstToken);
        EXPECT_TRUE(sameBits((*na)[i].values, (*nb)[i].values));
    }
}

// Every row of every table but the ids: what a merge that changes nothing leaves as it was.
std::vector<std::string> contentOf(const std::string& path) {
    std::vector<std::string> rows;
    for (const char* sql : {"SELECT * FROM runs ORDER BY id", "SELECT * FROM run_data ORDER BY run_id",
                            "SELECT * FROM run_interventions ORDER BY run_id, position",
                            "SELECT id, run_id, kind, step, layer, head, hex(data) FROM maps ORDER BY id",
                            "SELECT id, run_id, kind, layer, head, hex(data) FROM norms ORDER BY id",
                            "SELECT timeline, step, tokens, train_loss, hex(alpha0) FROM timeline_points "
                            "ORDER BY timeline, step"})
        for (auto& r : querySql(path, sql))
            rows.push_back(std::move(r));
    return rows;
}

// The files in the folder: a merge that failed leaves no temporary file behind.
std::vector<std::string> filesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

void expectOneLine(const std::string& message, const std::string& path, const std::string& expected) {
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

} // namespace

TEST(TraceMerge, CopiesEveryRunUnderNewIdsWithGroupsIntact) {
    Shards s;
    // The output holds a run already, so that no shard's ids carry over.
    const auto out = s.dir.path("all.sqlite");
    ASSERT_TRUE(openStore(out)->writeRun(sampleRun("before"), {}, {}).ok());

    auto report = mergeTraces({s.a, s.b}, out);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->shards, 2);
    EXPECT_EQ(report->runsMerged, 7);
    EXPECT_EQ(report->runsPresent, 0);
    EXPECT_EQ(report->timelinePointsMerged, 4);
    EXPECT_FALSE(report->created);

    auto merged = TraceStore::openReadOnly(out);
    ASSERT_TRUE(merged.ok()) << merged.error().message;
    EXPECT_TRUE((*merged)->checkIntegrity().ok());
    auto runs = (*merged)->listRuns();
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 8u);
    // Shard runs in the order merged, and the output's ids they became.
    std::vector<std::pair<std::string, RunSummary>> from;
    for (const auto& path : {s.a, s.b}) {
        auto shard = TraceStore::openReadOnly(path);
        ASSERT_TRUE(shard.ok());
        auto shardRuns = (*shard)->listRuns();
        ASSERT_TRUE(shardRuns.ok());
        for (const auto& r : *shardRuns)
            from.emplace_back(path, r);
    }
    ASSERT_EQ(from.size(), 7u);
    EXPECT_EQ(from[4].second.id, 2); // shard b's ids start at 2
    std::map<std::pair<std::string, std::int64_t>, std::int64_t> newId;
    for (std::size_t i = 0; i < from.size(); ++i) {
        const auto& got = (*runs)[i + 1];
        EXPECT_EQ(got.id, static_cast<std::int64_t>(i) + 2);
        newId[{from[i].first, from[i].second.id}] = got.id;
        auto shard = TraceStore::openReadOnly(from[i].first);
        ASSERT_TRUE(shard.ok());
        expectSameRunContent(**shard, from[i].second.id, **merged, got.id);
        EXPECT_EQ(got.storedBytes, from[i].second.storedBytes);
    }
    // Each group maps to the new id of its base run.
    for (std::size_t i = 0; i < from.size(); ++i) {
        const auto group = newId.at({from[i].first, from[i].second.group});
        EXPECT_EQ((*runs)[i + 1].group, group) << i;
    }
    EXPECT_EQ((*runs)[2].group, (*runs)[1].id); // a's first intervened run with its base

    auto timelines = (*merged)->listTimelines();
    ASSERT_TRUE(timelines.ok());
    ASSERT_EQ(timelines->size(), 2u);
    auto points = (*merged)->loadTimeline("train-b");
    ASSERT_TRUE(points.ok());
    ASSERT_EQ(points->size(), 2u);
    EXPECT_EQ((*points)[1].alpha0, timeline(2.0)[1].alpha0);
    EXPECT_EQ((*points)[1].valLoss, 2.5);
}

TEST(TraceMerge, CreatesTheOutputAndMergingAgainChangesNothing) {
    Shards s;
    const auto out = s.dir.path("all.sqlite");
    auto first = mergeTraces({s.a, s.b}, out);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(first->created);
    EXPECT_EQ(first->runsMerged, 7);
    EXPECT_EQ(filesIn(s.dir.path()), (std::vector<std::string>{"a.sqlite", "all.sqlite", "b.sqlite"}));
    EXPECT_EQ(querySql(out, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
    const auto content = contentOf(out);
    ASSERT_FALSE(content.empty());

    // Again, a shard twice in one call, and a shard into a copy of itself.
    auto again = mergeTraces({s.b, s.a, s.b}, out);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->runsMerged, 0);
    EXPECT_EQ(again->runsPresent, 10);
    EXPECT_EQ(again->timelinePointsMerged, 0);
    EXPECT_EQ(again->timelinePointsPresent, 6);
    EXPECT_EQ(contentOf(out), content);

    const auto copy = s.dir.write("copy.sqlite", readBytes(s.a));
    auto self = mergeTraces({s.a}, copy);
    ASSERT_TRUE(self.ok()) << self.error().message;
    EXPECT_EQ(self->runsMerged, 0);
    EXPECT_EQ(self->runsPresent, 4);
    EXPECT_EQ(contentOf(copy), contentOf(s.a));
}

TEST(TraceMerge, SameContentIsOneRunAndAnyDifferenceIsAnother) {
    TempDir dir;
    const auto a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), out = dir.path("all.sqlite");
    auto run = sampleRun();
    run.createdAt = "2025-01-01T00:00:00.000Z";
    ASSERT_TRUE(openStore(a)->writeRun(run, {syntheticMap(0, 0, 0, 0, 5, 5, 1)}, {}).ok());
    // The same run computed again later (another task of a sweep that ran twice) is the same run.
    auto sb = openStore(b);
    run.createdAt = "2025-06-01T00:00:00.000Z";
    ASSERT_TRUE(sb->writeRun(run, {syntheticMap(0, 0, 0, 0, 5, 5, 1)}, {}).ok());
    // One map value apart, another label, or the same run alone instead of in a group: other runs.
    ASSERT_TRUE(sb->writeRun(run, {syntheticMap(0, 0, 0, 0, 5, 5, 2)}, {}).ok());
    auto labelled = run;
    labelled.label = "other";
    ASSERT_TRUE(sb->writeRun(labelled, {syntheticMap(0, 0, 0, 0, 5, 5, 1)}, {}).ok());
    auto w = sb->beginRun(run);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->add(syntheticMap(0, 0, 0, 0, 5, 5, 1)).ok());
    auto partner = sampleRun("intervened");
    partner.group = (*w)->id();
    ASSERT_TRUE((*w)->nextRun(partner).ok());
    ASSERT_TRUE((*w)->commit().ok());
    sb.reset();

    auto report = mergeTraces({a, b}, out);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->runsPresent, 1);
    EXPECT_EQ(report->runsMerged, 5);
    EXPECT_EQ(querySql(out, "SELECT created_at FROM runs WHERE id = 1"),
              std::vector<std::string>{"2025-01-01T00:00:00.000Z"}); // the first one merged stays
    EXPECT_EQ(querySql(out, "SELECT count(*) FROM runs"), std::vector<std::string>{"5"});
}

TEST(TraceMerge, MigratesAnOlderShardAsReadingDoes) {
    TempDir dir;
    const auto fixture = readBytes(kFixture);
    ASSERT_FALSE(fixture.empty()) << kFixture;
    const auto old = dir.write("v1.sqlite", fixture);
    const auto out = dir.path("all.sqlite");
    auto report = mergeTraces({old}, out);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->runsMerged, 2);
    auto shard = TraceStore::openReadOnly(old);
    auto merged = TraceStore::openReadOnly(out);
    ASSERT_TRUE(shard.ok() && merged.ok());
    for (std::int64_t id : {1, 2})
        expectSameRunContent(**shard, id, **merged, id);
}

TEST(TraceMerge, RefusesNewerShardsLeavingTheOutputAsItWas) {
    Shards s;
    const auto out = s.dir.path("all.sqlite");
    ASSERT_TRUE(mergeTraces({s.a}, out).ok());
    const auto before = readBytes(out);

    // Declared readable by this build, but it may hold what a copy would drop.
    ASSERT_EQ(execSql(s.b, "UPDATE meta SET value = '4' WHERE key = 'schema_version'"), "");
    auto r = mergeTraces({s.a, s.b}, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              s.b + ": written by a newer SinkScope (schema 4, this build merges up to 3): update SinkScope "
                    "to merge it");
    EXPECT_EQ(readBytes(out), before);

    ASSERT_EQ(execSql(s.b, "UPDATE meta SET value = '7' WHERE key = 'schema_version'; "
                           "UPDATE meta SET value = '5' WHERE key = 'oldest_compatible'"),
              "");
    r = mergeTraces({s.b}, s.dir.path("new.sqlite"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              s.b + ": written by a newer SinkScope (schema 7, this build reads up to 3): update SinkScope");
    EXPECT_FALSE(fs::exists(s.dir.path("new.sqlite")));
    EXPECT_EQ(readBytes(out), before);
}

TEST(TraceMerge, RefusesDamagedShardsBeforeWritingAnything) {
    Shards s;
    const auto out = s.dir.path("all.sqlite");
    ASSERT_TRUE(mergeTraces({s.b}, out).ok());
    const auto before = readBytes(out);
    const auto good = readBytes(s.a);
    ASSERT_GT(good.size(), 3 * 4096u);

    // The last page cut off, a page of the runs overwritten, the header cut.
    const auto truncated = s.dir.write("truncated.sqlite", good.substr(0, good.size() - 4096));
    auto damaged = good;
    for (std::size_t i = 2 * 4096; i < 2 * 4096 + 16; ++i)
        damaged[i] = '\xff';
    const auto overwritten = s.dir.write("overwritten.sqlite", damaged);
    const auto header = s.dir.write("header.sqlite", good.substr(0, 50));
    for (const auto& bad : {truncated, overwritten, header}) {
        auto r = mergeTraces({s.a, bad}, out);
        ASSERT_FALSE(r.ok()) << bad;
        expectOneLine(r.error().message, bad, "corrupt");
        EXPECT_EQ(readBytes(out), before);
        r = mergeTraces({bad}, s.dir.path("new.sqlite"));
        ASSERT_FALSE(r.ok());
        EXPECT_FALSE(fs::exists(s.dir.path("new.sqlite")));
    }
    auto r = mergeTraces({s.dir.path("missing.sqlite")}, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, s.dir.path("missing.sqlite") + ": no such trace file");
    r = mergeTraces({out}, out);
    ASSERT_FALSE(r.ok());
    expectOneLine(r.error().message, out, "is the output file itself");
    EXPECT_EQ(readBytes(out), before);
}

TEST(TraceMerge, AFailureMidwayLeavesTheOutputAsItWas) {
    Shards s;
    // A third shard whose timeline disagrees with shard a's at one step: found only after a's
    // and b's runs are copied.
    const auto c = s.dir.path("c.sqlite");
    {
        auto sc = openStore(c);
        writeGroup(*sc, 7);
        auto points = timeline(3.0);
        points[1].sinkRate = 12.0;
        ASSERT_TRUE(sc->writeTimeline("train-a", points).ok());
    }
    const auto out = s.dir.path("all.sqlite");
    ASSERT_TRUE(openStore(out)->writeRun(sampleRun("before"), {}, {}).ok());
    const auto before = readBytes(out);
    const auto beforeFiles = filesIn(s.dir.path());

    auto r = mergeTraces({s.a, s.b, c}, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, c + ": timeline 'train-a', step 200: differs from the point already merged "
                                     "(from the output or an earlier shard); cannot merge the two");
    EXPECT_EQ(readBytes(out), before);
    EXPECT_EQ(filesIn(s.dir.path()), beforeFiles);

    // The same into a new file: none is created, and no temporary file is left.
    const auto fresh = s.dir.path("fresh.sqlite");
    r = mergeTraces({s.a, s.b, c}, fresh);
    ASSERT_FALSE(r.ok());
    EXPECT_FALSE(fs::exists(fresh));
    EXPECT_EQ(filesIn(s.dir.path()), beforeFiles);

    // Cancelled while shard b is merged: a's runs are not kept either.
    int calls = 0;
    r = mergeTraces({s.a, s.b}, out, [&](const MergeProgress& p) {
        ++calls;
        EXPECT_EQ(p.shards, 2);
        EXPECT_LE(p.groupsDone, p.groups);
        return p.shard == 0;
    });
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, out + ": the merge was cancelled; the file is as it was");
    EXPECT_EQ(calls, 3); // a's two groups, then b's first
    EXPECT_EQ(readBytes(out), before);
    EXPECT_EQ(filesIn(s.dir.path()), beforeFiles);
}

TEST(TraceMerge, AKilledMergeLeavesTheOutputAsItWas) {
    Shards s;
    const auto out = s.dir.path("all.sqlite");
    ASSERT_TRUE(openStore(out)->writeRun(sampleRun("before"), {}, {}).ok());
    const auto before = contentOf(out);
    const auto fresh = s.dir.path("fresh.sqlite");
    for (const auto& target : {out, fresh}) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            // Killed while shard b is merged, with shard a's runs written inside the transaction.
            (void)mergeTraces({s.a, s.b}, target, [](const MergeProgress& p) {
                if (p.shard == 1) std::raise(SIGKILL);
                return true;
            });
            _exit(3);
        }
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << target << ": " << status;
    }
    EXPECT_EQ(contentOf(out), before);
    EXPECT_FALSE(fs::exists(fresh));
    auto store = TraceStore::open(out, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->listRuns()->size(), 1u);
    EXPECT_TRUE((*store)->checkIntegrity().ok());
}

TEST(TraceMerge, WaitsForAnotherWriterAsTold) {
    Shards s;
    const auto out = s.dir.path("all.sqlite");
    ASSERT_TRUE(openStore(out)->writeRun(sampleRun("before"), {}, {}).ok());
    const auto before = contentOf(out);
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(out.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    int waited = 0;
    TraceStore::WriteWait wait;
    wait.limit = std::chrono::seconds(2); // told once, after a second
    wait.waiting = [&](int) {
        ++waited;
        return true;
    };
    auto r = mergeTraces({s.a}, out, {}, wait);
    ASSERT_FALSE(r.ok());
    expectOneLine(r.error().message, out, "the file is busy");
    EXPECT_GE(waited, 1);
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_EQ(contentOf(out), before);
    auto again = mergeTraces({s.a}, out);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->runsMerged, 4);
}

TEST(TraceMerge, AFullDiskFailsInOneLineLeavingNothingBehind) {
    Shards s;
    // A new output: refused naming it (not its temporary name), and nothing is left on the disk.
    SmallDisk tiny(s.dir.path("tiny"), 64 * 1024);
    if (!tiny.mounted()) GTEST_SKIP() << "cannot mount a tmpfs: " << tiny.why();
    const auto fresh = tiny.dir() + "/all.sqlite";
    auto r = mergeTraces({s.a, s.b}, fresh);
    ASSERT_FALSE(r.ok());
    expectOneLine(r.error().message, fresh, "");
    EXPECT_TRUE(filesIn(tiny.dir()).empty());

    // An existing output on a disk that has filled up: left as it was.
    SmallDisk disk(s.dir.path("small"), 1024 * 1024);
    ASSERT_TRUE(disk.mounted());
    const auto out = disk.dir() + "/out.sqlite";
    ASSERT_TRUE(openStore(out)->writeRun(sampleRun("before"), {}, {}).ok());
    const auto before = contentOf(out);
    ASSERT_TRUE(disk.fill());
    r = mergeTraces({s.a, s.b}, out);
    ASSERT_FALSE(r.ok());
    expectOneLine(r.error().message, out, ""); // "the disk is full", or SQLite's I/O error for its -shm
    std::filesystem::remove(disk.dir() + "/filler");
    EXPECT_EQ(contentOf(out), before);
    // SQLite may leave its -wal and -shm files (the rolled back write's): the next connection
    // to close removes them.
    auto store = TraceStore::open(out, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_TRUE((*store)->checkIntegrity().ok());
    EXPECT_EQ((*store)->listRuns()->size(), 1u);
    store->reset();
    EXPECT_EQ(filesIn(disk.dir()), std::vector<std::string>{"out.sqlite"});
}
