// Directory discovery, SentencePiece and llama2.c specifics, long prompts and concurrent use.
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace sinkscope {
namespace {

using Ids = std::vector<std::int32_t>;

std::string fixture(const std::string& rel) {
    return test::readWholeFile(test::dataPath("tokenizers/" + rel));
}

std::string describeDir(const test::ScratchDir& dir) {
    auto tok = loadTokenizerFromDirectory(dir.dir());
    return tok.ok() ? (*tok)->describe() : "error: " + tok.error().message;
}

TEST(TokenizerDirectory, PreferenceOrder) {
    test::ScratchDir dir;
    dir.write("tokenizer.bin", fixture("llama2c/tokenizer.bin"));
    EXPECT_NE(describeDir(dir).find("llama2.c (tokenizer.bin), 400 tokens"), std::string::npos);
    dir.write("tokenizer.model", fixture("spm/tokenizer.model"));
    EXPECT_NE(describeDir(dir).find("SentencePiece"), std::string::npos);
    dir.write("vocab.json", fixture("bpe_vocab_merges/vocab.json"));
    dir.write("merges.txt", fixture("bpe_vocab_merges/merges.txt"));
    EXPECT_NE(describeDir(dir).find("vocab.json + merges.txt"), std::string::npos);
    dir.write("tokenizer.json", fixture("bpe_llama3style/tokenizer.json"));
    EXPECT_NE(describeDir(dir).find("byte-level BPE (tokenizer.json), 561 tokens"), std::string::npos);
}

TEST(TokenizerDirectory, UnusableTokenizerJsonGivesWayToTokenizerModel) {
    test::ScratchDir dir;
    // A tokenizer.json this engine cannot read: a Metaspace pre-tokenizer with a ByteLevel decoder.
    nlohmann::json doc = test::fixtureJson("bpe_gpt2style/tokenizer.json");
    doc["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}};
    dir.write("tokenizer.json", doc.dump());
    EXPECT_NE(describeDir(dir).find("Metaspace"), std::string::npos);
    dir.write("tokenizer.model", fixture("spm/tokenizer.model"));
    EXPECT_NE(describeDir(dir).find("SentencePiece BPE (tokenizer.model)"), std::string::npos);
}

TEST(TokenizerDirectory, TokenizerBinSizeFromConfig) {
    test::ScratchDir dir;
    dir.write("tokenizer.bin", fixture("llama2c/tokenizer.bin"));
    dir.write("config.json", R"({"dim": 64, "vocab_size": 300})");
    auto tok = loadTokenizerFromDirectory(dir.dir());
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    EXPECT_EQ((*tok)->vocabSize(), 300);
    // No usable vocab_size: the file is read to its end.
    dir.write("config.json", R"({"dim": 64})");
    auto whole = loadTokenizerFromDirectory(dir.dir());
    ASSERT_TRUE(whole.ok()) << whole.error().message;
    EXPECT_EQ((*whole)->vocabSize(), 400);
}

TEST(SentencePiece, DisplayTextAndSpecialIds) {
    auto tok = loadSentencePiece(test::dataPath("tokenizers/spm/tokenizer.model"));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    EXPECT_EQ((*tok)->bosId(), 1);
    EXPECT_EQ((*tok)->eosId(), 2);
    EXPECT_EQ((*tok)->tokenText(1), "<s>");
    // Byte pieces follow <unk>, <s>, </s> and the user-defined <sep>.
    EXPECT_EQ((*tok)->tokenText(3), "<sep>");
    EXPECT_EQ((*tok)->tokenText(4 + 0x0A), "<0x0A>");
    auto ids = (*tok)->encode("the keeper", false);
    ASSERT_TRUE(ids.ok());
    std::string joined;
    for (const auto id : *ids)
        joined += (*tok)->tokenText(id);
    EXPECT_EQ(joined, " the keeper"); // U+2581 shown as a space
    EXPECT_EQ((*tok)->decode({(*ids)[0], 12345, -1}), (*tok)->decode({(*ids)[0]}));
}

TEST(Llama2c, DecodingDropsDummySpaceAndSpecialTokens) {
    auto tok = loadLlama2cTokenizer(test::dataPath("tokenizers/llama2c/tokenizer.bin"), 0);
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    EXPECT_EQ((*tok)->tokenText(1), "<s>");
    EXPECT_EQ((*tok)->tokenText(2), "</s>");
    EXPECT_EQ((*tok)->tokenText(3 + 0xE6), "<0xE6>");
    auto ids = (*tok)->encode("the keeper", true);
    ASSERT_TRUE(ids.ok());
    ASSERT_GE(ids->size(), 2U);
    EXPECT_EQ(ids->front(), 1);
    EXPECT_EQ((*tok)->tokenText((*ids)[1]).front(), ' '); // the dummy prefix joined the first word
    Ids twice = *ids;
    twice.push_back(2);
    twice.insert(twice.end(), ids->begin(), ids->end());
    EXPECT_EQ((*tok)->decode(twice), "the keeperthe keeper");
    // Byte tokens become raw bytes: "\n" is <0x0A>.
    EXPECT_EQ((*tok)->decode({3 + 'h', 3 + 0x0A, 3 + 'i'}), "h\ni");
}

TEST(Llama2c, MissingByteTokenIsAnError) {
    test::ScratchDir dir;
    std::string bytes;
    auto put = [&](const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); };
    const std::int32_t maxLen = 8;
    put(&maxLen, 4);
    for (const std::string piece : {"<unk>", "<s>", "</s>", " ", "a"}) {
        const float score = 0;
        const auto len = static_cast<std::int32_t>(piece.size());
        put(&score, 4);
        put(&len, 4);
        put(piece.data(), piece.size());
    }
    auto tok = loadLlama2cTokenizer(dir.write("tokenizer.bin", bytes), 0);
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    auto ok = (*tok)->encode("a", false);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, (Ids{3, 4}));
    test::expectErrorMentions((*tok)->encode("b", false), {"no byte token for 0x62"});
}

// About 100k tokens of varied text: the engine must stay fast and exact on long prompts.
std::string longText() {
    std::string text;
    for (int i = 0; text.size() < 400000; ++i) {
        text += "Paragraph " + std::to_string(i * 7919 % 100003) + ": the keeper's log, line " +
                std::to_string(i) + ", reads \"tide at " + std::to_string(i % 24) + ":" +
                std::to_string(i % 60) + "\" caf\u00e9 \u65e5\u672c\n";
    }
    return text;
}

TEST(LongPrompts, EveryFormatEncodesAndRoundTrips) {
    const std::string text = longText();
    for (const char* name : {"bpe_gpt2style", "bpe_llama3style", "spm", "llama2c"}) {
        auto tok = loadTokenizerFromDirectory(test::dataPath(std::string("tokenizers/") + name));
        ASSERT_TRUE(tok.ok()) << tok.error().message;
        const auto start = std::chrono::steady_clock::now();
        auto ids = (*tok)->encode(text, false);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ASSERT_TRUE(ids.ok()) << ids.error().message;
        EXPECT_GT(ids->size(), 100000U) << name;
        const std::string decoded = (*tok)->decode(*ids);
        const auto diff = std::mismatch(decoded.begin(), decoded.end(), text.begin(), text.end());
        EXPECT_TRUE(decoded == text) << name << ": first difference at byte "
                                     << (diff.first - decoded.begin());
        // Generous: sanitizer builds are several times slower than release ones.
        EXPECT_LT(seconds, 20.0) << name;
        RecordProperty(std::string(name) + "_encode_seconds", std::to_string(seconds));
    }
}

TEST(LongPrompts, ConcurrentEncodesAgree) {
    auto tok = loadTokenizerFromDirectory(test::dataPath("tokenizers/bpe_llama3style"));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    const std::string text = longText().substr(0, 50000);
    auto reference = (*tok)->encode(text, false);
    ASSERT_TRUE(reference.ok());
    std::vector<Ids> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results) {
        threads.emplace_back([&] {
            auto ids = (*tok)->encode(text, false);
            if (ids.ok()) r = *ids;
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& r : results)
        EXPECT_EQ(r, *reference);
}

} // namespace
} // namespace sinkscope
