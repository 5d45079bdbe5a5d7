#pragma once
// JSON as every loader reads it: the nesting depth checked before parsing, every nlohmann
// exception (syntax, number out of range, wrong type) turned into one line naming the file, and
// values quoted in messages kept short.
#include "core/excerpt.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace sinkscope {

// nlohmann's parser and destructor are iterative, but copying, comparing and printing a value
// recurse, and so do loaders that walk nested definitions: a 100k-deep document would overflow
// the stack. Real configs, headers and tokenizer files nest fewer than ten levels.
inline constexpr int kMaxJsonDepth = 512;

// A byte scan (strings skipped) for arrays and objects nested deeper than maxDepth; the error is
// "SOURCE: JSON nests deeper than 512 levels (at byte N)".
Status checkJsonNesting(std::string_view text, const std::string& source, int maxDepth = kMaxJsonDepth);

// The nesting check, then the parse; errors read "SOURCE: not valid JSON: <what, bounded>".
Result<nlohmann::json> parseJson(std::string_view text, const std::string& source);

// An exception's message without nlohmann's "[json.exception.type_error.302] " prefix, bounded.
std::string jsonErrorText(const nlohmann::json::exception& e);

// A short one-line rendering of a value for messages: compact JSON, cut after about maxBytes with
// a note of what was cut ("[1,2,3,... (array of 100000 elements)").
std::string jsonExcerpt(const nlohmann::json& value, std::size_t maxBytes = kExcerptBytes);

} // namespace sinkscope
