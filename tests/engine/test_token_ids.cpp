// Token id lists as users type them (--token-ids, --sinks, the GUI's "ids:" prompts).
#include "core/token_ids.h"

#include <gtest/gtest.h>

using namespace sinkscope;

TEST(TokenIds, ParsesCommaSeparatedIdsWithSpaces) {
    auto ids = parseTokenIdList(" 1, 461 ,392,\n7,", "--token-ids");
    ASSERT_TRUE(ids.ok()) << ids.error().message;
    EXPECT_EQ(*ids, (std::vector<std::int32_t>{1, 461, 392, 7})); // a trailing comma ends the list
}

TEST(TokenIds, BadEntriesAreNamedWithTheirSourceAndPosition) {
    for (const auto& [text, entry] :
         std::vector<std::pair<const char*, const char*>>{{"1,x,3", "entry 1 ('x')"},
                                                          {"1,-2", "entry 1 ('-2')"},
                                                          {"1,,2", "entry 1 ('')"},
                                                          {"3000000000", "entry 0 ('3000000000')"},
                                                          {"4 5", "entry 0 ('4 5')"}}) {
        auto ids = parseTokenIdList(text, "--sinks");
        ASSERT_FALSE(ids.ok()) << text;
        EXPECT_NE(ids.error().message.find("--sinks: " + std::string(entry)), std::string::npos)
            << ids.error().message;
    }
    auto empty = parseTokenIdList("", "prompt ids");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message, "prompt ids: no ids given");
}
