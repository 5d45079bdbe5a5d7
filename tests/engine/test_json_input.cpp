// Hostile JSON and oversized text in every file a user opens: numbers past double's range, wrongly
// typed fields, nesting 100k levels deep, megabyte values quoted in errors. Each must give one
// short error line naming the file, never an exception, an abort or a stack overflow.
#include "core/excerpt.h"
#include "core/json_parse.h"
#include "intervene/intervention.h"
#include "io/model_config.h"
#include "io/safetensors.h"
#include "io/weight_store.h"
#include "temp_dir.h"
#include "test_trace_util.h"
#include "tokenizer/tokenizer.h"
#include "trace/trace_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr std::size_t kMaxMessage = 1000; // what "bounded" means for a whole error line

std::string deepArrays(std::size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
}

// One line, of bounded length, that mentions every word.
void expectShortError(const std::string& message, std::initializer_list<const char*> words) {
    EXPECT_LT(message.size(), kMaxMessage) << message.substr(0, 2000);
    EXPECT_EQ(message.find('\n'), std::string::npos) << message.substr(0, 2000);
    for (const char* w : words)
        EXPECT_NE(message.find(w), std::string::npos) << "missing \"" << w << "\" in: " << message;
}

template <typename T> std::string errorOf(const Result<T>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
}

// A safetensors file whose JSON header is `header`, with no data.
std::string safetensorsBytes(const std::string& header) {
    std::string bytes(8, '\0');
    const std::uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8); // little-endian hosts, as the format
    return bytes + header;
}

const char* kLlamaConfig = R"({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4,
    "hidden_size": 16, "intermediate_size": 24, "vocab_size": 20)";

} // namespace

TEST(Excerpt, ShortPrintableTextIsUnchanged) {
    EXPECT_EQ(excerpt("zerotune:gamma=4"), "zerotune:gamma=4");
    EXPECT_EQ(excerpt("caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5");
}

TEST(Excerpt, LongTextIsCutWithItsLength) {
    const std::string long_(100000, 'x');
    const std::string e = excerpt(long_, 50);
    EXPECT_EQ(e, std::string(50, 'x') + "... (100000 bytes)");
}

TEST(Excerpt, ControlAndInvalidBytesAreEscapedSoTheMessageStaysOneLine) {
    EXPECT_EQ(excerpt("a\nb\tc\x01\xff"), "a\\nb\\tc\\x01\\xff");
}

TEST(Excerpt, CutsOnlyBetweenCharacters) {
    const std::string text = "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"; // three 3-byte characters
    EXPECT_EQ(excerpt(text, 7), "\xe6\x97\xa5\xe6\x97\xa5... (9 bytes)");
}

TEST(JsonParse, RefusesDeepNestingBeforeParsing) {
    const auto r = parseJson(deepArrays(100000), "deep.json");
    expectShortError(errorOf(r), {"deep.json", "nests deeper than 512"});
    EXPECT_TRUE(parseJson(deepArrays(kMaxJsonDepth), "ok.json").ok());
    // Brackets inside strings, escaped quotes included, do not count.
    EXPECT_TRUE(
        parseJson("[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]", "s.json").ok());
}

TEST(JsonParse, NumberOutOfRangeIsAnError) {
    expectShortError(errorOf(parseJson(R"({"a": 1e999})", "n.json")), {"n.json: not valid JSON", "1e999"});
}

TEST(JsonParse, SyntaxErrorQuotingAHugeTokenIsBounded) {
    // nlohmann's message quotes the whole token it was reading: here a 1 MB unterminated string.
    const std::string text = "[\"" + std::string(1 << 20, 'a');
    expectShortError(errorOf(parseJson(text, "t.json")), {"t.json: not valid JSON"});
}

TEST(JsonParse, ExcerptOfAValueIsBoundedAndSaysWhatWasCut) {
    nlohmann::json big = nlohmann::json::array();
    for (int i = 0; i < 100000; ++i)
        big.push_back(i);
    const std::string e = jsonExcerpt(big, 50);
    EXPECT_LT(e.size(), 100u) << e;
    EXPECT_NE(e.find("array of 100000 elements"), std::string::npos) << e;
    EXPECT_EQ(jsonExcerpt(nlohmann::json(std::string(1 << 20, 'z')), 20),
              "\"zzzzzzzzzzzzzzzzzzz... (string of 1048576 bytes)");
    EXPECT_EQ(jsonExcerpt(nlohmann::json{{"a", 1}}), R"({"a":1})");
}

TEST(ConfigJson, OutOfRangeNumberInAnUnusedFieldIsAnError) {
    const std::string text = std::string(kLlamaConfig) + R"(, "some_future_field": 1e999})";
    expectShortError(errorOf(parseHfConfig(text, "config.json")), {"config.json: not valid JSON", "1e999"});
}

TEST(ConfigJson, WronglyTypedStringFieldNamesFieldAndType) {
    const std::string text = std::string(kLlamaConfig) + R"(, "hidden_act": 7})";
    EXPECT_EQ(errorOf(parseHfConfig(text, "config.json")),
              "config.json: field 'hidden_act' must be a string, got number");
    const auto gpt2 = parseHfConfig(R"({"model_type": "gpt2", "n_layer": 1, "n_head": 1, "n_embd": 4,
        "vocab_size": 8, "n_positions": 8, "activation_function": ["gelu"]})",
                                    "config.json");
    EXPECT_EQ(errorOf(gpt2), "config.json: field 'activation_function' must be a string, got array");
}

TEST(ConfigJson, DeepNestingIsAnErrorNotAStackOverflow) {
    const std::string text = std::string(kLlamaConfig) + R"(, "rope_scaling": )" + deepArrays(100000) + "}";
    expectShortError(errorOf(parseHfConfig(text, "config.json")), {"config.json", "nests deeper"});
}

TEST(ConfigJson, HugeValuesInMessagesAreBounded) {
    const std::string huge = "\"" + std::string(1 << 20, 'q') + "\"";
    for (const char* field : {"rope_scaling", "hidden_act", "num_hidden_layers", "model_type"}) {
        std::string text = std::string(kLlamaConfig) + ", \"" + field + "\": " + huge + "}";
        if (std::string(field) == "model_type") text = "{\"model_type\": " + huge + "}";
        expectShortError(errorOf(parseHfConfig(text, "config.json")), {"config.json"});
    }
    // A value a few levels deep is still shown shortened, whatever its size.
    const std::string nested =
        std::string(kLlamaConfig) + R"(, "rope_scaling": {"rope_type": [[[)" + huge + "]]]}}";
    expectShortError(errorOf(parseHfConfig(nested, "config.json")), {"rope_scaling", "must be a string"});
}

TEST(ConfigJson, FloatFieldsBeyondFloatRangeAreErrors) {
    const std::string text = std::string(kLlamaConfig) +
                             R"(, "sinkscope_attention": "sink_logit", "sinkscope_sink_logit": 1e300})";
    expectShortError(errorOf(parseHfConfig(text, "config.json")),
                     {"sinkscope_sink_logit", "must be a finite float"});
}

TEST(SafetensorsHeader, OutOfRangeNumberDeepNestingAndHugeNamesAreErrors) {
    for (const std::string& header :
         {std::string(R"({"w":{"dtype":"F32","shape":[1e999],"data_offsets":[0,0]}})"),
          std::string(R"({"__metadata__":{"a":)") + deepArrays(100000) + "}}",
          "{\"" + std::string(1 << 20, 'n') + R"(":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})",
          "{\"" + std::string(1 << 20, 'n') + R"(":{"dtype":")" + std::string(1 << 20, 'd') +
              R"(","shape":[1],"data_offsets":[0,4]}})"}) {
        const std::string bytes = safetensorsBytes(header) + std::string(4, '\0');
        const auto r = parseSafetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                                        "model.safetensors");
        expectShortError(errorOf(r), {"model.safetensors"});
    }
}

TEST(ShardIndex, OutOfRangeNumberWrongTypesAndDeepNestingAreErrors) {
    expectShortError(errorOf(parseShardIndex(R"({"metadata": {"total_size": 1e999}, "weight_map": {}})",
                                             "model.safetensors.index.json")),
                     {"model.safetensors.index.json: not valid JSON", "1e999"});
    EXPECT_EQ(errorOf(parseShardIndex(R"({"weight_map": {"w": 7}})", "index.json")),
              "index.json: weight_map['w'] must be a string, got number");
    expectShortError(errorOf(parseShardIndex(R"({"weight_map": )" + deepArrays(100000) + "}", "index.json")),
                     {"index.json", "nests deeper"});
    expectShortError(errorOf(parseShardIndex(R"({"weight_map": {"w": ")" + std::string(1 << 20, '/') + "\"}}",
                                             "index.json")),
                     {"index.json", "invalid shard"});
    // Through the file, as a model directory opens it.
    TempDir d;
    const auto path = d.write("model.safetensors.index.json", R"({"weight_map": {"w": 1e999}})");
    expectShortError(errorOf(WeightStore::openShardIndex(path)), {"model.safetensors.index.json", "1e999"});
}

TEST(TokenizerJson, DeepNestingOutOfRangeNumbersAndHugeValuesAreErrors) {
    // Nested Sequence decoders would be walked recursively; the depth check comes first.
    std::string deepDecoder;
    for (int i = 0; i < 100000; ++i)
        deepDecoder += R"({"type": "Sequence", "decoders": [)";
    for (int i = 0; i < 100000; ++i)
        deepDecoder += "]}";
    for (const std::string& text :
         {std::string(R"({"model": )") + deepArrays(100000) + "}", R"({"decoder": )" + deepDecoder + "}",
          std::string(R"({"model": {"type": "BPE", "dropout": 1e999}})"),
          R"({"model": {"type": ")" + std::string(1 << 20, 'W') + "\"}}",
          R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [")" + std::string(1 << 20, 'm') +
              "\"]}}",
          R"({"model": {"type": "BPE", "vocab": {")" + std::string(1 << 20, 'v') + "\": -1}}}"}) {
        expectShortError(errorOf(parseHfTokenizerJson(text, "tokenizer.json")), {"tokenizer.json"});
    }
}

TEST(InterventionSpecText, HugeSpecIsQuotedShortenedOnce) {
    // A 100k-character SPEC used to be echoed whole, up to three times (spec, argument, value).
    const std::string spec = "zerotune:gamma=" + std::string(100000, '9');
    const std::string message = errorOf(parseIntervention(spec));
    expectShortError(message, {"intervention \"zerotune:gamma=", "bytes)"});
    const std::string unknown = std::string(100000, 'z');
    expectShortError(errorOf(parseIntervention(unknown)), {"unknown intervention"});
    expectShortError(errorOf(parseIntervention("zerotune:gamma=1," + std::string(100000, 'k') + "=1")),
                     {"unknown key"});
    Intervention iv;
    iv.spec = "suppress:layers=" + std::string(100000, '7');
    iv.layers.values = {7};
    expectShortError(errorOf(validateIntervention(iv, 2, 2)), {"layer 7"});
}

TEST(TraceFileText, HugeMetaValuesAreQuotedShortened) {
    TempDir d;
    const auto path = d.path("magic.sqlite");
    ASSERT_EQ(test::execSql(path, "PRAGMA application_id = 1399542627; CREATE TABLE meta(key, value); "
                                  "INSERT INTO meta VALUES ('magic', '" +
                                      std::string(100000, 'm') + "\n');"),
              "");
    auto store = TraceStore::open(path, false);
    expectShortError(errorOf(store), {"magic.sqlite: not a SinkScope trace file (meta magic 'mmm", "bytes)"});
}

// Found by fuzz_model_config: a GPT-2 config took head_dim, which its fused attention projection
// cannot have, and toHfConfigJson (which writes head_dim for the Llama family only) lost it.
TEST(ConfigJson, Gpt2IgnoresHeadDim) {
    auto c = parseHfConfig(R"({"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 2, "vocab_size": 1,
        "n_positions": 5, "head_dim": 4})",
                           "config.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->headDim, 1);
}

// Found by fuzz_shard_index: a shard name with a newline reached the "cannot open" message.
TEST(ShardIndex, ShardNamesMustBePlainFileNames) {
    for (const std::string& shard :
         {std::string("a\nb.safetensors"), std::string("a\0b", 3), std::string(256, 's')}) {
        const std::string text = nlohmann::json{{"weight_map", {{"w", shard}}}}.dump();
        expectShortError(errorOf(parseShardIndex(text, "index.json")), {"index.json", "invalid shard"});
    }
    EXPECT_TRUE(
        parseShardIndex(R"({"weight_map": {"w": "model-00001-of-00002.safetensors"}})", "i.json").ok());
}

// Found by fuzz_spec: expanding a list item ending at INT64_MAX overflowed the loop counter.
TEST(InterventionSpecText, PositionsUpToInt64MaxExpand) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    auto one = parseIntervention("zerotune:gamma=1,sinks=9223372036854775807");
    ASSERT_TRUE(one.ok()) << one.error().message;
    EXPECT_EQ(one->sinks.positions, (std::vector<std::int64_t>{kMax}));
    auto two = parseIntervention("suppress:sinks=9223372036854775806-9223372036854775807");
    ASSERT_TRUE(two.ok()) << two.error().message;
    EXPECT_EQ(two->sinks.positions, (std::vector<std::int64_t>{kMax - 1, kMax}));
}
