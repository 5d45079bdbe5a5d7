// The session layer both front-ends call (engine/session): prompt input, the base-vs-intervened
// comparison and the per-prompt report. Each is checked against the engine computing the same
// thing another way (a plain forward pass with its own observer, the metrics functions by hand),
// so a session function that drops a step or mixes up the sides fails here.
#include "intervene/intervention_notes.h"
#include "metrics/sink_heads.h"
#include "model/model.h"
#include "session/capture.h"
#include "session/comparison.h"
#include "session/prompt_input.h"
#include "session/prompt_report.h"
#include "test_paths.h"

#include <gtest/gtest.h>

using namespace sinkscope;

namespace {

const std::vector<std::int32_t> kIds{1, 403, 407, 261, 378, 117, 29, 89, 300, 301};

std::unique_ptr<Model> stories() {
    auto m = Model::load(test::sharedModelPath("stories260K/stories260K.bin"));
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? std::move(m.value()) : nullptr;
}

std::unique_ptr<Model> bundledDefault() {
    auto m = Model::load(std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default");
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? std::move(m.value()) : nullptr;
}

Interventions parsed(const std::vector<std::string>& specs) {
    auto ivs = parseInterventionList(specs, "test");
    EXPECT_TRUE(ivs.ok()) << ivs.error().message;
    return ivs.ok() ? *ivs : Interventions{};
}

void expectTablesNear(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                      double tol) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t l = 0; l < a.size(); ++l) {
        ASSERT_EQ(a[l].size(), b[l].size());
        for (std::size_t h = 0; h < a[l].size(); ++h)
            EXPECT_NEAR(a[l][h], b[l][h], tol) << "layer " << l << " head " << h;
    }
}

} // namespace

TEST(SessionPromptInput, BosChoiceAndInterventionLists) {
    EXPECT_EQ(*parseBosChoice("auto"), BosChoice::Auto);
    EXPECT_EQ(*parseBosChoice("yes"), BosChoice::Yes);
    EXPECT_EQ(*parseBosChoice("no"), BosChoice::No);
    auto bad = parseBosChoice("maybe");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("maybe"), std::string::npos) << bad.error().message;

    auto ivs = parseInterventionList({"suppress", "zerotune:gamma=2"}, "--intervention");
    ASSERT_TRUE(ivs.ok()) << ivs.error().message;
    ASSERT_EQ(ivs->size(), 2u);
    EXPECT_EQ((*ivs)[1].spec, "zerotune:gamma=2");
    auto wrong = parseInterventionList({"suppress", "nosuch"}, "--intervention");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().message.rfind("--intervention: ", 0), 0u) << wrong.error().message;
    auto bare = parseInterventionList({"nosuch"}, "");
    ASSERT_FALSE(bare.ok());
    EXPECT_NE(bare.error().message.rfind("--intervention", 0), 0u) << "no prefix asked for";
}

TEST(SessionPromptInput, TextIdsAndLinesThroughTheModelsTokenizer) {
    auto m = bundledDefault();
    ASSERT_TRUE(m);
    const std::string text = "The cat sat on the mat.";
    auto direct = m->tokenizer()->encode(text, m->config().addBos);
    ASSERT_TRUE(direct.ok());
    auto box = promptBoxIds(*m, text);
    ASSERT_TRUE(box.ok()) << box.error().message;
    EXPECT_EQ(*box, *direct);
    auto yes = encodePrompt(*m, text, BosChoice::Yes, "--prompt", "--token-ids 1,2,3");
    auto no = encodePrompt(*m, text, BosChoice::No, "--prompt", "--token-ids 1,2,3");
    ASSERT_TRUE(yes.ok() && no.ok());
    EXPECT_EQ(yes->size(), no->size() + 1) << "BOS is the one extra id";
    EXPECT_EQ(std::vector<std::int32_t>(yes->begin() + 1, yes->end()), *no);

    auto ids = promptBoxIds(*m, "  ids: 5, 6,7 \n");
    ASSERT_TRUE(ids.ok()) << ids.error().message;
    EXPECT_EQ(*ids, (std::vector<std::int32_t>{5, 6, 7}));
    auto badIds = promptBoxIds(*m, "ids: 5, x");
    ASSERT_FALSE(badIds.ok());
    EXPECT_NE(badIds.error().message.find("prompt ids"), std::string::npos) << badIds.error().message;

    auto lines = encodePromptLines(*m, "first line\n\n   \nsecond line\n", BosChoice::Auto, "--prompts-file");
    ASSERT_TRUE(lines.ok()) << lines.error().message;
    ASSERT_EQ(lines->size(), 2u) << "blank lines are skipped";
    EXPECT_EQ((*lines)[1], *m->tokenizer()->encode("second line", m->config().addBos));
    auto none = encodePromptLines(*m, "\n \n", BosChoice::Auto, "--prompts-file");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());

    EXPECT_EQ(decodeIds(*m, *no, ","), m->tokenizer()->decode(*no));
    EXPECT_EQ(tokenText(*m, (*no)[0]), m->tokenizer()->tokenText((*no)[0]));
}

TEST(SessionPromptInput, AModelWithoutATokenizerTakesIdsOnly) {
    auto m = stories();
    ASSERT_TRUE(m);
    ASSERT_EQ(m->tokenizer(), nullptr) << "the fixture has no tokenizer next to it";
    auto text = encodePrompt(*m, "hello", BosChoice::Auto, "--prompt", "--token-ids 1,2,3");
    ASSERT_FALSE(text.ok());
    EXPECT_NE(text.error().message.find("--token-ids 1,2,3"), std::string::npos) << text.error().message;
    auto box = promptBoxIds(*m, "hello");
    ASSERT_FALSE(box.ok());
    EXPECT_NE(box.error().message.find("ids: 1, 2, 3"), std::string::npos) << box.error().message;
    EXPECT_EQ(*promptBoxIds(*m, "ids:1,2"), (std::vector<std::int32_t>{1, 2}));
    // A prompts file gives such a model its prompts as ids lines; a text line names the way.
    auto lines = encodePromptLines(*m, "ids: 1, 5, 9\n\n  ids:1,2\n", BosChoice::Auto, "--prompts-file");
    ASSERT_TRUE(lines.ok()) << lines.error().message;
    EXPECT_EQ(*lines, (std::vector<std::vector<std::int32_t>>{{1, 5, 9}, {1, 2}}));
    auto mixed = encodePromptLines(*m, "ids: 1, 5\nhello\n", BosChoice::Auto, "--prompts-file");
    ASSERT_FALSE(mixed.ok());
    EXPECT_NE(mixed.error().message.find("a line \"ids: 1, 2, 3\""), std::string::npos)
        << mixed.error().message;
    auto badLine = encodePromptLines(*m, "ids: 1, x\n", BosChoice::Auto, "--prompts-file");
    ASSERT_FALSE(badLine.ok());
    EXPECT_NE(badLine.error().message.find("--prompts-file line 1"), std::string::npos)
        << badLine.error().message;
    EXPECT_EQ(tokenText(*m, 42), "<42>");
    EXPECT_EQ(decodeIds(*m, {4, 5, 6}, ", "), "4, 5, 6");
}

TEST(SessionComparison, CompareRunMatchesSeparatePassesSideBySide) {
    auto m = stories();
    ASSERT_TRUE(m);
    const auto ivs = parsed({"suppress"});
    ASSERT_TRUE(m->checkInterventions(ivs, static_cast<std::int64_t>(kIds.size())).ok());
    std::vector<CompareSide> sides;
    auto c = compareRun(*m, kIds, ivs, 6, 5, [&](CompareSide side, int, int) {
        if (sides.empty() || sides.back() != side) sides.push_back(side);
        return true;
    });
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(sides, (std::vector<CompareSide>{CompareSide::Base, CompareSide::Intervened}));

    // Each side against its own plain pass over the prompt.
    const auto& cfg = m->config();
    ColumnImportanceObserver base(cfg.nLayers, cfg.nHeads), after(cfg.nLayers, cfg.nHeads);
    auto b = m->forward(kIds, &base);
    auto a = m->forward(kIds, &after, false, ivs);
    ASSERT_TRUE(b.ok() && a.ok());
    expectTablesNear(c->baseAlpha0, base.alpha0(), 1e-6);
    expectTablesNear(c->intervenedAlpha0, after.alpha0(), 1e-6);
    // Suppression leaves the sink only row 0 (which sees nothing else): α₀ = 1/T.
    EXPECT_NEAR(c->intervenedAlpha0[0][0], 1.0 / static_cast<double>(kIds.size()), 1e-6);
    EXPECT_GT(c->baseAlpha0[0][0], 0.0);

    const auto V = static_cast<std::int64_t>(c->generations.base.nextTokenLogits.size());
    const auto effect = nextTokenEffect(b->logits.data(), a->logits.data(), V, 5);
    EXPECT_NEAR(c->effect.kl, effect.kl, 1e-6);
    ASSERT_EQ(c->effect.baseTop.size(), 5u);
    EXPECT_EQ(c->effect.baseTop1, effect.baseTop1);
    EXPECT_EQ(c->generations.base.generated.size(), 6u);
    EXPECT_EQ(c->generations.firstDivergence,
              firstDivergence(c->generations.base.generated, c->generations.intervened.generated));
    EXPECT_EQ(c->notes, interventionNotes(ivs, static_cast<std::int64_t>(kIds.size()), 6));
}

TEST(SessionComparison, WithoutInterventionsTheBaseGenerationIsReused) {
    auto m = stories();
    ASSERT_TRUE(m);
    int calls = 0;
    auto pair = generatePair(*m, kIds, {}, 4, [&](CompareSide side, int, int) {
        EXPECT_EQ(side, CompareSide::Base) << "no second generation without interventions";
        ++calls;
        return true;
    });
    ASSERT_TRUE(pair.ok()) << pair.error().message;
    EXPECT_GT(calls, 0);
    EXPECT_EQ(pair->base.generated, pair->intervened.generated);
    EXPECT_FALSE(pair->firstDivergence);
    const auto split = splitAtDivergence(*m, *pair);
    EXPECT_TRUE(split.common.empty() && split.baseRest.empty() && split.intervenedRest.empty());

    // A divergence splits both texts at the same generated index.
    GenerationPair diverged;
    diverged.base.generated = {7, 8, 9};
    diverged.intervened.generated = {7, 8, 5, 6};
    diverged.firstDivergence = 2;
    const auto parts = splitAtDivergence(*m, diverged);
    EXPECT_EQ(parts.common, "7, 8");
    EXPECT_EQ(parts.baseRest, "9");
    EXPECT_EQ(parts.intervenedRest, "5, 6");
}

TEST(SessionPromptReport, MeasurePromptsAgreesWithItsParts) {
    auto m = stories();
    ASSERT_TRUE(m);
    const auto& cfg = m->config();
    const std::vector<std::vector<std::int32_t>> prompts{kIds, {1, 300, 301, 302, 303, 304}, {1, 29, 89}};
    PromptReportOptions options;
    options.eps = 0.2;
    int lastDone = 0;
    auto r = measurePrompts(*m, prompts, {}, options, [&](int done, int total) {
        EXPECT_EQ(total, 3);
        lastDone = done;
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(lastDone, 3);
    ASSERT_EQ(r->alpha0.size(), 3u);

    std::vector<std::vector<std::vector<double>>> each;
    for (const auto& p : prompts) {
        PromptMetricsObserver obs(cfg.nLayers, cfg.nHeads);
        ASSERT_TRUE(m->forward(p, &obs).ok());
        each.push_back(obs.alphaAt(0));
    }
    for (std::size_t p = 0; p < prompts.size(); ++p)
        expectTablesNear(r->alpha0[p], each[p], 1e-9);
    std::vector<std::vector<double>> mean = each[0];
    for (std::size_t l = 0; l < mean.size(); ++l)
        for (std::size_t h = 0; h < mean[l].size(); ++h)
            mean[l][h] = (each[0][l][h] + each[1][l][h] + each[2][l][h]) / 3.0;
    expectTablesNear(r->meanAlpha0, mean, 1e-9);
    EXPECT_DOUBLE_EQ(r->sinkRate, sinkRateOver(each, 0.2));
    EXPECT_EQ(r->sinkHeads, sinkHeadMap(mean, 0.2));

    // The first prompt's summary: value drain is token 0's value norm over the others' mean.
    const auto& s = r->firstSummary;
    ASSERT_EQ(s.valueDrain.size(), static_cast<std::size_t>(cfg.nLayers));
    for (int l = 0; l < cfg.nLayers; ++l)
        for (int h = 0; h < cfg.nHeads; ++h) {
            const auto& v = r->first->valueNorms(l, h);
            ASSERT_EQ(v.size(), kIds.size());
            double rest = 0;
            for (std::size_t t = 1; t < v.size(); ++t)
                rest += v[t];
            rest /= static_cast<double>(v.size() - 1);
            EXPECT_NEAR(s.valueDrain[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)], v[0] / rest,
                        1e-9);
        }
    EXPECT_DOUBLE_EQ(s.sinkRate, sinkRateOver({each[0]}, 0.2));
    ASSERT_EQ(s.meanKeyNorms.size(), static_cast<std::size_t>(cfg.nLayers));
    EXPECT_EQ(s.meanKeyNorms[0].size(), kIds.size());
    EXPECT_EQ(s.dims.dims, sinkDimensions(r->first->hiddenStates()).dims);

    EXPECT_FALSE(measurePrompts(*m, {}, {}, options).ok());
    auto tooLong = measurePrompts(*m, {kIds, std::vector<std::int32_t>{1, 99999999}}, {}, options);
    ASSERT_FALSE(tooLong.ok());
    EXPECT_EQ(tooLong.error().message.rfind("prompt 2: ", 0), 0u) << tooLong.error().message;
}
