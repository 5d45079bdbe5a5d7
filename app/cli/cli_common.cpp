#include "cli_common.h"
#include "core/read_file.h"

#include "core/token_ids.h"

#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace sinkscope::cli {

int fail(const std::string& message) {
    std::fprintf(stderr, "sinkscope-cli: %s\n", message.c_str());
    return 1;
}

int failOutput(int err) {
    return fail(err ? fmt::format("cannot write the output ({})", std::strerror(err))
                    : "cannot write the output");
}

Result<std::vector<std::int32_t>> parseTokenIds(const std::string& text) {
    return parseTokenIdList(text, "--token-ids");
}

Result<std::string> readPromptArgument(const std::string& arg) {
    if (arg.empty() || arg[0] != '@') return arg;
    if (arg.size() == 1) return Error{"--prompt: '@' names no file (write @PATH)"};
    auto text = readWholeFile(arg.substr(1), kPromptFile);
    if (!text) return Error{"--prompt: " + text.error().message};
    return text;
}

TraceStore::WriteWait noisyWriteWait(const std::string& path) {
    TraceStore::WriteWait wait;
    wait.waiting = [path, limit = wait.limit.count()](int seconds) {
        if (seconds == 1)
            std::fprintf(stderr, "waiting for another program to finish writing %s (up to %lld s)\n",
                         path.c_str(), static_cast<long long>(limit));
        return true;
    };
    return wait;
}

Progress::Progress(std::string what)
    : m_what(std::move(what)), m_start(std::chrono::steady_clock::now()),
      m_enabled(isatty(STDERR_FILENO) || std::getenv("SINKSCOPE_PROGRESS") != nullptr) {}

Progress::~Progress() {
    if (m_shown) std::fprintf(stderr, "\n");
}

void Progress::update(int done, int total, std::string_view detail) {
    if (!m_enabled) return;
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    if (elapsed < 1.0 && !m_shown) return;
    m_shown = true;
    const double rate = done / std::max(elapsed, 1e-9);
    std::fprintf(stderr, "\r%s %d/%d (%.1f/s, %.0f s left)%s%.*s   ", m_what.c_str(), done, total, rate,
                 rate > 0 ? (total - done) / rate : 0.0, detail.empty() ? "" : ", ",
                 static_cast<int>(detail.size()), detail.data());
    std::fflush(stderr);
}

} // namespace sinkscope::cli
