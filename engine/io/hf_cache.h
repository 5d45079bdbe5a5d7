#pragma once
// The Hugging Face hub cache as huggingface_hub lays it out:
//   HUB/models--ORG--NAME/refs/main              the commit the "main" branch resolved to
//   HUB/models--ORG--NAME/snapshots/COMMIT/...   the files of that commit (symlinks into blobs/)
//   HUB/models--ORG--NAME/blobs/SHA              the bytes
// Read-only: SinkScope never writes to the cache and never downloads.
#include <functional>
#include <optional>
#include <string>

namespace sinkscope {

// Reads an environment variable; nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup processEnvironment();

// The hub directory, as huggingface_hub finds it: HF_HUB_CACHE, else the legacy
// HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else
// HOME/.cache/huggingface/hub. nullopt when none of them is set. The directory may not exist.
std::optional<std::string> hfHubCacheDir(const EnvLookup& env);

// One model repository of the cache.
struct HfCacheRepo {
    std::string name;     // "org/name" ("gpt2" for a repository without an organisation)
    std::string repoDir;  // HUB/models--org--name
    std::string snapshot; // the chosen snapshot directory; empty when there is none
    std::string revision; // its commit
    std::string note;     // how it was chosen when refs/main did not decide it; empty otherwise
};

// Whether a directory name is a model repository of the cache ("models--..."; datasets and
// spaces are not models).
bool isHfCacheRepoName(const std::string& dirName);

// Resolves a models--* directory: the snapshot refs/main names; without a usable refs/main, the
// only snapshot, or the most recently modified one (and `note` says so).
HfCacheRepo resolveHfCacheRepo(const std::string& repoDir);

} // namespace sinkscope
