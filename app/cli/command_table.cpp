#include "command_table.h"

#include "compare_command.h"
#include "export_command.h"
#include "merge_command.h"
#include "metrics_command.h"
#include "models_command.h"
#include "random_model_command.h"
#include "run_command.h"
#include "runs_command.h"
#include "stream_ppl_command.h"
#include "sweep_command.h"
#include "sweep_report_command.h"
#include "sweep_task.h"
#include "timeline_command.h"
#include "trace_command.h"
#include "train_command.h"
#include "train_vlm_command.h"

#include <stdexcept>

namespace sinkscope::cli {

const std::vector<CommandEntry>& commandTable() {
    static const std::vector<CommandEntry> table = {
        commandEntry("run", addRunCommand, runRunCommand),
        commandEntry("compare", addCompareCommand, runCompareCommand),
        commandEntry("metrics", addMetricsCommand, runMetricsCommand),
        commandEntry("stream-ppl", addStreamPplCommand, runStreamPplCommand),
        commandEntry("trace", addTraceCommand, runTraceCommand),
        commandEntry("runs", addRunsCommand, runRunsCommand),
        commandEntry("export", addExportCommand, runExportCommand),
        commandEntry("merge", addMergeCommand, runMergeCommand),
        commandEntry("sweep", addSweepCommand, runSweepCommand),
        commandEntry("sweep-task", addSweepTaskCommand, runSweepTaskCommand),
        commandEntry("sweep-report", addSweepReportCommand, runSweepReportCommand),
        commandEntry("models", addModelsCommand, runModelsCommand),
        commandEntry("random-model", addRandomModelCommand, runRandomModelCommand),
        commandEntry("train", addTrainCommand, runTrainCommand),
        commandEntry("timeline", addTimelineCommand, runTimelineCommand),
        commandEntry("export-model", addExportModelCommand, runExportModelCommand),
        commandEntry("train-tokenizer", addTokenizerTrainCommand, runTokenizerTrainCommand),
        commandEntry("train-vlm", addTrainVlmCommand, runTrainVlmCommand),
    };
    return table;
}

std::vector<AddedCommand> addCommands(CLI::App& app) {
    std::vector<AddedCommand> added;
    for (const CommandEntry& entry : commandTable()) {
        AddedCommand command = entry.add(app);
        if (command.app->get_name() != entry.name)
            throw std::logic_error("command table: '" + entry.name + "' adds the subcommand '" +
                                   command.app->get_name() + "'");
        added.push_back(std::move(command));
    }
    return added;
}

const AddedCommand* parsedCommand(const std::vector<AddedCommand>& added) {
    for (const AddedCommand& command : added)
        if (command.app->parsed()) return &command;
    return nullptr;
}

} // namespace sinkscope::cli
