// Forward pass with full capture (attention of every head copied out, hidden-state and key/value
// norms) against the same forward with no observer. Prints milliseconds and the overhead ratio.
//   bench_capture [--stories PATH] [--repeats N] [--lengths 128,1024]
#include "bench_timing.h"
#include "io/random_checkpoint.h"
#include "model/model.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <random>

using namespace sinkscope;
using sinkscope::bench::median;
using sinkscope::bench::timeMs;

namespace {

// Copies every head's attention rows into preallocated storage, as a recorder would.
class FullCapture : public ForwardObserver {
public:
    FullCapture(int layers, int heads, std::int64_t T)
        : m_heads(heads), m_T(T), m_store(static_cast<std::size_t>(layers * heads * T * T)) {}
    bool wantsAttention(int, int) override { return true; }
    bool concurrentAttention() const override { return true; } // each head has its own rows
    void onAttention(int layer, int head, const MatrixView& w) override {
        float* dst =
            m_store.data() + (static_cast<std::int64_t>(layer * m_heads + head) * m_T + w.firstRow) * m_T;
        for (std::int64_t r = 0; r < w.rows; ++r)
            std::memcpy(dst + r * m_T, w.row(r), sizeof(float) * w.cols);
    }
    bool wantsHiddenNorms() override { return true; }
    void onHiddenNorms(int, std::int64_t, const float* n, std::int64_t count) override {
        m_sink += n[count - 1];
    }
    bool wantsKvNorms(int) override { return true; }
    void onKvNorms(int, int, std::int64_t, const float* k, const float* v, std::int64_t count) override {
        m_sink += k[count - 1] + v[count - 1];
    }
    double sink() const { return m_sink + m_store[m_store.size() / 2]; }

private:
    int m_heads;
    std::int64_t m_T;
    std::vector<float> m_store;
    double m_sink = 0;
};

struct Figures {
    double plain, captured, ratio;
};

// A and B alternate (A B A B ...) so that drift in the machine's speed hits both alike; the
// overhead is the median of the per-pair ratios.
Figures compare(const std::function<void()>& a, const std::function<void()>& b, int repeats) {
    a();
    b(); // warm-up
    std::vector<double> ta, tb, ratio;
    for (int i = 0; i < repeats; ++i) {
        ta.push_back(timeMs(a));
        tb.push_back(timeMs(b));
        ratio.push_back(tb.back() / ta.back());
    }
    return {median(ta), median(tb), median(ratio)};
}

void benchModel(const std::string& label, const Model& m, const std::vector<std::int64_t>& lengths,
                int repeats) {
    std::mt19937 rng(7);
    for (auto T : lengths) {
        std::vector<std::int32_t> ids(static_cast<std::size_t>(T));
        std::uniform_int_distribution<int> dist(0, m.config().vocabSize - 1);
        for (auto& id : ids)
            id = dist(rng);
        double sink = 0;
        const auto f = compare([&] { (void)m.forward(ids, nullptr); },
                               [&] {
                                   FullCapture cap(m.config().nLayers, m.config().nHeads, T);
                                   (void)m.forward(ids, &cap);
                                   sink += cap.sink();
                               },
                               repeats);
        fmt::print("{:<28} T={:<5} no capture {:9.1f} ms   full capture {:9.1f} ms   overhead {:+6.1f} %{}\n",
                   label, T, f.plain, f.captured, 100.0 * (f.ratio - 1.0), sink == 12345.0 ? " " : "");
        std::fflush(stdout);
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Capture overhead benchmark"};
    std::string stories = std::string(SINKSCOPE_SHARED_MODELS_DIR_DEFAULT) + "/stories260K/stories260K.bin";
    int repeats = 5;
    std::vector<std::int64_t> lengths{128, 1024};
    bool skipGpt2 = false;
    app.add_option("--stories", stories, "stories260K checkpoint");
    app.add_option("--repeats", repeats, "Timed repeats per figure (median is printed)")
        ->check(CLI::Range(1, 100));
    app.add_option("--lengths", lengths, "Sequence lengths")->delimiter(',');
    app.add_flag("--skip-gpt2", skipGpt2, "Only the stories260K model");
    CLI11_PARSE(app, argc, argv);

    if (!skipGpt2) {
        const auto dir = std::filesystem::temp_directory_path() / "sinkscope-bench-gpt2-small";
        if (!std::filesystem::exists(dir / "model.safetensors")) {
            fmt::print("writing a random GPT-2-small-shaped model to {} ...\n", dir.string());
            if (auto s = writeRandomCheckpoint(dir.string(), gpt2SmallConfig(), 1); !s) {
                fmt::print(stderr, "{}\n", s.error().message);
                return 1;
            }
        }
        auto m = Model::load(dir.string());
        if (!m) {
            fmt::print(stderr, "{}\n", m.error().message);
            return 1;
        }
        benchModel("gpt2-small shape (random)", *m.value(), lengths, repeats);
    }
    auto m = Model::load(stories);
    if (!m) {
        fmt::print(stderr, "{}\n", m.error().message);
        return 1;
    }
    benchModel("stories260K", *m.value(), lengths, repeats);
    return 0;
}
