#include <fmt/format.h>

#include <cstdio>

#include "edgeq/cli/commands.hpp"
#include "edgeq/core/cancel.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/core/log.hpp"

namespace edgeq::cli {

int run_cli(int argc, char** argv) {
  CLI::App app{"edgeq: quantised neural networks for LArTPC physics on edge hardware"};
  app.require_subcommand(1);
  bool quiet = false, verbose = false;
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors on stderr; no progress bar");
  app.add_flag("-v,--verbose", verbose, "Debug output");
  app.set_version_flag("--version", "edgeq 0.1.0");
  Action action;
  add_simulate_command(app, action);
  add_display_command(app, action);
  add_model_commands(app, action);
  add_zoo_command(app, action);
  add_eval_command(app, action);
  add_quantize_command(app, action);
  add_bench_command(app, action);
  add_report_command(app, action);
  add_export_command(app, action);
  add_edgetpu_command(app, action);
  add_energy_command(app, action);
  add_fpga_command(app, action);
#ifdef EDGEQ_WITH_TORCH
  add_train_command(app, action);
  add_run_command(app, action);
  add_search_command(app, action);
#endif
  // Name an unknown command instead of CLI11's generic "a subcommand is required".
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!arg.empty() && arg[0] == '-') continue;
    if (app.get_subcommands([&](const CLI::App* s) { return s->get_name() == arg; }).empty()) {
      fmt::print(stderr, "edgeq: error: unknown command '{}' (see edgeq --help)\n", arg);
      return 2;
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "edgeq: error: {}\n", e.what());
    return 2;
  }
  core::init_logging(quiet ? core::Verbosity::Quiet
                           : (verbose ? core::Verbosity::Verbose : core::Verbosity::Normal));
  core::install_cancel_handler();
  try {
    return action ? action() : 2;
  } catch (const Error& e) {
    fmt::print(stderr, "edgeq: error: {}\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "edgeq: internal error: {}\n", e.what());
    return 1;
  }
}

}  // namespace edgeq::cli
