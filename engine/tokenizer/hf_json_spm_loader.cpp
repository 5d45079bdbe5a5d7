// loadSpmStyleTokenizerJson: the SentencePiece-style tokenizer.json (no ByteLevel step), read into
// SpmStyleBpeParts. Every refusal names the field and the value.
#include "core/excerpt.h"
#include "tokenizer/bpe_parts.h"
#include "tokenizer/hf_json_common.h"
#include "tokenizer/hf_post_processor.h"
#include "tokenizer/pre_tokenizer_json.h"
#include "tokenizer/spm_style_tokenizer.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

void readVocab(const JsonCursor& vocab, SpmStyleBpeParts& parts) {
    vocab.requireObject();
    if (vocab.value().empty()) vocab.fail("is empty");
    for (const auto& [piece, idValue] : vocab.value().items()) {
        const JsonCursor idNode(idValue, vocab.file(),
                                fmt::format("{}[\"{}\"]", vocab.path(), excerpt(piece)));
        const std::int64_t id = idNode.integer();
        if (id < 0 || id >= kMaxTokenId) idNode.fail(fmt::format("is not a valid token id (got {})", id));
        parts.model.addToken(piece, static_cast<std::int32_t>(id));
        parts.pieces.insert_or_assign(static_cast<std::int32_t>(id), piece);
    }
}

void readMerges(const JsonCursor& merges, SpmStyleBpeParts& parts) {
    const std::size_t n = merges.arraySize();
    for (std::size_t i = 0; i < n; ++i) {
        const JsonCursor entry = merges.at(i);
        const auto [a, b] = mergeParts(entry);
        if (auto problem = parts.model.addMerge(a, b, static_cast<std::int32_t>(i))) {
            entry.fail(fmt::format("({} {}): {}", excerpt(a), excerpt(b), *problem));
        }
    }
}

// byte_fallback: the "<0x00>".."<0xFF>" tokens; a byte without one makes characters that need it
// fall back to the unknown token instead, as in tokenizers.
std::array<std::int32_t, 256> byteTokens(const BpeModel& model) {
    std::array<std::int32_t, 256> ids{};
    for (int b = 0; b < 256; ++b) {
        const auto id = model.find(fmt::format("<0x{:02X}>", b));
        ids[static_cast<std::size_t>(b)] = id ? *id : -1;
    }
    return ids;
}

void readModel(const JsonCursor& model, SpmStyleBpeParts& parts) {
    const JsonCursor type = model.at("type");
    if (type.string() != "BPE")
        type.fail(fmt::format("is \"{}\"; only \"BPE\" is supported", excerpt(type.string())));
    refuseBpeAffixes(model);
    readVocab(model.at("vocab"), parts);
    readMerges(model.at("merges"), parts);
    parts.model.setIgnoreMerges(model.booleanOr("ignore_merges", false));
    if (const auto unk = model.find("unk_token")) {
        const auto id = parts.model.find(unk->string());
        if (!id) unk->fail(fmt::format("\"{}\" is not in the vocabulary", excerpt(unk->string())));
        parts.model.setUnknownId(id);
    }
    std::optional<std::array<std::int32_t, 256>> fallback;
    if (model.booleanOr("byte_fallback", false)) fallback = byteTokens(parts.model);
    parts.model.setCharacterSymbols(fallback, model.booleanOr("fuse_unk", false));
    // "dropout" only matters for training-time sampling; encoding here is deterministic.
}

std::optional<std::int32_t> findToken(const SpmStyleBpeParts& parts, std::string_view content) {
    for (const AddedToken& t : parts.addedTokens) {
        if (t.content == content) return t.id;
    }
    return parts.model.find(content);
}

} // namespace

std::unique_ptr<Tokenizer> loadSpmStyleTokenizerJson(const JsonCursor& root) {
    SpmStyleBpeParts parts;
    readModel(root.at("model"), parts);
    parts.addedTokens = readAddedTokenList(root);
    for (const AddedToken& token : parts.addedTokens)
        parts.pieces.insert_or_assign(token.id, token.content);
    parts.normalizer = parseTextNormalizer(root.find("normalizer"));
    parts.preTokenizer = parseSpmStylePreTokenizer(root.find("pre_tokenizer"));
    parts.decoder = parseTokenDecoder(root.find("decoder"));
    const auto lookup = [&](std::string_view name) { return findToken(parts, name); };
    if (const auto post = root.find("post_processor"))
        parts.bos = bosFromPostProcessor(*post, kMaxTokenId, lookup);
    parts.eos = chooseEos(lookup);
    return std::make_unique<SpmStyleBpeTokenizer>(std::move(parts));
}

} // namespace sinkscope
