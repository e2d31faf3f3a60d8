// CLI subcommands. Each add_* registers a CLI11 subcommand and stores the action to run after parsing;
// actions throw edgeq::Error and main() maps errors to exit codes (2 bad input, 1 internal).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace edgeq::cli {

using Action = std::function<int()>;

void add_simulate_command(CLI::App& app, Action& action);
void add_display_command(CLI::App& app, Action& action);
void add_model_commands(CLI::App& app, Action& action);
void add_zoo_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_quantize_command(CLI::App& app, Action& action);
/// Only in builds with LibTorch (EDGEQ_WITH_TORCH).
void add_train_command(CLI::App& app, Action& action);

/// Runs the edgeq command line; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace edgeq::cli
