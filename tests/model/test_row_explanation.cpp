// One query row explained (engine/model/row_explanation.h): the scores are the pass's own and the
// model's weighting of them gives the captured weights; an intervention's row is what an ordinary
// intervened pass attends with (suppression: nothing on the sink, the row still sums to 1; a sink
// logit: softmax over the scores and the extra column b).
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "model/row_explanation.h"
#include "session/capture.h"
#include "test_paths.h"

#include <cmath>
#include <gtest/gtest.h>
#include <numeric>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

struct Fixture {
    std::unique_ptr<Model> model;
    std::unique_ptr<PreparedPrompt> prompt;
    std::vector<std::int32_t> ids;
};

Fixture stories(int tokens = 12) {
    Fixture f;
    auto m = Model::load(sharedModelPath("stories260K/stories260K.bin"));
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    if (!m) return f;
    f.model = std::move(m.value());
    f.ids = {1};
    for (int i = 1; i < tokens; ++i)
        f.ids.push_back((i * 37 + 11) % f.model->config().vocabSize);
    auto p = PreparedPrompt::create(*f.model, f.ids);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    if (p) f.prompt = std::move(p.value());
    return f;
}

Interventions parsed(const std::string& spec) {
    auto iv = parseIntervention(spec);
    EXPECT_TRUE(iv.ok()) << spec;
    return iv ? Interventions{iv.value()} : Interventions{};
}

// softmax over z, and over z plus an extra logit b when b is finite (its share dropped).
std::vector<double> softmax(const std::vector<float>& z, float b = NAN) {
    double mx = std::isfinite(b) ? b : -INFINITY;
    for (float v : z)
        mx = std::max<double>(mx, v);
    double sum = std::isfinite(b) ? std::exp(b - mx) : 0.0;
    for (float v : z)
        sum += std::exp(v - mx);
    std::vector<double> p;
    for (float v : z)
        p.push_back(std::exp(v - mx) / sum);
    return p;
}

double sumOf(const std::vector<float>& w) {
    return std::accumulate(w.begin(), w.end(), 0.0);
}

} // namespace

TEST(RowExplanation, SoftmaxOfTheScoresIsTheCapturedAttention) {
    auto f = stories();
    ASSERT_TRUE(f.prompt);
    const auto& c = f.model->config();
    const auto T = static_cast<std::int64_t>(f.ids.size());
    // The weights of an ordinary pass that asks for no scores (the fused kernels' own path).
    AttentionRecorder captured(c.nLayers, c.nHeads);
    ASSERT_TRUE(f.model->forward(f.ids, &captured).ok());
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto map = captured.matrix(l, h, T);
            for (std::int64_t q : {std::int64_t{0}, std::int64_t{5}, T - 1}) {
                auto r = explainRow(*f.model, *f.prompt, l, h, q);
                ASSERT_TRUE(r.ok()) << r.error().message;
                ASSERT_EQ(r->base.scores.size(), static_cast<std::size_t>(q + 1));
                EXPECT_FALSE(r->intervened);
                EXPECT_TRUE(std::isnan(r->base.extraLogit));
                const auto p = softmax(r->base.scores);
                for (std::int64_t j = 0; j <= q; ++j) {
                    const double a = map[static_cast<std::size_t>(q * T + j)];
                    EXPECT_NEAR(p[static_cast<std::size_t>(j)], a, 1e-5)
                        << l << "," << h << "," << q << "," << j;
                    EXPECT_NEAR(r->base.weights[static_cast<std::size_t>(j)], a, 1e-5);
                }
                EXPECT_NEAR(sumOf(r->base.weights), 1.0, 1e-5);
            }
        }
    // Not the same numbers for every head: the scores differ from head to head.
    auto a = explainRow(*f.model, *f.prompt, 0, 0, T - 1), b = explainRow(*f.model, *f.prompt, 4, 7, T - 1);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(a->base.scores, b->base.scores);
}

TEST(RowExplanation, SuppressionPutsNothingOnTheSinkAndTheRowStillSumsToOne) {
    auto f = stories();
    ASSERT_TRUE(f.prompt);
    const auto& c = f.model->config();
    const auto T = static_cast<std::int64_t>(f.ids.size());
    const auto ivs = parsed("suppress");
    AttentionRecorder captured(c.nLayers, c.nHeads);
    ASSERT_TRUE(f.model->forward(f.ids, &captured, false, ivs).ok());
    for (int l : {0, c.nLayers - 1}) {
        const auto map = captured.matrix(l, 2, T);
        for (std::int64_t q = 0; q < T; ++q) {
            auto r = explainRow(*f.model, *f.prompt, l, 2, q, ivs);
            ASSERT_TRUE(r.ok()) << r.error().message;
            ASSERT_TRUE(r->intervened);
            EXPECT_EQ(r->onThisHead, std::vector<std::string>{"suppress"});
            const auto& w = r->intervened->weights;
            // Row 0 has nothing to move its mass onto and stays as it is.
            EXPECT_EQ(w[0], q == 0 ? 1.0f : 0.0f) << "layer " << l << " query " << q;
            EXPECT_NEAR(sumOf(w), 1.0, 1e-5);
            for (std::int64_t j = 0; j <= q; ++j)
                EXPECT_NEAR(w[static_cast<std::size_t>(j)], map[static_cast<std::size_t>(q * T + j)], 1e-5);
            // The base row is the unmodified one, with mass on the sink.
            if (q > 0) {
                EXPECT_GT(r->base.weights[0], 0.0f);
            }
        }
    }
    // Past the first layer the scores change too: the layers before were suppressed as well.
    auto last = explainRow(*f.model, *f.prompt, c.nLayers - 1, 2, T - 1, ivs);
    ASSERT_TRUE(last.ok());
    EXPECT_NE(last->base.scores, last->intervened->scores);
    auto first = explainRow(*f.model, *f.prompt, 0, 2, T - 1, ivs);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->base.scores, first->intervened->scores);
}

TEST(RowExplanation, ASinkLogitAddsAColumnThatTakesTheRestOfTheRow) {
    auto f = stories();
    ASSERT_TRUE(f.prompt);
    const auto T = static_cast<std::int64_t>(f.ids.size());
    auto r = explainRow(*f.model, *f.prompt, 3, 1, T - 1, parsed("sinklogit:b=2,layers=3"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->intervened);
    EXPECT_EQ(r->intervened->extraLogit, 2.0f);
    // Only layer 3 changes: its scores are the unmodified ones, its weights a softmax over [z, b].
    EXPECT_EQ(r->intervened->scores, r->base.scores);
    const auto p = softmax(r->intervened->scores, 2.0f);
    double expectedSum = 0;
    for (std::size_t j = 0; j < p.size(); ++j) {
        EXPECT_NEAR(r->intervened->weights[j], p[j], 1e-5);
        expectedSum += p[j];
    }
    EXPECT_LT(sumOf(r->intervened->weights), 1.0);
    EXPECT_NEAR(sumOf(r->intervened->weights), expectedSum, 1e-5);
    // A head the intervention does not select keeps its row.
    auto other = explainRow(*f.model, *f.prompt, 2, 1, T - 1, parsed("sinklogit:b=2,layers=3"));
    ASSERT_TRUE(other.ok());
    EXPECT_TRUE(other->onThisHead.empty());
    EXPECT_EQ(other->intervened->weights, other->base.weights);
}

TEST(RowExplanation, BadIndicesNameTheValueAndTheRange) {
    auto f = stories(6);
    ASSERT_TRUE(f.prompt);
    auto bad = [&](int l, int h, std::int64_t q) {
        auto r = explainRow(*f.model, *f.prompt, l, h, q);
        EXPECT_FALSE(r.ok());
        return r.ok() ? std::string() : r.error().message;
    };
    EXPECT_EQ(bad(5, 0, 0), "layer 5 is out of range (the model has 5 layers, 0-4)");
    EXPECT_EQ(bad(0, -1, 0), "head -1 is out of range (the model has 8 heads, 0-7)");
    EXPECT_EQ(bad(0, 0, 6), "query 6 is out of range (the prompt has 6 tokens, 0-5)");
}

TEST(RowExplanation, AStreamingCacheShowsTheUnmodifiedRowWithANote) {
    auto f = stories(8);
    ASSERT_TRUE(f.prompt);
    auto r = explainRow(*f.model, *f.prompt, 1, 1, 7, parsed("stream:sinks=1,window=4"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->intervened);
    EXPECT_NE(r->note.find("streaming cache"), std::string::npos) << r->note;
    EXPECT_NEAR(sumOf(r->base.weights), 1.0, 1e-5);
}
