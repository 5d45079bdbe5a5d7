#include "tokenizer/bpe_parts.h"

#include "core/excerpt.h"
#include "tokenizer/byte_level.h"

#include <fmt/format.h>

#include <array>

namespace sinkscope {

namespace {

// tokenizers' ByteLevel decoder maps each character back to its byte, but passes a token through
// as UTF-8 when any character is outside the byte table (e.g. "<｜begin▁of▁sentence｜>").
std::string bytesOfPiece(const std::string& piece) {
    if (auto bytes = byteLevelToBytes(piece)) return *std::move(bytes);
    return piece;
}

void setIdBytes(ByteLevelBpeParts& parts, std::int32_t id, std::string bytes) {
    const auto index = static_cast<std::size_t>(id);
    if (index >= parts.idBytes.size()) parts.idBytes.resize(index + 1);
    parts.idBytes[index] = std::move(bytes);
}

} // namespace

void addVocabEntry(ByteLevelBpeParts& parts, const std::string& piece, std::int32_t id) {
    // Only spellings inside the byte table can be produced from text, so only they take part in BPE.
    if (auto bytes = byteLevelToBytes(piece)) parts.model.addToken(*bytes, id);
    setIdBytes(parts, id, bytesOfPiece(piece));
}

void readVocabObject(const JsonCursor& vocab, ByteLevelBpeParts& parts) {
    vocab.requireObject();
    if (vocab.value().empty()) vocab.fail("is empty");
    for (const auto& [piece, idValue] : vocab.value().items()) {
        const std::string field = vocab.path().empty()
                                      ? fmt::format("entry \"{}\"", excerpt(piece))
                                      : fmt::format("{}[\"{}\"]", vocab.path(), excerpt(piece));
        const JsonCursor idNode(idValue, vocab.file(), field);
        const std::int64_t id = idNode.integer();
        if (id < 0 || id >= kMaxTokenId) idNode.fail(fmt::format("is not a valid token id (got {})", id));
        addVocabEntry(parts, piece, static_cast<std::int32_t>(id));
    }
}

void addAddedToken(ByteLevelBpeParts& parts, AddedToken token) {
    setIdBytes(parts, token.id, bytesOfPiece(token.content));
    parts.addedTokens.push_back(std::move(token));
}

std::optional<std::int32_t> findTokenByContent(const ByteLevelBpeParts& parts, std::string_view content) {
    for (const AddedToken& t : parts.addedTokens) {
        if (t.content == content) return t.id;
    }
    // Plain ASCII such as "<|endoftext|>" is spelled the same in byte-level form and as raw bytes.
    if (auto bytes = byteLevelToBytes(content)) return parts.model.find(*bytes);
    return std::nullopt;
}

std::optional<std::int32_t> chooseEos(const TokenLookup& findToken) {
    static constexpr std::array<std::string_view, 5> kNames = {"<|endoftext|>", "</s>", "<|end_of_text|>",
                                                               "<|im_end|>", "<eos>"};
    for (const std::string_view name : kNames) {
        if (auto id = findToken(name)) return id;
    }
    return std::nullopt;
}

std::optional<std::int32_t> chooseEos(const ByteLevelBpeParts& parts) {
    return chooseEos([&](std::string_view name) { return findTokenByContent(parts, name); });
}

} // namespace sinkscope
