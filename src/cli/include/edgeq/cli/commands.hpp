// CLI subcommands. Each add_* registers a CLI11 subcommand and stores the action to run after parsing;
// actions throw edgeq::Error and main() maps errors to exit codes (2 bad input, 1 internal).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "edgeq/data/event_display.hpp"
#include "edgeq/data/event_file.hpp"

namespace edgeq::cli {

using Action = std::function<int()>;

void add_simulate_command(CLI::App& app, Action& action);
void add_display_command(CLI::App& app, Action& action);
void add_model_commands(CLI::App& app, Action& action);
void add_zoo_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_quantize_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_edgetpu_command(CLI::App& app, Action& action);
void add_energy_command(CLI::App& app, Action& action);
void add_fpga_command(CLI::App& app, Action& action);
/// Only in builds with LibTorch (EDGEQ_WITH_TORCH): edgeq run trains.
void add_run_command(CLI::App& app, Action& action);

/// The event display of event `index` of an open event file (title: file name, index, label; subtitle:
/// truth).
data::EventDisplay event_display_of(const data::EventFileReader& reader, const std::string& file,
                                    std::size_t index, int scale = 3);
/// Only in builds with LibTorch (EDGEQ_WITH_TORCH).
void add_train_command(CLI::App& app, Action& action);
/// Only in builds with LibTorch: each search trial is an `edgeq train` run.
void add_search_command(CLI::App& app, Action& action);

/// Runs the edgeq command line; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace edgeq::cli
