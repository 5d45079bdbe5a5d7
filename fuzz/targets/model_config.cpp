// config.json: parseHfConfig, and the round trip through toHfConfigJson that exported models rely
// on: a config that is accepted is written back readable, to the same architecture.
#include "io/model_config.h"
#include "fuzz_support.h"
#include "targets.h"

#include <cstdio>
#include <cstdlib>

namespace sinkscope::fuzz {

Outcome modelConfig(const std::uint8_t* data, std::size_t size) {
    auto config = parseHfConfig(std::string(asText(data, size)), "config.json");
    if (!config) return config.error().message;
    const ModelConfig& c = *config;
    auto again = parseHfConfig(toHfConfigJson(c), "config.json");
    if (!again) {
        std::fprintf(stderr, "an accepted config does not read back: %s\n", again.error().message.c_str());
        std::abort();
    }
    const ModelConfig& d = *again;
    if (d.family != c.family || d.nLayers != c.nLayers || d.nHeads != c.nHeads || d.nKvHeads != c.nKvHeads ||
        d.dModel != c.dModel || d.dFf != c.dFf || d.headDim != c.headDim || d.vocabSize != c.vocabSize ||
        d.attention != c.attention || d.bosId != c.bosId || d.eosId != c.eosId || d.addBos != c.addBos) {
        std::fprintf(stderr, "the config changed in the round trip through toHfConfigJson\n");
        std::abort();
    }
    return std::nullopt;
}

} // namespace sinkscope::fuzz
