// Weights in the dtype they are stored in, and the two compute precisions: BF16/F16 checkpoints
// keep their matrices in that dtype (used in place from the memory map) and, computing in float32,
// still give the NumPy reference's logits at 1e-4; computing in bf16 stays within the ~1e-2 that
// bf16 rounding costs (and is really a different computation: not equal to float32's).
#include "golden.h"
#include "model/model.h"
#include "model/model_impl.h"
#include "test_paths.h"

#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::unique_ptr<Model> load(const std::string& name, ComputePrecision p) {
    auto m = Model::load(dataPath("models/" + name), LoadOptions{"cpu", p, {}});
    if (!m) ADD_FAILURE() << m.error().message;
    return m ? std::move(m.value()) : nullptr;
}

std::vector<float> logits(const Model& m, const std::vector<std::int32_t>& ids) {
    auto out = m.forward(ids, nullptr, /*allLogits=*/true);
    if (!out) ADD_FAILURE() << out.error().message;
    return out ? out->logits : std::vector<float>{};
}

struct Case {
    const char* model;
    at::ScalarType stored;
};

class ComputePrecisionTest : public ::testing::TestWithParam<Case> {};

TEST_P(ComputePrecisionTest, F32KeepsTheStoredDtypeAndTheReferenceLogits) {
    const Case c = GetParam();
    auto m = load(c.model, ComputePrecision::F32);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->computePrecision(), ComputePrecision::F32);
    const auto& w = m->impl().weights;
    EXPECT_EQ(w.embed.scalar_type(), c.stored) << c.model;
    EXPECT_EQ(w.layers[0].wDown.scalar_type(), c.stored) << c.model;
    EXPECT_EQ(w.layers[0].norm1W.scalar_type(), at::kFloat) << "norms are widened (small)";
    const Golden g = loadGolden(dataPath(std::string("golden/") + c.model + ".safetensors"));
    EXPECT_LE(worstRelativeError(logits(*m, g.tokenIds), g.logits, 1e-4), 1.0) << c.model;
}

TEST_P(ComputePrecisionTest, Bf16StaysWithinBf16RoundingOfTheReference) {
    const Case c = GetParam();
    auto m = load(c.model, ComputePrecision::Bf16);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->computePrecision(), ComputePrecision::Bf16);
    EXPECT_EQ(m->impl().weights.layers[0].wDown.scalar_type(), at::kBFloat16);
    const Golden g = loadGolden(dataPath(std::string("golden/") + c.model + ".safetensors"));
    const auto bf16 = logits(*m, g.tokenIds);
    const double err = relativeMaxError(bf16, g.logits);
    std::printf("%s: bf16 compute, max |dlogit| / max |logit| = %.4f\n", c.model, err);
    EXPECT_LT(err, 0.05) << c.model;
    auto f32 = load(c.model, ComputePrecision::F32);
    ASSERT_TRUE(f32);
    EXPECT_GT(relativeMaxError(bf16, logits(*f32, g.tokenIds)), 1e-5) << "bf16 compute was not used";
}

INSTANTIATE_TEST_SUITE_P(Stored, ComputePrecisionTest,
                         ::testing::Values(Case{"tiny_llama", at::kBFloat16}, Case{"tiny_pythia", at::kHalf},
                                           Case{"tiny_gpt2", at::kFloat}, Case{"tiny_phi3", at::kBFloat16}),
                         [](const auto& param) { return std::string(param.param.model); });

TEST(ComputePrecision, NamesParseBack) {
    for (auto p : {ComputePrecision::F32, ComputePrecision::Bf16})
        EXPECT_EQ(parseComputePrecision(computePrecisionName(p)), p);
    EXPECT_EQ(parseComputePrecision("fp16"), std::nullopt);
}

} // namespace
