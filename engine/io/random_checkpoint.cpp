#include "io/random_checkpoint.h"

#include "core/half.h"
#include "io/safetensors_writer.h"
#include "io/weight_spec.h"

#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <random>

namespace sinkscope {

namespace {
bool isNormWeight(const std::string& n) {
    return n.find("norm") != std::string::npos || n.find("ln_") != std::string::npos;
}
} // namespace

Status writeRandomCheckpoint(const std::string& dir, const ModelConfig& config, std::uint64_t seed,
                             float stddev, DType dtype) {
    if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
        return Error{
            fmt::format("random checkpoint: dtype {} is not a float type we write", dtypeName(dtype))};
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{fmt::format("{}: cannot create: {}", dir, ec.message())};
    {
        std::ofstream cfg(dir + "/config.json");
        cfg << toHfConfigJson(config);
        if (!cfg) return Error{fmt::format("{}/config.json: cannot write", dir)};
    }
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, stddev);
    const auto specs = expectedTensors(config);
    std::vector<std::vector<std::uint8_t>> buffers;
    std::vector<TensorToWrite> tensors;
    for (const auto& s : specs) {
        std::int64_t n = 1;
        for (auto d : s.shape)
            n *= d;
        const bool norm = isNormWeight(s.name);
        const bool bias = s.name.ends_with(".bias");
        std::vector<std::uint8_t> buf(static_cast<std::size_t>(n) * dtypeSize(dtype));
        for (std::int64_t i = 0; i < n; ++i) {
            const float v = norm ? (bias ? 0.0f : 1.0f) : normal(rng);
            if (dtype == DType::F32) {
                std::memcpy(buf.data() + 4 * i, &v, 4);
            } else {
                const std::uint16_t h = dtype == DType::F16 ? f32ToF16(v) : f32ToBf16(v);
                std::memcpy(buf.data() + 2 * i, &h, 2);
            }
        }
        buffers.push_back(std::move(buf));
        tensors.push_back({s.name, dtype, s.shape, buffers.back().data()});
    }
    return writeSafetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
}

ModelConfig gpt2SmallConfig() {
    ModelConfig c;
    c.family = Family::Gpt2;
    c.modelType = "gpt2";
    setGpt2Wiring(c);
    c.nLayers = 12;
    c.nHeads = 12;
    c.nKvHeads = 12;
    c.dModel = 768;
    c.dFf = 3072;
    c.headDim = 64;
    c.vocabSize = 50257;
    c.maxPositions = 1024;
    c.normEps = 1e-5;
    c.tieEmbeddings = true;
    c.qkvBias = true;
    c.outputBias = true;
    c.activation = Activation::GeluTanh;
    c.bosId = 50256;
    c.eosId = 50256;
    return c;
}

} // namespace sinkscope
