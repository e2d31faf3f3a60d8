// edgeq energy: QTools-style energy, bit and BOP estimate of a model (quant/energy.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/quant/energy.hpp"
#include "edgeq/quant/fake_quant.hpp"

namespace edgeq::cli {

namespace {
struct EnergyCommand {
  std::string model, config, profile = "horowitz45", source, input_shape, out;
  int classes = 3;
  std::uint64_t seed = 1;
  bool json = false, force = false, list = false;
};

int run_energy(const EnergyCommand& c) {
  if (c.list) {
    for (const auto& name : quant::builtin_energy_profiles()) {
      const auto p = quant::find_energy_profile(name);
      fmt::print("{:<18} {}\n", p.name, p.description);
    }
    return 0;
  }
  if (c.model.empty()) throw_input("give the model with --model FILE.onnx or a zoo name");
  if (!c.out.empty()) core::check_output_path(c.out, c.force);
  auto profile = quant::find_energy_profile(c.profile);
  if (!c.source.empty()) profile.source = quant::parse_number_type(c.source);
  graph::Graph g = load_model(c.model, c.input_shape, c.classes, c.seed);
  if (!c.config.empty()) {
    const auto n = quant::insert_fake_quant(g, quant::LayerQuantConfig::load(c.config));
    spdlog::info("quantisers from {}: {} weights, {} biases, {} results", c.config, n.weights, n.biases,
                 n.results);
  }
  const auto report = quant::estimate_energy(g, profile);
  auto j = report.to_json();
  if (!c.config.empty()) j["config"] = c.config;
  if (!c.out.empty()) core::write_file_atomic(c.out, j.dump(2) + "\n");
  if (c.json)
    fmt::print("{}\n", j.dump(2));
  else
    fmt::print("{}", report.to_table());
  return 0;
}
}  // namespace

void add_energy_command(CLI::App& app, Action& action) {
  auto c = std::make_shared<EnergyCommand>();
  auto* cmd = app.add_subcommand(
      "energy",
      "Modelled energy per inference (QTools / Horowitz 45 nm), bits and BOPs, per layer and total");
  cmd->add_option("--model", c->model, "ONNX model (float, QDQ, QONNX) or zoo name");
  cmd->add_option("--config", c->config,
                  "Per-layer quantisers (hls4ml-style YAML) applied to a float model before the estimate");
  cmd->add_option("--profile", c->profile, "Energy profile: built-in name or FILE.yaml")
      ->capture_default_str();
  cmd->add_option(
      "--source", c->source,
      "Type of a float model input (fp32, int8, quantized_bits(8,0,1), ...; default: the profile's)");
  cmd->add_option("--input", c->input_shape, "Input shape CxHxW for zoo models");
  cmd->add_option("--classes", c->classes, "Classes for zoo models")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Seed of a zoo model's weights")->capture_default_str();
  cmd->add_option("--out", c->out, "Also write the JSON report to this file");
  cmd->add_flag("--force", c->force, "Overwrite --out");
  cmd->add_flag("--json", c->json, "JSON on stdout");
  cmd->add_flag("--list-profiles", c->list, "List the built-in energy profiles");
  cmd->callback([c, &action] { action = [c] { return run_energy(*c); }; });
}

}  // namespace edgeq::cli
