// Cancelling a forward pass part-way (Esc on a long prompt): an observer that answers cancelled()
// stops the pass before the next layer, so no later layer is computed or reported, and the model
// still returns normally (the caller discards the result). The same model, uncancelled, reports
// every layer: the stop is the observer's doing, not a short model.
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "session/capture.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <set>

using namespace sinkscope;

namespace {

// Records which layers' attention arrived and cancels once layer `stopAfter` was reported.
class StopAfter : public ForwardObserver {
public:
    explicit StopAfter(int stopAfter) : m_stopAfter(stopAfter) {}
    std::set<int> layers;
    int asked = 0;
    bool wantsAttention(int, int) override { return true; }
    void onAttention(int l, int, const MatrixView&) override { layers.insert(l); }
    bool cancelled() override {
        ++asked;
        return m_stopAfter >= 0 && !layers.empty() && *layers.rbegin() >= m_stopAfter;
    }

private:
    int m_stopAfter;
};

const std::vector<std::int32_t> kIds{1, 403, 407, 261, 378, 117, 29, 89, 300, 301};

} // namespace

TEST(CancelPass, AnObserverStopsThePassBeforeTheNextLayer) {
    auto model = Model::load(test::sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(model.ok()) << model.error().message;
    const int L = (*model)->config().nLayers;
    ASSERT_GE(L, 3);

    StopAfter whole(-1);
    ASSERT_TRUE((*model)->forward(kIds, &whole).ok());
    EXPECT_EQ(whole.layers.size(), static_cast<std::size_t>(L));
    EXPECT_EQ(whole.asked, L) << "asked once before each layer";

    StopAfter stop(1);
    ASSERT_TRUE((*model)->forward(kIds, &stop).ok());
    EXPECT_EQ(stop.layers, (std::set<int>{0, 1})) << "layers after the stop are not computed";

    // Through a fan-out (the desktop app's observers): either side stops the pass.
    StopAfter quiet(-1), stopper(0);
    ObserverFanout both(quiet, stopper);
    auto prepared = PreparedPrompt::create(**model, kIds, &both);
    ASSERT_TRUE(prepared.ok()) << prepared.error().message;
    EXPECT_EQ(quiet.layers, (std::set<int>{0}));
}
