#pragma once
// Small whole files (configs, recipes, timelines, prompts, corpora) read into memory; large weight
// files are mapped instead (mapped_file.h).
#include "core/regular_file.h"
#include "core/result.h"

#include <string>

namespace sinkscope {

// The file's bytes. Only a regular file of at most kind.maxBytes is read (regular_file.h); one that
// grows past the limit while being read is refused too. Errors name the path and the reason.
Result<std::string> readWholeFile(const std::string& path, const FileKind& kind);

} // namespace sinkscope
