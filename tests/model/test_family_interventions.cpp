// Suppression, ZeroTuning, ACT and StreamingLLM on one tiny checkpoint of every family: sliding
// windows (Mistral, Qwen3, Gemma 2/3, Phi-3), soft-capped scores (Gemma 2), q/k norms (Qwen3,
// Gemma 3, OLMo-2), partial rotary (Pythia, Phi-3), rope scaling (Llama 3), learned positions
// (GPT-2, OPT). On the captured attention of real passes: every row stays a distribution over the
// keys it may see (never gaining mass on a key outside its window or evicted from the cache), the
// first intervened layer is exactly the operator applied to the unmodified weights (ACT detecting
// its sinks over the rows that see each key), and logits stay finite and change.
#include "intervene/intervention.h"
#include "intervene/operators.h"
#include "model/model.h"
#include "session/capture.h"
#include "test_paths.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const char* const kModels[] = {
    "tiny_llama3_rope", "tiny_mistral_window", "tiny_qwen3_window", "tiny_gemma2", "tiny_gemma3",
    "tiny_pythia",      "tiny_phi3",           "tiny_olmo2",        "tiny_opt",    "tiny_gpt2"};
constexpr std::int64_t kT = 24; // longer than every window and than the streaming cache below
// A cache window below every model's own window, so that eviction hides keys the model would see.
constexpr int kStreamSinks = 2, kStreamWindow = 3;

std::unique_ptr<Model> load(const std::string& name) {
    auto m = Model::load(dataPath("models/" + name));
    EXPECT_TRUE(m.ok()) << name << ": " << (m.ok() ? "" : m.error().message);
    return m.ok() ? std::move(m.value()) : nullptr;
}

// BOS (where the model has one) and then a spread of ordinary ids.
std::vector<std::int32_t> prompt(const ModelConfig& c) {
    std::vector<std::int32_t> ids{c.bosId.value_or(1)};
    for (std::int64_t i = 1; i < kT; ++i)
        ids.push_back(static_cast<std::int32_t>(3 + (i * 7) % (c.vocabSize - 4)));
    return ids;
}

// SPEC with a layers= scope added.
std::string onLayer(const std::string& spec, int layer) {
    return spec + (spec.find(':') == std::string::npos ? ":" : ",") + "layers=" + std::to_string(layer);
}

Intervention parse(const std::string& spec) {
    auto iv = parseIntervention(spec);
    EXPECT_TRUE(iv.ok()) << spec << ": " << (iv.ok() ? "" : iv.error().message);
    return iv.ok() ? *iv : Intervention{};
}

struct Pass {
    std::vector<float> logits; // every position's: on a windowed model the last one may not see the sink
    std::unique_ptr<AttentionRecorder> rec;
    std::vector<float> map(int layer, int head) const { return rec->matrix(layer, head, kT); }
};

Pass run(const Model& m, const std::vector<std::int32_t>& ids, const Interventions& ivs) {
    Pass p;
    p.rec = std::make_unique<AttentionRecorder>(m.config().nLayers, m.config().nHeads);
    auto out = m.forward(ids, p.rec.get(), /*allLogits=*/true, ivs);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    if (out.ok()) p.logits = out->logits;
    return p;
}

double maxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, static_cast<double>(std::abs(a[i] - b[i])));
    return d;
}

bool allFinite(const std::vector<float>& v) {
    return !v.empty() && std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

// Whether query i may put weight on key j: causal, inside the layer's window, and (streaming)
// still in the cache: the first kStreamSinks tokens and the kStreamWindow most recent ones.
bool mayAttend(std::int64_t i, std::int64_t j, int window, bool streamed) {
    if (j > i) return false;
    if (window > 0 && j <= i - window) return false;
    if (streamed && j >= kStreamSinks && j <= i - kStreamWindow) return false;
    return true;
}

// Every row of every head: finite, sums to 1, exactly nothing where the query may not attend.
void expectDistributions(const Model& m, const Pass& p, const std::string& what, bool streamed = false) {
    const ModelConfig& c = m.config();
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto a = p.map(l, h);
            int bad = 0;
            for (std::int64_t i = 0; i < kT && bad < 3; ++i) {
                double sum = 0;
                for (std::int64_t j = 0; j < kT; ++j) {
                    const float v = a[static_cast<std::size_t>(i * kT + j)];
                    sum += v;
                    if (!std::isfinite(v) || v < 0.0f ||
                        (!mayAttend(i, j, c.windowOf(l), streamed) && v != 0.0f)) {
                        ADD_FAILURE() << what << ": layer " << l << " head " << h << " row " << i << " key "
                                      << j << " holds " << v << " (window " << c.windowOf(l) << ")";
                        ++bad;
                    }
                }
                if (std::abs(sum - 1.0) > 1e-4) {
                    ADD_FAILURE() << what << ": layer " << l << " head " << h << " row " << i << " sums to "
                                  << sum;
                    ++bad;
                }
            }
        }
}

// The layer the operator checks run on: the first windowed one where there is one (its input is
// the unmodified run's when nothing before it is intervened), else layer 0.
int checkedLayer(const ModelConfig& c) {
    for (int l = 0; l < c.nLayers; ++l)
        if (c.windowOf(l) > 0) return l;
    return 0;
}

// `op` applied to the unmodified run's weights of layer L, head h.
template <typename Op> std::vector<float> expected(const Pass& base, int layer, int head, Op&& op) {
    auto a = base.map(layer, head);
    op(MutableMatrixView{a.data(), kT, kT, kT, 0});
    return a;
}

} // namespace

// Suppression: the sink column is emptied in every row that saw it, the mass going to the other
// keys the row may see; ZeroTuning gamma 2 doubles the sink's share (renormalised). Both keep
// windows, change the logits, and are the operator itself on the first intervened layer.
TEST(FamilyInterventions, SuppressAndZeroTuningKeepRowsDistributionsInsideTheirWindows) {
    for (const char* name : kModels) {
        SCOPED_TRACE(name);
        auto m = load(name);
        ASSERT_TRUE(m);
        const ModelConfig& c = m->config();
        const auto ids = prompt(c);
        const Pass base = run(*m, ids, {});
        ASSERT_TRUE(allFinite(base.logits));
        expectDistributions(*m, base, "base");

        const Pass suppressed = run(*m, ids, {parse("suppress")});
        ASSERT_TRUE(allFinite(suppressed.logits));
        EXPECT_GT(maxDiff(base.logits, suppressed.logits), 1e-4);
        expectDistributions(*m, suppressed, "suppress");
        for (int l = 0; l < c.nLayers; ++l)
            for (int h = 0; h < c.nHeads; ++h) {
                const auto a = suppressed.map(l, h);
                EXPECT_NEAR(a[0], 1.0f, 1e-6) << "row 0 has only the sink to attend to";
                for (std::int64_t i = 1; i < kT; ++i)
                    EXPECT_LE(std::abs(a[static_cast<std::size_t>(i * kT)]), 1e-7)
                        << "layer " << l << " head " << h << " row " << i;
            }

        const Pass doubled = run(*m, ids, {parse("zerotune:gamma=2")});
        ASSERT_TRUE(allFinite(doubled.logits));
        EXPECT_GT(maxDiff(base.logits, doubled.logits), 1e-4);
        expectDistributions(*m, doubled, "zerotune");

        const int L = checkedLayer(c);
        for (const auto& [spec, gamma] :
             {std::pair<std::string, double>{"suppress", 0.0}, {"zerotune:gamma=2", 2.0}}) {
            const Pass one = run(*m, ids, {parse(onLayer(spec, L))});
            for (int h = 0; h < c.nHeads; ++h) {
                const auto want = expected(
                    base, L, h, [&](const MutableMatrixView& v) { scaleRenormalize(v, {0}, gamma); });
                EXPECT_LT(maxDiff(one.map(L, h), want), 1e-5) << spec << " layer " << L << " head " << h;
                for (int l = 0; l < L; ++l)
                    EXPECT_LT(maxDiff(one.map(l, h), base.map(l, h)), 1e-6)
                        << "layer " << l << " is not selected";
            }
        }
    }
}

// ACT detects its sinks per head on the prompt pass: columns whose importance (the mean weight over
// the rows that can see the key) exceeds the threshold. On a windowed layer only the rows inside a
// key's window see it; averaging over every later row instead counts hidden entries as zeros and
// misses the sinks of all but the last few columns.
TEST(FamilyInterventions, ActDetectsSinksOverTheRowsThatSeeEachKey) {
    int windowMatters = 0; // heads whose detected set depends on averaging over visible rows only
    for (const char* name : kModels) {
        SCOPED_TRACE(name);
        auto m = load(name);
        ASSERT_TRUE(m);
        const ModelConfig& c = m->config();
        const auto ids = prompt(c);
        const Pass base = run(*m, ids, {});

        const Pass all = run(*m, ids, {parse("act:beta=0.4,include_first=1")});
        ASSERT_TRUE(allFinite(all.logits));
        EXPECT_GT(maxDiff(base.logits, all.logits), 1e-4);
        expectDistributions(*m, all, "act");

        // A threshold no column's importance comes within 1e-3 of, so that float rounding between
        // passes cannot move a column across it.
        const int L = checkedLayer(c), W = c.windowOf(L);
        std::vector<std::vector<double>> alphas;
        for (int h = 0; h < c.nHeads; ++h) {
            const auto a = base.map(L, h);
            alphas.push_back(columnImportance(MatrixView{a.data(), kT, kT, kT, 0, W}));
        }
        double thr = 0;
        for (double candidate : {0.1, 0.12, 0.15, 0.18, 0.22, 0.3}) {
            bool clear = true;
            for (const auto& head : alphas)
                for (double alpha : head)
                    clear = clear && std::abs(alpha - candidate) > 1e-3;
            if (clear) {
                thr = candidate;
                break;
            }
        }
        ASSERT_GT(thr, 0) << "every candidate threshold sits on some column's importance";

        std::ostringstream spec;
        spec << "act:beta=0.4,include_first=1,thr=" << thr;
        const Pass one = run(*m, ids, {parse(onLayer(spec.str(), L))});
        int moved = 0;
        for (int h = 0; h < c.nHeads; ++h) {
            const auto a = base.map(L, h);
            const auto sinks = detectSinkColumns(MatrixView{a.data(), kT, kT, kT, 0, W}, thr, false);
            if (sinks != detectSinkColumns(MatrixView{a.data(), kT, kT, kT, 0, 0}, thr, false))
                ++windowMatters;
            const auto want =
                expected(base, L, h, [&](const MutableMatrixView& v) { fixedFraction(v, sinks, 0.4); });
            moved += maxDiff(want, a) > 1e-3;
            EXPECT_LT(maxDiff(one.map(L, h), want), 1e-5)
                << spec.str() << ": layer " << L << " (window " << W << ") head " << h;
        }
        EXPECT_GT(moved, 0) << spec.str() << " moves no mass on layer " << L << ": the check has no teeth";
    }
    EXPECT_GT(windowMatters, 0) << "no head where windows change what ACT detects: the check has no teeth";
}

// StreamingLLM with 2 sinks and a window of 3 over 24 tokens: each token attends to the sinks and
// the 3 most recent tokens only (and of those, to the ones inside its own layer's window, which
// counts text positions), rows stay distributions, the logits change. With RoPE the kept keys are
// re-rotated to their cache slots: a full-attention layer 0's last row is then that of a plain pass
// over the kept tokens.
TEST(FamilyInterventions, StreamingKeepsOnlySinksAndRecentTokens) {
    for (const char* name : kModels) {
        SCOPED_TRACE(name);
        auto m = load(name);
        ASSERT_TRUE(m);
        const ModelConfig& c = m->config();
        const auto ids = prompt(c);
        const Pass base = run(*m, ids, {});
        const std::string spec =
            "stream:sinks=" + std::to_string(kStreamSinks) + ",window=" + std::to_string(kStreamWindow);
        const Pass streamed = run(*m, ids, {parse(spec)});
        ASSERT_TRUE(allFinite(streamed.logits));
        EXPECT_GT(maxDiff(base.logits, streamed.logits), 1e-4);
        expectDistributions(*m, streamed, spec, /*streamed=*/true);
        // Learned positions: a token keeps the slot position it entered with. A windowed layer 0
        // hides the sinks from the streamed row (text distance) but not from the short plain pass.
        if (!c.usesRope() || c.windowOf(0) > 0) continue;

        std::vector<std::int32_t> kept(ids.begin(), ids.begin() + kStreamSinks);
        kept.insert(kept.end(), ids.end() - kStreamWindow, ids.end());
        const Pass plain = run(*m, kept, {});
        const auto K = static_cast<std::int64_t>(kept.size());
        for (int h = 0; h < c.nHeads; ++h) {
            const auto s = streamed.map(0, h);
            const auto p = plain.rec->matrix(0, h, K);
            for (std::int64_t j = 0; j < K; ++j) {
                const std::int64_t pos = j < kStreamSinks ? j : kT - K + j;
                EXPECT_NEAR(s[static_cast<std::size_t>((kT - 1) * kT + pos)],
                            p[static_cast<std::size_t>((K - 1) * K + j)], 1e-5)
                    << "head " << h << " key " << pos;
            }
        }
    }
}
