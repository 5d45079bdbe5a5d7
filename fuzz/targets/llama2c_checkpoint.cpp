// llama2.c checkpoints (.bin): the header checks, the file size they imply and, when it matches,
// the weights copied out and checked against the config as opening a model does.
#include "io/llama2c_checkpoint.h"
#include "fuzz_support.h"
#include "io/weight_spec.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome llama2cCheckpoint(const std::uint8_t* data, std::size_t size) {
    auto checkpoint = parseLlama2cCheckpoint(data, size, "model.bin");
    if (!checkpoint) return checkpoint.error().message;
    if (auto s = validateWeights(checkpoint->config, checkpoint->weights, "model.bin"); !s)
        return s.error().message;
    return std::nullopt;
}

} // namespace sinkscope::fuzz
