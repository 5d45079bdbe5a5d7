// `sweep --slurm` on a real one-node Slurm cluster that scripts/slurm_cluster.sh starts from
// Debian's packages for this suite and stops again (by the daemons' pids): 2 bundled models x 8
// prompts x {none, suppress} through sbatch give the same merged trace as the local runner, run
// for run and map for map, and each model's Sink rate is what `metrics --prompts-file` says; a
// task that died mid-way is the only one resubmitted; a failing task is reported with its error.
// The cluster needs root (slurmd starts jobs as their users): elsewhere the suite skips.
#include "cli_run.h"
#include "temp_dir.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

std::string bundled(const std::string& name) {
    return std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/" + name;
}

const std::vector<std::string> kPrompts = {
    "Once upon a time", "The cat sat on the mat", "A little girl went to the sea", "It was a dark night",
    "The old man said", "In the morning the sun", "She opened the door and",       "The ship sailed"};

std::string sh(const std::string& command) {
    std::string out;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p))
        out.append(buf, n);
    const int status = pclose(p);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out = "FAILED: " + out;
    return out;
}

class SweepSlurm : public ::testing::Test {
protected:
    static inline TempDir* cluster = nullptr;
    static inline std::string env; // "SLURM_CONF=... " before a command
    static inline std::string skipWhy;

    static std::string script() { return std::string(SINKSCOPE_SOURCE_DIR) + "/scripts/slurm_cluster.sh"; }

    static void SetUpTestSuite() {
        if (geteuid() != 0) {
            skipWhy = "a Slurm cluster needs root (slurmd starts jobs as their users)";
            return;
        }
        cluster = new TempDir();
        const std::string out = sh("bash " + script() + " start " + cluster->path("cluster"));
        ASSERT_EQ(out.rfind("FAILED", 0), std::string::npos) << out;
        env = "SLURM_CONF=" + cluster->path("cluster/slurm.conf") + " ";
    }
    static void TearDownTestSuite() {
        if (!cluster) return;
        const std::string out = sh("bash " + script() + " stop " + cluster->path("cluster"));
        EXPECT_EQ(out.rfind("FAILED", 0), std::string::npos) << out;
        // No daemon of this cluster outlives the suite.
        for (const char* pid : {"cluster/slurmctld.pid", "cluster/slurmd.pid", "cluster/munge/munged.pid"}) {
            std::ifstream in(cluster->path(pid));
            int p = 0;
            if (in >> p) {
                EXPECT_NE(kill(p, 0), 0) << pid << " " << p << " still runs";
            }
        }
        delete cluster;
        cluster = nullptr;
    }
    void SetUp() override {
        if (!skipWhy.empty()) GTEST_SKIP() << skipWhy;
    }

    CliRun slurm(const std::string& args) { return runCli(args + " --slurm --poll 0.2", env); }
};

struct SweepFiles {
    TempDir dir;
    std::string spec;
    SweepFiles(const std::vector<std::string>& models, const std::string& store) {
        std::string prompts;
        for (const auto& p : kPrompts)
            prompts += p + "\n";
        dir.write("prompts.txt", prompts);
        spec = dir.write("spec.json", nlohmann::json{{"models", models},
                                                     {"prompts_file", "prompts.txt"},
                                                     {"interventions", {"none", "suppress"}},
                                                     {"store", store}}
                                          .dump());
    }
    std::string shard(const std::string& out, int i) const {
        return dir.path(out + ".shards/task-" + std::to_string(i) + ".sqlite");
    }
};

// Everything a run holds that does not depend on when or in which process it was made.
struct RunContent {
    std::string key; // model, interventions, prompt
    std::string metrics;
    int layers = 0, heads = 0;
    std::vector<std::int32_t> ids;
    std::map<std::string, std::vector<float>> maps; // "kind/step/layer/head" -> values
};

std::map<std::string, RunContent> contentOf(const std::string& path) {
    std::map<std::string, RunContent> out;
    auto store = TraceStore::openReadOnly(path);
    EXPECT_TRUE(store.ok()) << path;
    if (!store) return out;
    auto runs = (*store)->listRuns();
    EXPECT_TRUE(runs.ok());
    for (const auto& r : *runs) {
        auto run = (*store)->loadRun(r.id);
        EXPECT_TRUE(run.ok());
        RunContent c;
        c.key = r.modelPath + " | " + (r.interventions.empty() ? "none" : r.interventions[0]) + " | " +
                r.promptText;
        c.metrics = run->metricsJson;
        c.layers = run->layers;
        c.heads = run->heads;
        c.ids = run->tokenIds;
        for (MapKind kind : {MapKind::Attention, MapKind::Scores}) {
            auto maps = (*store)->listMaps(r.id, kind);
            EXPECT_TRUE(maps.ok());
            for (const auto& [step, layer, head] : *maps) {
                auto map = (*store)->loadMap(r.id, step, layer, head, kind);
                EXPECT_TRUE(map.ok());
                c.maps[fmt::format("{}/{}/{}/{}", static_cast<int>(kind), step, layer, head)] = map->values;
            }
        }
        EXPECT_FALSE(out.count(c.key)) << "twice: " << c.key;
        out[c.key] = std::move(c);
    }
    return out;
}

} // namespace

TEST_F(SweepSlurm, AJobArrayGivesTheLocalRunnersTraceAndMetricsSinkRates) {
    const std::vector<std::string> models = {bundled("default"), bundled("sigmoid")};
    SweepFiles s(models, "maps");
    const auto viaSlurm = slurm("sweep " + s.spec + " --out " + s.dir.path("slurm.sqlite"));
    ASSERT_EQ(viaSlurm.code, 0) << viaSlurm.out;
    EXPECT_NE(viaSlurm.out.find("submitted Slurm job"), std::string::npos) << viaSlurm.out;
    EXPECT_NE(viaSlurm.out.find("sweep: 4 tasks (0 failed), 32 runs in"), std::string::npos) << viaSlurm.out;
    const auto local = runCli("sweep " + s.spec + " --out " + s.dir.path("local.sqlite") + " --workers 2");
    ASSERT_EQ(local.code, 0) << local.out;

    const auto a = contentOf(s.dir.path("slurm.sqlite")), b = contentOf(s.dir.path("local.sqlite"));
    ASSERT_EQ(a.size(), 32u);
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [key, run] : a) {
        ASSERT_TRUE(b.count(key)) << key;
        const auto& other = b.at(key);
        EXPECT_EQ(run.ids, other.ids) << key;
        ASSERT_FALSE(run.maps.empty()) << key;
        ASSERT_EQ(run.maps.size(), other.maps.size()) << key;
        for (const auto& [name, values] : run.maps) {
            ASSERT_TRUE(other.maps.count(name)) << key << " " << name;
            const auto& v = other.maps.at(name);
            ASSERT_EQ(values.size(), v.size()) << key << " " << name;
            for (std::size_t i = 0; i < values.size(); ++i)
                ASSERT_NEAR(values[i], v[i], 1e-6) << key << " " << name << " " << i;
        }
        // Same machine, same code: the two runners' metrics agree to the last digit printed.
        EXPECT_EQ(run.metrics, other.metrics) << key;
    }

    // Each model's unmodified Sink rate over the sweep = `metrics --prompts-file` on that model.
    for (const auto& model : models) {
        double sum = 0;
        int n = 0;
        for (const auto& [key, run] : a)
            if (key.rfind(model + " | none | ", 0) == 0) {
                sum += decodeRunMetrics(run.metrics, run.layers, run.heads).value().sinkRate;
                ++n;
            }
        ASSERT_EQ(n, 8) << model;
        const auto m =
            runCli("metrics -m " + model + " --prompts-file " + s.dir.path("prompts.txt") + " --json");
        ASSERT_EQ(m.code, 0) << m.out;
        const auto j = nlohmann::json::parse(m.out);
        EXPECT_NEAR(sum / n, j.at("sink_rate").get<double>(), 1e-6) << model << "\n" << m.out;
    }
}

TEST_F(SweepSlurm, OnlyTheTaskThatDiedMidWayIsResubmitted) {
    SweepFiles s({bundled("default"), bundled("sigmoid")}, "metrics");
    const std::string out = "sweep.sqlite";
    const auto first = slurm("sweep " + s.spec + " --out " + s.dir.path(out));
    ASSERT_EQ(first.code, 0) << first.out;
    // Task 2 as a node that died while tracing leaves it: a partial shard, no done mark.
    fs::remove(s.dir.path(out + ".shards/task-2.done"));
    fs::resize_file(s.shard(out, 2), 100);
    std::map<int, fs::file_time_type> before;
    for (int i : {0, 1, 3})
        before[i] = fs::last_write_time(s.shard(out, i));

    const auto dry = runCli("sweep " + s.spec + " --out " + s.dir.path(out) + " --slurm --dry-run", env);
    ASSERT_EQ(dry.code, 0) << dry.out;
    EXPECT_NE(dry.out.find("#SBATCH --array=2\n"), std::string::npos) << dry.out;

    const auto again = slurm("sweep " + s.spec + " --out " + s.dir.path(out));
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_NE(again.out.find("(1 task: 2)"), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("sweep: 4 tasks (0 failed), 32 runs in"), std::string::npos) << again.out;
    for (const auto& [i, time] : before)
        EXPECT_EQ(fs::last_write_time(s.shard(out, i)), time) << "task " << i << " was redone";
    EXPECT_TRUE(fs::exists(s.dir.path(out + ".shards/task-2.done")));
    EXPECT_EQ(contentOf(s.dir.path(out)).size(), 32u);
}

TEST_F(SweepSlurm, AFailingTaskIsReportedWithItsErrorAndTheOthersMerge) {
    TempDir broken;
    broken.write("model/config.json", "{\"model_type\": \"llama\"");
    SweepFiles s({bundled("default"), broken.path("model")}, "metrics");
    const auto r = slurm("sweep " + s.spec + " --out " + s.dir.path("sweep.sqlite"));
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("sweep task 2 (" + broken.path("model") + ", none) failed: "), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("config.json"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sweep: 4 tasks (2 failed), 16 runs in"), std::string::npos) << r.out;
}

TEST_F(SweepSlurm, ABadSbatchOptionIsSbatchsOwnRefusal) {
    SweepFiles s({bundled("default")}, "metrics");
    const auto r = slurm("sweep " + s.spec + " --out " + s.dir.path("sweep.sqlite") +
                         " --sbatch-arg=--partition=no-such-partition");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("sbatch refused"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("partition"), std::string::npos) << r.out;
}
