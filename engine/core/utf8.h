#pragma once
// UTF-8 checks for user text (prompts, tokenizer files). Invalid input is reported with the byte
// offset so the message can point at it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

// Length of the valid UTF-8 sequence starting at s[i] (i < s.size()), or 0 when it is invalid.
std::size_t validSequenceLength(std::string_view s, std::size_t i);

// Returns the byte offset of the first invalid sequence, or nullopt when s is valid UTF-8.
std::optional<std::size_t> findInvalidUtf8(std::string_view s);

// Replaces every invalid sequence by U+FFFD; used to display token bytes that are not text.
std::string sanitizeUtf8(std::string_view s);

// Encodes one code point (<= 0x10FFFF) as UTF-8.
std::string encodeUtf8(char32_t cp);

// Decodes the code point at s[i]; advances i. Returns U+FFFD for invalid sequences.
char32_t decodeUtf8(std::string_view s, std::size_t& i);

} // namespace sinkscope
