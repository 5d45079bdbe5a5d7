#pragma once
// Reads the BOS token from tokenizer.json's "post_processor": the special token that a single
// sequence's template puts before the text (Llama-3's "<|begin_of_text|>", Roberta's "<s>").
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/json_cursor.h"

#include <optional>

namespace sinkscope {

// node is the post_processor object; parts supplies token ids for templates that name tokens only.
// Post-processor types that add nothing in front (ByteLevel, unknown ones) give nullopt.
std::optional<std::int32_t> bosFromPostProcessor(const JsonCursor& node, const ByteLevelBpeParts& parts);

} // namespace sinkscope
