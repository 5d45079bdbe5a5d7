#pragma once
// The quantisation a GGUF file is known by ("Q4_K_M", "Q8_0", "F16"), for model listings.
#include "io/gguf_reader.h"

#include <cstdint>
#include <string>

namespace sinkscope {

// llama.cpp's name for a general.file_type value (LLAMA_FTYPE_MOSTLY_Q4_K_M -> "Q4_K_M"); empty for
// ids llama.cpp never assigned or has retired.
std::string ggufFileTypeName(std::int64_t fileType);

// general.file_type by that name when the file states a known one; otherwise the ggml type holding
// the most weights among the matrices (norm vectors stay F32 in every quantisation, so they would
// only mislead); empty for a file without tensors.
std::string ggufQuantization(const GgufFile& file);

} // namespace sinkscope
