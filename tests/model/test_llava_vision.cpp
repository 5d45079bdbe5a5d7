// The LLaVA vision tower and projector against the independent NumPy reference
// (tools/reference_llava.py, goldens by tools/make_llava_fixtures.py): every hidden state of the
// CLIP / SigLIP tower, the selected features (the projector's input) and the projector's output,
// from the goldens' pixel values.
#include "golden.h"
#include "io/model_directory.h"
#include "llava_golden.h"
#include "model/vision_tower.h"
#include "test_paths.h"

#include <c10/core/InferenceMode.h>
#include <cstdio>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr double kTol = 1e-4;

std::vector<float> flat(const at::Tensor& t) {
    at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
    return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

std::vector<std::int64_t> shapeOf(const at::Tensor& t) {
    return {t.sizes().begin(), t.sizes().end()};
}

class LlavaVision : public ::testing::TestWithParam<const char*> {};

} // namespace

TEST_P(LlavaVision, VisionTowerAndProjectorMatchReference) {
    auto g = loadArrays(dataPath(std::string("golden/") + GetParam() + ".safetensors"));
    auto files = openModelFiles(dataPath(std::string("models/") + GetParam()));
    ASSERT_TRUE(files.ok()) << files.error().message;
    ASSERT_TRUE(files->llava.has_value());
    c10::InferenceMode guard;
    auto w = sinkscope::detail::visionWeightsFromStore(*files->llava, files->imageWeights, at::kCPU);
    ASSERT_TRUE(w.ok()) << w.error().message;
    const Array& px = g["pixel_values"];
    const at::Tensor pixels = at::from_blob(const_cast<float*>(px.values.data()), px.shape, at::kFloat);
    const auto enc = sinkscope::detail::encodeImage(*files->llava, *w, pixels);
    for (const auto& [name, t] :
         {std::pair{"vision_hidden_states", enc.hiddenStates}, std::pair{"selected_features", enc.selected},
          std::pair{"image_features", enc.features}}) {
        ASSERT_EQ(shapeOf(t), g[name].shape) << name;
        const double worst = worstRelativeError(flat(t), g[name].values, kTol);
        EXPECT_LE(worst, 1.0) << name;
        std::printf("%s %s: worst |engine - golden| / (1e-4 max(1, |golden|)) = %.4f\n", GetParam(), name,
                    worst);
    }
}

INSTANTIATE_TEST_SUITE_P(Models, LlavaVision,
                         ::testing::Values("tiny_llava", "tiny_llava_siglip_qwen2", "tiny_llava_layers",
                                           "tiny_llava_sinky"),
                         [](const auto& param) { return std::string(param.param); });
