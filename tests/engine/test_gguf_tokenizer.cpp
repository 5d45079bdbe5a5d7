// Tokenizers embedded in GGUF files: vocabulary-only GGUFs converted from the committed tokenizer
// fixtures (tools/make_gguf_fixtures.py) must tokenize exactly like the directory loaders and the
// reference ids; the tiny model's own vocabulary; and the refusals.
#include "gguf_test_builder.h"
#include "io/gguf_reader.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const nlohmann::json& expected() {
    static const nlohmann::json doc =
        nlohmann::json::parse(readWholeFile(dataPath("tokenizers/expected.json")));
    return doc;
}

struct Pair {
    const char* gguf;      // under tokenizers/gguf/
    const char* directory; // under tokenizers/
};

class GgufMatchesDirectory : public ::testing::TestWithParam<Pair> {};

TEST_P(GgufMatchesDirectory, SameIdsTextsAndSpecialTokens) {
    auto fromDir = loadTokenizerFromDirectory(dataPath(std::string("tokenizers/") + GetParam().directory));
    ASSERT_TRUE(fromDir.ok()) << fromDir.error().message;
    auto fromGguf = loadGgufTokenizer(dataPath(std::string("tokenizers/gguf/") + GetParam().gguf));
    ASSERT_TRUE(fromGguf.ok()) << fromGguf.error().message;
    ASSERT_NE(fromGguf.value(), nullptr);
    const Tokenizer& d = *fromDir.value();
    const Tokenizer& g = *fromGguf.value();
    EXPECT_NE(g.describe().find("GGUF"), std::string::npos) << g.describe();
    ASSERT_EQ(g.vocabSize(), d.vocabSize());
    EXPECT_EQ(g.bosId(), d.bosId());
    EXPECT_EQ(g.eosId(), d.eosId());
    for (std::int32_t id = 0; id < d.vocabSize(); ++id)
        EXPECT_EQ(g.tokenText(id), d.tokenText(id)) << "id " << id;

    const auto& strings = expected()["strings"];
    const auto& ids = expected()["tokenizers"][GetParam().directory]["ids"];
    for (std::size_t i = 0; i < strings.size(); ++i) {
        const auto text = strings[i].get<std::string>();
        for (const bool bos : {false, true}) {
            auto a = g.encode(text, bos);
            auto b = d.encode(text, bos);
            ASSERT_TRUE(a.ok() && b.ok()) << text;
            EXPECT_EQ(*a, *b) << "text: \"" << text << "\" bos " << bos;
        }
        auto plain = g.encode(text, false);
        EXPECT_EQ(*plain, ids[i].get<std::vector<std::int32_t>>()) << "reference ids for \"" << text << "\"";
        EXPECT_EQ(g.decode(*plain), d.decode(*plain));
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GgufMatchesDirectory,
                         ::testing::Values(Pair{"spm.gguf", "spm"}, Pair{"gpt2style.gguf", "bpe_gpt2style"},
                                           Pair{"llama3style.gguf", "bpe_llama3style"}),
                         [](const ::testing::TestParamInfo<Pair>& p) {
                             return std::string(p.param.directory);
                         });

TEST(GgufTokenizer, TheTinyModelCarriesItsOwnVocabulary) {
    auto tok = loadGgufTokenizer(dataPath("models/tiny_llama_q8_0.gguf"));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    const Tokenizer& t = *tok.value();
    EXPECT_EQ(t.vocabSize(), 100);
    EXPECT_EQ(t.bosId(), 1);
    EXPECT_EQ(t.eosId(), 2);
    // "▁the▁hat": ▁t + he -> ▁the; a + t -> at; ▁ + h -> ▁h ("▁hat" is not a piece).
    auto ids = t.encode("the hat", true);
    ASSERT_TRUE(ids.ok()) << ids.error().message;
    ASSERT_EQ(ids->size(), 4u);
    EXPECT_EQ((*ids)[0], 1);
    EXPECT_EQ(t.tokenText((*ids)[1]), " the");
    EXPECT_EQ(t.tokenText((*ids)[2]), " h");
    EXPECT_EQ(t.tokenText((*ids)[3]), "at");
    EXPECT_EQ(t.decode(*ids), "the hat");
    auto unknown = t.encode("x\xe2\x82\xac", false); // no byte fallback: the euro sign is <unk>
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->back(), 0);
}

std::string ggufFile(const TempDir& d, const GgufBuilder& b) {
    return d.write("t.gguf", b.bytes());
}

GgufBuilder bpeVocabulary() {
    GgufBuilder b;
    b.str("tokenizer.ggml.model", "gpt2").str("tokenizer.ggml.pre", "gpt-2");
    b.strings("tokenizer.ggml.tokens", {"a", "b", "ab", "\xc4\xa0", "<|endoftext|>"});
    b.numbers<std::int32_t>("tokenizer.ggml.token_type", GgufValueType::I32, {1, 1, 1, 1, 3});
    b.strings("tokenizer.ggml.merges", {"a b"});
    return b;
}

TEST(GgufTokenizer, BuildsByteLevelBpeWithAddedTokens) {
    TempDir d;
    auto tok = loadGgufTokenizer(ggufFile(d, bpeVocabulary()));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    auto ids = tok.value()->encode("ab a<|endoftext|>", false);
    ASSERT_TRUE(ids.ok()) << ids.error().message;
    EXPECT_EQ(*ids, (std::vector<std::int32_t>{2, 3, 0, 4}));
    EXPECT_EQ(tok.value()->eosId(), 4); // found by name when no eos id is given
    EXPECT_EQ(tok.value()->bosId(), std::nullopt);
}

TEST(GgufTokenizer, NoTokenizerIsANullPointer) {
    TempDir d;
    auto none = loadGgufTokenizer(ggufFile(d, GgufBuilder().str("general.architecture", "llama")));
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_EQ(none.value(), nullptr);
    auto explicitNone = loadGgufTokenizer(ggufFile(d, GgufBuilder().str("tokenizer.ggml.model", "none")));
    ASSERT_TRUE(explicitNone.ok());
    EXPECT_EQ(explicitNone.value(), nullptr);
}

TEST(GgufTokenizer, RefusalsNameTheKey) {
    TempDir d;
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, GgufBuilder().str("tokenizer.ggml.model", "bert"))),
                        {"t.gguf", "key 'tokenizer.ggml.model': 'bert' is not supported (llama, gpt2)"});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, GgufBuilder().u32("tokenizer.ggml.model", 1))),
                        {"key 'tokenizer.ggml.model': has type u32, expected string"});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, bpeVocabulary().remove("tokenizer.ggml.merges"))),
                        {"key 'tokenizer.ggml.merges': missing"});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, bpeVocabulary().remove("tokenizer.ggml.pre"))),
                        {"key 'tokenizer.ggml.pre': missing"});
    GgufBuilder b = bpeVocabulary();
    b.remove("tokenizer.ggml.pre").str("tokenizer.ggml.pre", "deepseek-llm");
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, b)),
                        {"'deepseek-llm' is not a supported pre-tokenizer"});
    b = bpeVocabulary();
    b.remove("tokenizer.ggml.merges").strings("tokenizer.ggml.merges", {"a b", "ab c"});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, b)), {"key 'tokenizer.ggml.merges': merge 1 \"ab c\""});
    b = bpeVocabulary();
    b.remove("tokenizer.ggml.token_type")
        .numbers<std::int32_t>("tokenizer.ggml.token_type", GgufValueType::I32, {1, 1, 1, 1, 9});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, b)), {"token 4 has unknown type 9"});
    b = bpeVocabulary();
    b.remove("tokenizer.ggml.token_type")
        .numbers<std::int32_t>("tokenizer.ggml.token_type", GgufValueType::I32, {1, 1});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, b)),
                        {"key 'tokenizer.ggml.token_type': has 2 entries for 5 tokens"});
    b = bpeVocabulary();
    b.remove("tokenizer.ggml.tokens").strings("tokenizer.ggml.tokens", {"a", "", "ab", "x", "y"});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, b)), {"token 1 is empty"});
    b = bpeVocabulary();
    b.u32("tokenizer.ggml.eos_token_id", 5);
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, b)),
                        {"key 'tokenizer.ggml.eos_token_id': is 5, outside the 5 tokens"});

    GgufBuilder spm = microLlama();
    spm.remove("tokenizer.ggml.scores")
        .numbers<std::int32_t>("tokenizer.ggml.scores", GgufValueType::I32, {0, 0, 0, 0});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, spm)),
                        {"key 'tokenizer.ggml.scores': has type array of i32, expected array of f32"});
    spm = microLlama();
    spm.remove("tokenizer.ggml.token_type")
        .numbers<std::int32_t>("tokenizer.ggml.token_type", GgufValueType::I32, {1, 3, 3, 1});
    expectErrorMentions(loadGgufTokenizer(ggufFile(d, spm)), {"no <unk> piece"});
    expectErrorMentions(loadGgufTokenizer(d.path("absent.gguf")), {"absent.gguf"});
}

TEST(GgufTokenizer, SentencePieceWithoutTokenTypesUsesTheSpecialIds) {
    TempDir d;
    GgufBuilder b = microLlama();
    b.remove("tokenizer.ggml.token_type");
    b.u32("tokenizer.ggml.unknown_token_id", 0);
    auto tok = loadGgufTokenizer(ggufFile(d, b));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    EXPECT_EQ(tok.value()->bosId(), 1);
    EXPECT_EQ(tok.value()->eosId(), 2);
    auto ids = tok.value()->encode(" ", true);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, (std::vector<std::int32_t>{1, 3, 3})); // dummy prefix + the space
    auto parsed = GgufFile::open(d.path("t.gguf"));
    ASSERT_TRUE(parsed.ok());
    auto again = tokenizerFromGguf(parsed.value());
    ASSERT_TRUE(again.ok()) << again.error().message;
}

} // namespace
