// The safetensors reader: a valid file round-trips through our writer, and every malformed file
// is refused with a message naming the file and the problem.
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "temp_dir.h"

#include <cstring>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

// A safetensors file from a header JSON and a data section, exactly as given.
std::string rawFile(const std::string& header, const std::string& data, std::uint64_t headerLen = 0) {
    if (!headerLen) headerLen = header.size();
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<char>(headerLen >> (8 * i));
    return out + header + data;
}

std::string openError(const TempDir& dir, const std::string& bytes) {
    const auto path = dir.write("bad.safetensors", bytes);
    auto f = SafetensorsFile::open(path);
    EXPECT_FALSE(f.ok());
    if (f.ok()) return "";
    EXPECT_NE(f.error().message.find("bad.safetensors"), std::string::npos) << f.error().message;
    return f.error().message;
}

TEST(Safetensors, WrittenFileReadsBack) {
    TempDir dir;
    const std::vector<float> a{1.0f, -2.5f, 3.25f, 0.0f, 5.0f, 6.0f};
    const std::vector<std::int32_t> b{7, 8, 9};
    ASSERT_TRUE(writeSafetensors(dir.path("x.safetensors"),
                                 {{"a", DType::F32, {2, 3}, a.data()}, {"b", DType::I32, {3}, b.data()}},
                                 {{"note", "hello"}})
                    .ok());
    auto f = SafetensorsFile::open(dir.path("x.safetensors"));
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_EQ(f->tensors().size(), 2u);
    const auto& ta = f->tensors()[0];
    EXPECT_EQ(ta.name, "a");
    EXPECT_EQ(ta.shape, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(std::memcmp(ta.data, a.data(), 24), 0);
    EXPECT_EQ(f->tensors()[1].dtype, DType::I32);
    EXPECT_EQ(f->metadata().at("note"), "hello");
}

TEST(Safetensors, RefusesTooShortFile) {
    TempDir d;
    EXPECT_NE(openError(d, "abc").find("too short"), std::string::npos);
}

TEST(Safetensors, RefusesHeaderLengthBeyondFile) {
    TempDir d;
    EXPECT_NE(openError(d, rawFile("{}", "", 4096)).find("exceeds the file size"), std::string::npos);
}

TEST(Safetensors, RefusesAbsurdHeaderLength) {
    TempDir d;
    EXPECT_NE(openError(d, rawFile("{}", "", 1ull << 40)).find("out of bounds"), std::string::npos);
}

TEST(Safetensors, RefusesNonJsonHeader) {
    TempDir d;
    EXPECT_NE(openError(d, rawFile("{not json", "")).find("not valid JSON"), std::string::npos);
}

TEST(Safetensors, RefusesOffsetsPastTheData) {
    TempDir d;
    const auto msg = openError(
        d, rawFile(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')));
    EXPECT_NE(msg.find("'w'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("past the end"), std::string::npos) << msg;
}

TEST(Safetensors, RefusesTruncatedData) {
    TempDir d;
    const std::vector<float> a(64, 1.0f);
    ASSERT_TRUE(writeSafetensors(d.path("ok.safetensors"), {{"w", DType::F32, {64}, a.data()}}).ok());
    auto bytes = readBytes(d.path("ok.safetensors"));
    bytes.resize(bytes.size() - 10);
    EXPECT_NE(openError(d, bytes).find("past the end"), std::string::npos);
}

TEST(Safetensors, RefusesOverlappingTensors) {
    TempDir d;
    const auto msg = openError(d, rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                          std::string(12, '\0')));
    EXPECT_NE(msg.find("overlap"), std::string::npos) << msg;
}

TEST(Safetensors, RefusesUnknownDtype) {
    TempDir d;
    const auto msg =
        openError(d, rawFile(R"({"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", "xx"));
    EXPECT_NE(msg.find("unsupported dtype 'F8_E4M3'"), std::string::npos) << msg;
}

TEST(Safetensors, RefusesSizeThatDisagreesWithShape) {
    TempDir d;
    const auto msg =
        openError(d, rawFile(R"({"a":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}})", "xxxx"));
    EXPECT_NE(msg.find("needs 6"), std::string::npos) << msg;
}

TEST(Safetensors, RefusesReversedOffsetsAndBadShapes) {
    TempDir d;
    EXPECT_NE(openError(d, rawFile(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,0]}})", "xx"))
                  .find("reversed"),
              std::string::npos);
    EXPECT_NE(openError(d, rawFile(R"({"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}})", "xx"))
                  .find("non-negative"),
              std::string::npos);
    EXPECT_NE(openError(d, rawFile(R"({"a":{"dtype":"U8","shape":[2]}})", "xx")).find("data_offsets"),
              std::string::npos);
}

} // namespace
