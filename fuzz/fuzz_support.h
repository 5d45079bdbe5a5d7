#pragma once
// Shared pieces of the fuzz targets: input as text, a scratch directory for the loaders that take
// paths, and one workout for any tokenizer a target manages to build.
#include "tokenizer/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sinkscope::fuzz {

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A directory private to this process, created on first use and removed at exit.
const std::string& scratchDir();

// Writes bytes to scratchDir()/name (replacing it) and returns the path.
std::string writeScratchFile(const std::string& name, std::string_view bytes);

// Encodes and decodes texts that reach every tokenizer path (spaces, digits, special-token
// spellings, multi-byte UTF-8, byte fallback, invalid UTF-8) and reads the first token texts.
// Results are discarded: only crashes, sanitizer reports and hangs matter.
void exerciseTokenizer(const Tokenizer& tokenizer);

} // namespace sinkscope::fuzz
