#pragma once
// Catch, tag, release (Zhang, Khan & Papyan 2025; docs/methods.md, "Beyond the first token"): a sink
// head catches the tokens that attend to the sink, adds the same direction (the sink's value through
// W_O, "the tag") to each, and releases them to the residual stream.
#include "core/matrix_view.h"
#include "metrics/method_defaults.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace sinkscope {

struct CtrOptions {
    double theta = kCatchTheta;
    std::int64_t sink = 0;
};

struct CtrScore {
    std::int64_t caught = 0;         // |C|, C = {i > s : A[i,s] >= theta}
    std::optional<double> tagShare;  // mean over C of A[i,s] ||u|| / ||o_i||; nullopt if C is empty (rows
                                     // with ||o_i|| = 0 are skipped; nullopt if all are)
    std::optional<double> pc1Var;    // |C| >= 2: share of the variance of the centred {o_i : i in C} along
                                     // its first principal component; nullopt otherwise or when the total
                                     // variance is 0
    std::optional<double> pc1CosTag; // |cos(PC1, u)|; nullopt when pc1Var is, or ||u|| = 0
    std::vector<std::int64_t> caughtTokens; // C ascending
    std::vector<double> tagSharePerToken;   // per caught token (same order): A[i,s]||u||/||o_i|| (NaN when
                                            // ||o_i|| = 0)
    std::vector<std::array<double, 2>> pcProjection; // per caught token: centred o_i projected on PC1 and
                                                     // PC2 (for the view; zeros when undefined)
    std::array<double, 2> tagProjection{};           // u projected on PC1 and PC2
};

// attention: the head's square causal map (firstRow 0, rows == cols == T; a partial map is read by
// absolute row position firstRow + r, and row i sums the keys j <= i only). values: [T, hs] row-major
// (T = cols), the head's value vectors v_j (for GQA the kv head this query head reads). wo: [D, hs]
// row-major, the head's slice of the output projection (columns h*hs .. (h+1)*hs of W_O [D, H*hs]), so
// o_i = wo * sum_j A[i,j] v_j and u = wo * v_s.
//
// PC signs are arbitrary in principle; here each PC is oriented so that u projects on it with a
// non-negative value, which keeps the view stable between heads and runs. PC2 (and its projections) is
// zero when the outputs span a single direction. A sink outside [0, cols), hs <= 0 or D <= 0 catch
// nothing. All arithmetic is in double.
CtrScore catchTagRelease(const MatrixView& attention, const float* values, std::int64_t hs, const float* wo,
                         std::int64_t D, const CtrOptions& o = {});

} // namespace sinkscope
