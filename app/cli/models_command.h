#pragma once
// `sinkscope-cli models`: the models on this machine (bundled, Hugging Face cache, --dir), with
// format, architecture, family, features (windows, soft-caps, rope scaling, GGUF quantisation, ...),
// size and whether SinkScope can open them (and why not).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct ModelsOptions {
    std::vector<std::string> dirs;
    int depth = 4;
    bool json = false;
};

CLI::App* addModelsCommand(CLI::App& app, ModelsOptions& options);
int runModelsCommand(const ModelsOptions& options);

} // namespace sinkscope::cli
