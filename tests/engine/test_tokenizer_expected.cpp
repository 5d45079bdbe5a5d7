// Compares every tokenizer format against ids from the independent Python reference in
// tools/make_tokenizer_fixtures.py (tests/data/tokenizers/expected.json).
#include "core/utf8.h"
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>

namespace sinkscope {
namespace {

using nlohmann::json;

const json& expected() {
    static const json doc = json::parse(test::readWholeFile(test::dataPath("tokenizers/expected.json")));
    return doc;
}

std::optional<std::int32_t> optionalId(const json& v) {
    return v.is_null() ? std::nullopt : std::optional<std::int32_t>(v.get<std::int32_t>());
}

class ExpectedIds : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        auto loaded = loadTokenizerFromDirectory(test::dataPath("tokenizers/" + GetParam()));
        ASSERT_TRUE(loaded.ok()) << loaded.error().message;
        m_tok = std::move(loaded).value();
        m_entry = expected()["tokenizers"][GetParam()];
    }
    std::unique_ptr<Tokenizer> m_tok;
    json m_entry;
};

TEST_P(ExpectedIds, EncodeMatchesReference) {
    const json& strings = expected()["strings"];
    for (std::size_t i = 0; i < strings.size(); ++i) {
        const auto text = strings[i].get<std::string>();
        const auto want = m_entry["ids"][i].get<std::vector<std::int32_t>>();
        auto got = m_tok->encode(text, false);
        ASSERT_TRUE(got.ok()) << got.error().message;
        EXPECT_EQ(*got, want) << "text: \"" << text << "\"";
    }
}

TEST_P(ExpectedIds, EncodeWithBosPrependsIt) {
    const auto bos = optionalId(m_entry["bos"]);
    EXPECT_EQ(m_tok->bosId(), bos);
    const json& strings = expected()["strings"];
    for (std::size_t i = 0; i < strings.size(); ++i) {
        std::vector<std::int32_t> want;
        if (bos) want.push_back(*bos);
        for (const auto& id : m_entry["ids"][i])
            want.push_back(id.get<std::int32_t>());
        auto got = m_tok->encode(strings[i].get<std::string>(), true);
        ASSERT_TRUE(got.ok()) << got.error().message;
        EXPECT_EQ(*got, want);
    }
}

TEST_P(ExpectedIds, DecodeRoundTrips) {
    const json& strings = expected()["strings"];
    for (std::size_t i = 0; i < strings.size(); ++i) {
        const auto text = strings[i].get<std::string>();
        // A normalizing model cannot give the text back; the reference's decoding is the target.
        const auto want = m_entry.contains("decoded") ? m_entry["decoded"][i].get<std::string>() : text;
        auto ids = m_tok->encode(text, false);
        ASSERT_TRUE(ids.ok()) << ids.error().message;
        EXPECT_EQ(m_tok->decode(*ids), want);
        auto withBos = m_tok->encode(text, true);
        ASSERT_TRUE(withBos.ok());
        // BOS contributes no text of its own only for the SentencePiece-family formats.
        if (GetParam().starts_with("spm") || GetParam() == "llama2c") {
            EXPECT_EQ(m_tok->decode(*withBos), want);
        }
    }
}

TEST_P(ExpectedIds, EosAndVocabulary) {
    EXPECT_EQ(m_tok->eosId(), optionalId(m_entry["eos"]));
    if (m_entry.contains("vocab_size")) {
        EXPECT_EQ(m_tok->vocabSize(), m_entry["vocab_size"].get<std::int32_t>());
    }
    EXPECT_NE(m_tok->describe().find(std::to_string(m_tok->vocabSize()) + " tokens"), std::string::npos);
}

TEST_P(ExpectedIds, EmptyTextGivesNoIds) {
    auto ids = m_tok->encode("", false);
    ASSERT_TRUE(ids.ok());
    EXPECT_TRUE(ids->empty());
    auto withBos = m_tok->encode("", true);
    ASSERT_TRUE(withBos.ok());
    EXPECT_EQ(withBos->size(), m_tok->bosId() ? 1U : 0U);
}

TEST_P(ExpectedIds, RejectsInvalidUtf8WithOffset) {
    auto ids = m_tok->encode(std::string("abc\xff") + "def", false);
    ASSERT_FALSE(ids.ok());
    EXPECT_NE(ids.error().message.find("byte offset 3"), std::string::npos) << ids.error().message;
    auto truncated = m_tok->encode("ok \xe6\x97", true); // a cut-off 3-byte sequence
    ASSERT_FALSE(truncated.ok());
    EXPECT_NE(truncated.error().message.find("byte offset 3"), std::string::npos);
}

TEST_P(ExpectedIds, TokenTextIsValidUtf8AndConcatenatesToText) {
    // Every token's display text must be showable, whatever its bytes.
    for (std::int32_t id = 0; id < m_tok->vocabSize(); ++id) {
        const std::string text = m_tok->tokenText(id);
        EXPECT_FALSE(text.empty()) << "id " << id;
        EXPECT_FALSE(findInvalidUtf8(text).has_value()) << "id " << id;
    }
    auto ids = m_tok->encode("Hello world", false);
    ASSERT_TRUE(ids.ok());
    std::string joined;
    for (const auto id : *ids)
        joined += m_tok->tokenText(id);
    EXPECT_NE(joined.find("Hello"), std::string::npos) << joined;
    EXPECT_NE(joined.find("world"), std::string::npos) << joined;
}

// Id sequences mixing every piece type (control, unknown, byte, user-defined, dummy-prefix
// spaces) must decode exactly as sentencepiece decodes them.
TEST(SentencePieceReference, DecodeMatchesOnArbitraryIds) {
    for (const std::string name : {"spm", "spm_unigram"}) {
        auto tok = loadSentencePiece(test::dataPath("tokenizers/" + name + "/tokenizer.model"));
        ASSERT_TRUE(tok.ok()) << tok.error().message;
        const json& cases = expected()["tokenizers"][name]["decode_cases"];
        ASSERT_GT(cases.size(), 10U);
        for (const auto& c : cases) {
            EXPECT_EQ((*tok)->decode(c[0].get<std::vector<std::int32_t>>()), c[1].get<std::string>())
                << name << " " << c[0].dump();
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ExpectedIds,
                         ::testing::Values("bpe_gpt2style", "bpe_vocab_merges", "bpe_llama3style", "spm",
                                           "spm_unigram", "llama2c"));

} // namespace
} // namespace sinkscope
