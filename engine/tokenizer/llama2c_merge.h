#pragma once
// The merge loop of llama2.c's encode(): while some adjacent pair concatenates to a vocabulary
// piece, replace the pair whose piece has the highest score (leftmost on ties). run.c rescans the
// whole sequence per merge, which is quadratic; a priority queue gives the same result in
// O(n log n), which matters for prompts of many thousand tokens.
#include "tokenizer/llama2c_file.h"

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinkscope {

using PieceLookup = std::unordered_map<std::string_view, std::int32_t>;

void mergeByScore(std::vector<std::int32_t>& tokens, const Llama2cVocab& vocab, const PieceLookup& lookup);

} // namespace sinkscope
