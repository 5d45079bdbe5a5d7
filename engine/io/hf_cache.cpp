#include "io/hf_cache.h"

#include "core/read_file.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <vector>

namespace sinkscope {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kModelsPrefix = "models--";

// Repository ids cannot contain "--" (huggingface_hub refuses them), so every "--" after the
// prefix is the "/" between organisation and name.
std::string repoName(const std::string& dirName) {
    std::string rest = dirName.substr(kModelsPrefix.size());
    std::string out;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest.compare(i, 2, "--") == 0) {
            out += '/';
            ++i;
        } else {
            out += rest[i];
        }
    }
    return out;
}

// The first line of a ref file; empty when there is none or it is not a small regular file.
std::string readRef(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return {};
    auto text = readWholeFile(file.string(), kConfigFile);
    if (!text) return {};
    std::string ref = text->substr(0, text->find('\n'));
    while (!ref.empty() && (ref.back() == '\r' || ref.back() == ' ' || ref.back() == '\t'))
        ref.pop_back();
    return ref;
}

} // namespace

EnvLookup processEnvironment() {
    return [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (!v || !*v) return std::nullopt;
        return std::string(v);
    };
}

std::optional<std::string> hfHubCacheDir(const EnvLookup& env) {
    if (auto v = env("HF_HUB_CACHE")) return v;
    if (auto v = env("HUGGINGFACE_HUB_CACHE")) return v;
    if (auto v = env("HF_HOME")) return (fs::path(*v) / "hub").string();
    if (auto v = env("XDG_CACHE_HOME")) return (fs::path(*v) / "huggingface" / "hub").string();
    if (auto v = env("HOME")) return (fs::path(*v) / ".cache" / "huggingface" / "hub").string();
    return std::nullopt;
}

bool isHfCacheRepoName(const std::string& dirName) {
    return dirName.size() > kModelsPrefix.size() && dirName.starts_with(kModelsPrefix);
}

HfCacheRepo resolveHfCacheRepo(const std::string& repoDir) {
    HfCacheRepo repo;
    repo.repoDir = repoDir;
    repo.name = repoName(fs::path(repoDir).filename().string());
    const fs::path snapshots = fs::path(repoDir) / "snapshots";
    std::error_code ec;

    const std::string ref = readRef(fs::path(repoDir) / "refs" / "main");
    // A ref is a commit hash; anything with a separator would point outside snapshots/.
    if (!ref.empty() && ref.find('/') == std::string::npos && ref != "." && ref != ".." &&
        fs::is_directory(snapshots / ref, ec)) {
        repo.snapshot = (snapshots / ref).string();
        repo.revision = ref;
        return repo;
    }

    std::vector<fs::path> found;
    for (fs::directory_iterator it(snapshots, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec)) found.push_back(it->path());
    if (found.empty()) return repo;
    // The newest snapshot is the one a download touched last.
    auto mtime = [](const fs::path& p) {
        std::error_code e;
        return fs::last_write_time(p, e);
    };
    std::sort(found.begin(), found.end(), [&](const fs::path& a, const fs::path& b) {
        const auto ta = mtime(a), tb = mtime(b);
        return ta != tb ? ta > tb : a.filename() < b.filename();
    });
    repo.snapshot = found.front().string();
    repo.revision = found.front().filename().string();
    const std::string why =
        ref.empty() ? "no refs/main" : fmt::format("refs/main names {}, not downloaded", ref);
    if (found.size() > 1)
        repo.note = fmt::format("{}: picked the newest of {} snapshots", why, found.size());
    else if (!ref.empty())
        repo.note = fmt::format("{}: using the only snapshot", why);
    return repo;
}

} // namespace sinkscope
