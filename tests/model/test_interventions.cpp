// Interventions inside real forward passes (stories260K, tiny GPT-2): scoping by layer and head,
// the operators' effect on captured attention, composition, caching, streaming and the prepared
// prompt that live toggles use.
#include "greedy_check.h"
#include "metrics/output_effect.h"
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "session/capture.h"
#include "session/prompt_metrics.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <cmath>
#include <gtest/gtest.h>
#include <map>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::unique_ptr<Model> loadStories() {
    auto m = Model::load(sharedModelPath("stories260K/stories260K.bin"));
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? std::move(m.value()) : nullptr;
}

Interventions parse(std::initializer_list<const char*> specs) {
    Interventions out;
    for (const char* s : specs) {
        auto iv = parseIntervention(s);
        EXPECT_TRUE(iv.ok()) << s << ": " << (iv.ok() ? "" : iv.error().message);
        if (iv.ok()) out.push_back(*iv);
    }
    return out;
}

const std::vector<std::int32_t> kPrompt{1, 403, 407, 261, 378, 117, 29, 89, 300, 301, 264, 441};

struct Captured {
    std::vector<float> logits;
    std::unique_ptr<AttentionRecorder> rec;
};

Captured run(const Model& m, const Interventions& ivs, const std::vector<std::int32_t>& ids = kPrompt) {
    Captured c;
    c.rec = std::make_unique<AttentionRecorder>(m.config().nLayers, m.config().nHeads);
    auto out = m.forward(ids, c.rec.get(), false, ivs);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    if (out.ok()) c.logits = out->logits;
    return c;
}

double maxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, static_cast<double>(std::abs(a[i] - b[i])));
    return a.size() == b.size() ? d : INFINITY;
}

} // namespace

TEST(Interventions, SuppressionInLayerZeroIsTheOperatorOnTheUnmodifiedWeights) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const auto T = static_cast<std::int64_t>(kPrompt.size());
    const auto base = run(*m, {});
    const auto iv = run(*m, parse({"suppress:layers=0"}));
    for (int h = 0; h < m->config().nHeads; ++h) {
        const auto a = base.rec->matrix(0, h, T), b = iv.rec->matrix(0, h, T);
        EXPECT_FLOAT_EQ(b[0], 1.0f) << "row 0 has nothing else to attend to and stays";
        for (std::int64_t i = 1; i < T; ++i) {
            // A'[i,j] = A[i,j] R / (R - A[i,0]) with the row total R (1 up to float rounding,
            // which 1 / (R - A[i,0]) magnifies when the sink holds most of the row).
            const double a0 = a[static_cast<std::size_t>(i * T)];
            double R = 0;
            for (std::int64_t j = 0; j <= i; ++j)
                R += a[static_cast<std::size_t>(i * T + j)];
            EXPECT_EQ(b[static_cast<std::size_t>(i * T)], 0.0f);
            for (std::int64_t j = 1; j <= i; ++j)
                EXPECT_NEAR(b[static_cast<std::size_t>(i * T + j)],
                            a[static_cast<std::size_t>(i * T + j)] * R / (R - a0), 1e-6)
                    << "head " << h << " row " << i << " col " << j;
        }
    }
    EXPECT_GT(
        klDivergence(base.logits.data(), iv.logits.data(), static_cast<std::int64_t>(base.logits.size())),
        1e-3);
}

TEST(Interventions, LayerAndHeadScopesLeaveEverythingElseExactlyAsItWas) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const auto T = static_cast<std::int64_t>(kPrompt.size());
    const auto base = run(*m, {});
    const auto iv = run(*m, parse({"zerotune:gamma=3,layers=2-4,heads=1|5"}));
    for (int l = 0; l < m->config().nLayers; ++l)
        for (int h = 0; h < m->config().nHeads; ++h) {
            const double d = maxDiff(base.rec->matrix(l, h, T), iv.rec->matrix(l, h, T));
            if (l < 2) {
                EXPECT_EQ(d, 0.0) << "layer " << l << " is before the first intervened layer";
            } else if (l == 2 && h != 1 && h != 5) {
                EXPECT_EQ(d, 0.0) << "head " << h << " of layer 2 is not selected";
            } else if (l == 2) {
                EXPECT_GT(d, 1e-3) << "head " << h << " of layer 2 is selected";
            }
        }
}

TEST(Interventions, NeutralSettingsReproduceTheUnmodifiedRun) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const auto base = run(*m, {});
    for (const char* spec :
         {"zerotune:gamma=1", "act:beta=1", "redistribute:p=0,to=3-6", "sinklogit:b=-inf"}) {
        const auto iv = run(*m, parse({spec}));
        EXPECT_LT(maxDiff(base.logits, iv.logits), 2e-5) << spec;
    }
}

TEST(Interventions, CompositionAppliesInOrder) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const auto base = run(*m, {});
    const auto ab = run(*m, parse({"zerotune:gamma=2", "act:beta=0.4,sinks=0"}));
    const auto ba = run(*m, parse({"act:beta=0.4,sinks=0", "zerotune:gamma=2"}));
    EXPECT_GT(maxDiff(ab.logits, base.logits), 1e-3);
    EXPECT_GT(maxDiff(ab.logits, ba.logits), 1e-4) << "the two orders are different operators";
}

// Records layer 0's pre-softmax scores and weights of every head.
class ScoresAndWeights : public ForwardObserver {
public:
    bool wantsScores(int layer, int) override { return layer == 0; }
    void onScores(int, int head, const MatrixView& v) override { keep(scores, head, v); }
    bool wantsAttention(int layer, int) override { return layer == 0; }
    void onAttention(int, int head, const MatrixView& v) override { keep(weights, head, v); }
    std::map<int, std::vector<float>> scores, weights;
    std::int64_t T = 0;

private:
    void keep(std::map<int, std::vector<float>>& dst, int head, const MatrixView& v) {
        T = v.cols;
        auto& m = dst[head];
        for (std::int64_t r = 0; r < v.rows; ++r)
            m.insert(m.end(), v.row(r), v.row(r) + v.cols);
    }
};

TEST(Interventions, SoftmaxOneIsExpOverOnePlusTheSum) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    ScoresAndWeights obs;
    ASSERT_TRUE(m->forward(kPrompt, &obs, false, parse({"sinklogit:b=0,layers=0"})).ok());
    const std::int64_t T = obs.T;
    ASSERT_EQ(obs.weights.size(), static_cast<std::size_t>(m->config().nHeads));
    for (const auto& [h, z] : obs.scores) {
        const auto& a = obs.weights[h];
        for (std::int64_t i = 0; i < T; ++i) {
            double sum = 0;
            for (std::int64_t j = 0; j <= i; ++j)
                sum += std::exp(static_cast<double>(z[static_cast<std::size_t>(i * T + j)]));
            for (std::int64_t j = 0; j <= i; ++j)
                EXPECT_NEAR(
                    a[static_cast<std::size_t>(i * T + j)],
                    std::exp(static_cast<double>(z[static_cast<std::size_t>(i * T + j)])) / (1.0 + sum), 1e-6)
                    << "head " << h << " row " << i;
        }
    }
}

TEST(Interventions, CachedGenerationAgreesWithOneIntervenedPass) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    // Sinks detected automatically depend on the rows they are detected from (the prompt during
    // generation, everything in one pass), so this uses fixed sink sets.
    const auto ivs =
        parse({"suppress:layers=1-3", "act:beta=0.5,sinks=0,layers=4", "sinklogit:b=1,layers=0"});
    GenerationOptions g;
    g.maxNewTokens = 8;
    g.stopAtEos = false;
    auto gen = m->generate(kPrompt, g, nullptr, {}, ivs);
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    auto all = kPrompt;
    all.insert(all.end(), gen->generated.begin(), gen->generated.end() - 1);
    auto full = m->forward(all, nullptr, /*allLogits=*/true, ivs);
    ASSERT_TRUE(full.ok());
    const auto V = full->vocab;
    for (std::size_t s = 0; s < gen->generated.size(); ++s) {
        const auto row = static_cast<std::int64_t>(kPrompt.size() + s - 1);
        EXPECT_TRUE(isArgmaxUpToTie(full->logits.data() + row * V, V, gen->generated[s])) << "step " << s;
    }
}

TEST(Interventions, PreparedPromptRecomputesOnlyFromTheFirstSelectedLayer) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    auto p = PreparedPrompt::create(*m, kPrompt);
    ASSERT_TRUE(p.ok()) << p.error().message;
    const auto base = run(*m, {});
    // Passes without an observer take the fused attention kernel: equal up to float rounding.
    EXPECT_LT(maxDiff((*p)->baseLogits(), base.logits), 1e-4);
    const std::vector<Interventions> cases{parse({"suppress:layers=2-4"}), parse({"act:beta=0.4,layers=3"}),
                                           parse({"zerotune:gamma=4,sinks=secondary"}),
                                           parse({"stream:sinks=1,window=4"})};
    for (const auto& specs : cases) {
        auto r = (*p)->run(specs);
        ASSERT_TRUE(r.ok()) << r.error().message;
        const auto full = run(*m, specs);
        EXPECT_LT(maxDiff(r->logits, full.logits), 1e-4) << specs.front().spec;
    }
    auto r = (*p)->run(parse({"suppress:layers=2-4"}));
    EXPECT_EQ(r->firstRecomputedLayer, 2);
    auto none = (*p)->run({});
    EXPECT_EQ(none->logits, (*p)->baseLogits());
}

TEST(Interventions, ErrorsNameTheSpecAndTheProblem) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    auto r = m->forward(kPrompt, nullptr, false, parse({"suppress:layers=7"}));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("suppress:layers=7"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("7"), std::string::npos);
    auto twice =
        m->forward(kPrompt, nullptr, false, parse({"stream:sinks=1,window=4", "stream:sinks=2,window=4"}));
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("one stream"), std::string::npos) << twice.error().message;

    auto gpt2 = Model::load(dataPath("models/tiny_gpt2"));
    ASSERT_TRUE(gpt2.ok());
    const std::vector<std::int32_t> longIds(80, 3); // more than its 64 learned positions
    auto orig = (*gpt2)->perplexity(longIds, parse({"stream:sinks=2,window=8,pos=original"}));
    ASSERT_FALSE(orig.ok());
    EXPECT_NE(orig.error().message.find("learned positions"), std::string::npos) << orig.error().message;
    auto shifted = (*gpt2)->perplexity(longIds, parse({"stream:sinks=2,window=8"}));
    EXPECT_TRUE(shifted.ok()) << shifted.error().message;
}

TEST(Streaming, ACacheThatNeverFillsIsTheFullContext) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    auto full = m->perplexity(kPrompt);
    ASSERT_TRUE(full.ok());
    for (const char* spec : {"stream:sinks=4,window=64", "stream:sinks=0,window=12,pos=original"}) {
        auto s = m->perplexity(kPrompt, parse({spec}));
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_NEAR(s->meanNll, full->meanNll, 1e-5) << spec;
        EXPECT_EQ(s->predicted, static_cast<std::int64_t>(kPrompt.size()) - 1);
    }
}

// StreamingLLM on committed real text: the first held-out document of tests/data/corpus/val_sample.txt
// (Austen; tests/data/corpus/val_sample_doc1.txt), tokenised here by the bundled default model's own
// tokenizer (544 tokens with BOS, longer than its 256-token training context). Measured: full cache
// 69.9; window 16: window only 89.5, 1 sink + window 56.4, 4 sinks + window 54.6; window 64: 63.4 and
// 50.9. Sink tokens help (a third off the window-only perplexity at window 16), though far less than
// the paper's blow-up on large pretrained models, so only these relations are asserted.
TEST(Streaming, SinkTokensHelpAndStreamingStaysBelowTheFullCachePastTheContext) {
    const std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default";
    auto loaded = Model::load(dir);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const Model& m = **loaded;
    ASSERT_NE(m.tokenizer(), nullptr);
    const std::string doc = readBytes(dataPath("corpus/val_sample_doc1.txt"));
    auto ids = m.tokenizer()->encode(doc, true);
    ASSERT_TRUE(ids.ok()) << ids.error().message;
    EXPECT_EQ(m.tokenizer()->decode({ids->begin() + 1, ids->end()}), doc);
    ASSERT_GT(static_cast<int>(ids->size()), 2 * m.config().maxPositions);

    auto ppl = [&](const std::string& spec) {
        auto r = spec.empty() ? m.perplexity(*ids) : m.perplexity(*ids, parse({spec.c_str()}));
        EXPECT_TRUE(r.ok()) << spec << ": " << (r.ok() ? "" : r.error().message);
        return r.ok() ? r->perplexity : 0.0;
    };
    const double full = ppl("");
    const double only16 = ppl("stream:sinks=0,window=16"), sinks16 = ppl("stream:sinks=4,window=16");
    const double only64 = ppl("stream:sinks=0,window=64"), sinks64 = ppl("stream:sinks=4,window=64");
    std::printf("default model, %zu tokens: full cache %.2f; window 16: only %.2f, 4 sinks %.2f; window 64: "
                "only %.2f, 4 sinks %.2f\n",
                ids->size(), full, only16, sinks16, only64, sinks64);
    EXPECT_LT(sinks16, 0.75 * only16); // measured 0.61
    EXPECT_LT(sinks64, 0.9 * only64);  // measured 0.80
    EXPECT_GT(full, 1.2 * sinks64);    // measured 1.37: past its context the full cache degrades
}

// Sink_1^0.3 over a fixed prompt set, from the metrics observer, against a count made directly
// on the recorded attention matrices.
TEST(SinkMetrics, SinkRateOnFixedPromptsMatchesTheRecordedAttention) {
    auto m = loadStories();
    ASSERT_TRUE(m);
    const auto& c = m->config();
    std::vector<std::vector<std::vector<double>>> alpha0s;
    int above = 0, total = 0;
    for (int p = 0; p < 8; ++p) {
        std::vector<std::int32_t> ids{1};
        for (int i = 1; i < 64; ++i)
            ids.push_back(static_cast<std::int32_t>((i * (37 + 2 * p) + 11 * p + 5) % c.vocabSize));
        PromptMetricsObserver obs(c.nLayers, c.nHeads);
        ASSERT_TRUE(m->forward(ids, &obs).ok());
        alpha0s.push_back(obs.alphaAt(0));
        AttentionRecorder rec(c.nLayers, c.nHeads);
        ASSERT_TRUE(m->forward(ids, &rec).ok());
        for (int l = 0; l < c.nLayers; ++l)
            for (int h = 0; h < c.nHeads; ++h) {
                const auto a = rec.matrix(l, h, 64);
                double col = 0;
                for (int i = 0; i < 64; ++i)
                    col += a[static_cast<std::size_t>(i * 64)];
                above += col / 64.0 > 0.3 ? 1 : 0;
                ++total;
            }
    }
    const double rate = sinkRateOver(alpha0s, 0.3);
    std::printf("stories260K: Sink_1^0.3 = %.2f %% over 8 prompts x %d layers x %d heads\n", rate, c.nLayers,
                c.nHeads);
    EXPECT_NEAR(rate, 100.0 * above / total, 1e-9);
    EXPECT_GT(rate, 0.0);
    EXPECT_LT(rate, 100.0);
}
