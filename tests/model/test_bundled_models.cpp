// The bundled models (assets/models/*, made by `sinkscope-cli export-model`): each loads through
// the ordinary path, speaks through its tokenizer, and its sink probe gives exactly the figures
// recorded when it was exported. Together they show the contrast they are bundled for: the
// softmax default model has an attention sink, its sigmoid twin (same recipe, same data) has none.
#include "model/model.h"
#include "model/sink_probe.h"
#include "train/export_run.h"

#include <gtest/gtest.h>
#include <memory>

using namespace sinkscope;

namespace {

std::string bundled(const std::string& name) {
    return std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/" + name;
}

struct Bundled {
    std::unique_ptr<Model> model;
    SinkProbeResult probe;
};

// Loads the model once and reruns its recorded sink probe on it, which must agree exactly.
Bundled loadAndReproduceRecordedProbe(const std::string& dir) {
    auto m = Model::load(dir);
    EXPECT_TRUE(m.ok()) << m.error().message;
    if (!m.ok()) return {};
    EXPECT_NE(m.value()->tokenizer(), nullptr);
    auto recorded = readRecordedProbe(dir);
    EXPECT_TRUE(recorded.ok()) << recorded.error().message;
    if (!recorded.ok()) return {std::move(*m), {}};
    auto probe = runSinkProbe(**m, recorded->sequences, recorded->eps);
    EXPECT_TRUE(probe.ok()) << probe.error().message;
    if (!probe.ok()) return {std::move(*m), {}};
    EXPECT_NEAR(probe->sinkRate, recorded->recorded.sinkRate, 1e-9) << dir;
    EXPECT_NEAR(probe->meanLoss, recorded->recorded.meanLoss, 1e-6) << dir;
    return {std::move(*m), *probe};
}

TEST(DefaultModel, LoadsAndReproducesItsRecordedSinkProbe) {
    const auto b = loadAndReproduceRecordedProbe(bundled("default"));
    // The sink the model is bundled to show: many heads put over 30 % of their attention on BOS.
    EXPECT_GT(b.probe.sinkRate, 10.0);
    EXPECT_GT(largestAlpha0(b.probe.alpha0), 0.3);
}

TEST(SigmoidModel, LoadsAndHasNoAttentionSink) {
    const auto b = loadAndReproduceRecordedProbe(bundled("sigmoid"));
    ASSERT_NE(b.model, nullptr);
    EXPECT_EQ(b.model->config().attention, AttentionKind::Sigmoid);
    EXPECT_LT(b.probe.sinkRate, 1.0);
    EXPECT_LT(largestAlpha0(b.probe.alpha0), 0.3);
}

} // namespace
