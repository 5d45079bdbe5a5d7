#pragma once
// Reads the BOS token from tokenizer.json's "post_processor": the special token that a single
// sequence's template puts before the text (Llama-3's "<|begin_of_text|>", Roberta's "<s>").
#include "tokenizer/json_cursor.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace sinkscope {

// The id of the token (added or in the vocabulary) with exactly this text.
using TokenLookup = std::function<std::optional<std::int32_t>(std::string_view)>;

// node is the post_processor object; ids at or above idLimit are refused, and findToken supplies
// ids for templates that name tokens only. Post-processor types that add nothing in front
// (ByteLevel, unknown ones) give nullopt.
std::optional<std::int32_t> bosFromPostProcessor(const JsonCursor& node, std::int64_t idLimit,
                                                 const TokenLookup& findToken);

} // namespace sinkscope
