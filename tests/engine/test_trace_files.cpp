// Trace files the store must recognise: foreign, damaged and newer files are refused with a
// message naming the file and are left byte for byte as they were; a schema-1 file (the
// committed fixture written by tools/make_trace_fixture.py) is migrated in place.
#include "temp_dir.h"
#include "test_trace_util.h"

#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const std::string kFixture = std::string(SINKSCOPE_TEST_DATA_DIR) + "/trace/v1.sqlite";

// Opening path fails with a message that starts with the path and holds `expected`, with and
// without create and to read only, the file's bytes do not change and no -wal/-shm file is left.
std::string expectRefused(const std::string& path, const std::string& expected) {
    const auto before = readBytes(path);
    std::string message;
    for (int mode = 0; mode < 3; ++mode) {
        auto s = mode == 2 ? TraceStore::openReadOnly(path) : TraceStore::open(path, mode == 0);
        EXPECT_FALSE(s.ok());
        if (s.ok()) return "";
        message = s.error().message;
        EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
        EXPECT_NE(message.find(expected), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
    EXPECT_TRUE(readBytes(path) == before) << path << " was modified";
    EXPECT_FALSE(std::filesystem::exists(path + "-wal")) << path;
    EXPECT_FALSE(std::filesystem::exists(path + "-shm")) << path;
    return message;
}

// A closed trace file with one run holding one map.
std::string makeTraceFile(const TempDir& dir, const std::string& name) {
    const auto path = dir.path(name);
    auto s = TraceStore::open(path);
    EXPECT_TRUE(s.ok());
    auto id = (*s)->writeRun(sampleRun(), {syntheticMap(0, 0, 0, 0, 32, 32, 1)}, {});
    EXPECT_TRUE(id.ok());
    return path;
}

std::string tableLayout(const std::string& path) {
    std::string out;
    for (const char* t :
         {"meta", "runs", "run_data", "run_interventions", "maps", "norms", "timeline_points"}) {
        out += std::string(t) + ":";
        for (const auto& row :
             querySql(path, std::string("SELECT name, type, \"notnull\", dflt_value, pk FROM "
                                        "pragma_table_info('") +
                                t + "')"))
            out += " " + row;
        out += "\n";
    }
    for (const auto& row :
         querySql(path, "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND sql "
                        "IS NOT NULL ORDER BY name"))
        out += "index " + row + ":" + [&] {
            std::string cols;
            for (const auto& c :
                 querySql(path, "SELECT name FROM pragma_index_info('" + row.substr(0, row.find('|')) + "')"))
                cols += " " + c;
            return cols;
        }() + "\n";
    return out;
}

} // namespace

TEST(TraceFiles, CreatesOnlyWhenAsked) {
    TempDir dir;
    const auto path = dir.path("new.sqlite");
    auto s = TraceStore::open(path, false);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, path + ": no such trace file");
    EXPECT_FALSE(std::filesystem::exists(path));
    s = TraceStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    s = TraceStore::open(path, false);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(querySql(path, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
    EXPECT_EQ(querySql(path, "PRAGMA application_id"), std::vector<std::string>{"1399542627"});
    EXPECT_EQ(querySql(path, "SELECT key, value FROM meta ORDER BY key"),
              (std::vector<std::string>{"magic|SinkScope trace", "oldest_compatible|2", "schema_version|3"}));
    s = TraceStore::open(dir.path());
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("is a directory"), std::string::npos);
    s = TraceStore::open("");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "the trace file's path is empty");
    s = TraceStore::open("/dev/null");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "/dev/null: not a regular file, not a trace file");
}

TEST(TraceFiles, RefusesFilesThatAreNotSqlite) {
    TempDir dir;
    expectRefused(dir.write("text.sqlite", "hello, this is not a database at all, just text\n"),
                  "not a SinkScope trace file (not an SQLite database)");
    expectRefused(dir.write("empty.sqlite", ""), "the file is empty");
    expectRefused(dir.write("tiny.sqlite", std::string("SQLite format 3\0abc", 19)),
                  "the file is corrupt (truncated to 19 bytes, inside the header)");
    EXPECT_FALSE(std::filesystem::exists(dir.path("text.sqlite-wal")));
}

TEST(TraceFiles, RefusesOtherSqliteDatabases) {
    TempDir dir;
    const auto plain = dir.path("other.sqlite");
    ASSERT_EQ(execSql(plain, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);"), "");
    EXPECT_EQ(expectRefused(plain, "not a SinkScope trace file"),
              plain + ": not a SinkScope trace file (application_id 0x00000000)");

    const auto app = dir.path("app.sqlite");
    ASSERT_EQ(execSql(app, "PRAGMA application_id = 305419896; CREATE TABLE meta(key, value);"), "");
    expectRefused(app, "not a SinkScope trace file (application_id 0x12345678)");

    const auto wal = dir.path("wal.sqlite"); // a foreign database in WAL mode
    ASSERT_EQ(execSql(wal, "PRAGMA journal_mode = WAL; CREATE TABLE runs(id); INSERT INTO runs VALUES (1);"),
              "");
    expectRefused(wal, "application_id 0x00000000");
    EXPECT_FALSE(std::filesystem::exists(wal + "-wal"));
    EXPECT_FALSE(std::filesystem::exists(wal + "-shm"));

    const auto noMeta = dir.path("nometa.sqlite"); // our application id, but no meta table
    ASSERT_EQ(execSql(noMeta, "PRAGMA application_id = 1399542627; CREATE TABLE runs(id);"), "");
    expectRefused(noMeta, "the file is corrupt (it has SinkScope's application id but no meta table)");

    const auto magic = dir.path("magic.sqlite");
    ASSERT_EQ(execSql(magic, "PRAGMA application_id = 1399542627; CREATE TABLE meta(key, value); "
                             "INSERT INTO meta VALUES ('magic', 'something else');"),
              "");
    expectRefused(magic, "not a SinkScope trace file (meta magic 'something else')");
}

TEST(TraceFiles, RefusesNewerFiles) {
    TempDir dir;
    const auto path = makeTraceFile(dir, "newer.sqlite");
    ASSERT_EQ(execSql(path, "UPDATE meta SET value = '7' WHERE key = 'schema_version'; "
                            "UPDATE meta SET value = '5' WHERE key = 'oldest_compatible';"),
              "");
    EXPECT_EQ(expectRefused(path, "newer"),
              path + ": written by a newer SinkScope (schema 7, this build reads up to 3): update SinkScope");

    ASSERT_EQ(execSql(path, "UPDATE meta SET value = 'x' WHERE key = 'schema_version';"), "");
    expectRefused(path, "the file is corrupt (meta schema_version 'x')");
}

TEST(TraceFiles, OpensNewerFilesThatDeclareUsCompatible) {
    TempDir dir;
    const auto path = makeTraceFile(dir, "compatible.sqlite");
    ASSERT_EQ(execSql(path, "UPDATE meta SET value = '4' WHERE key = 'schema_version';"), "");
    auto s = TraceStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ((*s)->schemaVersion(), 4);
    EXPECT_EQ((*s)->listRuns()->size(), 1u);
    EXPECT_TRUE((*s)->writeRun(sampleRun(), {}, {}).ok());
    EXPECT_EQ(querySql(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::vector<std::string>{"4"});
}

TEST(TraceFiles, RefusesCorruptAndTruncatedFiles) {
    TempDir dir;
    const auto good = readBytes(makeTraceFile(dir, "good.sqlite"));
    ASSERT_GT(good.size(), 8192u);

    auto damaged = good;
    for (std::size_t i = 100; i < 112; ++i) // page 1's b-tree header: the schema table
        damaged[i] = '\xff';
    EXPECT_EQ(expectRefused(dir.write("corrupt.sqlite", damaged), "the file is corrupt"),
              dir.path("corrupt.sqlite") + ": the file is corrupt (database disk image is malformed)");

    expectRefused(dir.write("half.sqlite", good.substr(0, good.size() / 2)), "the file is corrupt");
    expectRefused(dir.write("page.sqlite", good.substr(0, 4096)), "the file is corrupt");
    expectRefused(dir.write("header.sqlite", good.substr(0, 50)), "truncated to 50 bytes");
}

TEST(TraceFiles, CorruptMapBlobIsAClearError) {
    TempDir dir;
    const auto path = makeTraceFile(dir, "blob.sqlite");
    auto bytes = readBytes(path);
    const auto at = bytes.find("SSMP");
    ASSERT_NE(at, std::string::npos);
    bytes[at + 100] = static_cast<char>(bytes[at + 100] ^ 0x5a); // inside the zstd payload
    dir.write("blob.sqlite", bytes);
    auto s = TraceStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message; // the file's structure is intact
    EXPECT_TRUE((*s)->loadRun(1).ok());
    auto m = (*s)->loadMap(1, 0, 0, 0);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message.rfind(
                  path + ": the file is corrupt (run 1: attention map (step 0, layer 0, head 0): "
                         "map blob: corrupt payload",
                  0),
              0u)
        << m.error().message;
}

TEST(TraceFiles, MigratesSchemaOne) {
    TempDir dir;
    const auto fixture = readBytes(kFixture);
    ASSERT_FALSE(fixture.empty()) << kFixture << " is missing (tools/make_trace_fixture.py writes it)";
    const auto path = dir.write("v1.sqlite", fixture);
    EXPECT_EQ(querySql(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::vector<std::string>{"1"});

    auto store = TraceStore::open(path, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->schemaVersion(), 3);
    EXPECT_EQ(querySql(path, "SELECT key, value FROM meta ORDER BY key"),
              (std::vector<std::string>{"magic|SinkScope trace", "oldest_compatible|2", "schema_version|3"}));
    EXPECT_EQ(querySql(path, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
    EXPECT_TRUE((*store)->checkIntegrity().ok());

    auto runs = (*store)->listRuns();
    ASSERT_TRUE(runs.ok()) << runs.error().message;
    ASSERT_EQ(runs->size(), 2u);
    const auto& s1 = (*runs)[0];
    EXPECT_EQ(s1.id, 1);
    EXPECT_EQ(s1.group, 1); // migrated runs are their own group
    EXPECT_EQ(s1.label, "");
    EXPECT_EQ(s1.modelPath, "models/tiny_llama");
    EXPECT_EQ(s1.tokens, 4);
    EXPECT_EQ(s1.generated, 2);
    EXPECT_EQ(s1.createdAt, "2024-11-05T09:30:00.000Z");
    const auto blobBytes = querySql(path, "SELECT (SELECT sum(length(data)) FROM maps WHERE run_id = 1) + "
                                          "(SELECT sum(length(data)) FROM norms WHERE run_id = 1)");
    EXPECT_EQ(std::to_string(s1.storedBytes), blobBytes.at(0));
    EXPECT_EQ((*runs)[1].interventions, (std::vector<std::string>{"suppress", "zerotune:gamma=4,layers=1"}));
    EXPECT_EQ((*store)->listRuns({.intervention = "zerotune"})->size(), 1u);

    auto r1 = (*store)->loadRun(1);
    ASSERT_TRUE(r1.ok()) << r1.error().message;
    EXPECT_EQ(r1->model.architecture, "llama");
    EXPECT_EQ(r1->model.configHash, "3f2a9c");
    EXPECT_EQ(r1->model.parameters, 52000);
    EXPECT_EQ(r1->tokenIds, (std::vector<std::int32_t>{1, 93, 69, 70}));
    EXPECT_EQ(r1->tokens,
              (std::vector<std::string>{"<s>", "\xe2\x96\x81Once", "\xff\xfe", std::string("a\0b", 3)}));
    EXPECT_EQ(r1->promptText, "Once upon");
    EXPECT_EQ(r1->settingsJson, R"({"temperature":0,"device":"cpu"})");
    EXPECT_EQ(r1->metricsJson, R"({"alpha0":[[0.5,0.25],[0.75,0.125]]})");
    ASSERT_EQ(r1->topK.size(), 2u);
    EXPECT_EQ(r1->topK[0][1].id, 6);
    EXPECT_EQ(r1->topK[0][1].prob, 0.25);
    EXPECT_EQ(r1->topK[1][0].text, "z");
    EXPECT_EQ(r1->generatedIds, (std::vector<std::int32_t>{5, 7}));
    EXPECT_EQ(r1->generatedText, "xz");
    EXPECT_EQ(r1->layers, 2);
    EXPECT_EQ(r1->heads, 2);

    // The fixture's maps hold (1 + c + 2 layer + head + step) / 64 in the causal triangle.
    auto maps = (*store)->listMaps(1);
    ASSERT_TRUE(maps.ok());
    EXPECT_EQ(*maps,
              (std::vector<std::array<int, 3>>{{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}}));
    for (const auto& [step, layer, head] : *maps) {
        auto m = (*store)->loadMap(1, step, layer, head);
        ASSERT_TRUE(m.ok()) << m.error().message;
        for (std::int64_t r = 0; r < m->rows; ++r)
            for (std::int64_t c = 0; c < m->cols; ++c) {
                const float want =
                    c <= m->firstRow + r ? static_cast<float>(1 + c + 2 * layer + head + step) / 64.0f : 0.0f;
                EXPECT_EQ(m->values[static_cast<std::size_t>(r * m->cols + c)], want);
            }
    }
    EXPECT_EQ((*store)->loadMap(1, 1, 0, 0)->firstRow, 4);
    EXPECT_TRUE((*store)->listMaps(1, MapKind::Scores)->empty());
    auto norms = (*store)->loadNorms(1);
    ASSERT_TRUE(norms.ok());
    ASSERT_EQ(norms->size(), 5u);
    EXPECT_EQ((*norms)[2].values, (std::vector<float>{4.5f, 2.25f, 3.0f, 4.0f}));
    EXPECT_EQ((*norms)[4].kind, NormKind::Value);
    EXPECT_EQ((*norms)[4].head, 1);

    auto r2 = (*store)->loadRun(2);
    ASSERT_TRUE(r2.ok()) << r2.error().message;
    EXPECT_TRUE(r2->topK.empty());
    EXPECT_TRUE(r2->generatedIds.empty());
    EXPECT_EQ(r2->tokens, (std::vector<std::string>{"<|endoftext|>", "ab", "ab"}));

    // The migrated file takes version-2 data and has a fresh file's layout.
    auto id = (*store)->writeRun(sampleRun("new"), {syntheticMap(0, 1, 1, 0, 6, 6, 3, MapKind::Scores)}, {});
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(*id, 3);
    EXPECT_TRUE((*store)->loadMap(3, 0, 1, 1, MapKind::Scores).ok());
    store->reset();
    auto fresh = TraceStore::open(dir.path("fresh.sqlite"));
    ASSERT_TRUE(fresh.ok());
    fresh->reset();
    EXPECT_EQ(tableLayout(path), tableLayout(dir.path("fresh.sqlite")));
    // Reopening does not migrate again.
    store = TraceStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->listRuns()->size(), 3u);
    EXPECT_TRUE(readBytes(kFixture) == fixture) << "the committed fixture was modified";
}

// A schema-2 file (as written before training timelines were stored) gains the timeline table,
// keeps its runs, and then has a fresh file's layout.
TEST(TraceFiles, MigratesSchemaTwo) {
    TempDir dir;
    const auto path = makeTraceFile(dir, "v2.sqlite");
    ASSERT_EQ(execSql(path, "DROP TABLE timeline_points; UPDATE meta SET value = '2' WHERE key = "
                            "'schema_version';"),
              "");
    auto store = TraceStore::open(path, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->schemaVersion(), 3);
    EXPECT_EQ(querySql(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::vector<std::string>{"3"});
    EXPECT_EQ((*store)->listRuns()->size(), 1u);
    EXPECT_TRUE((*store)->loadMap(1, 0, 0, 0).ok());
    EXPECT_TRUE((*store)->listTimelines()->empty());
    TimelinePoint p;
    p.step = 250;
    p.alpha0 = {{0.5, 0.25}};
    EXPECT_TRUE((*store)->writeTimeline("run", {p}).ok());
    store->reset();
    auto fresh = TraceStore::open(dir.path("fresh.sqlite"));
    ASSERT_TRUE(fresh.ok());
    fresh->reset();
    EXPECT_EQ(tableLayout(path), tableLayout(dir.path("fresh.sqlite")));
}
