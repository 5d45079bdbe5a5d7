// The fuzz targets' inputs replayed through the same entry points the fuzzer calls (fuzz/targets.h):
// every committed crash input (tests/data/fuzz_regressions/<target>/, minimised) and every seed
// (fuzz/corpus/<target>/) must be accepted or refused with one short error line, never crash.
// Under scripts/test.sh's ASan + UBSan stage this also catches memory errors they would cause.
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

