#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/simulate_pipeline.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/sim/config.hpp"

namespace edgeq::cli {

namespace {
struct SimulateOptions {
  long long events = -1, train = -1, val = -1, test = -1;
  std::uint64_t seed = 1;
  std::string out, config, flux;
  std::size_t threads = 0;
  bool force = false, json = false;
};

int run_simulate(const SimulateOptions& o) {
  sim::SimConfig config;
  if (!o.flux.empty()) sim::apply_flux_preset(config, o.flux);
  if (!o.config.empty()) sim::load_config_yaml(config, o.config);
  if (!o.flux.empty() && !o.config.empty()) sim::apply_flux_preset(config, o.flux);  // the flag wins
  sim::validate(config);

  struct Job {
    std::filesystem::path path;
    std::size_t events;
    std::uint32_t stream;
    std::string name;
  };
  std::vector<Job> jobs;
  const bool split = o.train >= 0 || o.val >= 0 || o.test >= 0;
  if (split) {
    if (o.events >= 0) throw_input("use either --events or --train/--val/--test, not both");
    if (o.out.empty()) throw_input("--out DIR is required");
    const std::filesystem::path dir(o.out);
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
      throw_input("--out '{}' exists and is not a directory", o.out);
    const std::pair<const char*, long long> parts[3] = {{"train", o.train}, {"val", o.val}, {"test", o.test}};
    for (std::uint32_t k = 0; k < 3; ++k) {
      if (parts[k].second < 0) continue;
      if (parts[k].second == 0) throw_input("--{} must be at least 1 event", parts[k].first);
      jobs.push_back({dir / (std::string(parts[k].first) + ".h5"), static_cast<std::size_t>(parts[k].second),
                      k + 1, parts[k].first});
    }
    if (!std::filesystem::exists(dir, ec)) {
      if (!std::filesystem::is_directory(dir.parent_path().empty() ? "." : dir.parent_path(), ec))
        throw_input("parent of --out '{}' does not exist", o.out);
      std::filesystem::create_directory(dir, ec);
      if (ec) throw_input("cannot create directory '{}': {}", o.out, ec.message());
    }
  } else {
    if (o.events < 0) throw_input("--events N (or --train/--val/--test) is required");
    if (o.events == 0) throw_input("--events must be at least 1");
    if (o.out.empty()) throw_input("--out FILE.h5 is required");
    jobs.push_back({o.out, static_cast<std::size_t>(o.events), 0, "events"});
  }
  for (const auto& j : jobs) core::check_output_path(j.path, o.force);  // all checks before any work

  nlohmann::ordered_json report = nlohmann::ordered_json::array();
  for (const auto& j : jobs) {
    const auto s =
        simulate_to_file(config, j.path, j.events, o.seed, j.stream, o.threads, "simulate " + j.name);
    spdlog::info(
        "wrote {}: {} events in {:.1f} s ({:.0f} events/s, {:.1f} MiB; NC {}, numu CC {}, nue CC {})",
        j.path.string(), s.events, s.seconds, s.events_per_s, static_cast<double>(s.bytes) / (1 << 20),
        s.class_counts[0], s.class_counts[1], s.class_counts[2]);
    report.push_back({{"path", j.path.string()},
                      {"split", j.name},
                      {"events", s.events},
                      {"stream", j.stream},
                      {"seconds", s.seconds},
                      {"events_per_s", s.events_per_s},
                      {"bytes", s.bytes},
                      {"class_counts", {s.class_counts[0], s.class_counts[1], s.class_counts[2]}}});
  }
  if (o.json) fmt::print("{}\n", nlohmann::ordered_json{{"seed", o.seed}, {"files", report}}.dump(2));
  return 0;
}
}  // namespace

void add_simulate_command(CLI::App& app, Action& action) {
  auto opts = std::make_shared<SimulateOptions>();
  auto* cmd = app.add_subcommand("simulate", "Simulate LArTPC neutrino events into HDF5 files");
  cmd->add_option("--events", opts->events, "Number of events in one file (with --out FILE.h5)");
  cmd->add_option("--train", opts->train, "Events in DIR/train.h5 (with --out DIR)");
  cmd->add_option("--val", opts->val, "Events in DIR/val.h5");
  cmd->add_option("--test", opts->test, "Events in DIR/test.h5");
  cmd->add_option("--seed", opts->seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", opts->out, "Output file (--events) or directory (--train/--val/--test)");
  cmd->add_option("--threads", opts->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--config", opts->config,
                  "Simulation config YAML (overrides defaults; see docs/simulation.md)");
  cmd->add_option("--flux", opts->flux, "Flux preset")->check(CLI::IsMember({"bnb", "dune"}));
  cmd->add_flag("--force", opts->force, "Overwrite existing output files");
  cmd->add_flag("--json", opts->json, "Print a JSON summary on stdout");
  cmd->callback([opts, &action] { action = [opts] { return run_simulate(*opts); }; });
}

}  // namespace edgeq::cli
