#include "model/pass_memory.h"

#include "core/human_bytes.h"

#include <algorithm>
#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr std::int64_t kFloat = 4;

// Products of model sizes and token counts stay far below 2^63 for any accepted config and any
// prompt a tokenizer can produce from a bounded file, but saturate anyway: an estimate must never
// wrap around to a small number.
std::int64_t mul(std::int64_t a, std::int64_t b) {
    if (a == 0 || b == 0) return 0;
    if (a > INT64_MAX / b) return INT64_MAX;
    return a * b;
}
std::int64_t add(std::int64_t a, std::int64_t b) {
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

} // namespace

PassMemory estimatePassMemory(const ModelConfig& c, const PassShape& s) {
    const std::int64_t T = std::max<std::int64_t>(1, s.tokens);
    const std::int64_t keys = std::max(T, s.cacheTokens);
    const std::int64_t H = c.nHeads, Hkv = c.nKvHeads, hd = c.headDim, D = c.dModel, F = c.dFf;
    const std::int64_t threads = std::max(1, s.threads);
    const std::int64_t square = mul(mul(T, keys), kFloat); // one head's [T, keys] floats

    // Attention: the layer's probabilities (and scores) for every head when they are formed as a
    // tensor, once more while a softmax or an intervention writes its result; else the fused
    // kernels' per-thread [T, T] buffer when an observer may take maps.
    std::int64_t attention = 0;
    std::string attentionWhat;
    if (s.probabilities || s.scores) {
        attention = mul(mul(square, H), s.scores ? 3 : 2);
        attentionWhat = fmt::format("attention probabilities of {} heads over {} x {} positions", H, T, keys);
    } else if (s.observer) {
        attention = mul(square, std::min(threads, H));
        attentionWhat =
            fmt::format("attention maps of {} x {} positions, {} at a time", T, keys, std::min(threads, H));
    }
    // Activations of one layer (residual, norms, q/k/v, attention output, feed-forward) with room
    // for LibTorch's temporaries, the KV cache, logits and kept residual states.
    const std::int64_t activations = mul(mul(T, 6 * D + 3 * F + (H + 2 * Hkv) * hd), 2 * kFloat);
    const std::int64_t cache = s.cacheTokens > 0 ? mul(mul(mul(2 * c.nLayers, Hkv * hd), keys), kFloat) : 0;
    const std::int64_t logits = mul(mul(s.allLogits ? T : 1, c.vocabSize), 2 * kFloat);
    const std::int64_t hidden = s.hiddenStates ? mul(mul(c.nLayers + 1, T), mul(D, kFloat)) : 0;

    PassMemory m;
    m.bytes = add(add(add(attention, activations), add(cache, logits)), hidden);
    struct Part {
        std::int64_t bytes;
        std::string what;
    };
    const Part parts[] = {{attention, attentionWhat},
                          {activations, fmt::format("activations of {} positions", T)},
                          {cache, fmt::format("a key/value cache of {} positions", keys)},
                          {logits, fmt::format("logits of {} positions", s.allLogits ? T : 1)},
                          {hidden, fmt::format("{} residual states of {} positions", c.nLayers + 1, T)}};
    const auto top = std::max_element(std::begin(parts), std::end(parts),
                                      [](const Part& a, const Part& b) { return a.bytes < b.bytes; });
    m.largest = top->what;
    return m;
}

Status checkPassMemory(const ModelConfig& c, const PassShape& shape, std::int64_t extraBytes,
                       const std::string& extraWhat, std::int64_t availableBytes) {
    if (availableBytes < 0) return okStatus();
    auto need = [&](std::int64_t tokens) {
        PassShape s = shape;
        s.cacheTokens = shape.cacheTokens > 0 ? shape.cacheTokens - shape.tokens + tokens : 0;
        s.tokens = tokens;
        const std::int64_t extra =
            shape.tokens > 0 ? static_cast<std::int64_t>(static_cast<double>(extraBytes) *
                                                         (static_cast<double>(tokens) * tokens) /
                                                         (static_cast<double>(shape.tokens) * shape.tokens))
                             : extraBytes;
        return add(estimatePassMemory(c, s).bytes, extra);
    };
    const PassMemory pass = estimatePassMemory(c, shape);
    const std::int64_t total = add(pass.bytes, extraBytes);
    if (total <= availableBytes) return okStatus();
    // The longest prompt that would fit, for the message (the cost only grows with the length;
    // captures are scaled as T^2, which is how maps grow).
    std::int64_t lo = 0, hi = shape.tokens;
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo + 1) / 2;
        if (need(mid) <= availableBytes)
            lo = mid;
        else
            hi = mid - 1;
    }
    const bool extraIsLargest = extraBytes > pass.bytes;
    return Error{fmt::format("a {}-token prompt needs about {} of memory ({}) but {} is available; {}",
                             shape.tokens, humanBytes(static_cast<std::uint64_t>(total)),
                             extraIsLargest ? extraWhat : pass.largest,
                             humanBytes(static_cast<std::uint64_t>(availableBytes)),
                             lo > 1 ? fmt::format("up to about {} tokens would fit", lo)
                                    : std::string("free some memory or use a smaller model"))};
}

} // namespace sinkscope
