// The GGUF reader: the committed fixtures, every metadata value type, and every refusal (magic,
// versions, truncation anywhere, absurd counts and lengths, unknown types, bad offsets, overlaps).
#include "gguf_test_builder.h"
#include "io/gguf_reader.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

Result<GgufFile> parseBytes(const std::string& bytes) {
    return GgufFile::parse(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "test.gguf");
}

std::string refusal(const std::string& bytes) {
    auto f = parseBytes(bytes);
    EXPECT_FALSE(f.ok()) << "expected a refusal";
    return f.ok() ? "" : f.error().message;
}

#define EXPECT_MENTIONS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << (msg)

TEST(GgufReader, ReadsTheCommittedModelFixture) {
    auto f = GgufFile::open(dataPath("models/tiny_llama_q8_0.gguf"));
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->alignment(), 32u);
    EXPECT_EQ(f->dataOffset() % 32, 0u);
    EXPECT_EQ(f->tensors().size(), 21u);
    EXPECT_EQ(f->find("general.architecture")->asString(), "llama");
    EXPECT_EQ(f->find("llama.block_count")->asInt(), 2);
    EXPECT_NEAR(*f->find("llama.attention.layer_norm_rms_epsilon")->asDouble(), 1e-5, 1e-12);
    const GgufValue* tokens = f->find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->typeName(), "array of string");
    ASSERT_EQ(tokens->strings.size(), 100u);
    EXPECT_EQ(tokens->strings[1], "<s>");

    const GgufTensorInfo* embd = f->findTensor("token_embd.weight");
    ASSERT_NE(embd, nullptr);
    EXPECT_EQ(embd->dims, (std::vector<std::uint64_t>{32, 100}));
    EXPECT_EQ(embd->type, static_cast<std::uint32_t>(GgmlType::Q8_0));
    EXPECT_EQ(embd->nbytes, 100u * 34u); // one 34-byte block per row of 32
    EXPECT_EQ(f->findTensor("blk.0.ffn_down.weight")->type, static_cast<std::uint32_t>(GgmlType::BF16));
    EXPECT_EQ(f->findTensor("blk.1.ffn_norm.weight")->type, static_cast<std::uint32_t>(GgmlType::F32));

    auto q4 = GgufFile::open(dataPath("models/tiny_llama_q4_0.gguf"));
    ASSERT_TRUE(q4.ok()) << q4.error().message;
    EXPECT_EQ(q4->alignment(), 64u);
    for (const auto& t : q4->tensors())
        EXPECT_EQ(t.offset % 64, 0u) << t.name;
}

TEST(GgufReader, ReadsEveryValueType) {
    GgufBuilder b;
    b.scalar<std::uint8_t>("u8", GgufValueType::U8, 200)
        .scalar<std::int8_t>("i8", GgufValueType::I8, -5)
        .scalar<std::uint16_t>("u16", GgufValueType::U16, 60000)
        .scalar<std::int16_t>("i16", GgufValueType::I16, -30000)
        .scalar<std::uint32_t>("u32", GgufValueType::U32, 4000000000u)
        .scalar<std::int32_t>("i32", GgufValueType::I32, -2000000000)
        .scalar<float>("f32", GgufValueType::F32, 0.25F)
        .boolean("bool", true)
        .str("string", "h\xc3\xa9llo")
        .scalar<std::uint64_t>("u64", GgufValueType::U64, 1ull << 40)
        .scalar<std::uint64_t>("u64max", GgufValueType::U64, ~0ull)
        .scalar<std::int64_t>("i64", GgufValueType::I64, -(1ll << 40))
        .scalar<double>("f64", GgufValueType::F64, -1.5)
        .numbers<std::int16_t>("ints", GgufValueType::I16, {1, -2, 3})
        .numbers<double>("doubles", GgufValueType::F64, {0.5, 2})
        .strings("strings", {"a", "", "ccc"});
    // An array of arrays: [[7, 8], []] of u8, then nested once more.
    std::string nested;
    appendLe<std::uint32_t>(nested, static_cast<std::uint32_t>(GgufValueType::Array));
    appendLe<std::uint64_t>(nested, 2);
    appendLe<std::uint32_t>(nested, static_cast<std::uint32_t>(GgufValueType::U8));
    appendLe<std::uint64_t>(nested, 2);
    nested += "\x07\x08";
    appendLe<std::uint32_t>(nested, static_cast<std::uint32_t>(GgufValueType::Array));
    appendLe<std::uint64_t>(nested, 1);
    appendLe<std::uint32_t>(nested, static_cast<std::uint32_t>(GgufValueType::String));
    appendLe<std::uint64_t>(nested, 1);
    appendString(nested, "deep");
    b.raw("nested", GgufValueType::Array, nested);

    const std::string bytes = b.bytes(); // parse() keeps views into the bytes
    auto f = parseBytes(bytes);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->find("u8")->asInt(), 200);
    EXPECT_EQ(f->find("i8")->asInt(), -5);
    EXPECT_EQ(f->find("u16")->asInt(), 60000);
    EXPECT_EQ(f->find("i16")->asInt(), -30000);
    EXPECT_EQ(f->find("u32")->asInt(), 4000000000ll);
    EXPECT_EQ(f->find("i32")->asInt(), -2000000000);
    EXPECT_EQ(f->find("f32")->asDouble(), 0.25);
    EXPECT_EQ(f->find("f32")->asInt(), std::nullopt);
    EXPECT_EQ(f->find("bool")->asBool(), true);
    EXPECT_EQ(f->find("string")->asString(), "h\xc3\xa9llo");
    EXPECT_EQ(f->find("u64")->asInt(), 1ll << 40);
    EXPECT_EQ(f->find("u64max")->asInt(), std::nullopt); // does not fit in int64
    EXPECT_EQ(f->find("i64")->asInt(), -(1ll << 40));
    EXPECT_EQ(f->find("f64")->asDouble(), -1.5);
    EXPECT_EQ(f->find("ints")->count, 3u);
    EXPECT_EQ(f->find("ints")->intAt(1), -2);
    EXPECT_EQ(f->find("ints")->intAt(3), std::nullopt);
    EXPECT_EQ(f->find("doubles")->doubleAt(1), 2.0);
    EXPECT_EQ(f->find("strings")->strings, (std::vector<std::string_view>{"a", "", "ccc"}));
    const GgufValue* n = f->find("nested");
    ASSERT_EQ(n->arrays.size(), 2u);
    EXPECT_EQ(n->arrays[0].intAt(1), 8);
    EXPECT_EQ(n->arrays[1].arrays[0].strings[0], "deep");
    EXPECT_EQ(f->find("missing"), nullptr);
    EXPECT_EQ(f->metadata().front().first, "u8"); // file order kept
}

TEST(GgufReader, RefusesBadMagicAndVersions) {
    auto bytes = microLlama().bytes();
    EXPECT_MENTIONS(refusal("GGUG" + bytes.substr(4)), "not a GGUF file");
    EXPECT_MENTIONS(refusal(""), "not a GGUF file");
    for (std::uint32_t v : {0u, 1u}) {
        GgufBuilder b = microLlama();
        b.version = v;
        EXPECT_MENTIONS(refusal(b.bytes()), fmt::format("GGUF version {} is not supported", v));
    }
    GgufBuilder b4 = microLlama();
    b4.version = 4;
    EXPECT_MENTIONS(refusal(b4.bytes()), "version 4 is newer than this reader");
    GgufBuilder big = microLlama();
    big.version = 0x03000000u;
    EXPECT_MENTIONS(refusal(big.bytes()), "big-endian");
    GgufBuilder v2 = microLlama();
    v2.version = 2;
    EXPECT_TRUE(parseBytes(v2.bytes()).ok());
}

TEST(GgufReader, RefusesATruncatedFileAtEveryLength) {
    const auto bytes = microLlama().bytes();
    ASSERT_TRUE(parseBytes(bytes).ok());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        auto f = parseBytes(bytes.substr(0, n));
        ASSERT_FALSE(f.ok()) << "accepted a file cut at " << n << " of " << bytes.size() << " bytes";
        EXPECT_EQ(f.error().message.rfind("test.gguf: ", 0), 0u) << f.error().message;
    }
    // Each section: the header, the counts, a key, a value, a tensor info, the data.
    EXPECT_MENTIONS(refusal(bytes.substr(0, 10)), "header: truncated: tensor count");
    EXPECT_MENTIONS(refusal(bytes.substr(0, 30)),
                    "header: truncated: 13 key/value pairs cannot fit in the 6 bytes");
    const auto oneKey = GgufBuilder().str("general.architecture", "llama").bytes();
    EXPECT_MENTIONS(refusal(oneKey.substr(0, 40)),
                    "key/value pair 0: truncated: key needs 20 bytes at offset 32");
    EXPECT_MENTIONS(refusal(oneKey.substr(0, 60)),
                    "key 'general.architecture': truncated: string needs 8 bytes");
    const auto oneTensor =
        GgufBuilder().tensor("token_embd.weight", {8, 4}, GgmlType::F32, patternF32(32)).bytes();
    EXPECT_MENTIONS(refusal(oneTensor.substr(0, 40)), "tensor infos: truncated: 1 tensor infos cannot fit");
    EXPECT_MENTIONS(refusal(oneTensor.substr(0, 57)),
                    "tensor 'token_embd.weight': truncated: dimension needs 8");
    EXPECT_MENTIONS(refusal(bytes.substr(0, bytes.size() - 1)), "runs past the end of the file");
}

TEST(GgufReader, RefusesAbsurdCountsAndLengths) {
    GgufBuilder b = microLlama();
    b.tensorCount = 1ull << 62;
    EXPECT_MENTIONS(refusal(b.bytes()), "tensor count 4611686018427387904 exceeds the limit");
    b = microLlama();
    b.tensorCount = 60000; // within the limit, but not in the bytes that remain
    EXPECT_MENTIONS(refusal(b.bytes()), "truncated: 60000 tensor infos cannot fit");
    b = microLlama();
    b.kvCount = ~0ull;
    EXPECT_MENTIONS(refusal(b.bytes()), "key/value count 18446744073709551615 exceeds the limit");
    b = microLlama();
    b.kvCount = 65000;
    EXPECT_MENTIONS(refusal(b.bytes()), "cannot fit");

    std::string hugeKey = "GGUF";
    appendLe<std::uint32_t>(hugeKey, 3);
    appendLe<std::uint64_t>(hugeKey, 0);
    appendLe<std::uint64_t>(hugeKey, 1);
    appendLe<std::uint64_t>(hugeKey, 1ull << 40);
    hugeKey += std::string(16, 'k');
    EXPECT_MENTIONS(refusal(hugeKey), "key of 1099511627776 bytes exceeds the limit");

    std::string longString;
    appendLe<std::uint64_t>(longString, 1ull << 30);
    EXPECT_MENTIONS(refusal(GgufBuilder().raw("k", GgufValueType::String, longString).bytes()),
                    "key 'k': string of 1073741824 bytes exceeds the limit");
    std::string shortString;
    appendLe<std::uint64_t>(shortString, 1000);
    EXPECT_MENTIONS(refusal(GgufBuilder().raw("k", GgufValueType::String, shortString + "abc").bytes()),
                    "truncated: string needs 1000 bytes");

    std::string hugeArray;
    appendLe<std::uint32_t>(hugeArray, static_cast<std::uint32_t>(GgufValueType::U64));
    appendLe<std::uint64_t>(hugeArray, 1ull << 60);
    EXPECT_MENTIONS(refusal(GgufBuilder().raw("a", GgufValueType::Array, hugeArray).bytes()),
                    "array of 1152921504606846976 elements exceeds the limit");
    std::string manyStrings;
    appendLe<std::uint32_t>(manyStrings, static_cast<std::uint32_t>(GgufValueType::String));
    appendLe<std::uint64_t>(manyStrings, 1u << 20);
    EXPECT_MENTIONS(refusal(GgufBuilder().raw("a", GgufValueType::Array, manyStrings).bytes()),
                    "an array of 1048576 string elements cannot fit");

    // Arrays nested five deep.
    std::string deep;
    for (int i = 0; i < 5; ++i) {
        appendLe<std::uint32_t>(deep, static_cast<std::uint32_t>(GgufValueType::Array));
        appendLe<std::uint64_t>(deep, 1);
    }
    EXPECT_MENTIONS(
        refusal(GgufBuilder().raw("a", GgufValueType::Array, deep + std::string(64, '\0')).bytes()),
        "arrays nest deeper than 4");

    b = microLlama();
    b.tensors[0].name = std::string(300, 'x');
    EXPECT_MENTIONS(refusal(b.bytes()), "tensor name of 300 bytes exceeds the limit");
}

TEST(GgufReader, RefusesUnknownTypesAndBadKeys) {
    EXPECT_MENTIONS(refusal(GgufBuilder().raw("k", static_cast<GgufValueType>(13), "").bytes()),
                    "key 'k': unknown value type 13");
    std::string badElement;
    appendLe<std::uint32_t>(badElement, 99);
    appendLe<std::uint64_t>(badElement, 0);
    EXPECT_MENTIONS(refusal(GgufBuilder().raw("k", GgufValueType::Array, badElement).bytes()),
                    "unknown array element type 99");
    EXPECT_MENTIONS(refusal(GgufBuilder().u32("k", 1).u32("k", 2).bytes()), "key 'k': appears twice");
    EXPECT_MENTIONS(refusal(GgufBuilder().u32("", 1).bytes()), "empty key");

    GgufBuilder b = microLlama();
    b.tensors[1].type = 99;
    EXPECT_MENTIONS(refusal(b.bytes()), "tensor 'blk.0.attn_norm.weight': has unknown ggml type 99");
    b = microLlama();
    b.tensors[1].type = 4; // Q4_2: removed from the format
    EXPECT_MENTIONS(refusal(b.bytes()), "unknown ggml type 4");
    b = microLlama();
    b.tensors[1].dims = {};
    EXPECT_MENTIONS(refusal(b.bytes()), "has 0 dimensions");
    b = microLlama();
    b.tensors[1].dims = {1, 1, 1, 1, 8};
    EXPECT_MENTIONS(refusal(b.bytes()), "has 5 dimensions");
    b = microLlama();
    b.tensors[1].dims = {1ull << 40, 1ull << 40};
    EXPECT_MENTIONS(refusal(b.bytes()), "makes more than 2^63 elements");
    b = microLlama();
    b.tensors[1].type = static_cast<std::uint32_t>(GgmlType::Q8_0); // 8 elements: not a block of 32
    EXPECT_MENTIONS(refusal(b.bytes()), "row length 8 is not a multiple of the Q8_0 block size 32");
    b = microLlama();
    b.tensors[2].name = b.tensors[1].name;
    EXPECT_MENTIONS(refusal(b.bytes()), "tensor 'blk.0.attn_norm.weight': appears twice");

    b = microLlama();
    b.u32("general.alignment", 48);
    EXPECT_MENTIONS(refusal(b.bytes()), "general.alignment': 48 is not a power of two");
    b = microLlama();
    b.scalar<std::uint64_t>("general.alignment", GgufValueType::U64, 64);
    EXPECT_MENTIONS(refusal(b.bytes()), "has type u64, expected u32");
}

// Every block type, decodable or not, is laid out by its block size: rows must hold whole blocks,
// and the data must hold every block. Types the format has named since (MXFP4 ... Q2_0) open too, so
// that their tensors can be refused by name; ids past them are unknown.
TEST(GgufReader, ChecksTheLayoutOfEveryBlockType) {
    for (std::uint32_t id = 2; id < 43; ++id) {
        const GgmlTypeTraits* traits = ggmlTypeTraits(id);
        if (!traits || traits->blockElements == 1) continue;
        SCOPED_TRACE(traits->name);
        const std::uint64_t block = traits->blockElements;
        GgufBuilder b;
        b.tensors.push_back(
            {"t", {2 * block, 3}, id, std::string(6 * traits->blockBytes, '\x5a'), std::nullopt});
        const std::string good = b.bytes();
        auto f = parseBytes(good);
        ASSERT_TRUE(f.ok()) << f.error().message;
        EXPECT_EQ(f->findTensor("t")->nbytes, 6u * traits->blockBytes);

        b.tensors[0].dims = {block + block / 2, 2};
        EXPECT_MENTIONS(refusal(b.bytes()),
                        fmt::format("tensor 't': row length {} is not a multiple of the {} "
                                    "block size {}",
                                    block + block / 2, traits->name, block));
        b.tensors[0].dims = {2 * block, 3};
        const std::string shortData = good.substr(0, good.size() - 1);
        EXPECT_MENTIONS(refusal(shortData), "runs past the end of the file");
    }
    EXPECT_STREQ(ggmlTypeTraits(39)->name, "MXFP4");
    EXPECT_STREQ(ggmlTypeTraits(42)->name, "Q2_0");
    GgufBuilder b;
    b.tensors.push_back({"t", {32}, 43, std::string(32, '\0'), std::nullopt});
    EXPECT_MENTIONS(refusal(b.bytes()), "tensor 't': has unknown ggml type 43");
}

TEST(GgufReader, RefusesBadOffsets) {
    GgufBuilder b = microLlama();
    b.tensors[3].offset = 8;
    EXPECT_MENTIONS(refusal(b.bytes()),
                    "tensor 'blk.0.attn_k.weight': offset 8 is not a multiple of the alignment 32");

    b = microLlama();
    b.tensors[3].offset = 0; // on top of token_embd.weight
    EXPECT_MENTIONS(refusal(b.bytes()),
                    "tensors 'token_embd.weight' (data bytes 0..128) and 'blk.0.attn_k.weight'");

    b = microLlama();
    const auto good = b.bytes();
    auto f = parseBytes(good);
    ASSERT_TRUE(f.ok()) << f.error().message;
    const std::uint64_t dataOffset = f->dataOffset();
    b.tensors.back().offset = 1ull << 20;
    const auto far = b.bytes().substr(0, good.size()); // the builder would pad out to the offset
    EXPECT_EQ(refusal(far),
              fmt::format("test.gguf: tensor 'output.weight': offset {} + 128 bytes runs past the end "
                          "of the file ({} bytes)",
                          dataOffset + (1ull << 20), good.size()));
    b.tensors.back().offset = ~0ull - 31;
    EXPECT_MENTIONS(refusal(b.bytes()), "data offset 18446744073709551584 + 128 bytes runs past the end");

    // Tensor infos that end exactly at the end of the file leave no room for the data section.
    GgufBuilder empty;
    empty.tensor("t", {8}, GgmlType::F32, "");
    const auto noData = empty.bytes().substr(0, 24 + 8 + 1 + 4 + 8 + 4 + 8);
    EXPECT_MENTIONS(refusal(noData), "the data section would start at offset 64");
}

TEST(GgufReader, AcceptsVocabularyOnlyFilesAndEmptyTensors) {
    auto f = GgufFile::open(dataPath("tokenizers/gguf/spm.gguf"));
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_TRUE(f->tensors().empty());
    GgufBuilder b;
    b.tensor("a", {0, 4}, GgmlType::Q4_K, "").tensor("b", {4}, GgmlType::F32, f32Bytes({1, 2, 3, 4}));
    b.tensors[0].offset = 0; // zero bytes: overlaps nothing
    b.tensors[1].offset = 0;
    const std::string gbytes = b.bytes(); // parse() keeps views into the bytes
    auto g = parseBytes(gbytes);
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g->findTensor("a")->nbytes, 0u);
}

TEST(GgufReader, OpenNamesMissingFiles) {
    auto f = GgufFile::open("/nonexistent/model.gguf");
    ASSERT_FALSE(f.ok());
    EXPECT_MENTIONS(f.error().message, "/nonexistent/model.gguf");
}

} // namespace
