#pragma once
// Token streams for training: a corpus encoded once (and cached on disk), batches of packed
// fixed-length windows drawn from it, and the fixed probe set for the sink timeline. Torch-free.
#include "core/result.h"
#include "tokenizer/tokenizer.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

using TokenIds = std::vector<std::int32_t>;

// A line holding only this separates documents in a corpus (scripts/prepare_corpus.sh).
inline constexpr std::string_view kDocumentSeparator = "<|endoftext|>";

// Encodes a UTF-8 text file paragraph by paragraph (blank-line separated), without BOS; a
// document separator becomes the tokenizer's EOS (or nothing when it has none).
// progress(bytesDone, bytesTotal) is called now and then.
Result<TokenIds> encodeTextFile(const std::string& path, const Tokenizer& tokenizer,
                                const std::function<void(std::size_t, std::size_t)>& progress = {});

// A little-endian int32 cache file: "SSTK" magic, count, ids.
Status saveTokenCache(const std::string& path, const TokenIds& ids);
Result<TokenIds> loadTokenCache(const std::string& path);

struct Batch {
    int rows = 0, cols = 0;
    std::vector<std::int64_t> inputs;  // [rows, cols]
    std::vector<std::int64_t> targets; // [rows, cols]
};

// Batch for one training step: windows at offsets drawn from a generator seeded by (seed, step),
// so a resumed run sees exactly the batches it would have seen. With bos, each row is
// BOS + (cols - 1) stream tokens and predicts cols stream tokens; else cols+1 tokens are used.
Batch trainingBatch(const TokenIds& stream, std::uint64_t seed, std::int64_t step, int rows, int cols,
                    std::optional<std::int32_t> bos);

// Evenly spaced windows of a stream (validation batches, probe sequences): deterministic.
Batch evenlySpacedBatch(const TokenIds& stream, int index, int count, int rows, int cols,
                        std::optional<std::int32_t> bos);

} // namespace sinkscope
