#include "cli_common.h"

#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sinkscope::cli {

int fail(const std::string& message) {
    std::fprintf(stderr, "sinkscope-cli: %s\n", message.c_str());
    return 1;
}

Result<std::vector<std::int32_t>> parseTokenIds(const std::string& text) {
    std::vector<std::int32_t> ids;
    std::stringstream ss(text);
    std::string item;
    int index = 0;
    while (std::getline(ss, item, ',')) {
        const auto b = item.find_first_not_of(" \t\n"), e = item.find_last_not_of(" \t\n");
        const std::string s = b == std::string::npos ? "" : item.substr(b, e - b + 1);
        std::size_t used = 0;
        long long v = -1;
        try {
            v = std::stoll(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (s.empty() || used != s.size() || v < 0 || v > INT32_MAX)
            return Error{fmt::format("--token-ids: entry {} ('{}') is not a non-negative integer", index, s)};
        ids.push_back(static_cast<std::int32_t>(v));
        ++index;
    }
    if (ids.empty()) return Error{"--token-ids: no ids given"};
    return ids;
}

Result<std::string> readPromptArgument(const std::string& arg) {
    if (arg.empty() || arg[0] != '@') return arg;
    std::ifstream in(arg.substr(1), std::ios::binary);
    if (!in) return Error{fmt::format("--prompt: cannot read file '{}'", arg.substr(1))};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Progress::Progress(std::string what)
    : m_what(std::move(what)), m_start(std::chrono::steady_clock::now()),
      m_enabled(isatty(STDERR_FILENO) || std::getenv("SINKSCOPE_PROGRESS") != nullptr) {}

Progress::~Progress() {
    if (m_shown) std::fprintf(stderr, "\n");
}

void Progress::update(int done, int total) {
    if (!m_enabled) return;
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    if (elapsed < 1.0 && !m_shown) return;
    m_shown = true;
    const double rate = done / std::max(elapsed, 1e-9);
    std::fprintf(stderr, "\r%s %d/%d (%.1f/s, %.0f s left)   ", m_what.c_str(), done, total, rate,
                 rate > 0 ? (total - done) / rate : 0.0);
    std::fflush(stderr);
}

} // namespace sinkscope::cli
