#pragma once
// Pieces shared by the CLI's subcommands: error reporting, token-id parsing, progress.
#include "core/result.h"
#include "trace/trace_store.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope::cli {

// Prints "sinkscope-cli: <message>" on stderr; returns the exit code for errors (1).
int fail(const std::string& message);

// fail() for output that could not be written to stdout: "cannot write the output (reason)".
int failOutput(int err);

// Parses "1,2,3" (spaces allowed); errors name the offending entry.
Result<std::vector<std::int32_t>> parseTokenIds(const std::string& text);

// Reads a prompt argument: "@path" reads the file (a regular file of at most 16 MiB), anything
// else is the text itself.
Result<std::string> readPromptArgument(const std::string& arg);

// How the CLI's writes to a trace file wait for another program writing it: up to the store's
// default, saying once on stderr (after a second) what it is waiting for.
TraceStore::WriteWait noisyWriteWait(const std::string& path);

// A progress line on stderr that appears only once the work has taken more than a second and
// only when stderr is a terminal or forced (so scripts and --json output stay clean).
class Progress {
public:
    explicit Progress(std::string what);
    ~Progress();
    // `detail` follows the counts, e.g. "2 running, 3 pending".
    void update(int done, int total, std::string_view detail = {});
    bool enabled() const { return m_enabled; }

private:
    std::string m_what;
    std::chrono::steady_clock::time_point m_start;
    bool m_shown = false;
    bool m_enabled;
};

} // namespace sinkscope::cli
