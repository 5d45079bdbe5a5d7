// Model discovery: Hugging Face caches laid out as huggingface_hub writes them (snapshots of
// symlinks into blobs/), user directories with every format, bundled models, and the reasons
// given for what cannot be opened.
#include "gguf_test_builder.h"
#include "io/hf_cache.h"
#include "io/llama2c_checkpoint.h"
#include "io/model_discovery.h"
#include "io/weight_spec.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

// A hub cache in a temp dir: files go to blobs/ under a made-up hash and the snapshot holds
// relative symlinks to them, as in a real cache.
class FakeHub {
public:
    explicit FakeHub(const TempDir& t) : m_root(t.path("hub")) { fs::create_directories(m_root); }
    const std::string& root() const { return m_root; }

    // Adds `file` (bytes) to snapshot `rev` of repository models--<repo>.
    void add(const std::string& repo, const std::string& rev, const std::string& file,
             const std::string& bytes) {
        const fs::path dir = fs::path(m_root) / ("models--" + repo);
        const std::string blob = "blob" + std::to_string(m_next++);
        fs::create_directories(dir / "blobs");
        fs::create_directories(dir / "snapshots" / rev);
        std::ofstream(dir / "blobs" / blob, std::ios::binary) << bytes;
        fs::create_symlink(fs::path("../../blobs") / blob, dir / "snapshots" / rev / file);
    }
    // A snapshot entry whose blob never finished downloading.
    void addDangling(const std::string& repo, const std::string& rev, const std::string& file) {
        const fs::path dir = fs::path(m_root) / ("models--" + repo) / "snapshots" / rev;
        fs::create_directories(dir);
        fs::create_symlink("../../blobs/deadbeef.incomplete", dir / file);
    }
    void setMain(const std::string& repo, const std::string& rev) {
        const fs::path refs = fs::path(m_root) / ("models--" + repo) / "refs";
        fs::create_directories(refs);
        std::ofstream(refs / "main") << rev; // huggingface_hub writes no newline
    }
    void addModel(const std::string& repo, const std::string& rev, const std::string& fixture) {
        for (const auto& e : fs::directory_iterator(dataPath("models/" + fixture)))
            add(repo, rev, e.path().filename().string(), readBytes(e.path().string()));
        setMain(repo, rev);
    }

private:
    std::string m_root;
    int m_next = 0;
};

const ModelEntry* find(const Discovery& d, const std::string& name) {
    for (const auto& m : d.models)
        if (m.name == name) return &m;
    return nullptr;
}

std::string bertConfig() {
    return R"({"model_type": "bert", "hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 2})";
}

TEST(ModelDiscovery, ListsAHubCacheWithReasonsForWhatItCannotOpen) {
    TempDir t;
    FakeHub hub(t);
    hub.addModel("tiny-org--tiny-llama", "0123abcd", "tiny_llama");
    hub.addModel("gpt2", "77aa", "tiny_gpt2");
    hub.addModel("tiny-org--qwen-sharded", "5555", "tiny_qwen2");
    hub.add("acme--bert-tiny", "r1", "config.json", bertConfig());
    hub.add("acme--bert-tiny", "r1", "model.safetensors",
            readBytes(dataPath("models/tiny_llama/model.safetensors")));
    hub.setMain("acme--bert-tiny", "r1");
    hub.add("acme--broken", "r1", "config.json", "{ \"model_type\": \"llama\", ");
    hub.add("acme--broken", "r1", "model.safetensors",
            readBytes(dataPath("models/tiny_llama/model.safetensors")));
    hub.setMain("acme--broken", "r1");
    hub.add("acme--partial", "r1", "config.json", readBytes(dataPath("models/tiny_llama/config.json")));
    hub.addDangling("acme--partial", "r1", "model.safetensors");
    hub.setMain("acme--partial", "r1");
    hub.add("acme--pickled", "r1", "config.json", readBytes(dataPath("models/tiny_llama/config.json")));
    hub.add("acme--pickled", "r1", "pytorch_model.bin", std::string("\x80\x02}q\x00.", 6));
    hub.setMain("acme--pickled", "r1");
    hub.add("acme--micro-GGUF", "r9", "micro.Q8.gguf", microLlama().bytes());
    fs::create_directories(fs::path(hub.root()) / "models--acme--nothing-yet" / "refs");
    t.write("hub/datasets--acme--corpus/snapshots/r1/config.json", "{}"); // a dataset: not a model
    fs::create_directories(fs::path(hub.root()) / ".locks" / "models--acme--broken");

    DiscoveryOptions o;
    o.hfHubCache = hub.root();
    const Discovery d = discoverModels(o);
    EXPECT_TRUE(d.notes.empty());
    std::vector<std::string> names;
    for (const auto& m : d.models)
        names.push_back(m.name);
    EXPECT_EQ(names,
              (std::vector<std::string>{"acme/bert-tiny", "acme/broken", "acme/micro-GGUF/micro.Q8.gguf",
                                        "acme/nothing-yet", "acme/partial", "acme/pickled", "gpt2",
                                        "tiny-org/qwen-sharded", "tiny-org/tiny-llama"}));

    const ModelEntry* llama = find(d, "tiny-org/tiny-llama");
    ASSERT_TRUE(llama);
    EXPECT_TRUE(llama->supported) << llama->reason;
    EXPECT_EQ(llama->source, ModelSource::HfCache);
    EXPECT_EQ(llama->format, ModelFormat::HfSafetensors);
    EXPECT_EQ(llama->architecture, "llama");
    EXPECT_EQ(llama->revision, "0123abcd");
    EXPECT_EQ(fs::path(llama->path),
              fs::path(hub.root()) / "models--tiny-org--tiny-llama/snapshots/0123abcd");
    // Sizes are the blobs' (through the symlinks), not the links'.
    EXPECT_EQ(llama->weightBytes, fs::file_size(dataPath("models/tiny_llama/model.safetensors")));
    auto config = loadHfConfig(dataPath("models/tiny_llama/config.json"));
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(llama->parameters, parameterCount(config.value()));
    // 2 layers of d 32, ff 88, 4 heads of 8 with 2 kv heads, vocab 100, untied.
    EXPECT_EQ(parameterCount(config.value()),
              2 * 100 * 32 + 32 + 2 * (2 * 32 + 2 * 32 * 32 + 2 * 16 * 32 + 3 * 88 * 32));

    const ModelEntry* sharded = find(d, "tiny-org/qwen-sharded");
    ASSERT_TRUE(sharded);
    EXPECT_TRUE(sharded->supported) << sharded->reason;
    EXPECT_EQ(sharded->weightBytes,
              fs::file_size(dataPath("models/tiny_qwen2/model-00001-of-00002.safetensors")) +
                  fs::file_size(dataPath("models/tiny_qwen2/model-00002-of-00002.safetensors")));
    EXPECT_TRUE(find(d, "gpt2") && find(d, "gpt2")->supported && find(d, "gpt2")->architecture == "gpt2");

    const ModelEntry* bert = find(d, "acme/bert-tiny");
    ASSERT_TRUE(bert);
    EXPECT_FALSE(bert->supported);
    EXPECT_EQ(bert->architecture, "bert");
    EXPECT_NE(bert->reason.find("model_type 'bert' is not supported"), std::string::npos) << bert->reason;
    EXPECT_FALSE(bert->parameters.has_value());
    EXPECT_GT(bert->weightBytes, 0u);

    const ModelEntry* broken = find(d, "acme/broken");
    ASSERT_TRUE(broken);
    EXPECT_FALSE(broken->supported);
    EXPECT_EQ(broken->architecture, "");
    EXPECT_NE(broken->reason.find("config.json: not valid JSON"), std::string::npos) << broken->reason;

    const ModelEntry* partial = find(d, "acme/partial");
    ASSERT_TRUE(partial);
    EXPECT_FALSE(partial->supported);
    EXPECT_EQ(partial->architecture, "llama");
    EXPECT_NE(partial->reason.find("neither model.safetensors nor"), std::string::npos) << partial->reason;

    const ModelEntry* pickled = find(d, "acme/pickled");
    ASSERT_TRUE(pickled);
    EXPECT_FALSE(pickled->supported);
    EXPECT_FALSE(pickled->format.has_value());
    EXPECT_NE(pickled->reason.find("PyTorch pickle"), std::string::npos) << pickled->reason;

    const ModelEntry* gguf = find(d, "acme/micro-GGUF/micro.Q8.gguf");
    ASSERT_TRUE(gguf);
    EXPECT_TRUE(gguf->supported) << gguf->reason;
    EXPECT_EQ(gguf->format, ModelFormat::Gguf);
    EXPECT_EQ(gguf->architecture, "llama");
    EXPECT_EQ(gguf->parameters, 472); // microLlama's twelve tensors
    EXPECT_EQ(gguf->revision, "r9");  // no refs/main, one snapshot

    const ModelEntry* nothing = find(d, "acme/nothing-yet");
    ASSERT_TRUE(nothing);
    EXPECT_FALSE(nothing->supported);
    EXPECT_NE(nothing->reason.find("no snapshot downloaded"), std::string::npos) << nothing->reason;
}

TEST(ModelDiscovery, RefsMainPicksTheSnapshotElseTheNewest) {
    TempDir t;
    FakeHub hub(t);
    hub.addModel("org--m", "new", "tiny_llama");
    hub.add("org--m", "old", "config.json", "broken");
    hub.setMain("org--m", "old");
    DiscoveryOptions o;
    o.hfHubCache = hub.root();
    auto d = discoverModels(o);
    ASSERT_EQ(d.models.size(), 1u);
    EXPECT_EQ(d.models[0].revision, "old");
    EXPECT_FALSE(d.models[0].supported);
    EXPECT_TRUE(d.models[0].note.empty());

    // refs/main naming a snapshot that is not there: the newest one, and a note saying so.
    const fs::path snaps = fs::path(hub.root()) / "models--org--m" / "snapshots";
    fs::last_write_time(snaps / "old", fs::file_time_type::clock::now() - std::chrono::hours(2));
    fs::last_write_time(snaps / "new", fs::file_time_type::clock::now() - std::chrono::hours(1));
    hub.setMain("org--m", "gone");
    d = discoverModels(o);
    ASSERT_EQ(d.models.size(), 1u);
    EXPECT_EQ(d.models[0].revision, "new");
    EXPECT_TRUE(d.models[0].supported) << d.models[0].reason;
    EXPECT_NE(d.models[0].note.find("refs/main names gone, not downloaded: picked the newest of 2"),
              std::string::npos)
        << d.models[0].note;
}

TEST(ModelDiscovery, UserDirectoriesFindEveryFormat) {
    TempDir t;
    fs::create_directories(t.path("models/nested/deeper"));
    fs::create_symlink(sharedModelPath("stories260K"), t.path("models/stories"));
    fs::copy(dataPath("models/tiny_gpt2"), t.path("models/nested/tiny_gpt2"));
    fs::copy_file(dataPath("models/tiny_llama_f32.gguf"), t.path("models/nested/deeper/tiny.gguf"));
    t.write("models/nested/qwen.gguf",
            microLlama().remove("general.architecture").str("general.architecture", "mamba").bytes());
    t.write("models/nested/tokenizer.bin", "not a model");
    t.write("models/nested/checkpoint.bin", std::string("PK\x03\x04", 4) + std::string(64, '\0'));
    t.write("models/nested/random.bin", std::string(100, '\x7f'));
    t.write("models/.hidden/x.gguf", microLlama().bytes());
    t.write("models/notes.txt", "hello");

    DiscoveryOptions o;
    o.userDirs = {t.path("models"), t.path("absent"), t.path("models/notes.txt")};
    const Discovery d = discoverModels(o);
    ASSERT_EQ(d.notes.size(), 2u);
    EXPECT_NE(d.notes[0].find("absent: no such directory"), std::string::npos);
    EXPECT_NE(d.notes[1].find("notes.txt: not a directory, .gguf or llama2.c .bin file"), std::string::npos);
    std::map<std::string, const ModelEntry*> byName;
    for (const auto& m : d.models) {
        EXPECT_EQ(m.source, ModelSource::User);
        byName[m.name] = &m;
    }
    EXPECT_EQ(byName.size(), 6u); // stories260K, tiny_gpt2, tiny, qwen, checkpoint, random

    const ModelEntry* stories = byName["stories260K"];
    ASSERT_TRUE(stories);
    EXPECT_TRUE(stories->supported) << stories->reason;
    EXPECT_EQ(stories->format, ModelFormat::Llama2c);
    EXPECT_EQ(stories->architecture, "llama2c");
    EXPECT_EQ(stories->weightBytes, fs::file_size(sharedModelPath("stories260K/stories260K.bin")));
    auto header = readLlama2cConfig(sharedModelPath("stories260K/stories260K.bin"));
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_EQ(stories->parameters, parameterCount(header.value()));
    EXPECT_GT(*stories->parameters, 200'000);
    EXPECT_LT(*stories->parameters, 300'000);

    ASSERT_TRUE(byName["tiny_gpt2"] && byName["tiny_gpt2"]->supported);
    ASSERT_TRUE(byName["tiny"] && byName["tiny"]->supported) << byName["tiny"]->reason;
    EXPECT_EQ(byName["tiny"]->format, ModelFormat::Gguf);

    const ModelEntry* qwen = byName["qwen"];
    ASSERT_TRUE(qwen);
    EXPECT_FALSE(qwen->supported);
    EXPECT_EQ(qwen->architecture, "mamba");
    EXPECT_NE(qwen->reason.find("general.architecture is 'mamba'"), std::string::npos) << qwen->reason;

    ASSERT_TRUE(byName["checkpoint"]);
    EXPECT_FALSE(byName["checkpoint"]->supported);
    EXPECT_NE(byName["checkpoint"]->reason.find("pickle"), std::string::npos) << byName["checkpoint"]->reason;
    ASSERT_TRUE(byName["random"]);
    EXPECT_FALSE(byName["random"]->supported);
    EXPECT_NE(byName["random"]->reason.find("not a llama2.c checkpoint"), std::string::npos);

    // A model file can be named directly.
    o.userDirs = {t.path("models/nested/deeper/tiny.gguf")};
    const Discovery one = discoverModels(o);
    ASSERT_EQ(one.models.size(), 1u);
    EXPECT_TRUE(one.models[0].supported);

    // A shallower search stops above nested/deeper.
    o.maxDepth = 1;
    o.userDirs = {t.path("models")};
    bool foundDeep = false;
    for (const auto& m : discoverModels(o).models)
        foundDeep |= m.name == "tiny";
    EXPECT_FALSE(foundDeep);
}

TEST(ModelDiscovery, ListsEachModelOnceWhateverTheWayToIt) {
    TempDir t;
    FakeHub hub(t);
    hub.addModel("org--m", "r1", "tiny_llama");
    fs::create_directories(t.path("bundled"));
    fs::copy(dataPath("models/tiny_llama"), t.path("bundled/default"));
    fs::create_directories(t.path("user"));
    fs::create_symlink(t.path("bundled/default"), t.path("user/link-to-default"));
    fs::create_symlink(t.path("user"), t.path("user/loop")); // must not recurse forever

    DiscoveryOptions o;
    o.bundledDirs = {t.path("bundled"), t.path("no-bundled-models-yet")};
    o.hfHubCache = hub.root();
    o.userDirs = {t.path("user"), hub.root(), t.path("bundled/default")};
    const Discovery d = discoverModels(o);
    EXPECT_TRUE(d.notes.empty()); // a missing bundled directory is normal
    ASSERT_EQ(d.models.size(), 2u);
    EXPECT_EQ(d.models[0].name, "default");
    EXPECT_EQ(d.models[0].source, ModelSource::Bundled);
    EXPECT_TRUE(d.models[0].supported);
    EXPECT_EQ(d.models[1].name, "org/m");
    EXPECT_EQ(d.models[1].source, ModelSource::HfCache);
}

TEST(ModelDiscovery, HubCacheLocationFollowsHuggingFaceHub) {
    auto lookup = [](std::map<std::string, std::string> vars) -> EnvLookup {
        return [vars](const char* name) -> std::optional<std::string> {
            auto it = vars.find(name);
            if (it == vars.end()) return std::nullopt;
            return it->second;
        };
    };
    EXPECT_EQ(hfHubCacheDir(lookup({{"HOME", "/home/u"}})), "/home/u/.cache/huggingface/hub");
    EXPECT_EQ(hfHubCacheDir(lookup({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/x"}})), "/x/huggingface/hub");
    EXPECT_EQ(hfHubCacheDir(lookup({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/x"}, {"HF_HOME", "/hf"}})),
              "/hf/hub");
    EXPECT_EQ(hfHubCacheDir(lookup({{"HF_HOME", "/hf"}, {"HUGGINGFACE_HUB_CACHE", "/legacy"}})), "/legacy");
    EXPECT_EQ(hfHubCacheDir(
                  lookup({{"HF_HUB_CACHE", "/c"}, {"HUGGINGFACE_HUB_CACHE", "/legacy"}, {"HF_HOME", "/hf"}})),
              "/c");
    EXPECT_EQ(hfHubCacheDir(lookup({})), std::nullopt);
}

TEST(ModelDiscovery, BundledModelsComeFromTheSourceTreeOrTheInstallPrefix) {
    EXPECT_EQ(bundledModelsDir("/src/build/app/cli/sinkscope-cli", "/src", "/src/build"),
              "/src/assets/models");
    EXPECT_EQ(bundledModelsDir("/usr/bin/sinkscope-cli", "/src", "/src/build"),
              "/usr/share/sinkscope/models");
    // A sibling whose name merely starts like the build directory is not inside it.
    EXPECT_EQ(bundledModelsDir("/src/build-asan/sinkscope-cli", "/src", "/src/build"),
              "/src/share/sinkscope/models");
    EXPECT_EQ(bundledModelsDir("/opt/ss/bin/sinkscope", "/src", ""), "/opt/ss/share/sinkscope/models");
}

} // namespace

// What the listing says about a model beyond its name: family and features from the config (the
// same words as modelFeatures), and for GGUF the quantisation first.
TEST(ModelDiscovery, EntriesCarryFamilyFeaturesAndQuantisation) {
    const ModelEntry q4 = inspectModel(dataPath("models/tiny_llama_q4_0.gguf"), ModelSource::User);
    ASSERT_TRUE(q4.supported) << q4.reason;
    EXPECT_EQ(q4.family, "llama");
    EXPECT_EQ(q4.quantization, "Q4_0");
    EXPECT_EQ(q4.features, (std::vector<std::string>{"Q4_0", "GQA 4:2"}));

    const ModelEntry gemma2 = inspectModel(dataPath("models/tiny_gemma2"), ModelSource::User);
    ASSERT_TRUE(gemma2.supported) << gemma2.reason;
    EXPECT_EQ(gemma2.family, "gemma");
    EXPECT_TRUE(gemma2.quantization.empty());
    auto config = loadHfConfig(dataPath("models/tiny_gemma2/config.json"));
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(gemma2.features, modelFeatures(*config));
    EXPECT_EQ(gemma2.features.at(0), "window 4 (layers 0, 2)");
    EXPECT_EQ(gemma2.features.at(1), "soft-cap 5/4");

    const ModelEntry qwen3 = inspectModel(dataPath("models/tiny_qwen3_window"), ModelSource::User);
    EXPECT_EQ(qwen3.family, "llama"); // Qwen3 runs as the Llama family with q/k norms
    ASSERT_FALSE(qwen3.features.empty());
    EXPECT_EQ(qwen3.features.front(), "window 6 (layer 2)");

    // A GGUF file the engine refuses still names its quantisation: it comes from the tensor infos.
    TempDir t;
    GgufBuilder b = microLlama();
    b.remove("general.architecture").str("general.architecture", "mamba");
    const std::string path = t.write("mamba.gguf", b.bytes());
    const ModelEntry mamba = inspectModel(path, ModelSource::User);
    EXPECT_FALSE(mamba.supported);
    EXPECT_EQ(mamba.quantization, "F32");
    EXPECT_EQ(mamba.features, std::vector<std::string>{"F32"});
    EXPECT_TRUE(mamba.family.empty());
    EXPECT_FALSE(mamba.parameters.has_value());
}
