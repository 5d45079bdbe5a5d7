#include "random_model_command.h"

#include "cli_common.h"
#include "io/random_checkpoint.h"

#include <fmt/format.h>

namespace sinkscope::cli {

CLI::App* addRandomModelCommand(CLI::App& app, RandomModelOptions& o) {
    auto* cmd =
        app.add_subcommand("random-model", "Write a model directory with random weights (no tokenizer)");
    cmd->add_option("--out,-o", o.out, "Directory to write")->required();
    cmd->add_option("--family", o.family, "llama or gpt2")->check(CLI::IsMember({"llama", "gpt2"}));
    cmd->add_option("--layers", o.layers, "Layers")->check(CLI::Range(1, 64));
    cmd->add_option("--heads", o.heads, "Attention heads")->check(CLI::Range(1, 64));
    cmd->add_option("--kv-heads", o.kvHeads, "Key/value heads (llama)")->check(CLI::Range(1, 64));
    cmd->add_option("--d-model", o.dModel, "Hidden size")->check(CLI::Range(2, 8192));
    cmd->add_option("--vocab", o.vocab, "Vocabulary size")->check(CLI::Range(2, 1 << 20));
    cmd->add_option("--seed", o.seed, "Random seed");
    return cmd;
}

int runRandomModelCommand(const RandomModelOptions& o) {
    ModelConfig c;
    c.family = o.family == "gpt2" ? Family::Gpt2 : Family::Llama;
    c.modelType = o.family;
    if (c.family == Family::Gpt2) setGpt2Wiring(c);
    c.nLayers = o.layers;
    c.nHeads = o.heads;
    c.nKvHeads = c.family == Family::Gpt2 ? o.heads : o.kvHeads;
    c.dModel = o.dModel;
    c.dFf = c.family == Family::Gpt2 ? 4 * o.dModel : 3 * o.dModel;
    c.vocabSize = o.vocab;
    c.maxPositions = 1024;
    c.tieEmbeddings = c.family == Family::Gpt2;
    c.qkvBias = c.outputBias = c.family == Family::Gpt2;
    c.activation = c.family == Family::Gpt2 ? Activation::GeluTanh : Activation::Silu;
    c.bosId = 0;
    c.addBos = c.family == Family::Llama;
    if (c.dModel % c.nHeads != 0)
        return fail(fmt::format("--d-model {} is not divisible by --heads {}", c.dModel, c.nHeads));
    if (c.nHeads % c.nKvHeads != 0)
        return fail(fmt::format("--heads {} is not a multiple of --kv-heads {}", c.nHeads, c.nKvHeads));
    c.headDim = c.dModel / c.nHeads;
    if (c.family == Family::Llama && c.headDim % 2 != 0)
        return fail("head size (d-model / heads) must be even for RoPE");
    if (auto s = writeRandomCheckpoint(o.out, c, o.seed); !s) return fail(s.error().message);
    fmt::print("wrote a random {} model to {} ({} layers, {} heads, d_model {}, vocab {})\n", o.family, o.out,
               c.nLayers, c.nHeads, c.dModel, c.vocabSize);
    return 0;
}

} // namespace sinkscope::cli
