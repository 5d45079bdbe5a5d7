// tokenizerFromGguf / loadGgufTokenizer: the vocabulary llama.cpp's converter stores in a GGUF file,
// read back into the tokenizer classes the other formats use, so ids match those loaders.
#include "tokenizer/gguf_tokenizer.h"

#include "core/excerpt.h"
#include "tokenizer/bpe_parts.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/load_error.h"
#include "tokenizer/pre_tokenizer_json.h"
#include "tokenizer/sentencepiece_tokenizer.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

// llama.cpp's token types (LLAMA_TOKEN_TYPE_*) use sentencepiece's piece-type numbers.
constexpr std::int64_t kTypeUndefined = 0, kTypeNormal = 1, kTypeUnknown = 2, kTypeControl = 3,
                       kTypeUserDefined = 4, kTypeByte = 6;

// Llama-3's pre-tokenizer pattern (tokenizer.json's Split step; llama.cpp's "llama-bpe").
constexpr const char* kLlama3Pattern = R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3})"
                                       R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2/2.5/3's (tokenizer.json's Split step; llama.cpp's "qwen2"): single digits instead of runs of
// up to three.
constexpr const char* kQwen2Pattern = R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N})"
                                      R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kSupportedPre = "gpt-2, olmo, llama-bpe, dbrx, qwen2, smollm";

class Keys {
public:
    explicit Keys(const GgufFile& f) : m_f(f) {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throwLoadError(fmt::format("{}: key '{}': {}", m_f.path(), key, what));
    }

    // The token list every vocabulary has.
    const GgufValue& tokens() const {
        const GgufValue& v = array("tokenizer.ggml.tokens", GgufValueType::String, std::nullopt);
        if (v.count == 0) fail("tokenizer.ggml.tokens", "is empty");
        for (std::size_t i = 0; i < v.strings.size(); ++i)
            if (v.strings[i].empty()) fail("tokenizer.ggml.tokens", fmt::format("token {} is empty", i));
        return v;
    }

    // An array of the given element type (and length, when given); nullptr when optional and absent.
    const GgufValue* optionalArray(const std::string& key, GgufValueType element,
                                   std::optional<std::uint64_t> count) const {
        const GgufValue* v = m_f.find(key);
        if (!v) return nullptr;
        if (v->type != GgufValueType::Array || v->elementType != element)
            fail(key,
                 fmt::format("has type {}, expected array of {}", v->typeName(), ggufValueTypeName(element)));
        if (count && v->count != *count)
            fail(key, fmt::format("has {} entries for {} tokens", v->count, *count));
        return v;
    }
    const GgufValue& array(const std::string& key, GgufValueType element,
                           std::optional<std::uint64_t> count) const {
        const GgufValue* v = optionalArray(key, element, count);
        if (!v) fail(key, "missing");
        return *v;
    }

    // A token id below n; fallback when absent.
    std::optional<std::int32_t> tokenId(const std::string& key, std::uint64_t n,
                                        std::optional<std::int32_t> fallback) const {
        const GgufValue* v = m_f.find(key);
        if (!v) return fallback && static_cast<std::uint64_t>(*fallback) < n ? fallback : std::nullopt;
        const auto id = v->asInt();
        if (!id) fail(key, fmt::format("has type {}, expected an integer", v->typeName()));
        if (*id < 0 || static_cast<std::uint64_t>(*id) >= n)
            fail(key, fmt::format("is {}, outside the {} tokens", *id, n));
        return static_cast<std::int32_t>(*id);
    }
    std::optional<bool> boolean(const std::string& key) const {
        const GgufValue* v = m_f.find(key);
        if (!v) return std::nullopt;
        if (!v->asBool()) fail(key, fmt::format("has type {}, expected bool", v->typeName()));
        return v->asBool();
    }
    std::optional<std::string_view> string(const std::string& key) const {
        const GgufValue* v = m_f.find(key);
        if (!v) return std::nullopt;
        if (!v->asString()) fail(key, fmt::format("has type {}, expected string", v->typeName()));
        return v->asString();
    }
    // Token i's type; types may be absent (then everything is normal).
    std::int64_t tokenType(const GgufValue* types, std::uint64_t i) const {
        if (!types) return kTypeNormal;
        const auto t = types->intAt(i).value_or(-1);
        if (t < kTypeUndefined || t > kTypeByte)
            fail("tokenizer.ggml.token_type", fmt::format("token {} has unknown type {}", i, t));
        return t == kTypeUndefined ? kTypeNormal : t;
    }

private:
    const GgufFile& m_f;
};

std::unique_ptr<Tokenizer> buildSentencePiece(const GgufFile& f) {
    const Keys keys(f);
    const GgufValue& tokens = keys.tokens();
    const std::uint64_t n = tokens.count;
    const GgufValue* scores = keys.optionalArray("tokenizer.ggml.scores", GgufValueType::F32, n);
    const GgufValue* types = keys.optionalArray("tokenizer.ggml.token_type", GgufValueType::I32, n);
    // llama.cpp's defaults for SentencePiece vocabularies.
    const auto unk = keys.tokenId("tokenizer.ggml.unknown_token_id", n, 0);
    const auto bos = keys.tokenId("tokenizer.ggml.bos_token_id", n, 1);
    const auto eos = keys.tokenId("tokenizer.ggml.eos_token_id", n, 2);

    SpmModelSpec spec;
    spec.modelType = SpmModelType::Bpe; // llama.cpp merges "llama" vocabularies by score, as BPE does
    spec.pieces.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        SpmPiece p;
        p.text = std::string(tokens.strings[i]);
        p.score = scores ? static_cast<float>(scores->doubleAt(i).value_or(0.0)) : 0.0F;
        std::int64_t type = keys.tokenType(types, i);
        // Without token types, the special ids are all that marks <unk>, <s> and </s>.
        if (!types && unk && i == static_cast<std::uint64_t>(*unk)) type = kTypeUnknown;
        if (!types && ((bos && i == static_cast<std::uint64_t>(*bos)) ||
                       (eos && i == static_cast<std::uint64_t>(*eos))))
            type = kTypeControl;
        p.type = static_cast<SpmPieceType>(type);
        spec.byteFallback = spec.byteFallback || type == kTypeByte;
        spec.pieces.push_back(std::move(p));
    }
    spec.bosPiece = bos ? spec.pieces[static_cast<std::size_t>(*bos)].text : std::string();
    spec.eosPiece = eos ? spec.pieces[static_cast<std::size_t>(*eos)].text : std::string();
    // llama.cpp applies no normalization rules: spaces become U+2581, with a leading one unless
    // add_space_prefix is false; runs of whitespace are kept.
    spec.normalizer.name = "identity";
    spec.normalizer.addDummyPrefix = keys.boolean("tokenizer.ggml.add_space_prefix").value_or(true);
    spec.normalizer.removeExtraWhitespaces = false;
    spec.normalizer.escapeWhitespaces = true;
    return makeSentencePieceTokenizer(std::move(spec), f.path(), "GGUF");
}

// The pre-tokenizers llama.cpp names in tokenizer.ggml.pre that SinkScope can reproduce exactly.
PreTokenizer bpePreTokenizer(const Keys& keys, std::string_view pre, BpeModel& model) {
    auto compile = [&](const char* pattern) {
        auto regex = Regex::compile(pattern, false);
        if (!regex) keys.fail("tokenizer.ggml.pre", regex.error().message);
        return std::move(regex).value();
    };
    // "olmo": the GPT-NeoX-20B tokenizer (Pythia, OLMo 1), GPT-2's pattern and byte level.
    if (pre == "gpt-2" || pre == "olmo") return gpt2PreTokenizer();
    if (pre == "smollm") { // tokenizer.json: Digits(individual_digits) then ByteLevel
        PreTokenizer p = gpt2PreTokenizer();
        p.addSplit(
            SplitStep{.regex = compile(R"(\p{N})"), .behavior = SplitBehavior::Isolated, .invert = false});
        return p;
    }
    // A Split step with a GPT-4-style pattern, then bytes without a prefix space. Only Llama-3 marks
    // whole-word vocabulary entries as taken before merges (llama.cpp sets ignore_merges for it alone).
    const bool llama3 = pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3";
    if (llama3 || pre == "dbrx" || pre == "qwen2") {
        PreTokenizer p;
        p.addSplit(SplitStep{.regex = compile(pre == "qwen2" ? kQwen2Pattern : kLlama3Pattern),
                             .behavior = SplitBehavior::Isolated,
                             .invert = false});
        p.setByteLevel(ByteLevelStep{.addPrefixSpace = false, .gpt2Regex = std::nullopt});
        if (llama3) model.setIgnoreMerges(true);
        return p;
    }
    keys.fail("tokenizer.ggml.pre",
              fmt::format("'{}' is not a supported pre-tokenizer ({})", excerpt(pre), kSupportedPre));
}

std::unique_ptr<Tokenizer> buildByteLevelBpe(const GgufFile& f) {
    const Keys keys(f);
    const GgufValue& tokens = keys.tokens();
    const std::uint64_t n = tokens.count;
    const GgufValue* types = keys.optionalArray("tokenizer.ggml.token_type", GgufValueType::I32, n);
    ByteLevelBpeParts parts;
    parts.source = "GGUF";
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::string text(tokens.strings[i]);
        const auto id = static_cast<std::int32_t>(i);
        addVocabEntry(parts, text, id);
        // Added tokens (special or not) are matched in raw text before BPE, as tokenizers does.
        const auto type = keys.tokenType(types, i);
        if (type == kTypeControl || type == kTypeUserDefined)
            addAddedToken(parts, AddedToken{.content = text, .id = id, .special = type == kTypeControl});
    }
    const GgufValue& merges = keys.array("tokenizer.ggml.merges", GgufValueType::String, std::nullopt);
    for (std::size_t i = 0; i < merges.strings.size(); ++i) {
        const std::string_view m = merges.strings[i];
        const auto space = m.find(' ', 1); // as llama.cpp splits them
        std::optional<std::string> a, b;
        if (space != std::string_view::npos) {
            a = byteLevelToBytes(m.substr(0, space));
            b = byteLevelToBytes(m.substr(space + 1));
        }
        std::optional<std::string> problem = "it is not two tokens separated by a space";
        if (space != std::string_view::npos) problem = "it has a character outside the byte-level alphabet";
        if (a && b) problem = parts.model.addMerge(*a, *b, static_cast<std::int32_t>(i));
        if (problem)
            keys.fail("tokenizer.ggml.merges", fmt::format("merge {} \"{}\": {}", i, excerpt(m), *problem));
    }
    const auto pre = keys.string("tokenizer.ggml.pre");
    if (!pre)
        keys.fail(
            "tokenizer.ggml.pre",
            fmt::format("missing: llama.cpp's fallback pre-tokenizer is not supported ({})", kSupportedPre));
    parts.preTokenizer = bpePreTokenizer(keys, *pre, parts.model);
    parts.bos = keys.tokenId("tokenizer.ggml.bos_token_id", n, std::nullopt);
    parts.eos = keys.tokenId("tokenizer.ggml.eos_token_id", n, std::nullopt);
    if (!parts.eos) parts.eos = chooseEos(parts);
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(parts));
}

} // namespace

Result<std::unique_ptr<Tokenizer>> tokenizerFromGguf(const GgufFile& file) {
    return catchLoadErrors(file.path(), [&]() -> Result<std::unique_ptr<Tokenizer>> {
        const Keys keys(file);
        const auto model = keys.string("tokenizer.ggml.model");
        if (!model || *model == "none" || *model == "no_vocab") return std::unique_ptr<Tokenizer>();
        if (*model == "llama") return buildSentencePiece(file);
        if (*model == "gpt2") return buildByteLevelBpe(file);
        keys.fail("tokenizer.ggml.model",
                  fmt::format("'{}' is not supported (llama, gpt2)", excerpt(*model)));
    });
}

Result<std::unique_ptr<Tokenizer>> loadGgufTokenizer(const std::string& path) {
    auto file = GgufFile::open(path);
    if (!file) return file.error();
    return tokenizerFromGguf(file.value());
}

} // namespace sinkscope
