// The bundled default model (assets/models/default, made by `sinkscope-cli export-model`): it loads
// through the ordinary path, speaks through its tokenizer, and its sink probe gives exactly the
// figures recorded when it was exported.
#include "model/model.h"
#include "model/sink_probe.h"
#include "train/export_run.h"

#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;

namespace {

const std::string kDir = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default";

TEST(DefaultModel, LoadsAndReproducesItsRecordedSinkProbe) {
    if (!std::filesystem::exists(kDir + "/config.json")) GTEST_SKIP() << "no bundled default model yet";
    auto m = Model::load(kDir);
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_NE(m.value()->tokenizer(), nullptr);
    auto recorded = readRecordedProbe(kDir);
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    auto probe = runSinkProbe(**m, recorded->sequences, recorded->eps);
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    EXPECT_NEAR(probe->sinkRate, recorded->recorded.sinkRate, 1e-9);
    EXPECT_NEAR(probe->meanLoss, recorded->recorded.meanLoss, 1e-6);
}

} // namespace
