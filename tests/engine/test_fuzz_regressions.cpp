// The fuzz targets' inputs replayed through the same entry points the fuzzer calls (fuzz/targets.h):
// every committed crash input (tests/data/fuzz_regressions/<target>/, minimised) and every seed
// (fuzz/corpus/<target>/) must be accepted or refused with one short error line, never crash.
// Under scripts/test.sh's ASan + UBSan stage this also catches memory errors they would cause.
#include "io/llama2c_checkpoint.h"
#include "targets.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <filesystem>
#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace sinkscope;

namespace {

// Runs every file under root/<target>/ through its target; returns how many ran.
int replayAll(const fs::path& root) {
    int replayed = 0;
    for (const auto& dir : fs::directory_iterator(root)) {
        const std::string name = dir.path().filename().string();
        const fuzz::EntryPoint run = fuzz::entryPoint(name);
        EXPECT_NE(run, nullptr) << dir.path() << " is not named after a fuzz target";
        if (!run) continue;
        for (const auto& file : fs::directory_iterator(dir.path())) {
            SCOPED_TRACE(file.path().string());
            const std::string bytes = test::readBytes(file.path().string());
            const fuzz::Outcome outcome =
                run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            if (outcome) {
                EXPECT_TRUE(fuzz::isCleanError(*outcome)) << outcome->substr(0, 3000);
            }
            ++replayed;
        }
    }
    return replayed;
}

} // namespace

TEST(FuzzRegressions, CommittedCrashInputsGiveCleanErrors) {
    EXPECT_GT(replayAll(test::dataPath("fuzz_regressions")), 0);
}

TEST(FuzzRegressions, SeedCorporaRunCleanly) {
    int seeds = 0;
    for (const auto& t : fuzz::targets()) {
        const fs::path dir = fs::path(SINKSCOPE_FUZZ_CORPUS_DIR) / t.name;
        EXPECT_TRUE(fs::is_directory(dir)) << "fuzz target " << t.name << " has no seed corpus in " << dir;
    }
    seeds += replayAll(SINKSCOPE_FUZZ_CORPUS_DIR);
    EXPECT_GT(seeds, 30);
}

// Found by fuzz_llama2c_checkpoint: dimensions of 2^20 each made the implied file size overflow
// int64 (undefined behaviour) before it was compared with the real size.
TEST(FuzzRegressions, Llama2cSizeOfHugeDimensionsSaturates) {
    ModelConfig c;
    c.dModel = c.dFf = c.nLayers = c.vocabSize = c.maxPositions = 1 << 20;
    c.nHeads = c.nKvHeads = 1 << 10;
    c.headDim = c.dModel / c.nHeads;
    EXPECT_EQ(llama2cFileSize(c), INT64_MAX);
    const std::string header = test::readBytes(
        test::dataPath("fuzz_regressions/llama2c_checkpoint/dimensions_overflow_the_size.bin"));
    auto r = parseLlama2cCheckpoint(reinterpret_cast<const std::uint8_t*>(header.data()), header.size(),
                                    "model.bin");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("does not match the header"), std::string::npos) << r.error().message;
}
