// The trace store's runs: every field round-trips, runs are written whole or not at all, and
// the queries (filters, maps, norms, deletion, vacuum) behave as documented.
#include "temp_dir.h"
#include "test_trace_util.h"
#include "trace/map_codec.h"

#include <atomic>
#include <filesystem>
#include <gtest/gtest.h>
#include <thread>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::unique_ptr<TraceStore> openStore(const std::string& path) {
    auto s = TraceStore::open(path);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
}

std::vector<AttentionMap> sampleMaps(int layers, int heads, std::int64_t tokens, std::uint32_t seed) {
    std::vector<AttentionMap> maps;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h)
            maps.push_back(
                syntheticMap(0, l, h, 0, tokens, tokens, seed + static_cast<std::uint32_t>(l * heads + h)));
    return maps;
}

} // namespace

TEST(TraceStore, EveryFieldRoundTrips) {
    TempDir dir;
    auto store = openStore(dir.path("runs.sqlite"));
    ASSERT_TRUE(store);
    EXPECT_EQ(store->schemaVersion(), TraceStore::currentSchemaVersion());
    EXPECT_EQ(store->path(), dir.path("runs.sqlite"));

    auto run = sampleRun();
    run.createdAt = "2025-02-03T04:05:06.789Z";
    auto maps = sampleMaps(2, 2, 5, 1);
    maps.push_back(syntheticMap(1, 0, 1, 5, 1, 6, 99)); // a generation step
    auto scores = syntheticMap(0, 1, 0, 0, 5, 5, 7, MapKind::Scores);
    scores.values[3 * 5 + 1] = -std::numeric_limits<float>::infinity();
    scores.values[4 * 5 + 0] = std::nanf("");
    maps.push_back(scores);
    const std::vector<NormSeries> norms = {
        normSeries(NormKind::Hidden, 0, -1, 0, 5, 1.0f), normSeries(NormKind::Hidden, 2, -1, 0, 5, 2.0f),
        normSeries(NormKind::Key, 1, 1, 0, 5, 3.0f), normSeries(NormKind::Value, 1, 0, 5, 1, 4.0f)};
    auto id = store->writeRun(run, maps, norms);
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_GT(*id, 0);

    // A fresh connection, so nothing comes from memory.
    store.reset();
    store = openStore(dir.path("runs.sqlite"));
    auto back = store->loadRun(*id);
    ASSERT_TRUE(back.ok()) << back.error().message;
    expectSameRun(run, *back);
    EXPECT_EQ(back->id, *id);
    EXPECT_EQ(back->createdAt, "2025-02-03T04:05:06.789Z");
    EXPECT_EQ(back->group, *id); // 0 = own id

    for (const auto& m : maps) {
        auto got = store->loadMap(*id, m.step, m.layer, m.head, m.kind);
        ASSERT_TRUE(got.ok()) << got.error().message;
        EXPECT_EQ(got->firstRow, m.firstRow);
        EXPECT_EQ(got->rows, m.rows);
        EXPECT_EQ(got->cols, m.cols);
        EXPECT_EQ(got->kind, m.kind);
        EXPECT_TRUE(sameBits(got->values, storedValues(m))) << m.step << " " << m.layer << " " << m.head;
    }
    auto gotNorms = store->loadNorms(*id);
    ASSERT_TRUE(gotNorms.ok()) << gotNorms.error().message;
    ASSERT_EQ(gotNorms->size(), norms.size());
    for (std::size_t i = 0; i < norms.size(); ++i) {
        EXPECT_EQ((*gotNorms)[i].kind, norms[i].kind);
        EXPECT_EQ((*gotNorms)[i].layer, norms[i].layer);
        EXPECT_EQ((*gotNorms)[i].head, norms[i].head);
        EXPECT_EQ((*gotNorms)[i].firstToken, norms[i].firstToken);
        EXPECT_EQ((*gotNorms)[i].values, norms[i].values);
    }
    auto list = store->listMaps(*id);
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(*list,
              (std::vector<std::array<int, 3>>{{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {1, 0, 1}}));
    auto scoreList = store->listMaps(*id, MapKind::Scores);
    ASSERT_TRUE(scoreList.ok());
    EXPECT_EQ(*scoreList, (std::vector<std::array<int, 3>>{{0, 1, 0}}));

    auto runs = store->listRuns();
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 1u);
    const auto& s = runs->front();
    EXPECT_EQ(s.id, *id);
    EXPECT_EQ(s.group, *id);
    EXPECT_EQ(s.label, "base");
    EXPECT_EQ(s.modelPath, run.model.path);
    EXPECT_EQ(s.promptText, run.promptText);
    EXPECT_EQ(s.interventions, run.interventions);
    EXPECT_EQ(s.tokens, 5);
    EXPECT_EQ(s.generated, 2);
    std::int64_t expectedBytes = 0;
    for (const auto& m : maps)
        expectedBytes += static_cast<std::int64_t>(encodeMap(m).size());
    for (const auto& n : norms)
        expectedBytes += static_cast<std::int64_t>(4 * n.values.size());
    EXPECT_EQ(s.storedBytes, expectedBytes);
    EXPECT_TRUE(store->checkIntegrity().ok());
}

TEST(TraceStore, EmptyRunAndEmptyGeneration) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    RunRecord empty; // no tokens, no outputs, no tensors
    auto id = store->writeRun(empty, {}, {});
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto back = store->loadRun(*id);
    ASSERT_TRUE(back.ok()) << back.error().message;
    expectSameRun(empty, *back);
    EXPECT_FALSE(back->createdAt.empty());
    // ISO 8601 UTC, e.g. 2025-01-31T12:34:56.789Z
    EXPECT_EQ(back->createdAt.size(), 24u);
    EXPECT_EQ(back->createdAt[10], 'T');
    EXPECT_EQ(back->createdAt.back(), 'Z');
    auto maps = store->listMaps(*id);
    ASSERT_TRUE(maps.ok());
    EXPECT_TRUE(maps->empty());
    auto norms = store->loadNorms(*id);
    ASSERT_TRUE(norms.ok());
    EXPECT_TRUE(norms->empty());

    auto prompt = sampleRun(); // tokens but nothing generated
    prompt.topK.clear();
    prompt.generatedIds.clear();
    prompt.generatedText.clear();
    prompt.tokens.clear(); // token strings are optional
    id = store->writeRun(prompt, {}, {});
    ASSERT_TRUE(id.ok());
    back = store->loadRun(*id);
    ASSERT_TRUE(back.ok());
    expectSameRun(prompt, *back);
}

TEST(TraceStore, GroupsPairRuns) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto base = store->writeRun(sampleRun("base"), {}, {});
    ASSERT_TRUE(base.ok());
    auto intervened = sampleRun("intervened");
    intervened.group = *base;
    auto other = store->writeRun(intervened, {}, {});
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(store->loadRun(*other)->group, *base);
    EXPECT_EQ(store->loadRun(*base)->group, *base);
    auto runs = store->listRuns();
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].group, (*runs)[1].group);
}

TEST(TraceStore, WriterCommitsIncrementally) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto w = store->beginRun(sampleRun());
    ASSERT_TRUE(w.ok()) << w.error().message;
    const auto id = (*w)->id();
    const auto maps = sampleMaps(2, 2, 16, 3);
    for (const auto& m : maps)
        ASSERT_TRUE((*w)->add(m).ok());
    ASSERT_TRUE((*w)->add(normSeries(NormKind::Hidden, 0, -1, 0, 16, 1.0f)).ok());
    // Not visible to the store before the commit.
    EXPECT_TRUE(store->listRuns()->empty());
    EXPECT_NE(store->loadRun(id).error().message.find("does not exist"), std::string::npos);
    // One writer at a time; the store refuses to delete under it.
    auto second = store->beginRun(sampleRun());
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("another run is being written"), std::string::npos);
    EXPECT_FALSE(store->vacuum().ok());

    auto committed = (*w)->commit();
    ASSERT_TRUE(committed.ok()) << committed.error().message;
    EXPECT_EQ(*committed, id);
    EXPECT_NE((*w)->commit().error().message.find("already committed"), std::string::npos);
    EXPECT_FALSE((*w)->add(maps[0]).ok());
    auto runs = store->listRuns();
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ(store->listMaps(id)->size(), 4u);
    // The next writer may start once the first has committed; destroying the first afterwards
    // must not release the second's hold on the store.
    auto next = store->beginRun(sampleRun());
    ASSERT_TRUE(next.ok()) << next.error().message;
    w->reset();
    EXPECT_FALSE(store->beginRun(sampleRun()).ok());
    EXPECT_FALSE(store->deleteRun(id).ok());
    next->reset();
    EXPECT_TRUE(store->deleteRun(id).ok());
}

TEST(TraceStore, DroppedWriterLeavesNoTrace) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto kept = store->writeRun(sampleRun("kept"), sampleMaps(1, 2, 8, 1), {});
    ASSERT_TRUE(kept.ok());
    {
        auto w = store->beginRun(sampleRun("dropped"));
        ASSERT_TRUE(w.ok());
        for (const auto& m : sampleMaps(2, 2, 32, 5))
            ASSERT_TRUE((*w)->add(m).ok());
    } // destroyed uncommitted: rolled back
    auto runs = store->listRuns();
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ(runs->front().label, "kept");
    EXPECT_EQ(querySql(dir.path("t.sqlite"), "SELECT count(*) FROM maps"), std::vector<std::string>{"2"});
    EXPECT_EQ(querySql(dir.path("t.sqlite"), "SELECT count(*) FROM run_data"), std::vector<std::string>{"1"});
    // A failed writeRun (one bad map among good ones) leaves nothing either.
    auto maps = sampleMaps(2, 2, 8, 7);
    maps[2].values.pop_back();
    auto bad = store->writeRun(sampleRun("bad"), maps, {});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("holds 63 values"), std::string::npos) << bad.error().message;
    EXPECT_EQ(store->listRuns()->size(), 1u);
    // Run ids are not reused after a deletion (AUTOINCREMENT).
    auto next = store->writeRun(sampleRun("next"), {}, {});
    ASSERT_TRUE(next.ok());
    ASSERT_TRUE(store->deleteRun(*next).ok());
    auto after = store->writeRun(sampleRun("after"), {}, {});
    ASSERT_TRUE(after.ok());
    EXPECT_GT(*after, *next);
}

TEST(TraceStore, WriterRefusesBadInput) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto run = sampleRun();
    run.tokens.pop_back();
    auto w = store->beginRun(run);
    ASSERT_FALSE(w.ok());
    EXPECT_NE(w.error().message.find("5 token ids but 4 token strings"), std::string::npos);

    w = store->beginRun(sampleRun()); // 2 layers x 2 heads
    ASSERT_TRUE(w.ok()) << w.error().message;
    auto s = (*w)->add(syntheticMap(0, 2, 0, 0, 4, 4, 1));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("the run has 2 layers and 2 heads"), std::string::npos)
        << s.error().message;
    ASSERT_TRUE((*w)->add(syntheticMap(0, 1, 1, 0, 4, 4, 1)).ok());
    s = (*w)->add(syntheticMap(0, 1, 1, 0, 4, 4, 2));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("attention map (step 0, layer 1, head 1) is already stored"),
              std::string::npos)
        << s.error().message;
    // Scores for the same head are a different map.
    EXPECT_TRUE((*w)->add(syntheticMap(0, 1, 1, 0, 4, 4, 2, MapKind::Scores)).ok());
    s = (*w)->add(normSeries(NormKind::Key, 0, -2, 0, 3, 1.0f));
    EXPECT_NE(s.error().message.find("negative index"), std::string::npos);
    // Errors so far left the run usable.
    auto id = (*w)->commit();
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(store->listMaps(*id)->size(), 1u);
    EXPECT_EQ(store->listMaps(*id, MapKind::Scores)->size(), 1u);
}

TEST(TraceStore, FiltersRuns) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto a = sampleRun("a");
    a.model.path = "/models/TinyLlama-1.1B";
    a.promptText = "The cat sat on the mat";
    a.interventions = {"suppress"};
    auto b = sampleRun("b");
    b.model.path = "/models/gpt2";
    b.promptText = "100% sure_thing";
    b.interventions = {"zerotune:gamma=4", "stream:sinks=4,window=64"};
    auto c = sampleRun("c");
    c.model.path = "/models/gpt2-medium";
    c.promptText = "Once upon a time";
    c.interventions = {};
    for (auto* r : {&a, &b, &c})
        ASSERT_TRUE(store->writeRun(*r, {}, {}).ok());

    auto labels = [&](const RunFilter& f) {
        std::string out;
        auto runs = store->listRuns(f);
        EXPECT_TRUE(runs.ok());
        for (const auto& r : *runs)
            out += r.label;
        return out;
    };
    EXPECT_EQ(labels({}), "abc");
    EXPECT_EQ(labels({.model = "gpt2"}), "bc");
    EXPECT_EQ(labels({.model = "tinyllama"}), "a"); // ASCII case-insensitive
    EXPECT_EQ(labels({.prompt = "cat"}), "a");
    EXPECT_EQ(labels({.prompt = "%"}), "b"); // LIKE's wildcards are taken literally
    EXPECT_EQ(labels({.prompt = "e_t"}), "b");
    EXPECT_EQ(labels({.prompt = "o_ce"}), ""); // as a wildcard, '_' would match "Once"
    EXPECT_EQ(labels({.prompt = "c%t"}), "");  // and '%' "cat"
    EXPECT_EQ(labels({.intervention = "zerotune"}), "b");
    EXPECT_EQ(labels({.intervention = "window=64"}), "b");
    EXPECT_EQ(labels({.intervention = "s"}), "ab");
    EXPECT_EQ(labels({.model = "gpt2", .intervention = "suppress"}), "");
    EXPECT_EQ(labels({.model = "gpt2", .prompt = "once"}), "c");
    auto runs = store->listRuns({.model = "gpt2"});
    ASSERT_EQ(runs->size(), 2u);
    EXPECT_EQ((*runs)[0].interventions, b.interventions);
    EXPECT_TRUE((*runs)[1].interventions.empty());
}

TEST(TraceStore, MissingThingsAreClearErrors) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto id = store->writeRun(sampleRun(), sampleMaps(2, 2, 4, 1), {});
    ASSERT_TRUE(id.ok());
    auto m = store->loadMap(*id, 0, 1, 7);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message, dir.path("t.sqlite") + ": run " + std::to_string(*id) +
                                     ": attention map (step 0, layer 1, head 7) is not stored (the run has 4 "
                                     "attention maps: steps 0-0, layers 0-1, heads 0-1)");
    m = store->loadMap(*id, 0, 0, 0, MapKind::Scores);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find(
                  "score map (step 0, layer 0, head 0) is not stored (the run has no score maps)"),
              std::string::npos)
        << m.error().message;
    for (const auto& msg : {store->loadMap(999, 0, 0, 0).error().message, store->loadRun(999).error().message,
                            store->loadNorms(999).error().message, store->listMaps(999).error().message,
                            store->deleteRun(999).error().message})
        EXPECT_EQ(msg, dir.path("t.sqlite") + ": run 999 does not exist");
}

TEST(TraceStore, DeleteAndVacuum) {
    TempDir dir;
    const auto path = dir.path("t.sqlite");
    auto store = openStore(path);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) {
        auto id = store->writeRun(sampleRun("r" + std::to_string(i)), sampleMaps(2, 2, 128, 10 * i),
                                  {normSeries(NormKind::Hidden, 0, -1, 0, 128, 1.0f)});
        ASSERT_TRUE(id.ok()) << id.error().message;
        ids.push_back(*id);
    }
    ASSERT_TRUE(store->vacuum().ok());
    const auto before = std::filesystem::file_size(path);
    ASSERT_TRUE(store->deleteRun(ids[0]).ok());
    ASSERT_TRUE(store->deleteRun(ids[1]).ok());
    EXPECT_NE(store->deleteRun(ids[1]).error().message.find("does not exist"), std::string::npos);
    auto runs = store->listRuns();
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ(runs->front().id, ids[2]);
    // The cascade removed everything of the deleted runs.
    for (const char* table : {"maps", "norms", "run_data", "run_interventions"})
        EXPECT_EQ(querySql(path, std::string("SELECT count(*) FROM ") + table + " WHERE run_id <> " +
                                     std::to_string(ids[2])),
                  std::vector<std::string>{"0"})
            << table;
    ASSERT_TRUE(store->vacuum().ok());
    const auto after = std::filesystem::file_size(path);
    EXPECT_LT(after, before / 2) << before << " -> " << after;
    // The survivor is intact.
    auto m = store->loadMap(ids[2], 0, 1, 1);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(sameBits(m->values, storedValues(sampleMaps(2, 2, 128, 20)[3])));
    EXPECT_TRUE(store->checkIntegrity().ok());
}

TEST(TraceStore, TwoStoresOnOneFile) {
    TempDir dir;
    auto a = openStore(dir.path("t.sqlite"));
    auto b = openStore(dir.path("t.sqlite"));
    auto id = a->writeRun(sampleRun(), sampleMaps(1, 1, 8, 1), {});
    ASSERT_TRUE(id.ok());
    auto runs = b->listRuns();
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_TRUE(b->loadMap(*id, 0, 0, 0).ok());
    ASSERT_TRUE(b->deleteRun(*id).ok());
    EXPECT_TRUE(a->listRuns()->empty());
}

TEST(TraceStore, WriterOutlivesStore) {
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto w = store->beginRun(sampleRun());
    ASSERT_TRUE(w.ok());
    store.reset();
    ASSERT_TRUE((*w)->add(syntheticMap(0, 0, 0, 0, 4, 4, 1)).ok());
    ASSERT_TRUE((*w)->commit().ok());
    store = openStore(dir.path("t.sqlite"));
    EXPECT_EQ(store->listRuns()->size(), 1u);
}

TEST(TraceStore, WriterOnAnotherThread) {
    // The GUI's pattern: a capture thread writes a run while the UI thread browses the file.
    TempDir dir;
    auto store = openStore(dir.path("t.sqlite"));
    auto first = store->writeRun(sampleRun("first"), sampleMaps(1, 2, 32, 1), {});
    ASSERT_TRUE(first.ok());
    auto w = store->beginRun(sampleRun("second"));
    ASSERT_TRUE(w.ok());
    std::atomic<bool> done{false};
    Status written = okStatus();
    std::thread capture([&] {
        for (const auto& m : sampleMaps(2, 2, 64, 9)) {
            written = (*w)->add(m);
            if (!written) break;
        }
        done = true;
    });
    int reads = 0;
    while (!done || reads == 0) {
        auto runs = store->listRuns();
        ASSERT_TRUE(runs.ok()) << runs.error().message;
        EXPECT_EQ(runs->size(), 1u);
        ASSERT_TRUE(store->loadMap(*first, 0, 0, 1).ok());
        ++reads;
    }
    capture.join();
    ASSERT_TRUE(written.ok()) << written.error().message;
    auto id = (*w)->commit();
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(store->listRuns()->size(), 2u);
    EXPECT_EQ(store->listMaps(*id)->size(), 4u);
}
