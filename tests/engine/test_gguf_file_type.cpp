// The quantisation a GGUF file is listed with: general.file_type by llama.cpp's name, else the
// type that holds most of the matrices' weights.
#include "gguf_test_builder.h"
#include "io/gguf_file_type.h"

#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::string quantizationOf(const GgufBuilder& b) {
    const std::string bytes = b.bytes();
    auto f = GgufFile::parse(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "test.gguf");
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    return f.ok() ? ggufQuantization(*f) : "(unreadable)";
}

// An 8x64 Q8_0 matrix (two blocks per row) beside F32 norm vectors holding more elements in all:
// the matrix decides, vectors never do while there is a matrix.
GgufBuilder mixedTypes() {
    GgufBuilder b;
    b.str("general.architecture", "llama");
    b.tensor("blk.0.attn_q.weight", {64, 8}, GgmlType::Q8_0, std::string(8 * 2 * kQ8_0Bytes, '\0'));
    b.tensor("blk.0.attn_norm.weight", {400}, GgmlType::F32, patternF32(400));
    b.tensor("blk.0.ffn_norm.weight", {400}, GgmlType::F32, patternF32(400));
    return b;
}

} // namespace

TEST(GgufFileType, NamesAreLlamaCppFileTypes) {
    EXPECT_EQ(ggufFileTypeName(0), "F32");
    EXPECT_EQ(ggufFileTypeName(1), "F16");
    EXPECT_EQ(ggufFileTypeName(2), "Q4_0");
    EXPECT_EQ(ggufFileTypeName(7), "Q8_0");
    EXPECT_EQ(ggufFileTypeName(15), "Q4_K_M");
    EXPECT_EQ(ggufFileTypeName(18), "Q6_K");
    EXPECT_EQ(ggufFileTypeName(32), "BF16");
    EXPECT_EQ(ggufFileTypeName(38), "MXFP4_MOE");
    for (std::int64_t gone : {-1, 4, 5, 6, 33, 34, 35, 39, 1024})
        EXPECT_EQ(ggufFileTypeName(gone), "") << gone;
}

TEST(GgufFileType, StatedFileTypeWinsElseTheMatricesDominantType) {
    GgufBuilder b = mixedTypes();
    EXPECT_EQ(quantizationOf(b), "Q8_0");
    b.u32("general.file_type", 15);
    EXPECT_EQ(quantizationOf(b), "Q4_K_M"); // the file's own word, as llama.cpp prints it
    b.remove("general.file_type").u32("general.file_type", 1024); // LLAMA_FTYPE_GUESSED
    EXPECT_EQ(quantizationOf(b), "Q8_0");
    b.remove("general.file_type").str("general.file_type", "Q4_K_M"); // wrong type: ignored
    EXPECT_EQ(quantizationOf(b), "Q8_0");

    GgufBuilder vectorsOnly;
    vectorsOnly.tensor("norm.weight", {8}, GgmlType::F32, patternF32(8));
    EXPECT_EQ(quantizationOf(vectorsOnly), "F32");
    EXPECT_EQ(quantizationOf(GgufBuilder{}), "");
}
