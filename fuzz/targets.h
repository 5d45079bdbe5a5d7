#pragma once
// The bodies of the fuzz targets, one per parser that a user's file or text reaches. They are
// shared by the libFuzzer executables (fuzz_main.cpp) and by the test that replays the committed
// crash inputs (tests/engine/test_fuzz_regressions.cpp), so a regression input runs exactly the
// code that crashed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope::fuzz {

// What one input did: the error it was refused with, or nullopt when the parser accepted it (and
// everything after the parse ran too). A target aborts when a property it checks fails.
using Outcome = std::optional<std::string>;
using EntryPoint = Outcome (*)(const std::uint8_t* data, std::size_t size);

// The targets by name (the names of fuzz/corpus/<name>/ and of the fuzz_<name> executables).
struct Target {
    std::string_view name;
    EntryPoint run;
};
const std::vector<Target>& targets();
EntryPoint entryPoint(std::string_view name); // nullptr for an unknown name

// Errors are single lines that quote input briefly (core/excerpt.h): every error any target
// returns must pass this, or the fuzzer reports it as a crash.
bool isCleanError(const std::string& message);
inline constexpr std::size_t kMaxErrorBytes = 1500;

Outcome gguf(const std::uint8_t* data, std::size_t size);
Outcome modelConfig(const std::uint8_t* data, std::size_t size);
Outcome safetensors(const std::uint8_t* data, std::size_t size);
Outcome shardIndex(const std::uint8_t* data, std::size_t size);
Outcome tokenizerJson(const std::uint8_t* data, std::size_t size);
Outcome vocabMerges(const std::uint8_t* data, std::size_t size);
Outcome spmModel(const std::uint8_t* data, std::size_t size);
Outcome llama2cTokenizer(const std::uint8_t* data, std::size_t size);
Outcome llama2cCheckpoint(const std::uint8_t* data, std::size_t size);
Outcome spec(const std::uint8_t* data, std::size_t size);
Outcome traceBlob(const std::uint8_t* data, std::size_t size);
Outcome sweepSpec(const std::uint8_t* data, std::size_t size);
Outcome runMetrics(const std::uint8_t* data, std::size_t size);
Outcome image(const std::uint8_t* data, std::size_t size);
Outcome storedPicture(const std::uint8_t* data, std::size_t size);
Outcome trainRecipe(const std::uint8_t* data, std::size_t size);

} // namespace sinkscope::fuzz
