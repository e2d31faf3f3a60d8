// edgeq search: per-layer mixed-precision search (search/search.hpp). Each trial is a quantisation-aware
// fine-tune run by `edgeq train` in a child process (parallel trials, crash isolation, resumable runs).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/cancel.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/quant/energy.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/search/search.hpp"
#include "edgeq/search/sensitivity.hpp"
#include "search_report.hpp"

namespace edgeq::cli {

namespace {
namespace fs = std::filesystem;

struct SearchCommand {
  std::string model, train, val, space, goal = "energy", mode = "bayesian", out, reference = "int8";
  std::string profile = "horowitz45";
  search::SearchOptions options;
  std::size_t threads_per_trial = 1, batch = 32, max_train_events = 0, max_val_events = 0;
  std::size_t sensitivity_events = 400;
  double lr = 5e-4, sensitivity_drop_pp = 10;
  std::uint64_t train_seed = 1;
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The configuration the forgiving factor compares with: every Conv/Gemm/MatMul weight 8-bit (per-channel
/// scale), biases 8-bit where the space quantises biases, every Relu/Clip result 8-bit; or nothing (fp32).
std::string reference_config(const search::SearchSpace& space, const std::string& kind) {
  if (kind == "fp32") return "{}\n";
  if (kind != "int8") throw_input("--reference must be int8 or fp32 (got '{}')", kind);
  bool bias = false;
  for (const auto& s : space.slots) bias |= s.variable == "bias";
  std::string y = "LayerType:\n";
  for (const char* op : {"Conv", "Gemm", "MatMul"}) {
    y += fmt::format("  {}:\n    Precision:\n      weight: \"quantized_bits(8,0,alpha='auto')\"\n", op);
    if (bias) y += "      bias: \"quantized_bits(8,3)\"\n";
  }
  y += "  Relu:\n    Precision:\n      result: \"quantized_relu(8,4)\"\n";
  y += "  Clip:\n    Precision:\n      result: \"quantized_relu(8,4)\"\n";
  return y;
}

search::Costs costs_of(const graph::Graph& model, const quant::EnergyProfile& profile,
                       const std::string& yaml) {
  graph::Graph g = model;
  quant::insert_fake_quant(g, quant::LayerQuantConfig::parse(yaml, "search configuration"));
  const auto r = quant::estimate_energy(g, profile);
  return {r.total_pj, r.total_bits()};
}

search::TrialOutcome run_trial(const SearchCommand& c, const fs::path& dir, const search::TrialRequest& t) {
  core::throw_if_cancelled();  // a finished trial is still logged; no new one starts after Ctrl-C
  const fs::path trial = dir / "trials" / fmt::format("c{:03d}", t.config_id);
  fs::create_directories(trial);
  core::write_file_atomic(trial / "config.yaml", t.config_yaml);
  const fs::path run = trial / "run";
  std::error_code ec;
  const bool continue_run = fs::exists(run / "checkpoint.pt", ec);  // promoted, or interrupted earlier
  std::string cmd = fmt::format(
      "{} -q train --init {} --qat {} --train {} --val {} --out {} --run-dir {} --epochs {} --threads {} "
      "--lr {} --batch {} --seed {} --json --force",
      quoted(fs::read_symlink("/proc/self/exe").string()), quoted(c.model),
      quoted((trial / "config.yaml").string()), quoted(c.train), quoted(c.val),
      quoted((trial / "model.onnx").string()), quoted(run.string()), t.epochs, c.threads_per_trial, c.lr,
      c.batch, c.train_seed);
  if (continue_run) cmd += " --resume " + quoted(run.string());
  if (c.max_train_events) cmd += fmt::format(" --max-train-events {}", c.max_train_events);
  if (c.max_val_events) cmd += fmt::format(" --max-val-events {}", c.max_val_events);
  cmd += " 2>>" + quoted((trial / "train.log").string());
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw_internal("cannot start trial {} ({})", t.id, cmd);
  std::string text;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) text += buf;
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 130) throw Error(Error::Kind::Cancelled, "search interrupted (finished trials are logged)");
  if (code != 0)
    throw_internal("trial {} (config {}) failed with exit code {}: see {}", t.id, t.config_id, code,
                   (trial / "train.log").string());
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("val_accuracy"))
    throw_internal("trial {}: unreadable training summary (see {})", t.id, (trial / "train.log").string());
  return {j.at("val_accuracy").get<double>(), j.value("seconds", 0.0)};
}

double accuracy_with(const graph::Graph& model, const std::string& yaml, const data::EventFileReader& val,
                     std::size_t events) {
  graph::Graph g = model;
  if (!yaml.empty()) quant::insert_fake_quant(g, quant::LayerQuantConfig::parse(yaml, "sensitivity probe"));
  eval::EvalOptions o;
  o.max_events = events;
  o.threads = std::max(1u, std::thread::hardware_concurrency());
  return eval::evaluate_model(g, val, o).confusion.accuracy();
}

int run_search_command(SearchCommand c) {
  const fs::path dir(c.out);
  fs::create_directories(dir);
  c.options.mode = search::parse_mode(c.mode);
  c.options.goal = search::parse_goal(c.goal);
  c.options.validate();
  const auto profile = quant::find_energy_profile(c.profile);
  const graph::Graph model = load_model(c.model, "", 3, 1);  // ONNX or Keras file
  auto space = search::load_search_space(c.space, model);
  const std::string reference = reference_config(space, c.reference);
  const data::EventFileReader val(c.val);
  eval::check_model_matches_data(model, val);
  { const data::EventFileReader probe(c.train); }

  nlohmann::ordered_json sensitivity;
  if (c.sensitivity_drop_pp > 0) {
    const fs::path cache = dir / "sensitivity.json";
    const nlohmann::ordered_json settings{{"model", c.model},
                                          {"space", c.space},
                                          {"val", c.val},
                                          {"events", c.sensitivity_events},
                                          {"max_drop_pp", c.sensitivity_drop_pp}};
    std::error_code ec;
    if (fs::exists(cache, ec)) {
      std::ifstream in(cache);
      const auto j = nlohmann::ordered_json::parse(in, nullptr, false);
      if (!j.is_discarded() && j.value("settings", nlohmann::ordered_json()) == settings) sensitivity = j;
    }
    if (sensitivity.is_null()) {
      const double base = accuracy_with(model, "", val, c.sensitivity_events);
      sensitivity = search::prune_by_sensitivity(
          space, base, c.sensitivity_drop_pp / 100.0,
          [&](const std::string& y) { return accuracy_with(model, y, val, c.sensitivity_events); });
      sensitivity["settings"] = settings;
      core::write_file_atomic(cache, sensitivity.dump(2) + "\n");
    } else {
      for (std::size_t s = 0; s < space.slots.size(); ++s) {
        const auto kept = sensitivity.at("slots").at(s).at("kept").get<std::vector<std::string>>();
        auto& slot = space.slots[s];
        const auto drop = slot.choices.size() - kept.size();
        slot.choices.erase(slot.choices.begin(), slot.choices.begin() + static_cast<std::ptrdiff_t>(drop));
        slot.bits.erase(slot.bits.begin(), slot.bits.begin() + static_cast<std::ptrdiff_t>(drop));
      }
      spdlog::info("sensitivity: reusing {}", cache.string());
    }
  }

  const fs::path log = dir / "trials.jsonl";
  spdlog::info("search: {} slots, {:.3g} candidates; {} {} trials of {} epoch(s), {} in parallel{}",
               space.slots.size(), static_cast<double>(space.size()), c.options.trials, c.mode,
               c.options.epochs, c.options.parallel, fs::exists(log) ? " (resuming the logged search)" : "");
  const auto result = search::run_search(
      space, c.options, reference, [&](const std::string& y) { return costs_of(model, profile, y); },
      [&](const search::TrialRequest& t) { return run_trial(c, dir, t); }, log);

  SearchReportInput in{c.model,      c.space,   c.goal, c.mode, c.reference,
                       profile.name, c.options, space,  result, sensitivity};
  write_search_outputs(dir, in);
  const auto& best = result.trials[result.best];
  fmt::print(
      "best (trial {}): accuracy {:.4f}, energy {:.4g} pJ ({:.2f}x below the reference), {:.0f} bits "
      "({:.2f}x); reference: accuracy {:.4f}, {:.4g} pJ, {:.0f} bits\n",
      best.id, best.accuracy, best.energy_pj, result.reference.energy_pj / best.energy_pj, best.bits,
      result.reference.bits / best.bits, result.reference.accuracy, result.reference.energy_pj,
      result.reference.bits);
  fmt::print("{} trials ({} from the log) in {:.0f} s; front, report and best configuration in {}\n",
             result.trials.size() + 1, result.reused, result.seconds, dir.string());
  return 0;
}
}  // namespace

void add_search_command(CLI::App& app, Action& action) {
  auto c = std::make_shared<SearchCommand>();
  auto& o = c->options;
  auto* cmd = app.add_subcommand("search", "Per-layer mixed-precision search (AutoQKeras-style, QAT trials)");
  cmd->add_option("--model", c->model, "Trained float model (ONNX or Keras)")->required();
  cmd->add_option("--train", c->train, "Training event file")->required();
  cmd->add_option("--val", c->val, "Validation event file")->required();
  cmd->add_option("--space", c->space, "Search space (YAML, docs/search.md)")->required();
  cmd->add_option("--out", c->out, "Output directory (an existing search there is resumed)")->required();
  cmd->add_option("--goal", c->goal, "energy or bits")->capture_default_str();
  cmd->add_option("--mode", c->mode, "random, bayesian or hyperband")->capture_default_str();
  cmd->add_option("--trials", o.trials, "Candidates to train")->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "Fine-tune epochs per trial (hyperband: the maximum)")
      ->capture_default_str();
  cmd->add_option("--parallel", o.parallel, "Trials at a time")->capture_default_str();
  cmd->add_option("--threads-per-trial", c->threads_per_trial, "Threads of each trial")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the proposals")->capture_default_str();
  cmd->add_option("--train-seed", c->train_seed, "Seed of each trial's training")->capture_default_str();
  cmd->add_option("--lr", c->lr, "Fine-tune learning rate")->capture_default_str();
  cmd->add_option("--batch", c->batch, "Batch size")->capture_default_str();
  cmd->add_option("--max-train-events", c->max_train_events, "Training events per trial (0 = all)");
  cmd->add_option("--max-val-events", c->max_val_events, "Validation events per trial (0 = all)");
  cmd->add_option("--delta-p", o.forgiving.delta_p, "Forgiving factor d_p")->capture_default_str();
  cmd->add_option("--delta-n", o.forgiving.delta_n, "Forgiving factor d_n")->capture_default_str();
  cmd->add_option("--rate", o.forgiving.rate, "Forgiving factor rate")->capture_default_str();
  cmd->add_option("--reference", c->reference, "Reference of the forgiving factor: int8 or fp32")
      ->capture_default_str();
  cmd->add_option("--profile", c->profile, "Energy profile (built-in name or FILE.yaml)")
      ->capture_default_str();
  cmd->add_option(
         "--sensitivity-drop", c->sensitivity_drop_pp,
         "Drop a layer's bit widths that alone lose more than this many points (0 = no sensitivity pass)")
      ->capture_default_str();
  cmd->add_option("--sensitivity-events", c->sensitivity_events, "Validation events of the sensitivity pass")
      ->capture_default_str();
  cmd->callback([c, &action] { action = [c] { return run_search_command(*c); }; });
}

}  // namespace edgeq::cli
