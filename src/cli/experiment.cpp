#include "edgeq/cli/experiment.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "edgeq/core/error.hpp"
#include "edgeq/core/yaml_fields.hpp"
#include "edgeq/quant/layer_config.hpp"
#include "edgeq/quant/ptq.hpp"
#include "edgeq/sim/config.hpp"
#include "edgeq/targets/profile.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq::cli {

const std::vector<std::pair<std::string_view, std::string_view>>& builtin_experiment_files();

namespace {
nlohmann::ordered_json to_json(const YAML::Node& n) {
  if (!n || n.IsNull()) return nullptr;
  if (n.IsMap()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = to_json(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& v : n) j.push_back(to_json(v));
    return j;
  }
  return n.as<std::string>();
}

void read_train(core::YamlFields f, train::TrainOptions& t) {
  t.epochs = f.get<std::size_t>("epochs", 6);
  t.batch = f.get<std::size_t>("batch", 32);
  t.lr = f.get<double>("lr", 2e-3);
  t.optimizer = f.get<std::string>("optimizer", "adam");
  t.schedule = f.get<std::string>("schedule", "cosine");
  t.warmup_epochs = f.get<std::size_t>("warmup_epochs", 0);
  t.weight_decay = f.get<double>("weight_decay", 0.0);
  t.augment = f.get<std::string>("augment", "uv-swap");
  t.label_smoothing = f.get<double>("label_smoothing", 0.0);
  t.class_weights = f.get<std::string>("class_weights", "none");
  t.seed = f.get<std::uint64_t>("seed", 1);
  f.finish();
  try {
    t.validate();
  } catch (const Error& e) {
    throw_input("{}: {}: {}", f.origin(), f.full(""), e.what());
  }
}
}  // namespace

ExperimentConfig parse_experiment(const std::string& text, const std::string& origin) {
  const YAML::Node root = core::parse_yaml(text, origin);
  core::YamlFields f(root, origin);
  ExperimentConfig c;
  c.origin = origin;
  c.raw = to_json(root);
  c.name = f.get<std::string>("name", "experiment");
  c.seed = f.get<std::uint64_t>("seed", 1);

  auto data = f.mapping("data");
  c.train_events = data.required<std::size_t>("train");
  c.val_events = data.required<std::size_t>("val");
  c.test_events = data.required<std::size_t>("test");
  if (c.train_events < 10 || c.val_events < 3 || c.test_events < 3)
    throw_input("{}: data needs at least 10 train, 3 val and 3 test events", origin);
  c.flux = data.get<std::string>("flux", "");
  if (const YAML::Node sim_node = data.node("simulation"); sim_node && !sim_node.IsNull()) {
    c.simulation_yaml = YAML::Dump(sim_node);
  }
  data.finish();
  {  // Validate the simulation settings now, not after hours of work.
    sim::SimConfig sc;
    if (!c.flux.empty()) sim::apply_flux_preset(sc, c.flux);
    if (!c.simulation_yaml.empty())
      sim::load_config_yaml_text(sc, c.simulation_yaml, origin + ": data.simulation");
    sim::validate(sc);
  }

  const YAML::Node models = f.node("models");
  if (!models || !models.IsSequence() || models.size() == 0)
    throw_input("{}: 'models' must be a non-empty list", origin);
  const auto zoo_names = zoo::model_names();
  for (std::size_t i = 0; i < models.size(); ++i) {
    core::YamlFields m(models[i], origin, fmt::format("models[{}]", i));
    ModelSpec s;
    s.name = m.required<std::string>("name");
    if (std::find(zoo_names.begin(), zoo_names.end(), s.name) == zoo_names.end())
      throw_input("{}: models[{}].name: unknown model '{}' (zoo: {})", origin, i, s.name,
                  fmt::join(zoo_names, ", "));
    s.input = m.get<std::string>("input", "");
    s.init_seed = m.get<std::uint64_t>("init_seed", 1);
    read_train(m.mapping("train"), s.train);
    m.finish();
    c.models.push_back(s);
  }

  auto q = f.mapping("quantise");
  c.ptq = q.get<std::vector<std::string>>("ptq", {"fp16", "dynamic", "int8", "uint8", "int16x8"});
  for (const auto& s : c.ptq) {
    try {
      (void)quant::parse_scheme(s);
    } catch (const Error& e) {
      throw_input("{}: quantise.ptq: {}", origin, e.what());
    }
  }
  c.calibration = q.get<std::string>("calibration", "mse");
  try {
    (void)quant::parse_calibration_method(c.calibration);
  } catch (const Error& e) {
    throw_input("{}: quantise.calibration: {}", origin, e.what());
  }
  c.calibration_samples = q.get<std::size_t>("calibration_samples", 300);
  c.reduce_range = q.get<bool>("reduce_range", false);
  if (const YAML::Node qat = q.node("qat"); qat && !qat.IsNull()) {
    if (!qat.IsSequence()) throw_input("{}: quantise.qat must be a list", origin);
    for (std::size_t i = 0; i < qat.size(); ++i) {
      core::YamlFields e(qat[i], origin, fmt::format("quantise.qat[{}]", i));
      QatSpec s;
      s.name = e.required<std::string>("name");
      if (s.name.empty() || s.name.find_first_of("/ .") != std::string::npos || s.name == "fp32" ||
          std::find(c.ptq.begin(), c.ptq.end(), s.name) != c.ptq.end())
        throw_input("{}: quantise.qat[{}].name '{}' must be a new word without '/', ' ' or '.'", origin, i,
                    s.name);
      s.epochs = e.get<std::size_t>("epochs", 2);
      s.lr = e.get<double>("lr", 5e-4);
      const YAML::Node qn = e.node("quantisers");
      if (!qn || !qn.IsMap()) throw_input("{}: quantise.qat[{}].quantisers must be a mapping", origin, i);
      s.quantisers_yaml = YAML::Dump(qn);
      (void)quant::LayerQuantConfig::parse(s.quantisers_yaml, fmt::format("{}: quantise.qat[{}]", origin, i));
      e.finish();
      c.qat.push_back(s);
    }
  }
  q.finish();

  auto ev = f.mapping("eval");
  c.eval_events = ev.get<std::size_t>("events", 0);
  c.threads = ev.get<std::size_t>("threads", 0);
  ev.finish();

  auto b = f.mapping("bench");
  c.targets = b.get<std::vector<std::string>>("targets", {"cpu"});
  for (const auto& t : c.targets) {
    try {
      (void)targets::find_profile(t);
    } catch (const Error& e) {
      throw_input("{}: bench.targets: {}", origin, e.what());
    }
  }
  c.bench_threads = b.get<std::size_t>("threads", 0);
  c.max_batch = b.get<std::size_t>("max_batch", 8);
  c.min_seconds = b.get<double>("min_seconds", 1.0);
  c.max_seconds = b.get<double>("max_seconds", 10.0);
  if (c.max_batch < 1 || !(c.min_seconds >= 0) || c.max_seconds < c.min_seconds)
    throw_input("{}: bench: max_batch >= 1 and 0 <= min_seconds <= max_seconds required", origin);
  b.finish();

  auto r = f.mapping("report");
  c.event_displays = r.get<std::size_t>("event_displays", 6);
  r.finish();
  auto cost = f.mapping("cost");
  c.cost.lifetime_years = cost.get<double>("lifetime_years", 3.0);
  c.cost.usd_per_kwh = cost.get<double>("usd_per_kwh", 0.15);
  cost.finish();
  f.finish();
  return c;
}

ExperimentConfig load_experiment(const std::string& name_or_path) {
  for (const auto& [file, text] : builtin_experiment_files())
    if (name_or_path == std::filesystem::path(std::string(file)).stem().string())
      return parse_experiment(std::string(text), fmt::format("built-in {}", file));
  std::ifstream in(name_or_path);
  if (!in) throw_input("cannot read experiment config '{}' (built in: default, paper)", name_or_path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_experiment(ss.str(), name_or_path);
}

}  // namespace edgeq::cli
