// The shared readers of user-named files: only regular files are read (a FIFO, a device or a
// directory is refused at once with what it is), and never more than the limit for their kind;
// model loading and discovery refuse FIFOs in every place a model file can be.
#include "core/human_bytes.h"
#include "core/mapped_file.h"
#include "core/read_file.h"
#include "fifo_guard.h"
#include "io/model_directory.h"
#include "io/model_discovery.h"
#include "model_fixture.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

TEST(FileLimits, ReadsARegularFileWhole) {
    TempDir d;
    const std::string bytes("a\0b\nc", 5);
    auto text = readWholeFile(d.write("p.txt", bytes), kPromptFile);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text, bytes);
    auto empty = readWholeFile(d.write("empty.txt", ""), kPromptFile);
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_EQ(*empty, "");
}

TEST(FileLimits, FifoIsRefusedWithoutWaitingForAWriter) {
    TempDir d;
    const auto fifo = d.path("config.json");
    ASSERT_TRUE(makeFifo(fifo));
    const auto start = std::chrono::steady_clock::now();
    auto text = returnsDespiteFifo(fifo, [&] { return readWholeFile(fifo, kConfigFile); });
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message, fifo + ": is a FIFO, not a regular file");
    auto mapped = returnsDespiteFifo(fifo, [&] { return MappedFile::open(fifo); });
    ASSERT_FALSE(mapped.ok());
    EXPECT_EQ(mapped.error().message, fifo + ": is a FIFO, not a regular file");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(FileLimits, DevicesAndDirectoriesAreRefusedByWhatTheyAre) {
    auto zero = readWholeFile("/dev/zero", kPromptFile);
    ASSERT_FALSE(zero.ok());
    EXPECT_EQ(zero.error().message, "/dev/zero: is a character device, not a regular file");
    EXPECT_FALSE(MappedFile::open("/dev/zero").ok());
    TempDir d;
    auto dir = readWholeFile(d.path(), kPromptFile);
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.error().message, d.path() + ": is a directory, not a regular file");
    auto missing = readWholeFile(d.path("none.txt"), kPromptFile);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("none.txt: cannot open: No such file"), std::string::npos)
        << missing.error().message;
}

TEST(FileLimits, FilesOverTheLimitForTheirKindAreRefusedBeforeReading) {
    TempDir d;
    const FileKind small{"a test file", 1024};
    EXPECT_TRUE(readWholeFile(d.write("ok.txt", std::string(1024, 'x')), small).ok());
    auto big = readWholeFile(d.write("big.txt", std::string(1025, 'x')), small);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().message,
              d.path("big.txt") + ": is 1.0 KiB, more than the 1.0 KiB limit for a test file");
    // A sparse file: its size, not its contents, decides, so nothing is read.
    const auto sparse = d.path("sparse.txt");
    ASSERT_EQ(::truncate(d.write("sparse.txt", "").c_str(), 10ll << 30), 0);
    auto huge = readWholeFile(sparse, kPromptFile);
    ASSERT_FALSE(huge.ok());
    EXPECT_EQ(huge.error().message, sparse + ": is 10.0 GiB, more than the 16.0 MiB limit for a prompt file");
    EXPECT_FALSE(MappedFile::open(sparse, kTokenizerFile).ok());
}

TEST(FileLimits, FilesThatReportNoSizeAreReadUpToTheLimit) {
    // /proc files say 0 bytes and have content: read to the end, within the limit.
    auto status = readWholeFile("/proc/self/status", kConfigFile);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_NE(status->find("Name:"), std::string::npos);
    auto clipped = readWholeFile("/proc/self/status", FileKind{"a tiny file", 8});
    ASSERT_FALSE(clipped.ok());
    EXPECT_EQ(clipped.error().message, "/proc/self/status: grows past the 8 B limit for a tiny file");
}

TEST(FileLimits, HumanBytesUsesBinaryUnits) {
    EXPECT_EQ(humanBytes(0), "0 B");
    EXPECT_EQ(humanBytes(1023), "1023 B");
    EXPECT_EQ(humanBytes(16ull << 20), "16.0 MiB");
    EXPECT_EQ(humanBytes(10956328140ull), "10.2 GiB");
}

std::string errorOf(const std::string& path) {
    auto m = openModelFiles(path);
    EXPECT_FALSE(m.ok()) << "expected a refusal for " << path;
    return m.ok() ? "" : m.error().message;
}

TEST(FileLimits, FifoModelFilesAreRefusedAtOnce) {
    TempDir d;
    // config.json a FIFO
    const auto a = copyTestModel(d, "tiny_llama");
    fs::remove(a + "/config.json");
    ASSERT_TRUE(makeFifo(a + "/config.json"));
    auto msg = returnsDespiteFifo(a + "/config.json", [&] { return errorOf(a); });
    EXPECT_EQ(msg, a + "/config.json: is a FIFO, not a regular file");
    // model.safetensors a FIFO
    fs::create_directories(d.path("b"));
    fs::copy_file(dataPath("models/tiny_llama/config.json"), d.path("b/config.json"));
    ASSERT_TRUE(makeFifo(d.path("b/model.safetensors")));
    msg = returnsDespiteFifo(d.path("b/model.safetensors"), [&] { return errorOf(d.path("b")); });
    EXPECT_EQ(msg, d.path("b/model.safetensors") + ": is a FIFO, not a regular file");
    msg = returnsDespiteFifo(d.path("b/model.safetensors"),
                             [&] { return errorOf(d.path("b/model.safetensors")); });
    EXPECT_EQ(msg, d.path("b/model.safetensors") + ": is a FIFO, not a regular file");
    // tokenizer_config.json a FIFO
    const auto c = copyTestModel(d, "tiny_gpt2");
    ASSERT_TRUE(makeFifo(c + "/tokenizer_config.json"));
    msg = returnsDespiteFifo(c + "/tokenizer_config.json", [&] { return errorOf(c); });
    EXPECT_EQ(msg, c + "/tokenizer_config.json: is a FIFO, not a regular file");
    // a .gguf and a .bin named directly
    for (const char* name : {"x.gguf", "x.bin"}) {
        ASSERT_TRUE(makeFifo(d.path(name)));
        msg = returnsDespiteFifo(d.path(name), [&] { return errorOf(d.path(name)); });
        EXPECT_EQ(msg, d.path(name) + ": is a FIFO, not a regular file");
    }
    // a shard index
    fs::create_directories(d.path("e"));
    fs::copy_file(dataPath("models/tiny_llama/config.json"), d.path("e/config.json"));
    ASSERT_TRUE(makeFifo(d.path("e/model.safetensors.index.json")));
    msg = returnsDespiteFifo(d.path("e/model.safetensors.index.json"), [&] { return errorOf(d.path("e")); });
    EXPECT_EQ(msg, d.path("e/model.safetensors.index.json") + ": is a FIFO, not a regular file");
}

TEST(FileLimits, DiscoveryListsFifoModelsAsUnsupportedWithoutOpeningThem) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    fs::remove(dir + "/config.json");
    ASSERT_TRUE(makeFifo(dir + "/config.json"));
    ASSERT_TRUE(makeFifo(d.path("stray.gguf")));
    ASSERT_TRUE(makeFifo(d.path("stray.bin")));
    fs::create_directories(d.path("hub/models--org--m/refs"));
    fs::create_directories(d.path("hub/models--org--m/snapshots/abc"));
    ASSERT_TRUE(makeFifo(d.path("hub/models--org--m/refs/main")));
    ASSERT_TRUE(makeFifo(d.path("hub/models--org--m/snapshots/abc/config.json")));
    fs::copy_file(dataPath("models/tiny_llama/model.safetensors"),
                  d.path("hub/models--org--m/snapshots/abc/model.safetensors"));
    DiscoveryOptions o;
    o.userDirs = {d.path(), d.path("stray.gguf")};
    o.hfHubCache = d.path("hub");
    const auto found = returnsDespiteFifos({dir + "/config.json", d.path("stray.gguf"), d.path("stray.bin"),
                                            d.path("hub/models--org--m/refs/main"),
                                            d.path("hub/models--org--m/snapshots/abc/config.json")},
                                           [&] { return discoverModels(o); });
    // The FIFO checkpoints are not files to list; the directories with a FIFO config.json are
    // listed as unsupported, saying why.
    ASSERT_EQ(found.models.size(), 2u);
    EXPECT_EQ(found.models[0].name, "org/m");
    EXPECT_FALSE(found.models[0].supported);
    EXPECT_NE(found.models[0].reason.find("config.json: is a FIFO, not a regular file"), std::string::npos)
        << found.models[0].reason;
    EXPECT_EQ(found.models[1].name, "tiny_llama");
    EXPECT_FALSE(found.models[1].supported);
    EXPECT_EQ(found.models[1].reason, dir + "/config.json: is a FIFO, not a regular file");
    ASSERT_EQ(found.notes.size(), 1u);
    EXPECT_EQ(found.notes[0], d.path("stray.gguf") + ": is a FIFO, not a directory or a model file");
}

TEST(FileLimits, TokenizerFilesAreRefusedWhenNotRegularOrTooLarge) {
    TempDir d;
    fs::create_directories(d.path("fifo"));
    const auto fifo = d.path("fifo/tokenizer.json");
    ASSERT_TRUE(makeFifo(fifo));
    auto tok = returnsDespiteFifo(fifo, [&] { return loadTokenizerFromDirectory(d.path("fifo")); });
    ASSERT_FALSE(tok.ok()); // a FIFO is not taken for a tokenizer file at all
    EXPECT_NE(tok.error().message.find("no tokenizer found"), std::string::npos) << tok.error().message;
    const auto big = d.write("big/tokenizer.json", "");
    ASSERT_EQ(::truncate(big.c_str(), 200ll << 20), 0);
    tok = loadTokenizerFromDirectory(d.path("big"));
    ASSERT_FALSE(tok.ok());
    EXPECT_NE(
        tok.error().message.find(big + ": is 200.0 MiB, more than the 128.0 MiB limit for a tokenizer file"),
        std::string::npos)
        << tok.error().message;
}

} // namespace
