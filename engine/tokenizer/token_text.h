#pragma once
// Text helpers shared by every tokenizer: input validation and the display form of token bytes.
#include "core/result.h"

#include <string>
#include <string_view>

namespace sinkscope {

// Ok when text is valid UTF-8; otherwise an error naming the byte offset of the first bad sequence.
Status checkInputUtf8(std::string_view text);

// Token bytes as display text: valid UTF-8 runs are kept, every other byte becomes "<0xAB>".
// A byte-level token often holds part of a multi-byte character, which must still be visible.
std::string displayBytes(std::string_view bytes);

} // namespace sinkscope
