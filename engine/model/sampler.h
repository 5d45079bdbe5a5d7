#pragma once
// Next-token choice from logits: greedy, or temperature with top-k / top-p, seeded. Runs on the
// CPU with our own RNG so that a seed gives the same tokens on every device.
#include <cstdint>
#include <random>
#include <vector>

namespace sinkscope {

struct SamplerSettings {
    float temperature = 0.0f;
    int topK = 0;
    float topP = 1.0f;
};

class Sampler {
public:
    Sampler(SamplerSettings s, std::uint64_t seed) : m_s(s), m_rng(seed) {}
    std::int32_t next(const float* logits, std::int64_t vocab);

private:
    SamplerSettings m_s;
    std::mt19937_64 m_rng;
};

// Softmax of logits (stable); used for display of probabilities too.
std::vector<float> softmax(const float* logits, std::int64_t n);

} // namespace sinkscope
