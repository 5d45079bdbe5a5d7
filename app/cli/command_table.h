#pragma once
// sinkscope-cli's subcommands in one table: each row names a command once, with the function that
// declares its options on the app and the one that runs it with them. main() adds every row, in
// the table's order (the order of --help), and runs the one the command line chose.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sinkscope::cli {

// A subcommand added to an app: its CLI11 node and its run, bound to the options it parses into.
struct AddedCommand {
    std::string name;
    CLI::App* app = nullptr;
    std::function<int()> run;
};

struct CommandEntry {
    std::string name; // as the add function declares it (addCommands checks)
    std::function<AddedCommand(CLI::App&)> add;
};

// A row for a command with options of type Options; they live as long as the AddedCommand.
template <class Options>
CommandEntry commandEntry(std::string name, CLI::App* (*add)(CLI::App&, Options&),
                          int (*run)(const Options&)) {
    return {name, [name, add, run](CLI::App& app) {
                auto options = std::make_shared<Options>();
                CLI::App* sub = add(app, *options);
                return AddedCommand{name, sub, [options, run] { return run(*options); }};
            }};
}

const std::vector<CommandEntry>& commandTable();

// Adds every command of the table to app. Throws std::logic_error when a row's name differs from
// the subcommand its add function declared (a programming error, caught by any test run).
std::vector<AddedCommand> addCommands(CLI::App& app);

// The command the parsed command line chose; nullptr when none was.
const AddedCommand* parsedCommand(const std::vector<AddedCommand>& added);

} // namespace sinkscope::cli
