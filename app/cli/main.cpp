// sinkscope-cli: the command-line twin of every SinkScope feature.
#include "cli_common.h"
#include "compare_command.h"
#include "export_command.h"
#include "idle_threads.h"
#include "metrics_command.h"
#include "model/blas_check.h"
#include "models_command.h"
#include "random_model_command.h"
#include "run_command.h"
#include "runs_command.h"
#include "stream_ppl_command.h"
#include "timeline_command.h"
#include "trace_command.h"
#include "train_command.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

int main(int argc, char** argv) {
    CLI::App app{"SinkScope: attention maps and attention sinks of transformer language models"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("sinkscope-cli " SINKSCOPE_VERSION));

    sinkscope::cli::RunOptions runOptions;
    CLI::App* run = sinkscope::cli::addRunCommand(app, runOptions);
    sinkscope::cli::CompareOptions compareOptions;
    CLI::App* compare = sinkscope::cli::addCompareCommand(app, compareOptions);
    sinkscope::cli::MetricsOptions metricsOptions;
    CLI::App* metrics = sinkscope::cli::addMetricsCommand(app, metricsOptions);
    sinkscope::cli::StreamPplOptions streamOptions;
    CLI::App* streamPpl = sinkscope::cli::addStreamPplCommand(app, streamOptions);
    sinkscope::cli::TraceOptions traceOptions;
    CLI::App* trace = sinkscope::cli::addTraceCommand(app, traceOptions);
    sinkscope::cli::RunsOptions runsOptions;
    CLI::App* runs = sinkscope::cli::addRunsCommand(app, runsOptions);
    sinkscope::cli::ExportOptions exportTraceOptions;
    CLI::App* exportTrace = sinkscope::cli::addExportCommand(app, exportTraceOptions);
    sinkscope::cli::ModelsOptions modelsOptions;
    CLI::App* models = sinkscope::cli::addModelsCommand(app, modelsOptions);
    sinkscope::cli::RandomModelOptions randomOptions;
    CLI::App* random = sinkscope::cli::addRandomModelCommand(app, randomOptions);
    sinkscope::cli::TrainOptions trainOptions;
    CLI::App* train = sinkscope::cli::addTrainCommand(app, trainOptions);
    sinkscope::cli::TimelineOptions timelineOptions;
    CLI::App* timeline = sinkscope::cli::addTimelineCommand(app, timelineOptions);
    sinkscope::cli::ExportModelOptions exportModelOptions;
    CLI::App* exportModel = sinkscope::cli::addExportModelCommand(app, exportModelOptions);
    sinkscope::cli::TokenizerTrainOptions tokOptions;
    CLI::App* trainTok = sinkscope::cli::addTokenizerTrainCommand(app, tokOptions);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (train->parsed()) sinkscope::cli::reexecWithSleepingIdleThreads(argv);
    if (auto w = sinkscope::blasWarning(sinkscope::detectBlas()); !w.empty())
        std::fprintf(stderr, "%s\n", w.c_str());
    // What the commands print on stdout is output too: a full disk or a closed pipe under
    // `> file` must not pass for success. fmt throws when a write fails midway; the last
    // buffered bytes fail only at the flush.
    const auto dispatch = [&]() -> int {
        if (run->parsed()) return sinkscope::cli::runRunCommand(runOptions);
        if (compare->parsed()) return sinkscope::cli::runCompareCommand(compareOptions);
        if (metrics->parsed()) return sinkscope::cli::runMetricsCommand(metricsOptions);
        if (streamPpl->parsed()) return sinkscope::cli::runStreamPplCommand(streamOptions);
        if (trace->parsed()) return sinkscope::cli::runTraceCommand(traceOptions);
        if (runs->parsed()) return sinkscope::cli::runRunsCommand(runsOptions);
        if (exportTrace->parsed()) return sinkscope::cli::runExportCommand(exportTraceOptions);
        if (models->parsed()) return sinkscope::cli::runModelsCommand(modelsOptions);
        if (random->parsed()) return sinkscope::cli::runRandomModelCommand(randomOptions);
        if (train->parsed()) return sinkscope::cli::runTrainCommand(trainOptions);
        if (timeline->parsed()) return sinkscope::cli::runTimelineCommand(timelineOptions);
        if (exportModel->parsed()) return sinkscope::cli::runExportModelCommand(exportModelOptions);
        if (trainTok->parsed()) return sinkscope::cli::runTokenizerTrainCommand(tokOptions);
        return 0;
    };
    int code = 0;
    try {
        code = dispatch();
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
