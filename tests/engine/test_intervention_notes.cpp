// The explanation lines shown beside a result that could look surprising (intervene/intervention_notes.h).
#include "intervene/intervention.h"
#include "intervene/intervention_notes.h"

#include <gtest/gtest.h>
#include <string>

using namespace sinkscope;

namespace {
std::vector<Intervention> parsed(const std::string& spec) {
    auto iv = parseIntervention(spec);
    EXPECT_TRUE(iv.ok()) << spec;
    return iv.ok() ? std::vector<Intervention>{*iv} : std::vector<Intervention>{};
}
bool has(const std::vector<std::string>& notes, const std::string& text) {
    for (const auto& n : notes)
        if (n.find(text) != std::string::npos) return true;
    return false;
}
} // namespace

TEST(InterventionNotes, AStreamingCacheThatNeverFillsIsExplained) {
    // 4 + 64 = 68 slots; a 13-token prompt and 16 generated tokens put 13 + 15 = 28 in the cache.
    const auto notes = interventionNotes(parsed("stream:sinks=4,window=64"), 13, 16);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(has(notes,
                    "holds 4 sink + 64 recent = 68 tokens and this run puts only 28 in it (prompt 13 + 15 "
                    "generated); a window below 24 evicts tokens"))
        << notes[0];
    // Exactly full (4 + 24 = 28) still evicts nothing; one slot fewer and it does, and nothing is said.
    EXPECT_EQ(interventionNotes(parsed("stream:sinks=4,window=24"), 13, 16).size(), 1u);
    EXPECT_TRUE(interventionNotes(parsed("stream:sinks=4,window=23"), 13, 16).empty());
    EXPECT_TRUE(has(interventionNotes(parsed("stream:sinks=0,window=8"), 13, 0), "window only"));
}

TEST(InterventionNotes, ActAndOneTokenPromptsAreExplained) {
    EXPECT_TRUE(has(interventionNotes(parsed("act"), 20, 0), "ACT keeps the first sink"));
    EXPECT_TRUE(has(interventionNotes(parsed("act:beta=0.3,thr=0.2"), 20, 0), "alpha > 0.2) to beta = 0.3"));
    EXPECT_FALSE(has(interventionNotes(parsed("act:include_first=1"), 20, 0), "ACT keeps the first sink"));
    EXPECT_TRUE(has(interventionNotes({}, 1, 0), "one-token prompt"));
    EXPECT_TRUE(interventionNotes(parsed("suppress"), 20, 8).empty());
}
