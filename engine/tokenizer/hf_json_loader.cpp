// loadHfTokenizerJson: byte-level BPE from a Hugging Face tokenizer.json (GPT-2, Llama-3, Qwen2...).
#include "core/excerpt.h"
#include "tokenizer/bpe_parts.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/hf_post_processor.h"
#include "tokenizer/json_cursor.h"
#include "tokenizer/load_error.h"
#include "tokenizer/pre_tokenizer_json.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

// A merge is "a b" (older files) or ["a", "b"] (newer files, which allows spaces inside parts).
std::pair<std::string, std::string> mergeParts(const JsonCursor& entry) {
    const Json& v = entry.value();
    if (v.is_string()) {
        const std::string text = v.get<std::string>();
        const auto space = text.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == text.size() ||
            text.find(' ', space + 1) != std::string::npos) {
            entry.fail(fmt::format("\"{}\" is not two tokens separated by one space", excerpt(text)));
        }
        return {text.substr(0, space), text.substr(space + 1)};
    }
    if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string()) {
        return {v[0].get<std::string>(), v[1].get<std::string>()};
    }
    entry.fail("is not a string or pair (got " + previewJson(v) + ")");
}

void readMerges(const JsonCursor& merges, ByteLevelBpeParts& parts) {
    const std::size_t n = merges.arraySize();
    for (std::size_t i = 0; i < n; ++i) {
        const JsonCursor entry = merges.at(i);
        const auto [a, b] = mergeParts(entry);
        const auto aBytes = byteLevelToBytes(a);
        const auto bBytes = byteLevelToBytes(b);
        std::optional<std::string> problem;
        if (!aBytes || !bBytes) {
            problem = "it has a character outside the byte-level alphabet";
        } else {
            problem = parts.model.addMerge(*aBytes, *bBytes, static_cast<std::int32_t>(i));
        }
        if (problem) entry.fail(fmt::format("({} {}): {}", excerpt(a), excerpt(b), *problem));
    }
}

void readModel(const JsonCursor& model, ByteLevelBpeParts& parts) {
    const JsonCursor type = model.at("type");
    if (type.string() != "BPE")
        type.fail(fmt::format("is \"{}\"; only \"BPE\" is supported", excerpt(type.string())));
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        if (const auto affix = model.find(key); affix && !affix->string().empty()) {
            affix->fail(
                fmt::format("is \"{}\"; word-piece affixes are not supported", excerpt(affix->string())));
        }
    }
    readVocabObject(model.at("vocab"), parts);
    readMerges(model.at("merges"), parts);
    parts.model.setIgnoreMerges(model.booleanOr("ignore_merges", false));
    if (const auto unk = model.find("unk_token")) {
        if (auto bytes = byteLevelToBytes(unk->string())) parts.model.setUnknownId(parts.model.find(*bytes));
    }
    // "dropout" only matters for training-time sampling; encoding here is deterministic.
}

void readAddedTokens(const JsonCursor& root, ByteLevelBpeParts& parts) {
    const auto list = root.find("added_tokens");
    if (!list) return;
    const std::size_t n = list->arraySize();
    for (std::size_t i = 0; i < n; ++i) {
        const JsonCursor entry = list->at(i);
        const JsonCursor idNode = entry.at("id");
        const std::int64_t id = idNode.integer();
        if (id < 0 || id >= kMaxTokenId) idNode.fail(fmt::format("is not a valid token id (got {})", id));
        // single_word and normalized are not applied: no supported normalizer changes the text,
        // and single_word is not used by the byte-level models this loader targets.
        addAddedToken(parts, AddedToken{.content = entry.at("content").string(),
                                        .id = static_cast<std::int32_t>(id),
                                        .special = entry.booleanOr("special", false),
                                        .lstrip = entry.booleanOr("lstrip", false),
                                        .rstrip = entry.booleanOr("rstrip", false)});
    }
}

// NFC (Qwen2) is accepted on the assumption that input text is already composed, which is what
// editors and the clipboard produce; a normalizer that changes ordinary text is refused.
void checkNormalizer(const JsonCursor& root) {
    const auto node = root.find("normalizer");
    if (!node) return;
    const JsonCursor type = node->at("type");
    const std::string name = type.string();
    if (name == "NFC") return;
    if (name == "Sequence" && node->at("normalizers").arraySize() == 0) return;
    type.fail(fmt::format("\"{}\" is not a supported normalizer", excerpt(name)));
}

bool hasByteLevelDecoder(const JsonCursor& node) {
    const std::string type = node.at("type").string();
    if (type == "ByteLevel") return true;
    if (type != "Sequence") return false;
    const JsonCursor list = node.at("decoders");
    for (std::size_t i = 0; i < list.arraySize(); ++i) {
        if (hasByteLevelDecoder(list.at(i))) return true;
    }
    return false;
}

std::unique_ptr<Tokenizer> load(const Json& doc, const std::string& path) {
    const JsonCursor root(doc, path);
    root.requireObject();
    ByteLevelBpeParts parts;
    parts.source = "tokenizer.json";
    readModel(root.at("model"), parts);
    readAddedTokens(root, parts);
    checkNormalizer(root);
    parts.preTokenizer = parsePreTokenizer(root.at("pre_tokenizer"));
    if (const auto decoder = root.find("decoder"); decoder && !hasByteLevelDecoder(*decoder)) {
        decoder->fail("has no ByteLevel decoder; only byte-level BPE is supported");
    }
    if (const auto post = root.find("post_processor")) parts.bos = bosFromPostProcessor(*post, parts);
    parts.eos = chooseEos(parts);
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(parts));
}

} // namespace

Result<std::unique_ptr<Tokenizer>> loadHfTokenizerJson(const std::string& path) {
    return catchLoadErrors(
        path, [&]() -> Result<std::unique_ptr<Tokenizer>> { return load(parseJsonFile(path), path); });
}

Result<std::unique_ptr<Tokenizer>> parseHfTokenizerJson(std::string_view text, const std::string& path) {
    return catchLoadErrors(
        path, [&]() -> Result<std::unique_ptr<Tokenizer>> { return load(parseJsonText(text, path), path); });
}

} // namespace sinkscope
