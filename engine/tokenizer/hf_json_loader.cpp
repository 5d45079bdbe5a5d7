// loadHfTokenizerJson: BPE from a Hugging Face tokenizer.json, byte-level (GPT-2, Llama-3, Qwen2...)
// or SentencePiece-style (Llama-2, Mistral, Gemma: see spm_style_tokenizer.h).
#include "core/excerpt.h"
#include "tokenizer/bpe_parts.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/hf_json_common.h"
#include "tokenizer/hf_post_processor.h"
#include "tokenizer/json_cursor.h"
#include "tokenizer/load_error.h"
#include "tokenizer/pre_tokenizer_json.h"
#include "tokenizer/spm_style_tokenizer.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

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
    refuseBpeAffixes(model);
    readVocabObject(model.at("vocab"), parts);
    readMerges(model.at("merges"), parts);
    parts.model.setIgnoreMerges(model.booleanOr("ignore_merges", false));
    if (const auto unk = model.find("unk_token")) {
        if (auto bytes = byteLevelToBytes(unk->string())) parts.model.setUnknownId(parts.model.find(*bytes));
    }
    // "dropout" only matters for training-time sampling; encoding here is deterministic.
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

std::unique_ptr<Tokenizer> loadByteLevel(const JsonCursor& root) {
    ByteLevelBpeParts parts;
    parts.source = "tokenizer.json";
    readModel(root.at("model"), parts);
    // normalized is not looked at: the only normalizer accepted here (NFC) leaves the text as is.
    for (AddedToken& token : readAddedTokenList(root))
        addAddedToken(parts, std::move(token));
    checkNormalizer(root);
    parts.preTokenizer = parsePreTokenizer(root.at("pre_tokenizer"));
    if (const auto decoder = root.find("decoder"); decoder && !hasByteLevelDecoder(*decoder)) {
        decoder->fail("has no ByteLevel step, but the pre-tokenizer is byte-level");
    }
    if (const auto post = root.find("post_processor")) {
        parts.bos =
            bosFromPostProcessor(*post, static_cast<std::int64_t>(parts.idBytes.size()),
                                 [&](std::string_view name) { return findTokenByContent(parts, name); });
    }
    parts.eos = chooseEos(parts);
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(parts));
}

std::unique_ptr<Tokenizer> load(const Json& doc, const std::string& path) {
    const JsonCursor root(doc, path);
    root.requireObject();
    return isByteLevelTokenizerJson(root) ? loadByteLevel(root) : loadSpmStyleTokenizerJson(root);
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
