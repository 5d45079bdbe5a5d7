// Byte-level BPE behaviours that the reference strings do not isolate: split behaviours, prefix
// spaces, stripping around added tokens, BOS/EOS discovery, display text.
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

namespace sinkscope {
namespace {

using nlohmann::json;
using Ids = std::vector<std::int32_t>;

json byteLevel(bool useRegex, bool addPrefixSpace = false) {
    return {{"type", "ByteLevel"}, {"add_prefix_space", addPrefixSpace}, {"use_regex", useRegex}};
}

json splitOn(const std::string& literal, const std::string& behavior, bool invert = false) {
    return {
        {"type", "Split"}, {"pattern", {{"String", literal}}}, {"behavior", behavior}, {"invert", invert}};
}

json sequence(std::initializer_list<json> steps) {
    json list = json::array();
    for (const json& step : steps)
        list.push_back(step);
    return {{"type", "Sequence"}, {"pretokenizers", list}};
}

class BpeBehaviour : public ::testing::Test {
protected:
    // The GPT-2 style fixture with edit applied.
    template <typename Edit> std::unique_ptr<Tokenizer> load(Edit edit) {
        json doc = test::fixtureJson("bpe_gpt2style/tokenizer.json");
        edit(doc);
        auto r = loadHfTokenizerJson(m_dir.write("tokenizer.json", doc.dump()));
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? std::move(r).value() : nullptr;
    }
    std::unique_ptr<Tokenizer> withPreTokenizer(const json& pre) {
        return load([&](json& d) { d["pre_tokenizer"] = pre; });
    }
    // BPE of each piece on its own (no pre-tokenizer split), concatenated: what a pre-tokenizer
    // that cuts text into exactly these pieces must produce.
    Ids piecewise(std::initializer_list<std::string> pieces) {
        if (!m_whole) m_whole = withPreTokenizer(byteLevel(false));
        Ids out;
        for (const std::string& p : pieces) {
            auto ids = m_whole->encode(p, false);
            EXPECT_TRUE(ids.ok());
            out.insert(out.end(), ids->begin(), ids->end());
        }
        return out;
    }
    static Ids enc(const Tokenizer& tok, const std::string& text) {
        auto ids = tok.encode(text, false);
        EXPECT_TRUE(ids.ok()) << ids.error().message;
        return ids.ok() ? *ids : Ids{};
    }

    test::ScratchDir m_dir;
    std::unique_ptr<Tokenizer> m_whole;
};

TEST_F(BpeBehaviour, SplitBehavioursFollowTokenizersSemantics) {
    auto run = [&](const std::string& delimiter, const std::string& behavior, const std::string& text,
                   bool invert = false) {
        return enc(*withPreTokenizer(sequence({splitOn(delimiter, behavior, invert), byteLevel(false)})),
                   text);
    };
    const std::string text = "in the  end the";
    EXPECT_EQ(run(" ", "Isolated", text), piecewise({"in", " ", "the", " ", " ", "end", " ", "the"}));
    EXPECT_EQ(run(" ", "Removed", text), piecewise({"in", "the", "end", "the"}));
    EXPECT_EQ(run(" ", "MergedWithPrevious", text), piecewise({"in ", "the ", " ", "end ", "the"}));
    EXPECT_EQ(run(" ", "MergedWithNext", text), piecewise({"in", " the", " ", " end", " the"}));
    EXPECT_EQ(run(" ", "Contiguous", text), piecewise({"in", " ", "the", "  ", "end", " ", "the"}));
    EXPECT_EQ(run(" ", "Removed", text, true), piecewise({" ", " ", " ", " "}));
    // Cases where the grouping changes the merges, so a wrong behaviour cannot pass by accident.
    EXPECT_NE(run(" ", "MergedWithNext", text), run(" ", "Isolated", text));
    EXPECT_EQ(run("e", "MergedWithPrevious", "the then"), piecewise({"the", " the", "n"}));
    EXPECT_NE(run("e", "MergedWithPrevious", "the then"), run("e", "Isolated", "the then"));
    EXPECT_EQ(run("l", "Contiguous", "hello"), piecewise({"he", "ll", "o"}));
    EXPECT_NE(run("l", "Contiguous", "hello"), run("l", "Isolated", "hello"));
}

TEST_F(BpeBehaviour, RegexSplitUsesUnicodeClasses) {
    const json letters = {{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+"}}}, {"behavior", "Isolated"}};
    auto tok = withPreTokenizer(sequence({letters, byteLevel(false)}));
    EXPECT_EQ(enc(*tok, "déjà vu!"), piecewise({"déjà", " ", "vu", "!"}));
}

TEST_F(BpeBehaviour, DigitsStep) {
    auto single =
        withPreTokenizer(sequence({{{"type", "Digits"}, {"individual_digits", true}}, byteLevel(false)}));
    EXPECT_EQ(enc(*single, "ab 1234x"), piecewise({"ab ", "1", "2", "3", "4", "x"}));
    auto runs =
        withPreTokenizer(sequence({{{"type", "Digits"}, {"individual_digits", false}}, byteLevel(false)}));
    EXPECT_EQ(enc(*runs, "ab 1234x"), piecewise({"ab ", "1234", "x"}));
}

TEST_F(BpeBehaviour, AddPrefixSpaceAppliesToEveryTextSegment) {
    auto plain = load([](json&) {});
    auto prefixed = withPreTokenizer(byteLevel(true, true));
    EXPECT_EQ(enc(*prefixed, "hello"), enc(*plain, " hello"));
    EXPECT_EQ(enc(*prefixed, " hello"), enc(*plain, " hello"));
    EXPECT_EQ(enc(*prefixed, "a<|endoftext|>b"), enc(*plain, " a<|endoftext|> b"));
}

TEST_F(BpeBehaviour, AddedTokensSplitLiterallyAndLongestFirst) {
    auto tok = load([](json& d) {
        d["added_tokens"].push_back({{"id", 600}, {"content", "<|endoftext|>!"}, {"special", true}});
        d["added_tokens"].push_back({{"id", 601}, {"content", "<|end"}, {"special", true}});
    });
    const Ids ids = enc(*tok, "x<|endoftext|>!<|endoftext|><|end");
    const Ids x = enc(*tok, "x");
    Ids want = x;
    want.insert(want.end(), {600, 556, 601});
    EXPECT_EQ(ids, want);
    EXPECT_EQ(tok->vocabSize(), 602);
    EXPECT_EQ(tok->tokenText(600), "<|endoftext|>!");
    EXPECT_EQ(tok->tokenText(580), "<unused id 580>"); // a gap between vocabulary and added ids
}

TEST_F(BpeBehaviour, LstripAndRstripSwallowWhitespace) {
    auto tok = load([](json& d) {
        d["added_tokens"][0]["lstrip"] = true;
        d["added_tokens"][0]["rstrip"] = true;
    });
    Ids want = enc(*tok, "x");
    want.push_back(556);
    const Ids y = enc(*tok, "y");
    want.insert(want.end(), y.begin(), y.end());
    EXPECT_EQ(enc(*tok, "x \t<|endoftext|>\n y"), want);
}

TEST_F(BpeBehaviour, IgnoreMergesEmitsWholeWords) {
    auto llama3 = loadHfTokenizerJson(test::dataPath("tokenizers/bpe_llama3style/tokenizer.json"));
    ASSERT_TRUE(llama3.ok()) << llama3.error().message;
    const Ids whole = enc(**llama3, " sinkscope");
    ASSERT_EQ(whole.size(), 1U);
    EXPECT_EQ((*llama3)->tokenText(whole[0]), " sinkscope");
    // The same vocabulary without ignore_merges has to spell the word out of merges.
    auto merged = load([](json& d) {
        d = test::fixtureJson("bpe_llama3style/tokenizer.json");
        d["model"]["ignore_merges"] = false;
    });
    EXPECT_GT(enc(*merged, " sinkscope").size(), 1U);
}

TEST_F(BpeBehaviour, BosFromPostProcessors) {
    auto roberta = load([](json& d) {
        d["post_processor"] = {{"type", "RobertaProcessing"},
                               {"sep", json::array({"<|endoftext|>", 556})},
                               {"cls", json::array({"<|endoftext|>", 556})}};
    });
    EXPECT_EQ(roberta->bosId(), 556);
    EXPECT_EQ(enc(*roberta, "").size(), 0U);
    auto withBos = roberta->encode("hi", true);
    ASSERT_TRUE(withBos.ok());
    EXPECT_EQ(withBos->front(), 556);
    // A template naming its token without a special_tokens table is resolved by content.
    auto byName = load([](json& d) {
        d["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single", json::array({{{"SpecialToken", {{"id", "<|endoftext|>"}}}},
                                                       {{"Sequence", {{"id", "A"}}}}})}};
    });
    EXPECT_EQ(byName->bosId(), 556);
    // A template that starts with the text has no BOS (e.g. an EOS-only template).
    auto eosOnly = load([](json& d) {
        d["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single", json::array({{{"Sequence", {{"id", "A"}}}},
                                                       {{"SpecialToken", {{"id", "<|endoftext|>"}}}}})}};
    });
    EXPECT_EQ(eosOnly->bosId(), std::nullopt);
}

TEST_F(BpeBehaviour, EosPreferenceOrder) {
    auto tok = load([](json& d) {
        d["added_tokens"] = json::array({{{"id", 556}, {"content", "<|im_end|>"}, {"special", true}},
                                         {{"id", 557}, {"content", "</s>"}, {"special", true}}});
        d["model"]["vocab"].erase("<|endoftext|>");
    });
    EXPECT_EQ(tok->eosId(), 557);
    auto none = load([](json& d) {
        d["added_tokens"] = json::array();
        d["model"]["vocab"].erase("<|endoftext|>");
    });
    EXPECT_EQ(none->eosId(), std::nullopt);
}

TEST_F(BpeBehaviour, TokenTextShowsPartialCharactersAsBytes) {
    auto tok = load([](json&) {});
    const Ids cjk = enc(*tok, "日"); // E6 97 A5: no merges for it in the tiny vocabulary
    ASSERT_EQ(cjk.size(), 3U);
    EXPECT_EQ(tok->tokenText(cjk[0]), "<0xE6>");
    EXPECT_EQ(tok->tokenText(cjk[2]), "<0xA5>");
    const Ids the = enc(*tok, " the");
    ASSERT_EQ(the.size(), 1U);
    EXPECT_EQ(tok->tokenText(the[0]), " the");
    EXPECT_EQ(tok->tokenText(-1), "<unused id -1>");
    // Partial characters decode to U+FFFD; ids outside the vocabulary are skipped.
    EXPECT_EQ(tok->decode({cjk[0], cjk[1]}), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(tok->decode({the[0], 99999, -5}), " the");
}

TEST(VocabMerges, AcceptsFilesWithoutVersionLineAndWithCrlf) {
    test::ScratchDir dir;
    const std::string vocab = dir.write("vocab.json", R"({"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4})");
    auto tok = loadVocabMerges(vocab, dir.write("merges.txt", "a b\r\nĠ ab\r\n\r\n"));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    auto ids = (*tok)->encode("ab ab", false);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, (Ids{2, 4}));
    EXPECT_EQ((*tok)->bosId(), std::nullopt); // no <|endoftext|> in this vocabulary
    EXPECT_EQ((*tok)->decode(*ids), "ab ab");
    // A byte with no token is dropped, as tokenizers does without an unk token.
    auto dropped = (*tok)->encode("abc", false);
    ASSERT_TRUE(dropped.ok());
    EXPECT_EQ(*dropped, (Ids{2}));
}

} // namespace
} // namespace sinkscope
