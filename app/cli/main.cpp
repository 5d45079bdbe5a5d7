// sinkscope-cli: the command-line twin of every SinkScope feature.
#include "cli_common.h"
#include "command_table.h"
#include "idle_threads.h"
#include "model/blas_check.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

int main(int argc, char** argv) {
    CLI::App app{"SinkScope: attention maps and attention sinks of transformer language models"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("sinkscope-cli " SINKSCOPE_VERSION));

    const std::vector<sinkscope::cli::AddedCommand> commands = sinkscope::cli::addCommands(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    const sinkscope::cli::AddedCommand* chosen = sinkscope::cli::parsedCommand(commands);
    // Only training gains from idle threads that sleep, and it must re-execute to get them.
    if (chosen && (chosen->name == "train" || chosen->name == "train-vlm"))
        sinkscope::cli::reexecWithSleepingIdleThreads(argv);
    if (auto w = sinkscope::blasWarning(sinkscope::detectBlas()); !w.empty())
        std::fprintf(stderr, "%s\n", w.c_str());
    // What the commands print on stdout is output too: a full disk or a closed pipe under
    // `> file` must not pass for success. fmt throws when a write fails midway; the last
    // buffered bytes fail only at the flush.
    int code = 0;
    try {
        code = chosen ? chosen->run() : 0;
    } catch (const std::system_error& e) {
        if (std::ferror(stdout))
            return sinkscope::cli::fail("cannot write the output (" + e.code().message() + ")");
        return sinkscope::cli::fail(e.what()); // one line rather than an abort
    }
    // A command that failed has said why in its one line.
    const bool flushed = std::fflush(stdout) == 0;
    if (code != 0) return code;
    if (!flushed) return sinkscope::cli::failOutput(errno);
    if (std::ferror(stdout)) return sinkscope::cli::failOutput(0); // a write failed before the flush
    return code;
}
