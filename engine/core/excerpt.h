#pragma once
// excerpt(): user input quoted in an error message. Files, prompts and SPECs can be megabytes
// long and hold anything; a message stays one readable line and quotes at most a few hundred bytes.
#include <cstddef>
#include <string>
#include <string_view>

namespace sinkscope {

inline constexpr std::size_t kExcerptBytes = 200;

// text itself when it is short printable UTF-8. Otherwise control characters become \n, \t, \r or
// \xNN, bytes that are not UTF-8 become \xNN, and text whose rendering passes maxBytes is cut at a
// character boundary and ends in "... (N bytes)", N being the length of the whole input.
std::string excerpt(std::string_view text, std::size_t maxBytes = kExcerptBytes);

} // namespace sinkscope
