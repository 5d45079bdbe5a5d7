// SentencePiece-style tokenizer.json (Llama-2, Mistral, Gemma): each step of tokenizers' pipeline on
// a small hand-made vocabulary whose ids can be worked out by hand, and the refusals. The real
// files are checked against an independent implementation in test_tokenizer_real.cpp.
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace sinkscope {
namespace {

using nlohmann::json;
using Ids = std::vector<std::int32_t>;
using test::expectErrorMentions;

const std::string kSpace = "\u2581";
constexpr std::int32_t kUnk = 0, kBos = 1, kEos = 2;
constexpr std::int32_t byteId(unsigned b) {
    return 3 + static_cast<std::int32_t>(b);
}
// Pieces after the 256 byte tokens.
constexpr std::int32_t kSp = 259, kA = 260, kB = 261, kH = 262, kI = 263, kSpA = 264, kAb = 265, kSpAb = 266,
                       kHi = 267, kSpHi = 268, kSpSp = 269;

json replace(const std::string& from, const std::string& to, const char* kind = "String") {
    return {{"type", "Replace"}, {"pattern", {{kind, from}}}, {"content", to}};
}

// A Llama-2 style tokenizer.json: Prepend + Replace normalizer, no pre-tokenizer, <s> template,
// Replace / ByteFallback / Fuse / Strip decoder, byte fallback and fused unknowns.
json llamaStyle() {
    json vocab = {{"<unk>", kUnk}, {"<s>", kBos}, {"</s>", kEos}};
    for (unsigned b = 0; b < 256; ++b)
        vocab[fmt::format("<0x{:02X}>", b)] = byteId(b);
    const std::vector<std::pair<std::string, std::int32_t>> pieces = {{kSpace, kSp},
                                                                      {"a", kA},
                                                                      {"b", kB},
                                                                      {"h", kH},
                                                                      {"i", kI},
                                                                      {kSpace + "a", kSpA},
                                                                      {"ab", kAb},
                                                                      {kSpace + "ab", kSpAb},
                                                                      {"hi", kHi},
                                                                      {kSpace + "hi", kSpHi},
                                                                      {kSpace + kSpace, kSpSp}};
    for (const auto& [piece, id] : pieces)
        vocab[piece] = id;
    const json merges =
        json::array({json::array({kSpace, "a"}), json::array({"a", "b"}), json::array({kSpace + "a", "b"}),
                     json::array({"h", "i"}), json::array({kSpace, "hi"}), json::array({kSpace, kSpace})});
    json added = json::array();
    for (const auto& [content, id] : {std::pair{"<unk>", kUnk}, {"<s>", kBos}, {"</s>", kEos}}) {
        added.push_back({{"id", id}, {"content", content}, {"special", true}, {"normalized", false}});
    }
    return {
        {"version", "1.0"},
        {"added_tokens", added},
        {"normalizer",
         {{"type", "Sequence"},
          {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", kSpace}}, replace(" ", kSpace)})}}},
        {"pre_tokenizer", nullptr},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                  {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {kBos}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders", json::array({replace(kSpace, " "),
                                    {{"type", "ByteFallback"}},
                                    {{"type", "Fuse"}},
                                    {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", "<unk>"},
          {"fuse_unk", true},
          {"byte_fallback", true},
          {"vocab", vocab},
          {"merges", merges}}}};
}

json metaspace(const std::string& scheme, bool split) {
    return {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", scheme}, {"split", split}};
}

class SpmStyleJson : public ::testing::Test {
protected:
    std::unique_ptr<Tokenizer> load(const json& doc) {
        auto r = loadHfTokenizerJson(m_dir.write("tokenizer.json", doc.dump()));
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? std::move(r).value() : nullptr;
    }
    template <typename Edit> std::unique_ptr<Tokenizer> edited(Edit edit) {
        json doc = llamaStyle();
        edit(doc);
        return load(doc);
    }
    template <typename Edit> Result<std::unique_ptr<Tokenizer>> tryEdited(Edit edit) {
        json doc = llamaStyle();
        edit(doc);
        return loadHfTokenizerJson(m_dir.write("tokenizer.json", doc.dump()));
    }
    static Ids enc(const Tokenizer& tok, const std::string& text, bool addBos = false) {
        auto ids = tok.encode(text, addBos);
        EXPECT_TRUE(ids.ok()) << ids.error().message;
        return ids.ok() ? *ids : Ids{};
    }
    // The same document with a Metaspace pre-tokenizer doing the normalizer's work.
    std::unique_ptr<Tokenizer> withMetaspace(const json& step) {
        return edited([&](json& d) {
            d["normalizer"] = nullptr;
            d["pre_tokenizer"] = step;
        });
    }
    test::ScratchDir m_dir;
};

TEST_F(SpmStyleJson, MergesByRankOverCharacters) {
    auto tok = load(llamaStyle());
    ASSERT_TRUE(tok);
    EXPECT_EQ(enc(*tok, "ab"), (Ids{kSpAb}));
    // "▁hi▁ab" is one word: ranks decide, not position.
    EXPECT_EQ(enc(*tok, "hi ab"), (Ids{kSpHi, kSpAb}));
    // "▁▁▁a": "▁ a" (rank 0) first, then the leftmost "▁ ▁" (rank 5).
    EXPECT_EQ(enc(*tok, "  a"), (Ids{kSpSp, kSpA}));
    EXPECT_EQ(enc(*tok, "ab", true), (Ids{kBos, kSpAb}));
    EXPECT_EQ(tok->bosId(), kBos);
    EXPECT_EQ(tok->eosId(), kEos);
    EXPECT_EQ(enc(*tok, ""), Ids{});
    EXPECT_NE(tok->describe().find("SentencePiece-style BPE (tokenizer.json), 270 tokens"),
              std::string::npos);
}

TEST_F(SpmStyleJson, MergesAsStringsGiveTheSameIds) {
    auto tok = edited([](json& d) {
        for (json& m : d["model"]["merges"])
            m = m[0].get<std::string>() + " " + m[1].get<std::string>();
    });
    ASSERT_TRUE(tok);
    EXPECT_EQ(enc(*tok, "hi ab"), (Ids{kSpHi, kSpAb}));
    EXPECT_EQ(enc(*tok, "  a"), (Ids{kSpSp, kSpA}));
}

TEST_F(SpmStyleJson, EachSegmentBetweenAddedTokensIsNormalizedAlone) {
    auto tok = load(llamaStyle());
    ASSERT_TRUE(tok);
    // Prepend applies after </s> too, as in tokenizers (Llama-2's "legacy" behaviour).
    EXPECT_EQ(enc(*tok, "ab</s>ab"), (Ids{kSpAb, kEos, kSpAb}));
    EXPECT_EQ(enc(*tok, "</s>"), (Ids{kEos}));
}

TEST_F(SpmStyleJson, ByteFallbackAndUnknownCharacters) {
    auto tok = load(llamaStyle());
    ASSERT_TRUE(tok);
    EXPECT_EQ(enc(*tok, "\u00e9"), (Ids{kSp, byteId(0xC3), byteId(0xA9)}));

    auto noFallback = edited([](json& d) { d["model"]["byte_fallback"] = false; });
    EXPECT_EQ(enc(*noFallback, "\u00e9\u00e9b"), (Ids{kSp, kUnk, kB}));
    auto unfused = edited([](json& d) {
        d["model"]["byte_fallback"] = false;
        d["model"]["fuse_unk"] = false;
    });
    EXPECT_EQ(enc(*unfused, "\u00e9\u00e9b"), (Ids{kSp, kUnk, kUnk, kB}));

    // A character whose bytes lack a token is unknown; tokenizers emits a later character's byte
    // tokens before that pending unknown token.
    auto partial = edited([](json& d) { d["model"]["vocab"].erase("<0xA9>"); });
    EXPECT_EQ(enc(*partial, "\u00e9\u00fc"), (Ids{kSp, byteId(0xC3), byteId(0xBC), kUnk}));
    EXPECT_EQ(enc(*partial, "\u00e9b"), (Ids{kSp, kUnk, kB}));
}

TEST_F(SpmStyleJson, DecoderChain) {
    auto tok = load(llamaStyle());
    ASSERT_TRUE(tok);
    EXPECT_EQ(tok->decode({kSpHi, kSpAb}), "hi ab"); // Strip removes the dummy prefix's space
    EXPECT_EQ(tok->decode({kBos, kSpHi, kSpAb}), "<s> hi ab");
    EXPECT_EQ(tok->decode({kSp, byteId(0xC3), byteId(0xA9)}), "\u00e9");
    // Byte tokens that are not valid UTF-8 give one U+FFFD each, as tokenizers' ByteFallback does.
    EXPECT_EQ(tok->decode({byteId(0xC3), byteId(0xC3), kA}), "\ufffd\ufffda");
    EXPECT_EQ(tok->decode({kSpAb, 99999, -1}), "ab");
    EXPECT_EQ(tok->decode(enc(*tok, "ab</s>ab")), "ab</s> ab");

    auto metaDecoder = edited([](json& d) { d["decoder"] = metaspace("always", true); });
    EXPECT_EQ(metaDecoder->decode({kSpHi, kSpAb}), "hi ab");
    // In the first token every replacement character goes, not just one.
    EXPECT_EQ(metaDecoder->decode({kSpSp, kSpA}), " a");
    auto neverDecoder = edited([](json& d) { d["decoder"] = metaspace("never", true); });
    EXPECT_EQ(neverDecoder->decode({kSpSp, kSpA}), "   a");
    auto legacyDecoder = edited([](json& d) {
        d["decoder"] = {{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", false}};
    });
    EXPECT_EQ(legacyDecoder->decode({kSpSp, kSpA}), "   a");

    auto stripBoth = edited([](json& d) {
        d["decoder"]["decoders"][3] = {{"type", "Strip"}, {"content", "a"}, {"start", 2}, {"stop", 1}};
    });
    // After Fuse, one token "aaabaa": at most two "a" go from its front, one from its back.
    EXPECT_EQ(stripBoth->decode({kA, kA, kA, kB, kA, kA}), "aba");

    // Without a decoder tokenizers joins the token strings with spaces.
    auto none = edited([](json& d) { d.erase("decoder"); });
    EXPECT_EQ(none->decode({kSpHi, kSpAb}), kSpace + "hi " + kSpace + "ab");
}

TEST_F(SpmStyleJson, DisplayText) {
    auto tok = load(llamaStyle());
    ASSERT_TRUE(tok);
    EXPECT_EQ(tok->tokenText(kSpHi), " hi");
    EXPECT_EQ(tok->tokenText(byteId(0xC3)), "<0xC3>");
    EXPECT_EQ(tok->tokenText(kBos), "<s>");
    EXPECT_EQ(tok->tokenText(4000), "<unused id 4000>");
}

TEST_F(SpmStyleJson, MetaspacePrependSchemesAndSplit) {
    auto always = withMetaspace(metaspace("always", true));
    EXPECT_EQ(enc(*always, "ab</s>ab"), (Ids{kSpAb, kEos, kSpAb}));
    // Split: each "▁" starts a piece, so "▁▁▁a" cannot merge across them.
    EXPECT_EQ(enc(*always, "   a"), (Ids{kSp, kSp, kSpA}));
    auto whole = withMetaspace(metaspace("always", false));
    EXPECT_EQ(enc(*whole, "   a"), (Ids{kSpSp, kSpA}));
    // A piece that already starts with a space gets no second one.
    EXPECT_EQ(enc(*whole, " ab"), (Ids{kSpAb}));

    auto first = withMetaspace(metaspace("first", true));
    EXPECT_EQ(enc(*first, "ab</s>ab"), (Ids{kSpAb, kEos, kAb}));
    EXPECT_EQ(enc(*first, "</s>ab"), (Ids{kEos, kAb}));
    auto never = withMetaspace(metaspace("never", true));
    EXPECT_EQ(enc(*never, "ab</s>ab"), (Ids{kAb, kEos, kAb}));

    // Files from before prepend_scheme: add_prefix_space says always or never.
    auto legacyOff =
        withMetaspace({{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", false}});
    EXPECT_EQ(enc(*legacyOff, "ab"), (Ids{kAb}));
    auto legacyOn =
        withMetaspace({{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", true}});
    EXPECT_EQ(enc(*legacyOn, "ab"), (Ids{kSpAb}));
}

TEST_F(SpmStyleJson, GemmaStyleReplaceOnlyAndSplitOnSpace) {
    auto tok = edited([](json& d) {
        d["normalizer"] = replace(" ", kSpace);
        // After the normalizer there are no spaces left: Gemma's split never cuts.
        d["pre_tokenizer"] = {{"type", "Split"},
                              {"pattern", {{"String", " "}}},
                              {"behavior", "MergedWithPrevious"},
                              {"invert", false}};
        d["decoder"]["decoders"].erase(3);
    });
    EXPECT_EQ(enc(*tok, "ab"), (Ids{kAb}));
    EXPECT_EQ(enc(*tok, "hi ab"), (Ids{kHi, kSpAb}));
    EXPECT_EQ(tok->decode({kHi, kSpAb}), "hi ab");
    EXPECT_EQ(tok->decode({kSpAb}), " ab");
}

TEST_F(SpmStyleJson, RegexReplaceAndNormalizedAddedTokens) {
    auto collapse =
        edited([](json& d) { d["normalizer"]["normalizers"][1] = replace(" +", kSpace, "Regex"); });
    EXPECT_EQ(enc(*collapse, "hi   ab"), (Ids{kSpHi, kSpAb}));

    // A "normalized" added token is looked for in the normalized text, "▁x" here.
    auto tok = edited([](json& d) {
        d["added_tokens"].push_back(
            {{"id", 270}, {"content", kSpace + "x"}, {"special", false}, {"normalized", true}});
    });
    EXPECT_EQ(enc(*tok, "a x"), (Ids{kSpA, 270}));
    EXPECT_EQ(enc(*tok, "ax"), (Ids{kSpA, byteId('x')}));
    EXPECT_EQ(tok->decode({kSpA, 270}), "a x");
}

TEST_F(SpmStyleJson, IgnoreMerges) {
    auto tok = edited([](json& d) {
        d["model"]["vocab"][kSpace + "abab"] = 270;
        d["model"]["ignore_merges"] = true;
    });
    EXPECT_EQ(enc(*tok, "abab"), (Ids{270}));
    auto merged = edited([](json& d) { d["model"]["vocab"][kSpace + "abab"] = 270; });
    EXPECT_EQ(enc(*merged, "abab"), (Ids{kSpAb, kAb}));
}

TEST_F(SpmStyleJson, RefusalsNameFieldAndValue) {
    expectErrorMentions(tryEdited([](json& d) { d["pre_tokenizer"] = metaspace("sometimes", true); }),
                        {"tokenizer.json", "pre_tokenizer.prepend_scheme", "\"sometimes\""});
    expectErrorMentions(tryEdited([](json& d) {
                            d["pre_tokenizer"] = metaspace("always", true);
                            d["pre_tokenizer"]["replacement"] = "__";
                        }),
                        {"pre_tokenizer.replacement", "\"__\"", "one character"});
    expectErrorMentions(tryEdited([](json& d) {
                            d["pre_tokenizer"] = metaspace("always", true);
                            d["pre_tokenizer"]["add_prefix_space"] = false;
                        }),
                        {"pre_tokenizer.add_prefix_space", "contradicts", "\"always\""});
    expectErrorMentions(tryEdited([](json& d) {
                            d["pre_tokenizer"] = {{"type", "Whitespace"}};
                        }),
                        {"pre_tokenizer.type", "\"Whitespace\""});
    expectErrorMentions(tryEdited([](json& d) {
                            d["normalizer"] = {{"type", "Lowercase"}};
                        }),
                        {"normalizer.type", "\"Lowercase\"", "not a supported normalizer"});
    expectErrorMentions(
        tryEdited([](json& d) { d["normalizer"]["normalizers"][1] = replace("x*", "y", "Regex"); }),
        {"normalizer.normalizers[1].pattern.Regex", "x*", "empty string"});
    expectErrorMentions(
        tryEdited([](json& d) { d["normalizer"]["normalizers"][1] = replace(" ", std::string(100, 'x')); }),
        {"normalizer.normalizers[1].content", "100 bytes"});
    expectErrorMentions(tryEdited([](json& d) {
                            d["normalizer"]["normalizers"] = json::array({replace("a", std::string(8, 'a')),
                                                                          replace("a", std::string(8, 'a')),
                                                                          replace("a", std::string(8, 'a'))});
                        }),
                        {"tokenizer.json: normalizer", "more than 64 times longer"});
    expectErrorMentions(tryEdited([](json& d) {
                            d["decoder"]["decoders"][1] = {{"type", "WordPiece"}};
                        }),
                        {"decoder.decoders[1].type", "\"WordPiece\"", "not a supported decoder"});
    expectErrorMentions(tryEdited([](json& d) { d["decoder"]["decoders"][3]["start"] = -1; }),
                        {"decoder.decoders[3].start", "-1"});
    expectErrorMentions(tryEdited([](json& d) {
                            d["model"]["merges"][2] = json::array({kSpace, "zz"});
                        }),
                        {"model.merges[2]", "second part is not in the vocabulary"});
    expectErrorMentions(tryEdited([](json& d) { d["model"]["unk_token"] = "<nope>"; }),
                        {"model.unk_token", "\"<nope>\"", "not in the vocabulary"});
    expectErrorMentions(tryEdited([](json& d) { d["model"]["type"] = "Unigram"; }),
                        {"model.type", "\"Unigram\"", "only \"BPE\""});
    expectErrorMentions(tryEdited([](json& d) { d["model"]["vocab"]["a"] = -3; }),
                        {"model.vocab[\"a\"]", "-3"});
}

TEST(SpmStyleDirectory, TokenizerJsonServesWithoutTokenizerModel) {
    test::ScratchDir dir;
    dir.write("tokenizer.json", llamaStyle().dump());
    auto tok = loadTokenizerFromDirectory(dir.dir());
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    EXPECT_NE((*tok)->describe().find("SentencePiece-style BPE (tokenizer.json)"), std::string::npos);
    // Beside a tokenizer.model it is still the one used, as transformers uses the fast tokenizer.
    dir.write("tokenizer.model", test::readWholeFile(test::dataPath("tokenizers/spm/tokenizer.model")));
    auto both = loadTokenizerFromDirectory(dir.dir());
    ASSERT_TRUE(both.ok()) << both.error().message;
    EXPECT_NE((*both)->describe().find("SentencePiece-style BPE (tokenizer.json)"), std::string::npos);
}

// The fuzz target's seeds must reach encoding, not stop at a refusal.
TEST(SpmStyleFuzzSeeds, LoadAndEncode) {
    for (const char* name : {"spm_llama2style.json", "spm_metaspace.json"}) {
        const std::string path = std::string(SINKSCOPE_FUZZ_CORPUS_DIR) + "/tokenizer_json/" + name;
        auto tok = parseHfTokenizerJson(test::readWholeFile(path), path);
        ASSERT_TRUE(tok.ok()) << tok.error().message;
        EXPECT_NE((*tok)->describe().find("SentencePiece-style"), std::string::npos);
        auto ids = (*tok)->encode("hi  ab 12 \u00e9x</s>\u2581x", true);
        ASSERT_TRUE(ids.ok()) << ids.error().message;
        EXPECT_GT(ids->size(), 8U) << name;
    }
}

} // namespace
} // namespace sinkscope
