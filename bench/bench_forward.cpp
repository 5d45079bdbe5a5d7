// Forward pass with full attention capture: the C++ side of the benchmark suite (bench/run.sh).
// Every subcommand prints one JSON object on stdout; figures are printed, nothing is asserted.
//
//   bench_forward models --dir DIR [--default-model DIR] [--recipe FILE] [--positions N] [--tiny]
//       writes (once) the random GPT-2-small-shaped model (--tiny: a 2-layer GPT-2, for smoke
//       runs) and, unless the trained default model exists, the default recipe's shape with
//       random weights; prints their paths.
//   bench_forward forward --model DIR --ids FILE [--repeats R] [--capture none|fp16|fp32]
//                         [--all-logits] [--dump-logits F.npy] [--dump-attention F.npy] [--sgemm N]
//       times Model::forward over the ids (after one untimed pass, the one dumped): capture fp16
//       keeps every head's causal attention in HalfAttentionCapture, fp32 copies every head into
//       a dense [L, H, T, T] float32 array. The dumps are the logits and the last layer's
//       attention [H, T, T]. --sgemm N: GEMM GFLOP/s of N x N matrices measured in the same
//       process, three times before and three times after the timed passes.
//   bench_forward sgemm [--n 2048] [--repeats R]
//       float32 GEMM throughput through LibTorch (at::mm, i.e. the selected BLAS).
//   bench_forward memory --model DIR --tokens T [--capture none|fp16|fp32]
//       one pass (next-token logits) in this process; the resident-set high-water mark it adds
//       over the loaded model (VmHWM after /proc/self/clear_refs reset it).
// --threads N (every subcommand) sets LibTorch's and OpenBLAS's thread counts.
#include "bench_models.h"
#include "model/blas_check.h"
#include "model/model.h"
#include "session/capture.h"

#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sinkscope;
using json = nlohmann::json;

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Copies every head into a dense float32 [L, H, T, T] array, as a plain recorder would.
class DenseCapture : public ForwardObserver {
public:
    DenseCapture(int layers, int heads, std::int64_t T)
        : m_heads(heads), m_T(T),
          m_store(static_cast<std::size_t>(layers * heads) * static_cast<std::size_t>(T * T)) {}
    bool wantsAttention(int, int) override { return true; }
    bool concurrentAttention() const override { return true; }
    void onAttention(int layer, int head, const MatrixView& w) override {
        float* dst = map(layer, head) + w.firstRow * m_T;
        for (std::int64_t r = 0; r < w.rows; ++r)
            std::memcpy(dst + r * m_T, w.row(r), sizeof(float) * static_cast<std::size_t>(w.cols));
    }
    float* map(int layer, int head) {
        return m_store.data() + (static_cast<std::int64_t>(layer) * m_heads + head) * m_T * m_T;
    }
    std::int64_t bytes() const { return static_cast<std::int64_t>(m_store.size() * sizeof(float)); }

private:
    int m_heads;
    std::int64_t m_T;
    std::vector<float> m_store;
};

void writeNpy(const std::string& path, const float* data, const std::vector<std::int64_t>& shape) {
    std::string dims;
    std::int64_t n = 1;
    for (auto d : shape) {
        dims += std::to_string(d) + ",";
        n *= d;
    }
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(header.size());
    out.write(reinterpret_cast<const char*>(&len), 2);
    out << header;
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * 4));
}

std::vector<std::int32_t> readIds(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::int32_t> ids;
    std::string item;
    while (std::getline(in, item, ','))
        if (item.find_first_not_of(" \n\r\t") != std::string::npos) ids.push_back(std::stoi(item));
    return ids;
}

// "VmHWM" or "VmRSS" of this process, in bytes.
std::int64_t procStatus(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return std::stoll(line.substr(std::strlen(key) + 1)) * 1024;
    return -1;
}

std::unique_ptr<Model> loadModel(const std::string& dir) {
    auto m = Model::load(dir);
    if (!m) throw std::runtime_error(m.error().message);
    return std::move(m.value());
}

json blasJson() {
    const BlasInfo b = detectBlas();
    return {{"library", b.library}, {"openblas", b.isOpenBlas},  {"reference", b.isReference},
            {"config", b.config},   {"blas_threads", b.threads}, {"torch_threads", computeThreads()}};
}

int runModels(const std::string& dir, const std::string& defaultModel, const std::string& recipe,
              std::int64_t positions, bool tiny) {
    json out;
    ModelConfig shape = bench::gpt2Shape(positions);
    if (tiny) {
        shape.nLayers = 2;
        shape.nHeads = shape.nKvHeads = 2;
        shape.dModel = 64;
        shape.headDim = 32;
        shape.dFf = 256;
        shape.vocabSize = 512;
        shape.bosId = shape.eosId = 511;
    }
    const auto gpt2 =
        std::filesystem::path(dir) / fmt::format("gpt2-{}-shape-{}", tiny ? "tiny" : "small", positions);
    if (auto s = bench::ensureRandomModel(gpt2, shape); !s) throw std::runtime_error(s.error().message);
    out["gpt2"] = {{"path", gpt2.string()},
                   {"label", tiny ? "tiny GPT-2 (random weights)" : "GPT-2-small shape (random weights)"}};
    if (std::filesystem::exists(std::filesystem::path(defaultModel) / "config.json")) {
        out["default"] = {{"path", defaultModel}, {"label", "default model (trained)"}};
    } else {
        auto recipeShape = bench::recipeShape(recipe);
        if (!recipeShape) throw std::runtime_error(recipeShape.error().message);
        const auto path = std::filesystem::path(dir) / "default-recipe-shape";
        if (auto s = bench::ensureRandomModel(path, *recipeShape); !s)
            throw std::runtime_error(s.error().message);
        out["default"] = {{"path", path.string()}, {"label", "default recipe shape (random weights)"}};
    }
    fmt::print("{}\n", out.dump());
    return 0;
}

// GFLOP/s of `repeats` float32 n x n GEMMs through LibTorch (the selected BLAS), after a warm-up.
std::vector<double> sgemmGflops(std::int64_t n, int repeats) {
    c10::InferenceMode guard;
    const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
    at::Tensor out = at::empty({n, n});
    at::mm_out(out, a, b);
    std::vector<double> gflops;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        at::mm_out(out, a, b);
        gflops.push_back(2.0 * static_cast<double>(n * n * n) / (msSince(t0) * 1e6));
    }
    return gflops;
}

int runForward(const std::string& modelDir, const std::string& idsFile, int repeats,
               const std::string& capture, bool allLogits, const std::string& dumpLogits,
               const std::string& dumpAttention, std::int64_t sgemmN) {
    const auto model = loadModel(modelDir);
    std::vector<double> peak = sgemmN > 0 ? sgemmGflops(sgemmN, 3) : std::vector<double>{};
    const auto ids = readIds(idsFile);
    const auto& c = model->config();
    const auto T = static_cast<std::int64_t>(ids.size());
    std::vector<double> times;
    std::int64_t captureBytes = 0;
    for (int i = 0; i <= repeats; ++i) { // pass 0: warm-up, and the one dumped
        std::unique_ptr<HalfAttentionCapture> half;
        std::unique_ptr<DenseCapture> dense;
        const auto t0 = std::chrono::steady_clock::now();
        ForwardObserver* obs = nullptr;
        if (capture == "fp16")
            obs = (half = std::make_unique<HalfAttentionCapture>(c.nLayers, c.nHeads, T)).get();
        if (capture == "fp32") obs = (dense = std::make_unique<DenseCapture>(c.nLayers, c.nHeads, T)).get();
        auto out = model->forward(ids, obs, allLogits);
        if (!out) throw std::runtime_error(out.error().message);
        const double ms = msSince(t0);
        if (i > 0) times.push_back(ms);
        captureBytes = half ? half->bytes() : dense ? dense->bytes() : 0;
        if (i > 0) continue;
        if (!dumpLogits.empty()) writeNpy(dumpLogits, out->logits.data(), {out->rows, out->vocab});
        if (!dumpAttention.empty() && obs) {
            std::vector<float> last;
            for (int h = 0; h < c.nHeads; ++h) {
                const auto m = half ? half->matrix(c.nLayers - 1, h)
                                    : std::vector<float>(dense->map(c.nLayers - 1, h),
                                                         dense->map(c.nLayers - 1, h) + T * T);
                last.insert(last.end(), m.begin(), m.end());
            }
            writeNpy(dumpAttention, last.data(), {c.nHeads, T, T});
        }
    }
    if (sgemmN > 0)
        for (double g : sgemmGflops(sgemmN, 3))
            peak.push_back(g);
    fmt::print("{}\n", json{{"times_ms", times},
                            {"sgemm_gflops", peak},
                            {"capture_bytes", captureBytes},
                            {"blas", blasJson()}}
                           .dump());
    return 0;
}

int runSgemm(std::int64_t n, int repeats) {
    fmt::print("{}\n", json{{"n", n}, {"gflops", sgemmGflops(n, repeats)}, {"blas", blasJson()}}.dump());
    return 0;
}

int runMemory(const std::string& modelDir, std::int64_t T, const std::string& capture) {
    const auto model = loadModel(modelDir);
    const auto& c = model->config();
    std::vector<std::int32_t> ids(static_cast<std::size_t>(T));
    for (std::int64_t i = 0; i < T; ++i)
        ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 7919 + 13) % c.vocabSize);
    {
        std::ofstream reset("/proc/self/clear_refs");
        reset << "5"; // VmHWM := VmRSS (Linux >= 4.0)
    }
    const std::int64_t before = procStatus("VmRSS");
    std::int64_t captureBytes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    {
        std::unique_ptr<HalfAttentionCapture> half;
        std::unique_ptr<DenseCapture> dense;
        ForwardObserver* obs = nullptr;
        if (capture == "fp16")
            obs = (half = std::make_unique<HalfAttentionCapture>(c.nLayers, c.nHeads, T)).get();
        if (capture == "fp32") obs = (dense = std::make_unique<DenseCapture>(c.nLayers, c.nHeads, T)).get();
        auto out = model->forward(ids, obs);
        if (!out) throw std::runtime_error(out.error().message);
        captureBytes = half ? half->bytes() : dense ? dense->bytes() : 0;
    }
    const double ms = msSince(t0);
    fmt::print("{}\n", json{{"rss_before", before},
                            {"hwm", procStatus("VmHWM")},
                            {"capture_bytes", captureBytes},
                            {"ms", ms},
                            {"threads", computeThreads()}}
                           .dump());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Forward pass with attention capture (bench/run.sh drives it)"};
    app.require_subcommand(1);
    int threads = 0, repeats = 3;
    app.add_option("--threads", threads, "LibTorch and OpenBLAS threads (0: leave as they are)");
    std::string dir, defaultModel = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default",
                     recipe = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/recipes/default.json";
    std::int64_t positions = 4096, n = 2048, tokens = 2048;
    std::string modelDir, idsFile, capture = "fp16", dumpLogits, dumpAttention;
    bool allLogits = false, tiny = false;
    std::int64_t sgemmN = 0;

    auto* models = app.add_subcommand("models", "Write or find the benchmark models");
    models->add_option("--dir", dir, "Directory for the random-weight models")->required();
    models->add_option("--default-model", defaultModel, "The trained default model, when present");
    models->add_option("--recipe", recipe, "The default recipe (shape when the model is absent)");
    models->add_option("--positions", positions, "Learned positions of the GPT-2-shaped model");
    models->add_flag("--tiny", tiny, "A 2-layer GPT-2 instead of GPT-2 small's shape (smoke runs)");
    auto* forward = app.add_subcommand("forward", "Time forward passes");
    forward->add_option("--model", modelDir)->required();
    forward->add_option("--ids", idsFile, "Token ids, comma-separated")->required();
    forward->add_option("--repeats", repeats)->check(CLI::Range(1, 10000));
    forward->add_option("--capture", capture)->check(CLI::IsMember({"none", "fp16", "fp32"}));
    forward->add_flag("--all-logits", allLogits, "Logits of every position (else the next token's)");
    forward->add_option("--dump-logits", dumpLogits);
    forward->add_option("--dump-attention", dumpAttention);
    forward->add_option("--sgemm", sgemmN, "Also measure N x N GEMM GFLOP/s before and after");
    auto* sgemm = app.add_subcommand("sgemm", "Square float32 GEMM throughput");
    sgemm->add_option("--n", n);
    sgemm->add_option("--repeats", repeats)->check(CLI::Range(1, 100));
    auto* memory = app.add_subcommand("memory", "Peak resident memory of one pass");
    memory->add_option("--model", modelDir)->required();
    memory->add_option("--tokens", tokens)->required();
    memory->add_option("--capture", capture)->check(CLI::IsMember({"none", "fp16", "fp32"}));
    CLI11_PARSE(app, argc, argv);

    try {
        if (threads > 0) setComputeThreads(threads);
        if (*models) return runModels(dir, defaultModel, recipe, positions, tiny);
        if (*forward)
            return runForward(modelDir, idsFile, repeats, capture, allLogits, dumpLogits, dumpAttention,
                              sgemmN);
        if (*sgemm) return runSgemm(n, repeats);
        return runMemory(modelDir, tokens, capture);
    } catch (const std::exception& e) {
        fmt::print(stderr, "bench_forward: {}\n", e.what());
        return 1;
    }
}
