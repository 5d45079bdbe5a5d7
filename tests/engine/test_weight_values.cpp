// Weights holding NaN or an infinity are refused on conversion to float32, naming the file, the
// tensor and the first such element, in every float type a checkpoint may use.
#include "io/float_weights.h"
#include "io/gguf_format.h"
#include "io/model_directory.h"
#include "model_fixture.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <limits>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

TEST(WeightValues, NonFiniteWeightsAreNamedWithTensorAndElement) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    const auto file = dir + "/model.safetensors";
    pokeHalfWeight(file, "model.layers.1.mlp.up_proj.weight", 1234, 0x7fc0); // BF16 quiet NaN
    auto m = openModelFiles(dir);
    ASSERT_TRUE(m.ok()) << m.error().message; // the header is fine; the values are checked on conversion
    std::string firstError;
    for (const auto& name : m->weights.names()) {
        const TensorRef* t = m->weights.find(name);
        std::vector<float> values(static_cast<std::size_t>(t->numel()));
        if (auto s = toFloat32Checked(*t, values.data()); !s && firstError.empty())
            firstError = s.error().message;
    }
    EXPECT_EQ(firstError, file + ": tensor 'model.layers.1.mlp.up_proj.weight' holds NaN at element 1234");

    pokeHalfWeight(file, "model.layers.1.mlp.up_proj.weight", 1234, 0x3f80); // 1.0 again
    pokeHalfWeight(file, "lm_head.weight", 7, 0xff80);                       // -Inf
    m = openModelFiles(dir);
    ASSERT_TRUE(m.ok()) << m.error().message;
    const TensorRef* head = m->weights.find("lm_head.weight");
    std::vector<float> values(static_cast<std::size_t>(head->numel()));
    const auto s = toFloat32Checked(*head, values.data());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, file + ": tensor 'lm_head.weight' holds -Inf at element 7");
}

TEST(WeightValues, NonFiniteCheckCoversEveryFloatTypeAndBlockBoundary) {
    // Past the converter's first block (16384 elements), in each dtype it reads.
    const std::size_t n = 40000, bad = 20000;
    std::vector<float> f32(n, 0.5f);
    f32[bad] = std::numeric_limits<float>::infinity();
    std::vector<std::uint16_t> f16(n, 0x3800), bf16(n, 0x3f00); // 0.5
    f16[bad] = 0x7e00;                                          // NaN
    bf16[bad] = 0x7f80;                                         // Inf
    auto ref = [&](DType t, const void* data, std::size_t width) {
        TensorRef r;
        r.name = "w";
        r.file = "f";
        r.dtype = t;
        r.shape = {static_cast<std::int64_t>(n)};
        r.data = static_cast<const std::uint8_t*>(data);
        r.nbytes = n * width;
        return r;
    };
    std::vector<float> out(n);
    EXPECT_EQ(toFloat32Checked(ref(DType::F32, f32.data(), 4), out.data()).error().message,
              "f: tensor 'w' holds Inf at element 20000");
    EXPECT_EQ(toFloat32Checked(ref(DType::F16, f16.data(), 2), out.data()).error().message,
              "f: tensor 'w' holds NaN at element 20000");
    EXPECT_EQ(toFloat32Checked(ref(DType::BF16, bf16.data(), 2), out.data()).error().message,
              "f: tensor 'w' holds Inf at element 20000");
    f32[bad] = std::numeric_limits<float>::max();
    ASSERT_TRUE(toFloat32Checked(ref(DType::F32, f32.data(), 4), out.data()).ok());
    EXPECT_EQ(out[bad], std::numeric_limits<float>::max());
    EXPECT_EQ(out[n - 1], 0.5f);
}

// GGUF blocks are checked on their scale fields without decoding (checkFinite) and, decoded, on
// their values (toFloat32Checked): both refuse a NaN or infinite d or dmin, naming an element of the
// bad block, and both accept finite blocks. Every k-quant type, and Q4_1 / Q8_0.
TEST(WeightValues, QuantizedBlocksWithANonFiniteScaleAreRefused) {
    struct Case {
        GgmlType type;
        std::size_t blockBytes, blockElements, scaleAt;
    };
    for (const Case& c :
         {Case{GgmlType::Q8_0, 34, 32, 0}, Case{GgmlType::Q4_1, 20, 32, 2}, Case{GgmlType::Q2_K, 84, 256, 82},
          Case{GgmlType::Q3_K, 110, 256, 108}, Case{GgmlType::Q4_K, 144, 256, 0},
          Case{GgmlType::Q5_K, 176, 256, 2}, Case{GgmlType::Q6_K, 210, 256, 208}}) {
        // Three blocks, all scales 1.0 (f16 0x3c00) and quants set, so values are finite.
        std::vector<std::uint8_t> bytes(3 * c.blockBytes, 0x11);
        for (std::size_t b = 0; b < 3; ++b)
            for (std::size_t at : {std::size_t(0), std::size_t(2), c.scaleAt}) {
                if (at + 2 > c.blockBytes) continue;
                bytes[b * c.blockBytes + at] = 0x00;
                bytes[b * c.blockBytes + at + 1] = 0x3c;
            }
        TensorRef ref;
        ref.name = std::string("w_") + ggmlTypeName(static_cast<std::uint32_t>(c.type));
        ref.file = "m.gguf";
        ref.dtype = DType::U8;
        ref.ggml = static_cast<std::int32_t>(c.type);
        ref.shape = {3, static_cast<std::int64_t>(c.blockElements)};
        ref.data = bytes.data();
        ref.nbytes = bytes.size();
        std::vector<float> values(3 * c.blockElements);
        EXPECT_TRUE(checkFinite(ref).ok()) << ref.name;
        EXPECT_TRUE(toFloat32Checked(ref, values.data()).ok()) << ref.name;
        // The second block's scale becomes +Inf (f16 0x7c00).
        bytes[c.blockBytes + c.scaleAt] = 0x00;
        bytes[c.blockBytes + c.scaleAt + 1] = 0x7c;
        const auto fast = checkFinite(ref);
        const auto full = toFloat32Checked(ref, values.data());
        ASSERT_FALSE(fast.ok()) << ref.name;
        ASSERT_FALSE(full.ok()) << ref.name;
        for (const auto* msg : {&fast.error().message, &full.error().message}) {
            EXPECT_NE(msg->find("m.gguf: tensor '" + ref.name + "' holds"), std::string::npos) << *msg;
            const auto at = msg->rfind(' ');
            const auto element = std::stoul(msg->substr(at + 1));
            EXPECT_GE(element, c.blockElements) << *msg;
            EXPECT_LT(element, 2 * c.blockElements) << *msg;
        }
    }
}

} // namespace
