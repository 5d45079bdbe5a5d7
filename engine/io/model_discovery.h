#pragma once
// Lists the models on this machine for a model picker: the bundled ones, the Hugging Face hub
// cache and directories the user names. Torch-free and without shared state: safe to call from
// a worker thread. Which directories to scan is the caller's business (the desktop app keeps its
// own list; the CLI takes --dir).
#include "io/model_entry.h"

#include <string>
#include <vector>

namespace sinkscope {

struct DiscoveryOptions {
    // Directories holding models (assets/models, share/sinkscope/models); a missing one is normal.
    std::vector<std::string> bundledDirs;
    // The hub directory (hfHubCacheDir); empty: not scanned. A missing one is normal.
    std::string hfHubCache;
    // Directories the user added; a missing or unreadable one is reported in `notes`.
    std::vector<std::string> userDirs;
    // How deep user and bundled directories are searched below themselves.
    int maxDepth = 4;
};

struct Discovery {
    // Bundled first, then the HF cache, then user directories; by name within each. A model
    // reachable twice (a user directory inside the cache, a symlink) is listed once, first wins.
    std::vector<ModelEntry> models;
    std::vector<std::string> notes; // directories that could not be read
};

// In a bundled or user directory, recursively: every directory with config.json (not searched
// below), every HF cache repository (models--*), every .gguf file and every .bin except
// tokenizer.bin (llama2.c checkpoints; a pickle is listed as refused). Hidden directories are
// skipped. In the HF cache: each models--* repository's snapshot chosen by refs/main, as one
// entry when it has config.json, else one entry per .gguf file in it.
Discovery discoverModels(const DiscoveryOptions& options);

// Where an executable finds its bundled models: the source tree's assets/models when it runs
// from the build tree `buildDir`, else PREFIX/share/sinkscope/models beside PREFIX/bin.
std::string bundledModelsDir(const std::string& executable, const std::string& sourceDir,
                             const std::string& buildDir);

} // namespace sinkscope
