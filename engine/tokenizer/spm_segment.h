#pragma once
// Segmentation of normalized text into vocabulary pieces, one function per SentencePiece model
// type, each following sentencepiece's own algorithm so ids match the reference exactly.
#include "tokenizer/spm_vocab.h"

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkscope {

// A piece of the normalized text and its id (<unk> when it is not in the vocabulary).
using SpmSegment = std::pair<std::string_view, std::int32_t>;

// BPE: start from characters (user-defined symbols whole), repeatedly merge the adjacent pair whose
// concatenation is the highest-scoring piece (leftmost on ties); UNUSED results are split back.
std::vector<SpmSegment> segmentBpe(const SpmVocab& vocab, std::string_view normalized);

// Unigram: the Viterbi path maximizing the summed piece scores; a character no piece covers costs
// min score - 10 and becomes <unk>.
std::vector<SpmSegment> segmentUnigram(const SpmVocab& vocab, std::string_view normalized);

} // namespace sinkscope
