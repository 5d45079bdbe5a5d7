#pragma once
// Small whole files (configs, recipes, timelines, corpora) read into memory; large weight files
// are mapped instead (mapped_file.h).
#include "core/result.h"

#include <string>

namespace sinkscope {

// The file's bytes; the error is "PATH: cannot open".
Result<std::string> readWholeFile(const std::string& path);

} // namespace sinkscope
