// What a prompt may ask of the machine: memory predicted before it is allocated (one line, no
// stack trace), positions an intervention names checked against the prompt, and a warning when a
// prompt outgrows the context a RoPE model was trained on.
#include "cli_run.h"
#include "core/available_memory.h"
#include "core/human_bytes.h"
#include "model/model.h"
#include "model/pass_memory.h"
#include "session/capture.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");

std::unique_ptr<Model> loadStories() {
    auto m = Model::load(kStories);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? std::move(m.value()) : nullptr;
}

// Sets SINKSCOPE_MEMORY_LIMIT for this test process and the CLI runs it starts.
struct MemoryLimit {
    explicit MemoryLimit(const char* v) { setenv("SINKSCOPE_MEMORY_LIMIT", v, 1); }
    ~MemoryLimit() { unsetenv("SINKSCOPE_MEMORY_LIMIT"); }
};

std::size_t errorLines(const std::string& s) {
    std::size_t n = 0;
    for (std::size_t at = 0; (at = s.find("sinkscope-cli: ", at)) != std::string::npos; ++at)
        ++n;
    return n;
}

TEST(Limits, ByteSizesParseAndPrint) {
    EXPECT_EQ(parseByteSize("512"), 512);
    EXPECT_EQ(parseByteSize("2K"), 2048);
    EXPECT_EQ(parseByteSize("1.5G"), 1610612736);
    EXPECT_EQ(parseByteSize("3MiB"), -1); // only K/M/G/T with an optional B
    EXPECT_EQ(parseByteSize("3MB"), 3 * 1024 * 1024);
    EXPECT_EQ(parseByteSize("lots"), -1);
    EXPECT_EQ(parseByteSize("-1G"), -1);
    EXPECT_EQ(parseByteSize("1e30"), -1);
    EXPECT_EQ(humanBytes(1023), "1023 B");
    EXPECT_EQ(humanBytes(1536), "1.5 KiB");
    EXPECT_EQ(humanBytes(3ULL << 30), "3.0 GiB");
    MemoryLimit limit("100M");
    const auto avail = availableMemoryBytes();
    EXPECT_GT(avail, 0);
    EXPECT_LE(avail, 100LL << 20);
}

TEST(Limits, PassMemoryGrowsWithTheSquareOfTheAttentionLength) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const auto& c = m->config();
    PassShape s;
    s.observer = true;
    s.threads = 2;
    s.tokens = 10000;
    const auto small = estimatePassMemory(c, s);
    s.tokens = 100000;
    const auto big = estimatePassMemory(c, s);
    // Two per-thread [T, T] float buffers dominate: 2 x 100000^2 x 4 bytes = 80 GB.
    EXPECT_GE(big.bytes, 80'000'000'000LL);
    EXPECT_LT(big.bytes, 90'000'000'000LL);
    EXPECT_GT(static_cast<double>(big.bytes) / static_cast<double>(small.bytes), 90.0);
    EXPECT_NE(big.largest.find("attention maps"), std::string::npos) << big.largest;
    // Interventions form every head's probabilities at once.
    s.probabilities = true;
    EXPECT_GE(estimatePassMemory(c, s).bytes, 2LL * c.nHeads * 100000LL * 100000LL * 4);

    auto st = checkPassMemory(c, s, 0, "", 1LL << 30);
    ASSERT_FALSE(st.ok());
    const auto& msg = st.error().message;
    EXPECT_NE(msg.find("100000-token prompt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1.0 GiB is available"), std::string::npos) << msg;
    EXPECT_NE(msg.find("tokens would fit"), std::string::npos) << msg;
    EXPECT_TRUE(checkPassMemory(c, s, 0, "", -1).ok()); // unknown availability refuses nothing
}

TEST(Limits, ForwardRefusesAPromptThatCannotFitWithOneLine) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    std::vector<std::int32_t> ids(20000, 5);
    ids[0] = 1;
    MemoryLimit limit("256M");
    AttentionRecorder rec(m->config().nLayers, m->config().nHeads);
    auto r = m->forward(ids, &rec);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("20000-token prompt needs about"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    GenerationOptions g;
    g.maxNewTokens = 2;
    EXPECT_FALSE(m->generate(ids, g, &rec).ok());
}

TEST(Limits, CliRunAndTraceRefuseBeforeComputingOrWriting) {
    TempDir dir;
    const std::string ids = dir.write("ids.txt", tokenIdList(20000));
    MemoryLimit limit("256M");
    auto run = runCli("run --model " + kStories + " --token-ids \"$(cat " + ids + ")\" --json");
    EXPECT_EQ(run.code, 1) << run.out;
    EXPECT_NE(run.out.find("needs about"), std::string::npos) << run.out;
    EXPECT_EQ(errorLines(run.out), 1u) << run.out;
    EXPECT_EQ(run.out.find("Exception"), std::string::npos) << run.out;

    // A 600-token trace of all 40 heads keeps 40 x 600 x 601 / 2 fp16 values (14 MB): over 8 MB.
    const std::string db = dir.path("t.sqlite");
    setenv("SINKSCOPE_MEMORY_LIMIT", "8M", 1);
    auto trace = runCli("trace --model " + kStories + " --token-ids " + tokenIdList(600) + " --db " + db);
    EXPECT_EQ(trace.code, 1) << trace.out;
    EXPECT_NE(trace.out.find("attention maps a trace keeps"), std::string::npos) << trace.out;
    EXPECT_EQ(errorLines(trace.out), 1u) << trace.out;
    EXPECT_FALSE(std::filesystem::exists(db)) << "refused before the trace file was created";
}

// When the maps are what does not fit, the refusal names the layers that would, and a trace of
// those layers under the same limit is stored; the metrics of every head still come with it.
TEST(Limits, TraceNamesTheLayersThatFitAndThoseAreStored) {
    TempDir dir;
    const std::string db = dir.path("t.sqlite");
    MemoryLimit limit("16M");
    auto refused = runCli("trace --model " + kStories + " --token-ids " + tokenIdList(600) + " --db " + db);
    EXPECT_EQ(refused.code, 1) << refused.out;
    EXPECT_EQ(errorLines(refused.out), 1u) << refused.out;
    const auto at = refused.out.find("--capture-layers 0-");
    ASSERT_NE(at, std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find("capturing 5 x 8 heads (every layer and head) at 600 tokens"),
              std::string::npos)
        << refused.out;
    const std::string layers = refused.out.substr(at + 17, refused.out.find(')', at) - at - 17);
    const int last = std::stoi(layers.substr(2));
    EXPECT_GE(last, 0);
    EXPECT_LT(last, 4) << "some layers are left out";
    EXPECT_FALSE(std::filesystem::exists(db));

    auto stored = runCli("trace --model " + kStories + " --token-ids " + tokenIdList(600) + " --db " + db +
                         " --capture-layers " + layers + " --json");
    ASSERT_EQ(stored.code, 0) << stored.out;
    const auto id = std::to_string(jsonOf(stored)["run_ids"][0].get<int>());
    auto inside = runCli("export --db " + db + " --run " + id + " --layer " + std::to_string(last) +
                         " --head 7 --out " + dir.path("in.npy"));
    EXPECT_EQ(inside.code, 0) << inside.out;
    auto outside =
        runCli("export --db " + db + " --run " + id + " --layer 4 --head 0 --out " + dir.path("out.npy"));
    EXPECT_EQ(outside.code, 1) << outside.out;
    EXPECT_NE(outside.out.find("layers 0-" + std::to_string(last) + ", heads 0-7"), std::string::npos)
        << outside.out;
}

TEST(Limits, PositionsOutsideThePromptAreErrors) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const std::vector<std::int32_t> ids{1, 403, 407, 261, 378, 117, 29};
    for (const char* spec : {"suppress:sinks=999", "zerotune:gamma=2,sinks=0,7", "act:beta=0.4,sinks=3,12",
                             "redistribute:p=0.5,to=100-200", "redistribute:p=0.5,to=2-7"}) {
        auto iv = parseIntervention(spec);
        ASSERT_TRUE(iv.ok()) << spec;
        auto r = m->forward(ids, nullptr, false, {*iv});
        ASSERT_FALSE(r.ok()) << spec;
        EXPECT_NE(r.error().message.find("outside the prompt (7 tokens, positions 0-6)"), std::string::npos)
            << r.error().message;
    }
    for (const char* spec : {"suppress:sinks=6", "redistribute:p=0.5,to=2-6", "stream:sinks=20,window=4"}) {
        auto iv = parseIntervention(spec);
        ASSERT_TRUE(iv.ok()) << spec;
        EXPECT_TRUE(m->forward(ids, nullptr, false, {*iv}).ok()) << spec;
    }
    auto cli = runCli("run --model " + kStories + " --token-ids 1,403,407 -i suppress:sinks=999");
    EXPECT_EQ(cli.code, 1) << cli.out;
    EXPECT_NE(cli.out.find("sink position 999 is outside the prompt (3 tokens"), std::string::npos)
        << cli.out;
}

TEST(Limits, PromptsPastTheTrainedContextWarn) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    ASSERT_EQ(m->config().maxPositions, 512);
    EXPECT_EQ(m->contextWarning(512), "");
    EXPECT_NE(m->contextWarning(513).find("exceed the 512 positions"), std::string::npos);
    auto r = runCli("run --model " + kStories + " --token-ids " + tokenIdList(520) + " --json");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("warning: 520 tokens exceed the 512 positions the model was trained on"),
              std::string::npos)
        << r.out.substr(0, 300);
}

} // namespace
