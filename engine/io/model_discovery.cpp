#include "io/model_discovery.h"

#include "core/regular_file.h"
#include "io/hf_cache.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <set>

namespace sinkscope {

namespace fs = std::filesystem;

namespace {

struct Listing {
    std::vector<fs::path> dirs, files;
};

// A directory's entries, sorted so the result does not depend on the file system's order.
// Symlinks are followed (the HF cache and hand-made model folders are full of them).
bool listDirectory(const fs::path& dir, Listing& out) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return false;
    for (fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) return false;
        std::error_code e;
        if (it->is_directory(e))
            out.dirs.push_back(it->path());
        else if (it->is_regular_file(e))
            out.files.push_back(it->path());
    }
    std::sort(out.dirs.begin(), out.dirs.end());
    std::sort(out.files.begin(), out.files.end());
    return true;
}

bool isCheckpointFile(const fs::path& p) {
    return p.extension() == ".gguf" || (p.extension() == ".bin" && p.filename() != "tokenizer.bin");
}

class Scanner {
public:
    explicit Scanner(int maxDepth) : m_maxDepth(maxDepth) {}

    void scanRoot(const std::string& root, ModelSource source, bool reportMissing) {
        const fs::path p(root);
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) {
            if (isCheckpointFile(p))
                add(inspectModel(p.string(), source));
            else if (reportMissing)
                m_result.notes.push_back(
                    fmt::format("{}: not a directory, .gguf or llama2.c .bin file", root));
            return;
        }
        if (!fs::is_directory(p, ec)) {
            struct stat st {};
            if (!reportMissing) return;
            if (::stat(root.c_str(), &st) == 0) // a FIFO, a device: never opened
                m_result.notes.push_back(fmt::format("{}: is {}, not a directory or a model file", root,
                                                     fileTypeName(st.st_mode)));
            else
                m_result.notes.push_back(fmt::format("{}: no such directory", root));
            return;
        }
        scanDirectory(p, source, 0);
    }

    void scanHubCache(const std::string& hub) {
        Listing l;
        if (!listDirectory(hub, l)) return; // no cache is the common case, not worth a note
        for (const auto& d : l.dirs)
            if (isHfCacheRepoName(d.filename().string())) addHfRepo(d, ModelSource::HfCache);
    }

    Discovery take() {
        std::stable_sort(m_result.models.begin(), m_result.models.end(),
                         [](const ModelEntry& a, const ModelEntry& b) {
                             if (a.source != b.source) return a.source < b.source;
                             if (a.name != b.name) return a.name < b.name;
                             return a.path < b.path;
                         });
        return std::move(m_result);
    }

private:
    void scanDirectory(const fs::path& dir, ModelSource source, int depth) {
        std::error_code ec;
        const auto canonical = fs::weakly_canonical(dir, ec);
        if (!m_visitedDirs.insert(ec ? dir : canonical).second) return; // symlink loops
        if (fs::exists(dir / "config.json", ec)) {
            add(inspectModel(dir.string(), source));
            return;
        }
        if (isHfCacheRepoName(dir.filename().string()) && fs::is_directory(dir / "snapshots", ec)) {
            addHfRepo(dir, source);
            return;
        }
        Listing l;
        if (!listDirectory(dir, l)) {
            m_result.notes.push_back(fmt::format("{}: cannot read the directory", dir.string()));
            return;
        }
        for (const auto& f : l.files)
            if (isCheckpointFile(f)) add(inspectModel(f.string(), source));
        if (depth >= m_maxDepth) return;
        for (const auto& d : l.dirs)
            if (!d.filename().string().starts_with(".")) scanDirectory(d, source, depth + 1);
    }

    void addHfRepo(const fs::path& repoDir, ModelSource source) {
        const HfCacheRepo repo = resolveHfCacheRepo(repoDir.string());
        auto tag = [&](ModelEntry e, const std::string& name) {
            e.name = name;
            e.revision = repo.revision;
            e.note = repo.note;
            add(std::move(e));
        };
        ModelEntry missing;
        missing.source = source;
        missing.path = repoDir.string();
        if (repo.snapshot.empty()) {
            missing.reason =
                fmt::format("{}: no snapshot downloaded (snapshots/ is empty)", repoDir.string());
            return tag(std::move(missing), repo.name);
        }
        const fs::path snapshot(repo.snapshot);
        std::error_code ec;
        if (fs::exists(snapshot / "config.json", ec))
            return tag(inspectModel(snapshot.string(), source), repo.name);
        Listing l;
        listDirectory(snapshot, l);
        bool any = false;
        for (const auto& f : l.files) {
            if (f.extension() != ".gguf") continue;
            tag(inspectModel(f.string(), source), repo.name + "/" + f.filename().string());
            any = true;
        }
        if (any) return;
        missing.path = snapshot.string();
        missing.reason =
            fmt::format("{}: the snapshot has neither config.json nor a .gguf file", snapshot.string());
        tag(std::move(missing), repo.name);
    }

    void add(ModelEntry e) {
        std::error_code ec;
        const auto key = fs::weakly_canonical(e.path, ec);
        if (!m_seen.insert(ec ? fs::path(e.path) : key).second) return;
        m_result.models.push_back(std::move(e));
    }

    int m_maxDepth;
    Discovery m_result;
    std::set<fs::path> m_seen, m_visitedDirs;
};

} // namespace

Discovery discoverModels(const DiscoveryOptions& options) {
    Scanner s(options.maxDepth);
    for (const auto& d : options.bundledDirs)
        s.scanRoot(d, ModelSource::Bundled, false);
    if (!options.hfHubCache.empty()) s.scanHubCache(options.hfHubCache);
    for (const auto& d : options.userDirs)
        s.scanRoot(d, ModelSource::User, true);
    return s.take();
}

std::string bundledModelsDir(const std::string& executable, const std::string& sourceDir,
                             const std::string& buildDir) {
    std::error_code ec;
    const fs::path exe = fs::weakly_canonical(executable, ec);
    if (!buildDir.empty()) {
        fs::path build = fs::weakly_canonical(buildDir, ec);
        if (!build.has_filename()) build = build.parent_path(); // "build/"
        if (std::mismatch(build.begin(), build.end(), exe.begin(), exe.end()).first == build.end())
            return (fs::path(sourceDir) / "assets" / "models").string();
    }
    return (exe.parent_path().parent_path() / "share" / "sinkscope" / "models").string();
}

} // namespace sinkscope
