#pragma once
// RoPE frequency scaling as Hugging Face transformers computes it (modeling_rope_utils.py):
// config.json's "rope_scaling" (or the newer "rope_parameters"), resolved once on parse, and the
// inverse frequencies and cos/sin factor a forward pass rotates queries and keys with.
#include "core/result.h"

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace sinkscope {

enum class RopeScalingType { None, Linear, Dynamic, Yarn, Llama3, Longrope };

struct RopeScaling {
    RopeScalingType type = RopeScalingType::None;
    double factor = 1.0;
    int originalMaxPositions = 0;                     // llama3, yarn: the pre-training context
    double lowFreqFactor = 1.0, highFreqFactor = 4.0; // llama3 frequency bands
    double betaFast = 32.0, betaSlow = 1.0;           // yarn ramp bounds, in rotations
    bool truncate = true;                             // yarn: integer ramp bounds
    double attentionFactor = 1.0;                     // yarn, longrope: multiplies cos and sin
    // longrope (Phi-3): per-frequency divisors, the long ones for passes past originalMaxPositions.
    std::vector<double> shortFactor, longFactor;
    double partialRotary = 0.0; // partial_rotary_factor given inside rope_parameters; 0: absent
    // llama3 from a GGUF file: the divisor of each frequency as llama.cpp's converter computed it
    // from the llama3 parameters (the rope_freqs tensor), used instead of those parameters.
    std::vector<double> freqFactors;
};

const char* ropeScalingName(RopeScalingType t);

// Reads the scaling of a Llama-family config.json object. `maxPositions` is its
// max_position_embeddings (the fallback for original_max_position_embeddings, as HF fills it in);
// a "rope_theta" inside "rope_parameters" replaces `theta`. Unknown types, missing or invalid
// fields: one line naming the key and the value.
Result<RopeScaling> parseRopeScaling(const nlohmann::json& config, const std::string& source,
                                     int maxPositions, double& theta);

// Writes `s` into `config` as the "rope_scaling" object parseRopeScaling reads back (nothing for None).
void writeRopeScaling(const RopeScaling& s, nlohmann::json& config);

// Inverse frequencies [headDim / 2] of a pass whose highest position is seqLen - 1. Only dynamic
// NTK (past maxPositions its base grows) and longrope (long factors past the original context)
// depend on seqLen.
std::vector<double> ropeInverseFrequencies(const RopeScaling& s, double theta, int headDim, int maxPositions,
                                           std::int64_t seqLen);

// The factor HF multiplies cos and sin by (yarn's and longrope's attention factor; 1 otherwise).
double ropeAttentionScaling(const RopeScaling& s);

} // namespace sinkscope
