#pragma once
// Shared steps of the BPE loaders: filling the byte-level id tables from vocabulary entries and
// added tokens, and choosing the EOS token.
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/hf_post_processor.h"
#include "tokenizer/json_cursor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

// Ids at or above this are refused: the id table is dense, and no real vocabulary comes close.
constexpr std::int64_t kMaxTokenId = std::int64_t{1} << 24;

// Registers a vocabulary entry given in its byte-level spelling.
void addVocabEntry(ByteLevelBpeParts& parts, const std::string& piece, std::int32_t id);

// Reads a {"piece": id, ...} object (tokenizer.json's model.vocab, or all of vocab.json).
void readVocabObject(const JsonCursor& vocab, ByteLevelBpeParts& parts);

// Registers an added token: matched literally in text, decoded like a vocabulary entry.
void addAddedToken(ByteLevelBpeParts& parts, AddedToken token);

// The id of an added token or vocabulary entry with exactly this text.
std::optional<std::int32_t> findTokenByContent(const ByteLevelBpeParts& parts, std::string_view content);

// The first of "<|endoftext|>", "</s>", "<|end_of_text|>", "<|im_end|>", "<eos>" that findToken
// finds; the second form looks in parts.
std::optional<std::int32_t> chooseEos(const TokenLookup& findToken);
std::optional<std::int32_t> chooseEos(const ByteLevelBpeParts& parts);

} // namespace sinkscope
