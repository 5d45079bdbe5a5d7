// Capture: what the observer receives — shapes, normalisation, causality, GQA mapping, the
// two-phase ask-then-observe contract, and that cached generation sees what a full pass sees.
#include "model/model.h"
#include "session/capture.h"
#include "session/trace_capture.h"
#include "test_paths.h"
#include "trace/map_codec.h"

#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <set>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::unique_ptr<Model> load(const std::string& path) {
    auto m = Model::load(path);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? std::move(m.value()) : nullptr;
}

std::vector<std::int32_t> someIds(int n, int vocab, int first) {
    std::vector<std::int32_t> ids{first};
    for (int i = 1; i < n; ++i)
        ids.push_back((i * 37 + 11) % vocab);
    return ids;
}

class ShapeChecker : public ForwardObserver {
public:
    std::set<std::pair<int, int>> wanted;
    std::map<std::pair<int, int>, MatrixView> shapes;
    std::vector<std::string> problems;
    bool wantsAttention(int l, int h) override { return wanted.empty() || wanted.count({l, h}); }
    void onAttention(int l, int h, const MatrixView& w) override {
        shapes[{l, h}] = MatrixView{nullptr, w.rows, w.cols, w.rowStride, w.firstRow};
        for (std::int64_t r = 0; r < w.rows; ++r) {
            const std::int64_t i = w.firstRow + r;
            double sum = 0;
            for (std::int64_t j = 0; j < w.cols; ++j) {
                const float a = w.at(r, j);
                if (j > i && a != 0.0f) problems.push_back("non-zero future weight");
                if (a < 0.0f) problems.push_back("negative weight");
                sum += a;
            }
            if (std::abs(sum - 1.0) > 1e-5) problems.push_back("row sum " + std::to_string(sum));
        }
    }
};

TEST(Capture, RowsSumToOneAreCausalAndShapedPerQueryHead) {
    for (const auto* name : {"tiny_gpt2", "tiny_llama", "tiny_qwen2"}) {
        auto m = load(dataPath(std::string("models/") + name));
        ASSERT_TRUE(m);
        const auto& c = m->config();
        ShapeChecker obs;
        const auto ids = someIds(10, c.vocabSize, c.bosId.value_or(0));
        ASSERT_TRUE(m->forward(ids, &obs).ok());
        EXPECT_TRUE(obs.problems.empty()) << name << ": " << obs.problems.front();
        ASSERT_EQ(obs.shapes.size(), static_cast<std::size_t>(c.nLayers * c.nHeads)) << name;
        for (const auto& [key, v] : obs.shapes) {
            EXPECT_EQ(v.rows, 10);
            EXPECT_EQ(v.cols, 10);
            EXPECT_EQ(v.firstRow, 0);
        }
    }
}

TEST(Capture, OnlyWantedHeadsAreDelivered) {
    auto m = load(dataPath("models/tiny_qwen2"));
    ASSERT_TRUE(m);
    ShapeChecker obs;
    obs.wanted = {{1, 2}, {2, 0}};
    ASSERT_TRUE(m->forward(someIds(6, 80, 79), &obs).ok());
    std::set<std::pair<int, int>> got;
    for (const auto& [k, v] : obs.shapes)
        got.insert(k);
    EXPECT_EQ(got, obs.wanted);
}

class KvNormObserver : public ForwardObserver {
public:
    std::map<std::pair<int, int>, std::vector<float>> keys, values;
    bool wantsKvNorms(int) override { return true; }
    void onKvNorms(int l, int h, std::int64_t, const float* k, const float* v, std::int64_t n) override {
        keys[{l, h}].assign(k, k + n);
        values[{l, h}].assign(v, v + n);
    }
};

TEST(Capture, GqaHeadsShareTheirKeyValueHeadsNorms) {
    auto m = load(dataPath("models/tiny_llama")); // 4 query heads, 2 kv heads
    ASSERT_TRUE(m);
    KvNormObserver obs;
    ASSERT_TRUE(m->forward(someIds(8, 100, 1), &obs).ok());
    for (int l = 0; l < 2; ++l) {
        auto key = [&](int h) { return obs.keys[std::make_pair(l, h)]; };
        auto value = [&](int h) { return obs.values[std::make_pair(l, h)]; };
        EXPECT_EQ(key(0), key(1));
        EXPECT_EQ(value(2), value(3));
        EXPECT_NE(key(1), key(2));
        EXPECT_EQ(key(0).size(), 8u);
    }
}

class ScoresAndWeights : public ForwardObserver {
public:
    std::vector<float> scores, weights;
    bool wantsScores(int l, int h) override { return l == 1 && h == 3; }
    void onScores(int, int, const MatrixView& s) override { copy(s, scores); }
    bool wantsAttention(int l, int h) override { return l == 1 && h == 3; }
    void onAttention(int, int, const MatrixView& w) override { copy(w, weights); }
    std::int64_t T = 0;

private:
    void copy(const MatrixView& v, std::vector<float>& out) {
        T = v.cols;
        for (std::int64_t r = 0; r < v.rows; ++r)
            out.insert(out.end(), v.row(r), v.row(r) + v.cols);
    }
};

TEST(Capture, SoftmaxOfCapturedScoresIsTheCapturedAttention) {
    auto m = load(dataPath("models/tiny_gpt2"));
    ASSERT_TRUE(m);
    ScoresAndWeights obs;
    ASSERT_TRUE(m->forward(someIds(7, 96, 0), &obs).ok());
    ASSERT_EQ(obs.scores.size(), 49u);
    for (std::int64_t i = 0; i < obs.T; ++i) {
        EXPECT_TRUE(
            std::isinf(i + 1 < obs.T ? obs.scores[static_cast<std::size_t>(i * obs.T + i + 1)] : -INFINITY));
        double mx = -1e30, sum = 0;
        for (std::int64_t j = 0; j <= i; ++j)
            mx = std::max<double>(mx, obs.scores[static_cast<std::size_t>(i * obs.T + j)]);
        for (std::int64_t j = 0; j <= i; ++j)
            sum += std::exp(obs.scores[static_cast<std::size_t>(i * obs.T + j)] - mx);
        for (std::int64_t j = 0; j <= i; ++j) {
            const double p = std::exp(obs.scores[static_cast<std::size_t>(i * obs.T + j)] - mx) / sum;
            EXPECT_NEAR(p, obs.weights[static_cast<std::size_t>(i * obs.T + j)], 1e-6);
        }
    }
}

TEST(Capture, CachedGenerationSeesWhatAFullPassSees) {
    auto m = load(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(m);
    const auto& c = m->config();
    const auto prompt = someIds(9, c.vocabSize, 1);
    AttentionRecorder stepwise(c.nLayers, c.nHeads);
    GenerationOptions g;
    g.maxNewTokens = 6;
    g.stopAtEos = false;
    auto gen = m->generate(prompt, g, &stepwise);
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    auto all = prompt;
    all.insert(all.end(), gen->generated.begin(), gen->generated.end() - 1); // the last token is never fed
    const auto T = static_cast<std::int64_t>(all.size());
    AttentionRecorder full(c.nLayers, c.nHeads);
    ASSERT_TRUE(m->forward(all, &full).ok());
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto a = stepwise.matrix(l, h, T), b = full.matrix(l, h, T);
            for (std::size_t i = 0; i < a.size(); ++i)
                ASSERT_NEAR(a[i], b[i], 1e-5) << "layer " << l << " head " << h;
        }
}

// Causality makes the first rows of a long pass comparable to a short pass over the same prefix
// (long passes spread heads over threads and take the longer tile loops).
TEST(Capture, LongPassWithFusedProjectionsMatchesShortPass) {
    auto m = load(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(m);
    const auto& c = m->config();
    ASSERT_GE(c.maxPositions, 512);
    const auto ids = someIds(512, c.vocabSize, 3);
    const std::vector<std::int32_t> prefix(ids.begin(), ids.begin() + 200);
    auto longPass = m->forward(ids, nullptr, /*allLogits=*/true);
    auto shortPass = m->forward(prefix, nullptr, /*allLogits=*/true);
    ASSERT_TRUE(longPass.ok() && shortPass.ok());
    ASSERT_EQ(shortPass->logits.size(), static_cast<std::size_t>(200 * c.vocabSize));
    for (std::size_t i = 0; i < shortPass->logits.size(); ++i)
        ASSERT_NEAR(longPass->logits[i], shortPass->logits[i], 1e-4) << "logit " << i;
}

// The half-float capture against a float32 recorder: a long pass (heads computed and handed over
// on worker threads), then generated rows appended one at a time; unwanted heads hold nothing.
TEST(Capture, HalfCaptureKeepsWhatAFloatRecorderSees) {
    auto m = load(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(m);
    const auto& c = m->config();
    const auto prompt = someIds(500, c.vocabSize, 1);
    const std::int64_t T = 506;
    std::vector<bool> wanted(static_cast<std::size_t>(c.nLayers * c.nHeads), true);
    wanted[1] = false; // layer 0, head 1
    HalfAttentionCapture half(c.nLayers, c.nHeads, T, wanted);
    EXPECT_EQ(half.bytes(), HalfAttentionCapture::predictedBytes(c.nLayers * c.nHeads - 1, T));
    EXPECT_EQ(half.bytes(), (c.nLayers * c.nHeads - 1) * T * (T + 1)); // T(T+1)/2 halves per head
    AttentionRecorder full(c.nLayers, c.nHeads);
    GenerationOptions g;
    g.maxNewTokens = 7;
    g.stopAtEos = false;
    ASSERT_TRUE(m->generate(prompt, g, &half).ok());
    ASSERT_TRUE(m->generate(prompt, g, &full).ok());
    EXPECT_EQ(half.rows(0, 1), 0);
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            if (l == 0 && h == 1) continue;
            ASSERT_EQ(half.rows(l, h), T) << "layer " << l << " head " << h;
            const auto a = half.matrix(l, h), b = full.matrix(l, h, T);
            for (std::size_t i = 0; i < a.size(); ++i)
                ASSERT_NEAR(a[i], b[i], std::abs(b[i]) / 2048.0 + 6e-8) << "layer " << l << " head " << h;
        }
}

// The trace capture keeps attention in fp16; what it hands the store encodes to the very bytes a
// float32 capture of the same pass would (the codec stores fp16 with the same rounding).
TEST(Capture, TraceCaptureEncodesAsAFloatCaptureWould) {
    auto m = load(dataPath("models/tiny_llama"));
    ASSERT_TRUE(m);
    const auto& c = m->config();
    const auto prompt = someIds(12, c.vocabSize, c.bosId.value_or(0));
    TraceCapture trace(c, /*scores=*/true);
    AttentionRecorder rec(c.nLayers, c.nHeads);
    ObserverFanout both(trace, rec);
    GenerationOptions g;
    g.maxNewTokens = 3;
    g.stopAtEos = false;
    ASSERT_TRUE(m->generate(prompt, g, &both).ok());
    const std::int64_t T = 14; // the prompt and two fed tokens
    int attention = 0;
    for (std::size_t i = 0; i < trace.mapCount(); ++i) {
        const AttentionMap got = trace.map(i);
        if (got.kind != MapKind::Attention) continue;
        ++attention;
        const auto dense = rec.matrix(got.layer, got.head, T);
        AttentionMap want = got;
        for (std::int64_t r = 0; r < got.rows; ++r)
            for (std::int64_t k = 0; k < got.cols; ++k)
                want.values[static_cast<std::size_t>(r * got.cols + k)] =
                    dense[static_cast<std::size_t>((got.firstRow + r) * T + k)];
        EXPECT_EQ(encodeMap(got), encodeMap(want)) << "step " << got.step << " layer " << got.layer;
    }
    EXPECT_EQ(attention, 3 * c.nLayers * c.nHeads);
    EXPECT_LT(trace.bytes(), static_cast<std::int64_t>(trace.mapCount()) * T * T * 4);
}

TEST(Capture, ColumnImportanceObserverMatchesRecordedAttention) {
    auto m = load(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(m);
    const auto& c = m->config();
    const auto ids = someIds(16, c.vocabSize, 1);
    AttentionRecorder rec(c.nLayers, c.nHeads);
    ColumnImportanceObserver alpha(c.nLayers, c.nHeads, 16);
    ASSERT_TRUE(m->forward(ids, &rec).ok());
    ASSERT_TRUE(m->forward(ids, &alpha).ok());
    const auto a0 = alpha.alpha0();
    for (int l = 0; l < c.nLayers; ++l)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto mat = rec.matrix(l, h, 16);
            double sum = 0;
            for (int i = 0; i < 16; ++i)
                sum += mat[static_cast<std::size_t>(i * 16)];
            EXPECT_NEAR(a0[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)], sum / 16.0, 1e-6);
        }
}

TEST(ModelErrors, BadPromptsGetClearErrors) {
    auto m = load(dataPath("models/tiny_gpt2"));
    ASSERT_TRUE(m);
    auto empty = m->forward({}, nullptr);
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
    auto outside = m->forward({0, 5, 96}, nullptr);
    ASSERT_FALSE(outside.ok());
    EXPECT_NE(outside.error().message.find("token id 96 at position 2"), std::string::npos)
        << outside.error().message;
    auto tooLong = m->forward(std::vector<std::int32_t>(65, 1), nullptr);
    ASSERT_FALSE(tooLong.ok());
    EXPECT_NE(tooLong.error().message.find("64 learned positions"), std::string::npos)
        << tooLong.error().message;
}

} // namespace
