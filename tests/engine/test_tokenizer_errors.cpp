// Refusals: every malformed or unsupported tokenizer file must give an Error that names the file,
// the field and the offending value, never an exception or a silently wrong tokenizer.
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>

namespace sinkscope {
namespace {

using nlohmann::json;
using test::expectErrorMentions;

class HfJsonErrors : public ::testing::Test {
protected:
    // Loads a variant of the GPT-2 style fixture after edit has changed it.
    template <typename Edit> Result<std::unique_ptr<Tokenizer>> loadEdited(Edit edit) {
        json doc = test::fixtureJson("bpe_gpt2style/tokenizer.json");
        edit(doc);
        return loadHfTokenizerJson(m_dir.write("tokenizer.json", doc.dump()));
    }
    test::ScratchDir m_dir;
};

TEST_F(HfJsonErrors, MalformedJsonNamesFileAndPosition) {
    auto r = loadHfTokenizerJson(m_dir.write("tokenizer.json", "{\"model\": {\"type\": \"BPE\",\n  oops}"));
    expectErrorMentions(r, {"tokenizer.json", "not valid JSON", "line 2"});
}

TEST_F(HfJsonErrors, MissingFileNamesIt) {
    expectErrorMentions(loadHfTokenizerJson(m_dir.path("tokenizer.json")), {"tokenizer.json", "cannot open"});
}

TEST_F(HfJsonErrors, TopLevelMustBeObject) {
    expectErrorMentions(loadHfTokenizerJson(m_dir.write("tokenizer.json", "[1, 2]")),
                        {"tokenizer.json", "top level", "not an object"});
}

TEST_F(HfJsonErrors, WrongModelType) {
    auto r = loadEdited([](json& d) { d["model"]["type"] = "WordPiece"; });
    expectErrorMentions(r, {"tokenizer.json", "model.type", "\"WordPiece\"", "BPE"});
}

TEST_F(HfJsonErrors, MergeOfWrongType) {
    auto r = loadEdited([](json& d) { d["model"]["merges"][12] = 5; });
    expectErrorMentions(r, {"tokenizer.json", "model.merges[12] is not a string or pair", "5"});
    auto pair = loadEdited([](json& d) { d["model"]["merges"][3] = json::array({"a", 7}); });
    expectErrorMentions(pair, {"model.merges[3] is not a string or pair"});
}

TEST_F(HfJsonErrors, MergeStringWithoutOneSpace) {
    auto r = loadEdited([](json& d) { d["model"]["merges"][4] = "a b c"; });
    expectErrorMentions(r, {"model.merges[4]", "\"a b c\"", "two tokens"});
}

TEST_F(HfJsonErrors, MergeResultNotInVocabulary) {
    auto r = loadEdited([](json& d) { d["model"]["merges"][0] = "z q"; });
    expectErrorMentions(r, {"model.merges[0]", "(z q)", "merged token is not in the vocabulary"});
}

TEST_F(HfJsonErrors, MissingVocab) {
    auto r = loadEdited([](json& d) { d["model"].erase("vocab"); });
    expectErrorMentions(r, {"tokenizer.json", "model.vocab is missing"});
}

TEST_F(HfJsonErrors, VocabIdNotAnInteger) {
    auto r = loadEdited([](json& d) { d["model"]["vocab"]["the"] = "seven"; });
    expectErrorMentions(r, {"model.vocab[\"the\"]", "not an integer", "\"seven\""});
    auto negative = loadEdited([](json& d) { d["model"]["vocab"]["the"] = -4; });
    expectErrorMentions(negative, {"model.vocab[\"the\"]", "-4"});
}

TEST_F(HfJsonErrors, AddedTokenWithoutContent) {
    auto r = loadEdited([](json& d) { d["added_tokens"][0].erase("content"); });
    expectErrorMentions(r, {"added_tokens[0].content is missing"});
}

TEST_F(HfJsonErrors, UnknownPreTokenizerTypeIsNamed) {
    auto r = loadEdited([](json& d) { d["pre_tokenizer"] = {{"type", "Whitespace"}}; });
    expectErrorMentions(r, {"tokenizer.json", "pre_tokenizer.type", "\"Whitespace\""});
    auto nested = loadEdited([](json& d) {
        d["pre_tokenizer"] = {
            {"type", "Sequence"},
            {"pretokenizers", json::array({{{"type", "Punctuation"}}, d["pre_tokenizer"]})}};
    });
    expectErrorMentions(nested, {"pre_tokenizer.pretokenizers[0].type", "\"Punctuation\""});
}

TEST_F(HfJsonErrors, PreTokenizerWithoutByteLevelIsRefused) {
    auto r = loadEdited([](json& d) {
        d["pre_tokenizer"] = {
            {"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "Isolated"}, {"invert", false}};
    });
    expectErrorMentions(r, {"pre_tokenizer", "no ByteLevel", "decoder is byte-level"});
    auto missing = loadEdited([](json& d) { d["pre_tokenizer"] = nullptr; });
    expectErrorMentions(missing, {"pre_tokenizer is missing"});
}

TEST_F(HfJsonErrors, BadSplitRegexIsNamed) {
    auto r = loadEdited([](json& d) {
        d["pre_tokenizer"] = {{"type", "Sequence"},
                              {"pretokenizers", json::array({{{"type", "Split"},
                                                              {"pattern", {{"Regex", "(unclosed"}}},
                                                              {"behavior", "Isolated"}},
                                                             d["pre_tokenizer"]})}};
    });
    expectErrorMentions(r, {"pre_tokenizer.pretokenizers[0].pattern.Regex", "(unclosed", "does not compile"});
    auto behavior = loadEdited([](json& d) {
        d["pre_tokenizer"] = {
            {"type", "Sequence"},
            {"pretokenizers",
             json::array({{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", "Sideways"}},
                          d["pre_tokenizer"]})}};
    });
    expectErrorMentions(behavior, {"pretokenizers[0].behavior", "\"Sideways\""});
}

TEST_F(HfJsonErrors, StepAfterByteLevelIsRefused) {
    auto r = loadEdited([](json& d) {
        d["pre_tokenizer"] = {{"type", "Sequence"},
                              {"pretokenizers", json::array({d["pre_tokenizer"], {{"type", "Digits"}}})}};
    });
    expectErrorMentions(r, {"pretokenizers[1]", "follows ByteLevel"});
}

TEST_F(HfJsonErrors, UnsupportedNormalizerAndDecoder) {
    auto r = loadEdited([](json& d) { d["normalizer"] = {{"type", "Lowercase"}}; });
    expectErrorMentions(r, {"normalizer.type", "\"Lowercase\""});
    auto dec = loadEdited([](json& d) { d["decoder"] = {{"type", "WordPiece"}}; });
    expectErrorMentions(dec, {"decoder", "no ByteLevel step", "pre-tokenizer is byte-level"});
}

TEST_F(HfJsonErrors, WordPieceAffixIsRefused) {
    auto r = loadEdited([](json& d) { d["model"]["continuing_subword_prefix"] = "##"; });
    expectErrorMentions(r, {"model.continuing_subword_prefix", "\"##\""});
}

TEST_F(HfJsonErrors, TemplateNamingUnknownTokenIsRefused) {
    auto r = loadEdited([](json& d) {
        d["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single", json::array({{{"SpecialToken", {{"id", "<nope>"}, {"type_id", 0}}}},
                                                       {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})}};
    });
    expectErrorMentions(r, {"post_processor.single[0].SpecialToken.id", "\"<nope>\""});
}

TEST(VocabMergesErrors, BadFilesAreNamed) {
    test::ScratchDir dir;
    const std::string vocab = dir.write("vocab.json", R"({"a": 0, "b": 1, "ab": 2})");
    auto badLine = loadVocabMerges(vocab, dir.write("merges.txt", "#version: 0.2\na b\nab\n"));
    expectErrorMentions(badLine, {"merges.txt", "line 3", "\"ab\"", "two tokens"});
    auto unknown = loadVocabMerges(vocab, dir.write("merges.txt", "a c\n"));
    expectErrorMentions(unknown, {"merges.txt", "line 1", "second part is not in the vocabulary"});
    auto badJson = loadVocabMerges(dir.write("vocab.json", "{\"a\": }"), dir.path("merges.txt"));
    expectErrorMentions(badJson, {"vocab.json", "not valid JSON"});
    auto badId = loadVocabMerges(dir.write("vocab.json", R"({"a": 0, "b": true})"), dir.path("merges.txt"));
    expectErrorMentions(badId, {"vocab.json", "entry \"b\"", "not an integer"});
}

TEST(SentencePieceErrors, GarbageModelIsNamed) {
    test::ScratchDir dir;
    auto r = loadSentencePiece(dir.write("tokenizer.model", "definitely not a protobuf"));
    expectErrorMentions(r, {"tokenizer.model"});
    expectErrorMentions(loadSentencePiece(dir.path("missing.model")), {"missing.model", "cannot open"});
    const std::string model = test::readWholeFile(test::dataPath("tokenizers/spm/tokenizer.model"));
    auto truncated = loadSentencePiece(dir.write("tokenizer.model", model.substr(0, model.size() / 2)));
    expectErrorMentions(truncated, {"tokenizer.model", "runs past the end"});
}

// Protobuf encoding helpers for hand-made ModelProto files.
std::string varint(std::uint64_t v) {
    std::string out;
    for (; v >= 0x80; v >>= 7)
        out += static_cast<char>((v & 0x7F) | 0x80);
    return out + static_cast<char>(v);
}
std::string lengthField(int number, const std::string& bytes) {
    return varint(static_cast<std::uint64_t>(number) << 3 | 2) + varint(bytes.size()) + bytes;
}
std::string varintField(int number, std::uint64_t value) {
    return varint(static_cast<std::uint64_t>(number) << 3) + varint(value);
}
std::string spmPiece(const std::string& text, int type) {
    return lengthField(1, lengthField(1, text) + varintField(3, static_cast<std::uint64_t>(type)));
}

TEST(SentencePieceErrors, InconsistentModelsAreRefused) {
    test::ScratchDir dir;
    const std::string unk = spmPiece("<unk>", 2);
    expectErrorMentions(loadSentencePiece(dir.write("a.model", spmPiece("a", 1))),
                        {"a.model", "no <unk> piece"});
    expectErrorMentions(loadSentencePiece(dir.write("b.model", unk + spmPiece("a", 1) + spmPiece("a", 1))),
                        {"b.model", "pieces[2]", "\"a\" is already defined"});
    expectErrorMentions(loadSentencePiece(dir.write("c.model", unk + spmPiece("<0x41>", 6))),
                        {"c.model", "pieces[1]", "byte_fallback is off"});
    const std::string wordModel = lengthField(2, varintField(3, 3)); // trainer_spec.model_type = WORD
    expectErrorMentions(loadSentencePiece(dir.write("d.model", unk + wordModel)),
                        {"d.model", "model_type 3"});
    expectErrorMentions(loadSentencePiece(dir.write("e.model", unk + spmPiece("x", 9))),
                        {"e.model", "pieces[1]", "unknown piece type 9"});
    // The smallest usable model: everything is <unk>.
    auto tiny = loadSentencePiece(dir.write("f.model", unk));
    ASSERT_TRUE(tiny.ok()) << tiny.error().message;
    auto ids = (*tiny)->encode("abc", true);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, (std::vector<std::int32_t>{0})); // no BOS piece; one folded <unk>
}

// A tokenizer.bin with the given tokens, cut to `keep` bytes when keep is set.
std::string llama2cBytes(const std::vector<std::string>& pieces, std::size_t keep = std::string::npos) {
    std::string out;
    auto put = [&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); };
    const std::int32_t maxLen = 8;
    put(&maxLen, 4);
    for (const std::string& piece : pieces) {
        const float score = 0.0F;
        const auto len = static_cast<std::int32_t>(piece.size());
        put(&score, 4);
        put(&len, 4);
        put(piece.data(), piece.size());
    }
    return out.substr(0, keep);
}

TEST(Llama2cErrors, TruncatedFileNamesTokenIndex) {
    test::ScratchDir dir;
    const std::vector<std::string> pieces = {"<unk>", "<s>", "</s>", "abc", "defg"};
    const std::string full = llama2cBytes(pieces);
    // Cut inside the bytes of token 4, then inside the header of token 3.
    auto midPiece = loadLlama2cTokenizer(dir.write("tokenizer.bin", full.substr(0, full.size() - 2)), 5);
    expectErrorMentions(midPiece, {"tokenizer.bin", "truncated at token 4"});
    auto midHeader =
        loadLlama2cTokenizer(dir.write("tokenizer.bin", llama2cBytes(pieces, 4 + 3 * 8 + 11 + 5)), 0);
    expectErrorMentions(midHeader, {"tokenizer.bin", "truncated at token 3"});
    auto tooMany = loadLlama2cTokenizer(dir.write("tokenizer.bin", full), 9);
    expectErrorMentions(tooMany, {"tokenizer.bin", "truncated at token 5"});
    auto header = loadLlama2cTokenizer(dir.write("tokenizer.bin", "ab"), 0);
    expectErrorMentions(header, {"tokenizer.bin", "too short"});
}

TEST(Llama2cErrors, NegativeLengthAndBadHeader) {
    test::ScratchDir dir;
    std::string bytes = llama2cBytes({"<unk>", "<s>"});
    const std::int32_t negative = -3;
    std::memcpy(bytes.data() + 4 + 8 + 5 + 4, &negative, 4); // length field of token 1
    expectErrorMentions(loadLlama2cTokenizer(dir.write("tokenizer.bin", bytes), 0),
                        {"tokenizer.bin", "token 1", "negative length -3"});
    std::string zeroHeader = llama2cBytes({"<unk>"});
    std::memset(zeroHeader.data(), 0, 4);
    expectErrorMentions(loadLlama2cTokenizer(dir.write("tokenizer.bin", zeroHeader), 0),
                        {"tokenizer.bin", "max_token_length is 0"});
}

TEST(DirectoryErrors, NothingToLoad) {
    test::ScratchDir dir;
    dir.write("vocab.json", "{}"); // without merges.txt it does not count
    auto r = loadTokenizerFromDirectory(dir.dir());
    expectErrorMentions(r, {dir.dir(), "no tokenizer found", "tokenizer.json", "vocab.json + merges.txt",
                            "tokenizer.model", "tokenizer.bin"});
    expectErrorMentions(loadTokenizerFromDirectory(dir.path("absent")), {"absent", "not a directory"});
}

TEST(DirectoryErrors, BrokenTokenizerJsonIsReportedWithoutFallback) {
    test::ScratchDir dir;
    dir.write("tokenizer.json", "{");
    dir.write("vocab.json", test::readWholeFile(test::dataPath("tokenizers/bpe_vocab_merges/vocab.json")));
    dir.write("merges.txt", test::readWholeFile(test::dataPath("tokenizers/bpe_vocab_merges/merges.txt")));
    expectErrorMentions(loadTokenizerFromDirectory(dir.dir()), {"tokenizer.json", "not valid JSON"});
}

TEST(DirectoryErrors, MalformedConfigForTokenizerBin) {
    test::ScratchDir dir;
    dir.write("tokenizer.bin", test::readWholeFile(test::dataPath("tokenizers/llama2c/tokenizer.bin")));
    dir.write("config.json", "{\"vocab_size\": ");
    expectErrorMentions(loadTokenizerFromDirectory(dir.dir()), {"config.json", "not valid JSON"});
    dir.write("config.json", "{\"vocab_size\": 100000}");
    expectErrorMentions(loadTokenizerFromDirectory(dir.dir()), {"tokenizer.bin", "truncated at token 400"});
}

} // namespace
} // namespace sinkscope
