// The engine's decoders against an independent reference: tests/data/gguf_quants/<type>.gguf hold
// blocks of each type (ggml-style quantizations of chosen data, and random bytes with extreme f16
// scales and mins of both signs) and the values tools/gguf_quants.py's float64 decoder, written
// separately from ggml's C code, gives them (tools/make_quant_vectors.py).
//
// Tolerance: each element is a product of small integers and f16 values, exact in float32 but for
// one final rounding (the subtraction of the min, or Q6_K's third factor); the expected value is
// the exact value rounded to float32. So the two agree to an ulp or two: 1e-6 relative, and an
// expected zero must come out zero.
#include "io/gguf_dequant.h"
#include "io/gguf_reader.h"
#include "test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace sinkscope;

namespace {

class GgufQuantVectors : public testing::TestWithParam<const char*> {};

TEST_P(GgufQuantVectors, EngineMatchesTheReferenceDecoder) {
    const std::string type = GetParam();
    std::string file = type;
    std::transform(file.begin(), file.end(), file.begin(), [](unsigned char c) { return std::tolower(c); });
    auto f = GgufFile::open(test::dataPath("gguf_quants/" + file + ".gguf"));
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_NE(f->find("sinkscope.quant_type"), nullptr);
    EXPECT_EQ(f->find("sinkscope.quant_type")->asString(), type);
    const GgufTensorInfo* blocks = f->findTensor("blocks");
    const GgufTensorInfo* expected = f->findTensor("expected");
    ASSERT_NE(blocks, nullptr);
    ASSERT_NE(expected, nullptr);
    ASSERT_EQ(ggmlTypeName(blocks->type), type);
    ASSERT_EQ(expected->type, static_cast<std::uint32_t>(GgmlType::F32));
    ASSERT_EQ(blocks->dims, expected->dims);
    ASSERT_EQ(blocks->elements, 256u * 17u);

    auto values = dequantizeTensor(*blocks, f->path());
    ASSERT_TRUE(values.ok()) << values.error().message;
    ASSERT_EQ(values->size(), blocks->elements);
    std::vector<float> want(values->size());
    std::memcpy(want.data(), expected->data, want.size() * sizeof(float));

    int mismatches = 0, negative = 0, positive = 0;
    float largest = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        const float got = (*values)[i], e = want[i];
        ASSERT_TRUE(std::isfinite(e)) << "element " << i;
        if (!(std::fabs(got - e) <= 1e-6F * std::fabs(e)) && ++mismatches <= 5)
            ADD_FAILURE() << type << " element " << i << " (row " << i / 256 << "): engine " << got
                          << ", reference " << e;
        negative += e < 0;
        positive += e > 0;
        largest = std::max(largest, std::fabs(e));
    }
    EXPECT_EQ(mismatches, 0) << type;
    // The vectors reach both signs and large magnitudes (f16 scales near 65504).
    EXPECT_GT(negative, 500) << type;
    EXPECT_GT(positive, 500) << type;
    EXPECT_GT(largest, 1e5F) << type;
}

std::string typeName(const testing::TestParamInfo<const char*>& p) {
    return p.param;
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, GgufQuantVectors,
                         testing::Values("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
                                         "Q5_K", "Q6_K"),
                         typeName);

} // namespace
