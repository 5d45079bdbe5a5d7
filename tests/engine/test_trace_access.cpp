// Who may do what with a trace file: reading writes nothing (a trace in a read-only folder lists,
// and no -wal/-shm files are left beside it, nor beside a file that is refused); opening to write
// checks the file, its folder and every page before anyone computes what to add; writers wait for
// each other instead of dropping what they computed, and all of them land. Permissions only bite
// an unprivileged user: those tests switch to "nobody" in a child process (root only, else skip).
#include "temp_dir.h"
#include "test_trace_util.h"
#include "unprivileged.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> filesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A closed trace file holding `runs` runs of one map of `tokens` tokens each.
std::string makeTrace(const std::string& path, int runs = 2, std::int64_t tokens = 48) {
    fs::create_directories(fs::path(path).parent_path());
    auto s = TraceStore::open(path);
    EXPECT_TRUE(s.ok()) << s.error().message;
    for (int i = 0; i < runs; ++i)
        EXPECT_TRUE((*s)->writeRun(sampleRun("r" + std::to_string(i)),
                                   {syntheticMap(0, 0, 0, 0, tokens, tokens, static_cast<std::uint32_t>(i))},
                                   {})
                        .ok());
    return path;
}

// In a child as nobody: the file lists its runs through a read-only store.
int listsAsNobody(const std::string& path, std::size_t runs, std::string& message) {
    auto s = TraceStore::openReadOnly(path);
    if (!s) return message = s.error().message, 1;
    auto listed = (*s)->listRuns();
    if (!listed) return message = listed.error().message, 2;
    if (listed->size() != runs) return message = std::to_string(listed->size()) + " runs", 3;
    auto map = (*s)->loadMap((*listed)[0].id, 0, 0, 0);
    if (!map) return message = map.error().message, 4;
    return 0;
}

} // namespace

TEST(TraceAccess, ListsATraceInAReadOnlyFolderAsAnotherUser) {
    if (!canSwitchToNobody()) GTEST_SKIP() << "needs root to run as nobody";
    TempDir dir;
    const auto path = makeTrace(dir.path("ro/t.sqlite"));
    ASSERT_EQ(chmod(dir.path("ro").c_str(), 0555), 0);
    auto r = runAsNobody([&](std::string& m) { return listsAsNobody(path, 2, m); });
    EXPECT_EQ(r.code, 0) << r.message;
    EXPECT_EQ(filesIn(dir.path("ro")), std::vector<std::string>{"t.sqlite"});

    // Writing says why not, in one line, before anything is computed.
    r = runAsNobody([&](std::string& m) {
        auto s = TraceStore::open(path);
        if (s) return 1;
        m = s.error().message;
        return 0;
    });
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.message, path + ": the file cannot be written (Permission denied)");
    ASSERT_EQ(chmod(path.c_str(), 0666), 0);
    r = runAsNobody([&](std::string& m) {
        auto s = TraceStore::open(path);
        if (s) return 1;
        m = s.error().message;
        return 0;
    });
    EXPECT_EQ(r.message, path + ": its folder " + dir.path("ro") +
                             " cannot be written (Permission denied), and SQLite keeps its -wal and -shm "
                             "files there");
    r = runAsNobody([&](std::string& m) {
        auto s = TraceStore::open(dir.path("ro/new.sqlite"));
        if (s) return 1;
        m = s.error().message;
        return 0;
    });
    EXPECT_EQ(r.message, dir.path("ro/new.sqlite") +
                             ": cannot create the file: its folder cannot be written (Permission "
                             "denied)");
    EXPECT_EQ(filesIn(dir.path("ro")), std::vector<std::string>{"t.sqlite"});
    ASSERT_EQ(chmod(dir.path("ro").c_str(), 0755), 0);
}

TEST(TraceAccess, ReadingLeavesNoFilesBesideTheTrace) {
    TempDir dir;
    const auto path = makeTrace(dir.path("rw/t.sqlite"));
    {
        auto s = TraceStore::openReadOnly(path);
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_TRUE((*s)->readOnly());
        EXPECT_EQ((*s)->listRuns()->size(), 2u);
    }
    EXPECT_EQ(filesIn(dir.path("rw")), std::vector<std::string>{"t.sqlite"});

    // A reader that may not write the file, in a folder it may write: SQLite would leave a -shm
    // owned by that reader, which can lock the owner out of its own file.
    if (canSwitchToNobody()) {
        ASSERT_EQ(chmod(dir.path("rw").c_str(), 0777), 0);
        auto r = runAsNobody([&](std::string& m) { return listsAsNobody(path, 2, m); });
        EXPECT_EQ(r.code, 0) << r.message;
        EXPECT_EQ(filesIn(dir.path("rw")), std::vector<std::string>{"t.sqlite"});
    }

    // Beside a writer: the reader sees what is committed, and once both are closed nothing is left.
    auto writer = TraceStore::open(path);
    ASSERT_TRUE(writer.ok());
    auto w = (*writer)->beginRun(sampleRun("pending"));
    ASSERT_TRUE(w.ok());
    {
        auto s = TraceStore::openReadOnly(path);
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_EQ((*s)->listRuns()->size(), 2u);
        ASSERT_TRUE((*w)->commit().ok());
        EXPECT_EQ((*s)->listRuns()->size(), 3u);
    }
    w->reset();
    writer->reset();
    EXPECT_EQ(filesIn(dir.path("rw")), std::vector<std::string>{"t.sqlite"});
}

TEST(TraceAccess, ReadOnlyStoreRefusesEveryWrite) {
    TempDir dir;
    const auto path = makeTrace(dir.path("t.sqlite"));
    auto s = TraceStore::openReadOnly(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    const std::string prefix = path + ": opened read-only: cannot ";
    EXPECT_EQ((*s)->deleteRun(1).error().message, prefix + "delete run 1");
    EXPECT_EQ((*s)->vacuum().error().message, prefix + "vacuum");
    EXPECT_EQ((*s)->writeRun(sampleRun(), {}, {}).error().message, prefix + "write runs");
    EXPECT_EQ((*s)->writeTimeline("t", {}).error().message, prefix + "write timeline 't'");
    EXPECT_EQ((*s)->deleteTimeline("t").error().message, prefix + "delete timeline 't'");
    EXPECT_EQ((*s)->listRuns()->size(), 2u);
}

TEST(TraceAccess, RefusedFilesGetNoFilesBeside) {
    TempDir dir;
    const auto newer = makeTrace(dir.path("newer/t.sqlite"));
    ASSERT_EQ(execSql(newer, "UPDATE meta SET value = '9' WHERE key = 'schema_version'; "
                             "UPDATE meta SET value = '9' WHERE key = 'oldest_compatible';"),
              "");
    const auto before = readBytes(newer);
    auto s = TraceStore::openReadOnly(newer);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("written by a newer SinkScope"), std::string::npos);
    s = TraceStore::open(newer);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(filesIn(dir.path("newer")), std::vector<std::string>{"t.sqlite"});
    EXPECT_TRUE(readBytes(newer) == before);
}

TEST(TraceAccess, OlderFileIsConvertedWhenItCanBeWritten) {
    TempDir dir;
    const auto path = makeTrace(dir.path("old/t.sqlite"));
    ASSERT_EQ(execSql(path, "DROP TABLE timeline_points; UPDATE meta SET value = '2' WHERE key = "
                            "'schema_version';"),
              "");
    if (canSwitchToNobody()) {
        ASSERT_EQ(chmod(dir.path("old").c_str(), 0555), 0);
        auto r = runAsNobody([&](std::string& m) {
            auto s = TraceStore::openReadOnly(path);
            if (s) return 1;
            m = s.error().message;
            return 0;
        });
        EXPECT_EQ(r.message, path +
                                 ": written by an older SinkScope (schema 2) and must be converted once, "
                                 "which needs write access: the file cannot be written (Permission denied)");
        ASSERT_EQ(chmod(dir.path("old").c_str(), 0755), 0);
    }
    auto s = TraceStore::openReadOnly(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ((*s)->schemaVersion(), 3);
    EXPECT_TRUE((*s)->listTimelines()->empty());
    EXPECT_EQ((*s)->listRuns()->size(), 2u);
    s->reset();
    EXPECT_EQ(filesIn(dir.path("old")), std::vector<std::string>{"t.sqlite"});
}

// A page in the middle of a map's blob overwritten: listing does not touch it, so opening to
// write must look at every page, and a reader can ask for the same check.
TEST(TraceAccess, DamagedPageIsRefusedForWriting) {
    TempDir dir;
    const auto path = makeTrace(dir.path("t.sqlite"), 3, 256); // maps of several pages each
    auto bytes = readBytes(path);
    const auto blob = bytes.find("SSMP", bytes.find("SSMP") + 1); // the second run's map
    ASSERT_NE(blob, std::string::npos);
    const std::size_t page = blob / 4096 + 1; // one of the blob's overflow pages
    ASSERT_LT((page + 1) * 4096, bytes.size());
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(page * 4096),
              bytes.begin() + static_cast<std::ptrdiff_t>((page + 1) * 4096), '\xff');
    dir.write("t.sqlite", bytes);

    auto s = TraceStore::open(path);
    ASSERT_FALSE(s.ok());
    const auto& msg = s.error().message;
    EXPECT_EQ(msg.rfind(path + ": the file is corrupt (", 0), 0u) << msg;
    EXPECT_NE(msg.find("): refusing to write to it (export what is still readable)"), std::string::npos)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_TRUE(readBytes(path) == bytes);

    auto r = TraceStore::openReadOnly(path);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ((*r)->listRuns()->size(), 3u);
    const auto check = (*r)->quickCheck();
    ASSERT_FALSE(check.ok());
    EXPECT_EQ(check.error().message.rfind(path + ": the file is corrupt (", 0), 0u);
    r->reset();
    EXPECT_EQ(filesIn(dir.path()), std::vector<std::string>{"t.sqlite"});
}

TEST(TraceAccess, WriterWaitsForAnotherWriterAndSaysSo) {
    TempDir dir;
    const auto path = makeTrace(dir.path("t.sqlite"), 1);
    auto holder = TraceStore::open(path);
    ASSERT_TRUE(holder.ok());
    auto held = (*holder)->beginRun(sampleRun("holder")); // takes the write lock
    ASSERT_TRUE(held.ok());
    auto waiter = TraceStore::open(path);
    ASSERT_TRUE(waiter.ok());
    std::atomic<int> reports{0};
    TraceStore::WriteWait wait;
    wait.limit = std::chrono::seconds(30);
    wait.waiting = [&](int seconds) {
        EXPECT_GE(seconds, 1);
        ++reports;
        return true;
    };
    (*waiter)->setWriteWait(wait);
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2300));
        EXPECT_TRUE((*held)->commit().ok());
    });
    const auto start = std::chrono::steady_clock::now();
    auto id = (*waiter)->writeRun(sampleRun("waiter"), {syntheticMap(0, 0, 0, 0, 8, 8, 1)}, {});
    release.join();
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_GE(reports.load(), 2);
    EXPECT_EQ((*waiter)->listRuns()->size(), 3u);
}

TEST(TraceAccess, WriterGivesUpAfterItsLimitAndCanTryAgain) {
    TempDir dir;
    const auto path = makeTrace(dir.path("t.sqlite"), 1);
    auto holder = TraceStore::open(path);
    ASSERT_TRUE(holder.ok());
    auto held = (*holder)->beginRun(sampleRun("holder"));
    ASSERT_TRUE(held.ok());
    auto waiter = TraceStore::open(path);
    ASSERT_TRUE(waiter.ok());
    (*waiter)->setWriteWait({std::chrono::seconds(1), {}});
    auto id = (*waiter)->writeRun(sampleRun("waiter"), {}, {});
    ASSERT_FALSE(id.ok());
    EXPECT_NE(id.error().message.find("the file is busy"), std::string::npos) << id.error().message;
    EXPECT_EQ(id.error().message.find('\n'), std::string::npos);

    // Stopping the wait from the callback (the GUI's Esc) gives up at once.
    TraceStore::WriteWait cancelled;
    cancelled.waiting = [](int) { return false; };
    (*waiter)->setWriteWait(cancelled);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE((*waiter)->writeRun(sampleRun("waiter"), {}, {}).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

    ASSERT_TRUE((*held)->commit().ok());
    id = (*waiter)->writeRun(sampleRun("waiter"), {}, {});
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ((*waiter)->listRuns()->size(), 3u);
}

// Processes writing groups into one file at once: every group lands, whole.
TEST(TraceAccess, ConcurrentWritersAllLand) {
    TempDir dir;
    const auto path = makeTrace(dir.path("t.sqlite"), 0);
    constexpr int kWriters = 4, kGroups = 5;
    std::vector<pid_t> pids;
    for (int p = 0; p < kWriters; ++p) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            auto store = TraceStore::open(path);
            if (!store) _exit(2);
            for (int g = 0; g < kGroups; ++g) {
                const std::string label = "p" + std::to_string(p) + "g" + std::to_string(g);
                auto w = (*store)->beginRun(sampleRun(label + "-base"));
                if (!w) _exit(3);
                if (!(*w)->add(syntheticMap(0, 0, 0, 0, 96, 96, static_cast<std::uint32_t>(p * 100 + g))))
                    _exit(4);
                RunRecord second = sampleRun(label + "-intervened");
                second.group = (*w)->id();
                if (!(*w)->nextRun(second)) _exit(5);
                if (!(*w)->add(
                        syntheticMap(0, 1, 1, 0, 96, 96, static_cast<std::uint32_t>(p * 100 + g + 50))))
                    _exit(6);
                if (!(*w)->commit()) _exit(7);
            }
            _exit(0);
        }
        pids.push_back(pid);
    }
    for (pid_t pid : pids) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed: " << status;
    }
    auto store = TraceStore::openReadOnly(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto runs = (*store)->listRuns();
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), static_cast<std::size_t>(2 * kWriters * kGroups));
    std::map<std::int64_t, std::set<std::string>> groups;
    for (const auto& r : *runs)
        groups[r.group].insert(r.label);
    EXPECT_EQ(groups.size(), static_cast<std::size_t>(kWriters * kGroups));
    for (const auto& [id, labels] : groups) {
        ASSERT_EQ(labels.size(), 2u) << "group " << id;
        const auto stem = labels.begin()->substr(0, labels.begin()->find('-'));
        EXPECT_EQ(labels, (std::set<std::string>{stem + "-base", stem + "-intervened"}));
    }
    EXPECT_TRUE((*store)->checkIntegrity().ok());
}
