// Experiment configuration for `edgeq run` (YAML; configs/default.yaml and configs/paper.yaml are built in
// as "default" and "paper"). Every key is checked: unknown keys, unknown models, schemes or targets and bad
// values are errors naming the key. Keys (defaults in brackets):
//   name, seed [1]
//   data:   train, val, test (events), flux (preset), simulation (mapping: simulate --config keys)
//   models: list of {name (zoo model), input ["3x200x200" of the data], init_seed [1],
//            train: {epochs, batch, lr, optimizer, schedule, warmup_epochs, weight_decay, augment,
//                    label_smoothing, class_weights, seed}}
//   quantise: ptq [list of fp16, dynamic, int8, uint8, int16x8], calibration [mse], calibration_samples
//   [300],
//             qat: list of {name, epochs, lr, quantisers (hls4ml-style mapping, docs/quantisation.md)}
//   eval:   events [0 = all of the test split], threads [0 = all]
//   bench:  targets [cpu], threads [0], max_batch [8], min_seconds [1], max_seconds [10]
//   report: event_displays [6]
//   cost:   lifetime_years [3], usd_per_kwh [0.15]
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgeq/bench/harness.hpp"
#include "edgeq/train/trainer.hpp"

namespace edgeq::cli {

struct ModelSpec {
  std::string name, input;
  std::uint64_t init_seed = 1;
  train::TrainOptions train;
};

struct QatSpec {
  std::string name;
  std::size_t epochs = 2;
  double lr = 5e-4;
  std::string quantisers_yaml;  ///< the quantisers mapping as YAML text
};

struct ExperimentConfig {
  std::string name, origin;
  std::uint64_t seed = 1;
  std::size_t train_events = 0, val_events = 0, test_events = 0;
  std::string flux, simulation_yaml;
  std::vector<ModelSpec> models;
  std::vector<std::string> ptq;
  std::string calibration = "mse";
  std::size_t calibration_samples = 300;
  bool reduce_range = false;
  std::vector<QatSpec> qat;
  std::size_t eval_events = 0, threads = 0;
  std::vector<std::string> targets{"cpu"};
  std::size_t bench_threads = 0, max_batch = 8;
  double min_seconds = 1, max_seconds = 10;
  std::size_t event_displays = 6;
  bench::CostAssumptions cost;
  nlohmann::ordered_json raw;  ///< the parsed configuration (stage keys hash parts of it)
};

/// "default" / "paper" (built in) or a YAML file. Error(BadInput) naming the key for anything invalid.
ExperimentConfig load_experiment(const std::string& name_or_path);
ExperimentConfig parse_experiment(const std::string& yaml_text, const std::string& origin);

}  // namespace edgeq::cli
