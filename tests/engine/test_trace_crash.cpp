// A process killed (SIGKILL) while writing runs leaves a trace file that opens with every run
// committed before the kill whole and intact, and no trace of the run being written. A child
// process writes large runs in a loop, reporting through a pipe when it starts writing a run and
// when the run is committed; after some commits the parent kills it a few milliseconds into the
// next write, so the kill lands inside a run's transaction. Groups (a base run and its
// intervened run, one transaction) are killed between their two runs: none is left half.
#include "temp_dir.h"
#include "test_trace_util.h"

#include <csignal>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr int kLayers = 2, kHeads = 3;
// Six maps of 768 tokens (~2.5 MB encoded) exceed SQLite's default 2 MB page cache, so uncommitted
// pages spill into the WAL before the commit: recovery must skip them too.
constexpr std::int64_t kTokens = 768;

std::uint32_t seedOf(int trial, int run, int layer, int head) {
    return static_cast<std::uint32_t>(((trial * 1000 + run) * kLayers + layer) * kHeads + head);
}

RunRecord crashRun(int trial, int run) {
    RunRecord r = sampleRun("t" + std::to_string(trial) + "-r" + std::to_string(run));
    r.layers = kLayers;
    r.heads = kHeads;
    r.tokenIds.clear();
    r.tokens.clear();
    for (int t = 0; t < 5 + run % 7; ++t) {
        r.tokenIds.push_back(trial * 100 + run * 10 + t);
        r.tokens.push_back(std::string(static_cast<std::size_t>(t % 3), static_cast<char>(0xf0 + t)));
    }
    r.promptText = "prompt " + std::to_string(run);
    return r;
}

AttentionMap crashMap(int trial, int run, int layer, int head) {
    return syntheticMap(0, layer, head, 0, kTokens, kTokens, seedOf(trial, run, layer, head));
}

NormSeries crashNorm(int trial, int run, int layer) {
    return normSeries(NormKind::Hidden, layer, -1, 0, kTokens, static_cast<float>(trial + run + layer));
}

// The child: writes runs until killed, half through writeRun, half through a Writer.
[[noreturn]] void writeForever(const std::string& path, int trial, int startRun, int reportFd) {
    auto store = TraceStore::open(path);
    if (!store) _exit(2);
    for (int run = startRun;; ++run) {
        std::vector<AttentionMap> maps;
        std::vector<NormSeries> norms;
        for (int l = 0; l < kLayers; ++l) {
            norms.push_back(crashNorm(trial, run, l));
            for (int h = 0; h < kHeads; ++h)
                maps.push_back(crashMap(trial, run, l, h));
        }
        // The maps are ready: from here on the child is inside the store's code.
        if (write(reportFd, "B", 1) != 1) _exit(7);
        if (run % 2 == 0) {
            if (!(*store)->writeRun(crashRun(trial, run), maps, norms)) _exit(3);
        } else {
            auto w = (*store)->beginRun(crashRun(trial, run));
            if (!w) _exit(4);
            for (const auto& m : maps)
                if (!(*w)->add(m)) _exit(5);
            for (const auto& n : norms)
                if (!(*w)->add(n)) _exit(5);
            if (!(*w)->commit()) _exit(6);
        }
        if (write(reportFd, "C", 1) != 1) _exit(7); // committed
    }
}

// Checks every run of the trial: labels 0..n-1 without gaps, all fields and tensors intact.
int verifyTrial(TraceStore& store, int trial) {
    auto runs = store.listRuns();
    EXPECT_TRUE(runs.ok()) << runs.error().message;
    std::set<int> seen;
    const std::string prefix = "t" + std::to_string(trial) + "-r";
    for (const auto& s : *runs) {
        if (s.label.rfind(prefix, 0) != 0) continue;
        const int run = std::stoi(s.label.substr(prefix.size()));
        seen.insert(run);
        auto rec = store.loadRun(s.id);
        EXPECT_TRUE(rec.ok()) << rec.error().message;
        if (!rec) continue;
        expectSameRun(crashRun(trial, run), *rec);
        auto maps = store.listMaps(s.id);
        EXPECT_TRUE(maps.ok());
        EXPECT_EQ(maps->size(), static_cast<std::size_t>(kLayers * kHeads)) << s.label;
        for (int l = 0; l < kLayers; ++l)
            for (int h = 0; h < kHeads; ++h) {
                auto m = store.loadMap(s.id, 0, l, h);
                EXPECT_TRUE(m.ok()) << m.error().message;
                if (m) {
                    EXPECT_TRUE(sameBits(m->values, storedValues(crashMap(trial, run, l, h)))) << s.label;
                }
            }
        auto norms = store.loadNorms(s.id);
        EXPECT_TRUE(norms.ok());
        EXPECT_EQ(norms->size(), static_cast<std::size_t>(kLayers));
        for (std::size_t l = 0; l < norms->size(); ++l)
            EXPECT_EQ((*norms)[l].values, crashNorm(trial, run, static_cast<int>(l)).values);
    }
    const int n = static_cast<int>(seen.size());
    EXPECT_TRUE(seen.empty() || (*seen.begin() == 0 && *seen.rbegin() == n - 1)) << "runs missing in between";
    return n;
}

} // namespace

TEST(TraceCrash, KillDuringWriteKeepsEveryCommittedRun) {
    TempDir dir;
    const auto path = dir.path("crash.sqlite");
    const int delaysMs[] = {1, 4, 9};
    int killedMidRun = 0;
    for (int trial = 0; trial < 3; ++trial) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            writeForever(path, trial, 0, fds[1]);
        }
        close(fds[1]);
        // Let a few runs commit, wait until the child starts writing the next one, then kill it a
        // few milliseconds into that write.
        int reported = 0;
        char byte = 0;
        while ((reported < 2 + trial || byte != 'B') && read(fds[0], &byte, 1) == 1)
            reported += byte == 'C';
        usleep(static_cast<useconds_t>(delaysMs[trial] * 1000));
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the child stopped on its own with status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        while (read(fds[0], &byte, 1) == 1) // commits reported before the kill
            reported += byte == 'C';
        close(fds[0]);
        killedMidRun += byte == 'B'; // the child's last word was that it began writing a run
        ASSERT_GE(reported, 2 + trial);

        auto store = TraceStore::open(path, false);
        ASSERT_TRUE(store.ok()) << store.error().message;
        EXPECT_TRUE((*store)->checkIntegrity().ok()) << (*store)->checkIntegrity().error().message;
        const int found = verifyTrial(**store, trial);
        // Every reported run survived; at most one more committed between its commit and the report.
        EXPECT_GE(found, reported);
        EXPECT_LE(found, reported + 1);
        for (int earlier = 0; earlier < trial; ++earlier)
            EXPECT_GE(verifyTrial(**store, earlier), 2 + earlier);
        // The recovered file takes new runs.
        EXPECT_TRUE((*store)->writeRun(crashRun(99, 0), {crashMap(99, 0, 0, 0)}, {}).ok());
    }
    // Writing a run takes longer than the shorter delays: those kills land inside the write.
    EXPECT_GE(killedMidRun, 2);
}

namespace {

// The child: writes groups (base, then intervened in the same transaction) until killed,
// reporting 'B' when a group begins, 'M' once its base run is written and 'C' at the commit.
[[noreturn]] void writeGroupsForever(const std::string& path, int reportFd) {
    auto store = TraceStore::open(path);
    if (!store) _exit(2);
    for (int group = 0;; ++group) {
        if (write(reportFd, "B", 1) != 1) _exit(7);
        auto w = (*store)->beginRun(crashRun(50, 2 * group));
        if (!w) _exit(4);
        for (int l = 0; l < kLayers; ++l)
            for (int h = 0; h < kHeads; ++h)
                if (!(*w)->add(crashMap(50, 2 * group, l, h))) _exit(5);
        RunRecord intervened = crashRun(50, 2 * group + 1);
        intervened.group = (*w)->id();
        if (!(*w)->nextRun(intervened)) _exit(5);
        if (write(reportFd, "M", 1) != 1) _exit(7);
        for (int l = 0; l < kLayers; ++l)
            for (int h = 0; h < kHeads; ++h)
                if (!(*w)->add(crashMap(50, 2 * group + 1, l, h))) _exit(5);
        if (!(*w)->commit()) _exit(6);
        if (write(reportFd, "C", 1) != 1) _exit(7);
    }
}

} // namespace

TEST(TraceCrash, KillBetweenTheRunsOfAGroupLeavesNoHalfGroup) {
    TempDir dir;
    const auto path = dir.path("groups.sqlite");
    const int delaysMs[] = {0, 2, 5, 10};
    int killedMidGroup = 0;
    int committed = 0;
    for (int trial = 0; trial < 4; ++trial) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            writeGroupsForever(path, fds[1]);
        }
        close(fds[1]);
        // One group commits, then the kill lands after the next group's base run is written.
        int reported = 0;
        char byte = 0;
        while ((reported < 1 || byte != 'M') && read(fds[0], &byte, 1) == 1)
            reported += byte == 'C';
        usleep(static_cast<useconds_t>(delaysMs[trial] * 1000));
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        while (read(fds[0], &byte, 1) == 1)
            reported += byte == 'C';
        close(fds[0]);
        killedMidGroup += byte == 'M'; // the base run was written, the group not committed
        committed += reported;

        auto store = TraceStore::open(path, false);
        ASSERT_TRUE(store.ok()) << store.error().message;
        auto runs = (*store)->listRuns();
        ASSERT_TRUE(runs.ok());
        std::map<std::int64_t, std::vector<std::string>> groups;
        for (const auto& r : *runs)
            groups[r.group].push_back(r.label);
        for (const auto& [group, labels] : groups)
            EXPECT_EQ(labels.size(), 2u) << "group " << group << " is half written";
        // Every reported commit survived; at most one more committed before the kill.
        EXPECT_GE(static_cast<int>(groups.size()), committed);
        EXPECT_LE(static_cast<int>(groups.size()), committed + trial + 1);
        committed = static_cast<int>(groups.size());
        EXPECT_TRUE((*store)->checkIntegrity().ok());
    }
    // The second run takes longer to write than the shorter delays: those kills land mid-group.
    EXPECT_GE(killedMidGroup, 2);
}
