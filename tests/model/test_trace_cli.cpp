// Traces as a user makes them: `trace` stores runs, `runs` lists and deletes them, `export`
// writes a stored map as .npy (read back and compared with the model's own attention), .csv and
// figures, a grid and a difference map. A trace in a read-only folder lists and exports for
// another user without files left beside it; a damaged one is flagged when listed and refused
// before the model runs; `trace` waits for another writer instead of dropping its runs. An
// export to a full disk fails in one line and leaves the file it would have replaced untouched.
#include "cli_run.h"
#include "model/model.h"
#include "session/capture.h"
#include "small_disk.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "trace/trace_store.h"
#include "unprivileged.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/stat.h>
#include <thread>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Reads a float32 C-order .npy written by `export`.
std::vector<float> readNpy(const std::string& path, std::vector<std::int64_t>& shape) {
    const std::string bytes = slurp(path);
    EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
    const std::size_t len =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    const std::string header = bytes.substr(10, len);
    EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
    EXPECT_NE(header.find("'fortran_order': False"), std::string::npos) << header;
    const auto open = header.find('('), close = header.find(')');
    shape.clear();
    std::string dims = header.substr(open + 1, close - open - 1);
    for (std::size_t p = 0; p < dims.size();) {
        const auto comma = dims.find(',', p);
        const std::string d = dims.substr(p, comma == std::string::npos ? std::string::npos : comma - p);
        if (d.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(d));
        if (comma == std::string::npos) break;
        p = comma + 1;
    }
    EXPECT_EQ((10 + len) % 64, 0u);
    std::vector<float> values((bytes.size() - 10 - len) / sizeof(float));
    std::memcpy(values.data(), bytes.data() + 10 + len, values.size() * sizeof(float));
    return values;
}

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");
const std::string kIds = "1,403,407,261,378,117,29,89,300,301";

std::string traceArgs(const std::string& db) {
    return "trace --db " + db + " -m " + kStories + " --token-ids " + kIds + " -i suppress:layers=1-4 -n 4";
}

std::vector<std::string> filesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// How many error lines ("sinkscope-cli: ...") the output holds.
int errorLines(const std::string& out) {
    int n = 0;
    for (std::size_t p = out.find("sinkscope-cli: "); p != std::string::npos;
         p = out.find("sinkscope-cli: ", p + 1))
        ++n;
    return n;
}

} // namespace

TEST(TraceCli, StoresListsExportsAndDeletes) {
    TempDir dir;
    const std::string db = dir.path("runs.sqlite");
    const auto stored = runCli("trace --db " + db + " -m " + kStories + " --token-ids " + kIds +
                               " -i suppress:layers=1-4 -n 4 --json");
    ASSERT_EQ(stored.code, 0) << stored.out;
    const auto ids = jsonOf(stored)["run_ids"];
    ASSERT_EQ(ids.size(), 2u);
    const std::int64_t base = ids[0], intervened = ids[1];

    const auto listed = runCli("runs --db " + db + " --json");
    ASSERT_EQ(listed.code, 0) << listed.out;
    const auto runs = jsonOf(listed);
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runCli("runs --db " + db + " --intervention suppress --json")
                  .out.find("\"id\":" + std::to_string(base)),
              std::string::npos);

    // The exported map is the stored one, which is the model's attention up to fp16 rounding.
    const std::string npy = dir.path("l2h3.npy");
    ASSERT_EQ(
        runCli("export --db " + db + " --run " + std::to_string(base) + " --layer 2 --head 3 --out " + npy)
            .code,
        0);
    std::vector<std::int64_t> shape;
    const auto values = readNpy(npy, shape);
    ASSERT_EQ(shape, (std::vector<std::int64_t>{10, 10}));
    auto model = Model::load(kStories);
    ASSERT_TRUE(model.ok());
    AttentionRecorder rec(5, 8);
    ASSERT_TRUE((*model)->forward({1, 403, 407, 261, 378, 117, 29, 89, 300, 301}, &rec).ok());
    const auto expected = rec.matrix(2, 3, 10);
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_NEAR(values[i], expected[i], std::abs(expected[i]) * 1e-3 + 1e-7) << i;
    auto store = TraceStore::open(db, false);
    ASSERT_TRUE(store.ok());
    auto map = (*store)->loadMap(base, 0, 2, 3);
    ASSERT_TRUE(map.ok());
    EXPECT_EQ(map->values, values) << "the .npy holds the exact stored values";

    const std::string csv = dir.path("l2h3.csv");
    ASSERT_EQ(
        runCli("export --db " + db + " --run " + std::to_string(base) + " --layer 2 --head 3 --out " + csv)
            .code,
        0);
    const std::string csvText = slurp(csv);
    EXPECT_EQ(std::count(csvText.begin(), csvText.end(), '\n'), 11); // header + 10 rows

    for (const char* ext : {".png", ".svg", ".pdf"}) {
        const std::string fig = dir.path(std::string("fig") + ext);
        const auto r = runCli("export --db " + db + " --run " + std::to_string(intervened) +
                              " --layer 1 --head 0 --out " + fig);
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_GT(slurp(fig).size(), 500u) << ext;
    }
    // A fixed colour range (maps compare by colour) draws other pixels than the map's own range
    // (a softmax map's own is 0-1 already, row 0 holding a 1: a narrower one shows the option
    // applies); a range that is not LO < HI is refused by name.
    {
        const std::string own = dir.path("own.png"), fixed = dir.path("fixed.png");
        const std::string exportMap =
            "export --db " + db + " --run " + std::to_string(intervened) + " --layer 1 --head 0";
        ASSERT_EQ(runCli(exportMap + " --out " + own).code, 0);
        const auto r = runCli(exportMap + " --range 0,0.25 --out " + fixed);
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_TRUE(slurp(own) != slurp(fixed)) << "the same picture with and without --range";
        for (const char* bad : {"1,0", "0", "a,1", "0,inf"}) {
            const auto b = runCli(exportMap + " --range " + bad + " --out " + dir.path("bad.png"));
            EXPECT_EQ(b.code, 1) << bad;
            EXPECT_NE(b.out.find(std::string("--range '") + bad + "'"), std::string::npos) << b.out;
        }
    }
    // Two runs side by side on one scale: one figure wider than either map alone; data formats and
    // an unknown run are refused by name.
    {
        // Width from the PNG header (IHDR, bytes 16-19, big-endian): this test program has no Qt.
        const auto pngWidth = [](const std::string& bytes) {
            if (bytes.size() < 24) return 0u;
            unsigned w = 0;
            for (int i = 16; i < 20; ++i)
                w = (w << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
            return w;
        };
        const std::string single = dir.path("single.png"), pair = dir.path("pair.png");
        const std::string exportMap =
            "export --db " + db + " --run " + std::to_string(base) + " --layer 1 --head 0";
        ASSERT_EQ(runCli(exportMap + " --out " + single).code, 0);
        const auto r = runCli(exportMap + " --beside " + std::to_string(intervened) + " --out " + pair);
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_GT(pngWidth(slurp(pair)), 2 * pngWidth(slurp(single))) << "two maps and a gap";
        const auto asData =
            runCli(exportMap + " --beside " + std::to_string(intervened) + " --out " + dir.path("p.npy"));
        EXPECT_EQ(asData.code, 1);
        EXPECT_NE(asData.out.find("--beside"), std::string::npos) << asData.out;
        const auto missing = runCli(exportMap + " --beside 999 --out " + dir.path("m.png"));
        EXPECT_EQ(missing.code, 1);
        EXPECT_NE(missing.out.find("999"), std::string::npos) << missing.out;
    }
    const std::string grid = dir.path("grid.png");
    EXPECT_EQ(runCli("export --db " + db + " --run " + std::to_string(base) + " --grid --out " + grid).code,
              0);
    const std::string diff = dir.path("diff.npy");
    ASSERT_EQ(runCli("export --db " + db + " --run " + std::to_string(base) + " --diff " +
                     std::to_string(intervened) + " --layer 0 --head 0 --out " + diff)
                  .code,
              0);
    const auto d0 = readNpy(diff, shape);
    for (float v : d0)
        EXPECT_EQ(v, 0.0f) << "layer 0 is before the intervened layers";
    ASSERT_EQ(runCli("export --db " + db + " --run " + std::to_string(base) + " --diff " +
                     std::to_string(intervened) + " --layer 1 --head 0 --out " + diff)
                  .code,
              0);
    const auto d1 = readNpy(diff, shape);
    EXPECT_GT(*std::max_element(d1.begin(), d1.end()), 0.0f)
        << "suppression moves mass off token 0 in layer 1";
    EXPECT_LT(*std::min_element(d1.begin(), d1.end()), 0.0f);

    const auto bad = runCli("export --db " + db + " --run 999 --layer 0 --head 0 --out " + dir.path("x.npy"));
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find("999"), std::string::npos) << bad.out;
    const auto ext =
        runCli("export --db " + db + " --run " + std::to_string(base) + " --out " + dir.path("x.bmp"));
    EXPECT_EQ(ext.code, 1);
    EXPECT_NE(ext.out.find("x.bmp"), std::string::npos) << ext.out;

    ASSERT_EQ(runCli("runs --db " + db + " --delete " + std::to_string(base) + " --vacuum").code, 0);
    EXPECT_EQ(jsonOf(runCli("runs --db " + db + " --json")).size(), 1u);
}

TEST(TraceCli, RefusesAFileThatIsNotATrace) {
    TempDir dir;
    const std::string path = dir.write("notes.sqlite", "these are not the runs you are looking for");
    const auto r = runCli("runs --db " + path);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("notes.sqlite"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(path), "these are not the runs you are looking for");
}

TEST(TraceCli, ReadsATraceInAReadOnlyFolderAsAnotherUser) {
    if (!canSwitchToNobody()) GTEST_SKIP() << "needs root to run as nobody";
    TempDir dir;
    std::filesystem::create_directories(dir.path("ro"));
    std::filesystem::create_directories(dir.path("out"));
    const std::string db = dir.path("ro/runs.sqlite");
    ASSERT_EQ(runCli(traceArgs(db)).code, 0);
    ASSERT_EQ(chmod(dir.path("ro").c_str(), 0555), 0);
    ASSERT_EQ(chmod(dir.path("out").c_str(), 0777), 0);
    const std::string nobody = asNobodyPrefix();

    const auto listed = runCli("runs --db " + db + " --json", nobody);
    ASSERT_EQ(listed.code, 0) << listed.out;
    EXPECT_EQ(jsonOf(listed).size(), 2u);
    const auto exported =
        runCli("export --db " + db + " --run 1 --layer 0 --head 0 --out " + dir.path("out/m.npy"), nobody);
    EXPECT_EQ(exported.code, 0) << exported.out;
    EXPECT_EQ(filesIn(dir.path("ro")), std::vector<std::string>{"runs.sqlite"});

    // Writing is refused in one line before the model runs (nothing is generated).
    const auto traced = runCli(traceArgs(db) + " --json", nobody);
    EXPECT_EQ(traced.code, 1);
    EXPECT_NE(traced.out.find("sinkscope-cli: " + db + ": the file cannot be written (Permission denied)"),
              std::string::npos)
        << traced.out;
    EXPECT_EQ(errorLines(traced.out), 1) << traced.out;
    EXPECT_EQ(filesIn(dir.path("ro")), std::vector<std::string>{"runs.sqlite"});
    ASSERT_EQ(chmod(dir.path("ro").c_str(), 0755), 0);
}

TEST(TraceCli, DamagedTraceIsFlaggedWhenListedAndRefusedForWriting) {
    TempDir dir;
    const std::string db = dir.path("runs.sqlite");
    ASSERT_EQ(runCli(traceArgs(db)).code, 0);
    ASSERT_EQ(runCli(traceArgs(db)).code, 0);
    // Overwrite a page of the maps table, which listing the runs never reads.
    std::string bytes = slurp(db);
    const auto blob = bytes.rfind("SSMP");
    ASSERT_NE(blob, std::string::npos);
    const std::size_t page = blob / 4096;
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(page * 4096),
              bytes.begin() + static_cast<std::ptrdiff_t>((page + 1) * 4096), '\xff');
    dir.write("runs.sqlite", bytes);

    const auto listed = runCli("runs --db " + db);
    EXPECT_EQ(listed.code, 1);
    EXPECT_NE(listed.out.find("intervened"), std::string::npos)
        << "the runs are still listed: " << listed.out;
    EXPECT_NE(listed.out.find("sinkscope-cli: " + db + ": the file is corrupt ("), std::string::npos)
        << listed.out;
    EXPECT_NE(listed.out.find("the runs listed are those still readable"), std::string::npos) << listed.out;
    EXPECT_EQ(errorLines(listed.out), 1) << listed.out;

    const auto traced = runCli(traceArgs(db));
    EXPECT_EQ(traced.code, 1);
    EXPECT_NE(traced.out.find("refusing to write to it"), std::string::npos) << traced.out;
    EXPECT_EQ(traced.out.find("stored run"), std::string::npos) << traced.out;
    EXPECT_EQ(errorLines(traced.out), 1) << traced.out;
    EXPECT_TRUE(slurp(db) == bytes) << "the damaged file was written to";
    EXPECT_EQ(filesIn(dir.path()), std::vector<std::string>{"runs.sqlite"});
}

TEST(TraceCli, TraceWaitsForAnotherWriter) {
    TempDir dir;
    const std::string db = dir.path("runs.sqlite");
    ASSERT_EQ(runCli(traceArgs(db)).code, 0);
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    std::thread release([other] {
        std::this_thread::sleep_for(std::chrono::seconds(3));
        sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(other);
    });
    const auto traced = runCli(traceArgs(db) + " --json");
    release.join();
    ASSERT_EQ(traced.code, 0) << traced.out;
    EXPECT_NE(traced.out.find("waiting for another program to finish writing " + db), std::string::npos)
        << traced.out;
    EXPECT_EQ(jsonOf(traced)["run_ids"].size(), 2u);
    EXPECT_EQ(jsonOf(runCli("runs --db " + db + " --json")).size(), 4u);
}

TEST(TraceCli, ExportToAFullDiskFailsInOneLineAndKeepsTheOldFile) {
    TempDir dir;
    const std::string db = dir.path("runs.sqlite");
    ASSERT_EQ(runCli(traceArgs(db)).code, 0);
    SmallDisk disk(dir.path("small"), 64 * 1024);
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs: " << disk.why();
    const std::vector<std::string> exts = {"png", "svg", "pdf", "npy", "csv"};
    for (const auto& ext : exts)
        dir.write("small/old." + ext, "the previous export");
    ASSERT_TRUE(disk.fill());
    // Every format over an existing file; the data formats also as new files, which were left
    // empty before. After each: the old files as they were, no new or temporary file.
    std::vector<std::string> expected = {"filler"};
    for (const auto& ext : exts)
        expected.push_back("old." + ext);
    std::sort(expected.begin(), expected.end());
    for (const std::string name :
         {"old.png", "old.svg", "old.pdf", "old.npy", "old.csv", "new.npy", "new.csv"}) {
        const std::string out = disk.dir() + "/" + name;
        const auto r = runCli("export --db " + db + " --run 1 --layer 1 --head 0 --out " + out);
        EXPECT_EQ(r.code, 1) << out << ": " << r.out;
        EXPECT_EQ(r.out, "sinkscope-cli: " + out + ": cannot write the file (No space left on device)\n");
        for (const auto& ext : exts)
            EXPECT_EQ(slurp(disk.dir() + "/old." + ext), "the previous export") << ext;
        EXPECT_EQ(filesIn(disk.dir()), expected) << name;
    }
}

// Output on stdout is checked too: `runs --json > FILE` on a full disk must not pass for success.
TEST(TraceCli, ListingToAFullDiskFailsInOneLine) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    TempDir dir;
    const std::string db = dir.path("runs.sqlite");
    ASSERT_EQ(runCli(traceArgs(db)).code, 0);
    for (const std::string& args : {"runs --db " + db + " --json", "runs --db " + db}) {
        // stderr into the pipe, stdout into /dev/full.
        const auto r = runCli(args + " 2>&1 >/dev/full #");
        EXPECT_EQ(r.code, 1) << args;
        EXPECT_EQ(r.out, "sinkscope-cli: cannot write the output (No space left on device)\n") << args;
    }
}

// A trace file can come from anyone: metrics whose alpha0 table has the wrong shape or types, or
// whose values are strings, are ignored by the grid export instead of read out of bounds.
TEST(TraceCli, GridExportIgnoresMisshapenMetrics) {
    TempDir dir;
    const std::string db = dir.path("runs.sqlite");
    const auto stored = runCli("trace --db " + db + " -m " + kStories + " --token-ids 1,403,407 -n 0 --json");
    ASSERT_EQ(stored.code, 0) << stored.out;
    const std::int64_t run = jsonOf(stored)["run_ids"][0];
    for (const char* metrics : {R"({"alpha0": [[0.5]]})", R"({"alpha0": "wide"})", R"({"alpha0": [["x"]]})",
                                R"({"alpha0": [], "kl_from_base": "far"})", "not json"}) {
        SCOPED_TRACE(metrics);
        sqlite3* handle = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(handle, "UPDATE run_data SET metrics_json = ?", -1, &st, nullptr),
                  SQLITE_OK);
        sqlite3_bind_text(st, 1, metrics, -1, SQLITE_TRANSIENT);
        EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sqlite3_close(handle);
        const std::string grid = dir.path("grid.png");
        std::remove(grid.c_str());
        const auto r =
            runCli("export --db " + db + " --run " + std::to_string(run) + " --grid --out " + grid);
        EXPECT_EQ(r.code, 0) << r.out;
        EXPECT_GT(slurp(grid).size(), 500u);
    }
}
