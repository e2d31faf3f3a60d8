// edgeq run CONFIG --out DIR: the whole study from one YAML file (experiment.hpp, run_pipeline.hpp).
#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/run_pipeline.hpp"
#include "edgeq/core/log.hpp"

namespace edgeq::cli {

void add_run_command(CLI::App& app, Action& action) {
  struct Options {
    std::string config, out;
    std::size_t threads = 0;
    bool threads_given = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "run",
      "Simulate, train, quantise, evaluate, benchmark and report from one experiment config "
      "(resumable)");
  cmd->add_option("config", o->config, "Experiment YAML, or a built-in name: default, paper")->required();
  cmd->add_option("--out", o->out, "Output folder (reused: finished stages are skipped)")->required();
  cmd->add_option("--threads", o->threads, "Override eval/training threads (0 = all cores)");
  cmd->callback([o, cmd, &action] {
    const bool given = cmd->count("--threads") > 0;
    action = [o, given] {
      auto c = load_experiment(o->config);
      if (given) c.threads = o->threads;
      return run_experiment(c, o->out, core::verbosity() != core::Verbosity::Quiet);
    };
  });
}

}  // namespace edgeq::cli
