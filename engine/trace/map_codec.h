#pragma once
// The blob format of one attention or score map in a trace file.
//
// A blob is a 64-byte little-endian header followed by the payload:
//   0  "SSMP"   4  format version (1)   5  kind (0 attention, 1 scores)
//   6  dtype (1 f16, 2 f32)   7  codec (0 raw, 1 zstd)   8  layout (0 full, 1 causal)
//   9  byte planes (0 no, 1 yes)   10  2 bytes zero
//   12 i32 step   16 i32 layer   20 i32 head   24 i64 firstRow   32 i64 rows   40 i64 cols
//   48 u64 stored values   56 u64 payload bytes
// The payload holds the stored values row by row: every column under the causal layout's
// bound col <= firstRow + r, or all of them under the full layout. With byte planes the values'
// byte 0s come first, then their byte 1s, ...: the high bytes of neighbouring weights are nearly
// equal, so zstd compresses them well once they are contiguous.
//
// Precision. Attention is stored as IEEE fp16 (round to nearest even): for normal fp16 values
// (|x| >= 2^-14) |x - f16(x)| <= 2^-11 |x|; below that the error is at most 2^-25 absolute and
// |x| <= 2^-25 reads back as 0. |x| >= 65520 (past fp16's largest value, 65504, once rounded)
// becomes inf; inf and NaN stay inf and NaN (NaN payloads are not kept). Attention weights lie in [0, 1], so
// fp16 loses nothing a view can show. Scores (pre-softmax logits) are stored as float32, exactly, -inf and
// NaN included: logits reach the hundreds, where fp16's step of 0.25 would visibly change the softmax.
//
// The causal layout is chosen only when every entry above the bound holds the mask value (0 or
// -0 for attention, -inf for scores); otherwise the whole rectangle is stored, so encoding never
// drops data.
#include "core/result.h"
#include "trace/trace_types.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sinkscope {

struct MapCodecOptions {
    int zstdLevel = 1;         // 0 = store raw; higher levels gain nothing on attention (bench_trace)
    bool bytePlanes = true;    // split values into byte planes before zstd
    bool forceFloat32 = false; // store attention as float32 too (exact)
};

// Header + payload. Returns an empty vector when values.size() != rows * cols or a dimension
// is negative or beyond 2^24 (checkMap says which).
std::vector<std::uint8_t> encodeMap(const AttentionMap& m, const MapCodecOptions& options = {});
// Corrupt or truncated blobs give a one-line error ("map blob ...: ...").
Result<AttentionMap> decodeMap(const std::uint8_t* data, std::size_t size);

// Empty when encodeMap accepts m, else what is wrong with it.
std::string checkMap(const AttentionMap& m);
// The number of values the causal layout stores for a map of this shape.
std::int64_t causalValueCount(std::int64_t firstRow, std::int64_t rows, std::int64_t cols);

} // namespace sinkscope
