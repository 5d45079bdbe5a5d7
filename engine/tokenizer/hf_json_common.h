#pragma once
// Pieces of tokenizer.json that the byte-level and the SentencePiece-style loaders read alike.
#include "tokenizer/added_tokens.h"
#include "tokenizer/json_cursor.h"

#include <string>
#include <utility>
#include <vector>

namespace sinkscope {

// One entry of model.merges: "a b" (older files) or ["a", "b"] (newer files, which allows spaces
// inside the parts).
std::pair<std::string, std::string> mergeParts(const JsonCursor& entry);

// Refuses WordPiece-style affixes on a BPE model ("continuing_subword_prefix", "end_of_word_suffix").
void refuseBpeAffixes(const JsonCursor& model);

// The "added_tokens" list (empty when absent), ids checked against kMaxTokenId.
std::vector<AddedToken> readAddedTokenList(const JsonCursor& root);

// Whether the pre-tokenizer or the decoder has a ByteLevel step: the file is then byte-level BPE,
// otherwise SentencePiece-style (pieces spelled in UTF-8 with "\u2581" for spaces).
bool isByteLevelTokenizerJson(const JsonCursor& root);

} // namespace sinkscope
