// The memory predictor against the memory a run really takes: `trace --dry-run` predicts what a
// trace needs beyond the weights (the pass and the maps it keeps), and a real trace of the same
// prompt, in a fresh process, peaks at that much more resident memory than a one-token trace does
// (the process's own libraries and the weights cancel out) — within 15 %. A predictor that is far
// off either refuses runs that fit or lets the kernel kill runs that do not.
#include "cli_run.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <string>

using namespace sinkscope::test;

namespace {

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");

// Peak resident memory of one trace in its own process, as the process reports it (VmHWM: the
// parent's memory is not counted, as wait4's maxrss would count it across fork and exec).
std::int64_t peakRss(const std::string& ids, const std::string& db) {
    auto r = runCli("trace --json --model " + kStories + " --token-ids " + ids + " --db " + db);
    EXPECT_EQ(r.code, 0) << r.out;
    // The JSON is the last line (the progress line on stderr before it has brackets of its own).
    const auto at = r.out.rfind("{\"db\"");
    EXPECT_NE(at, std::string::npos) << r.out;
    if (r.code != 0 || at == std::string::npos) return -1;
    return nlohmann::json::parse(r.out.substr(at))["peak_resident_bytes"].get<std::int64_t>();
}

std::int64_t predicted(const std::string& ids) {
    auto r =
        runCli("trace --dry-run --json --model " + kStories + " --token-ids " + ids + " --db unused.sqlite");
    EXPECT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    return j["pass_bytes"].get<std::int64_t>() + j["map_bytes"].get<std::int64_t>();
}

} // namespace

TEST(MemoryPrediction, TracePeakMatchesThePredictionWithin15Percent) {
    TempDir dir;
    const std::string longIds = tokenIdList(1500), shortIds = tokenIdList(1);
    const std::int64_t want = predicted(longIds) - predicted(shortIds);
    ASSERT_GT(want, 100LL << 20) << "the prompt is long enough for the maps to dominate";
    const std::int64_t longPeak = peakRss(longIds, dir.path("long.sqlite"));
    const std::int64_t shortPeak = peakRss(shortIds, dir.path("short.sqlite"));
    ASSERT_GT(longPeak, 0);
    ASSERT_GT(shortPeak, 0);
    const double got = static_cast<double>(longPeak - shortPeak);
    const double ratio = got / static_cast<double>(want);
    RecordProperty("measured_bytes", std::to_string(longPeak - shortPeak));
    RecordProperty("predicted_bytes", std::to_string(want));
    EXPECT_NEAR(ratio, 1.0, 0.15) << "measured " << got / 1048576
                                  << " MiB beyond a one-token trace, predicted "
                                  << static_cast<double>(want) / 1048576 << " MiB";
}
