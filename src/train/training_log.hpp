// Training metrics files in the run directory (internal): metrics.csv (one row per epoch), metrics.json
// (options, per-epoch metrics with confusion matrices, best epoch) and curves.png (loss and accuracy).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgeq/train/trainer.hpp"

namespace edgeq::train {

class TrainingLog {
 public:
  TrainingLog(std::filesystem::path run_dir, std::vector<std::string> class_names,
              nlohmann::ordered_json hyperparameters);
  nlohmann::ordered_json history_json(const std::vector<EpochRecord>& history) const;
  static std::vector<EpochRecord> history_from_json(const nlohmann::ordered_json& j, int classes);
  /// Rewrites the three files (atomically each).
  void write(const std::vector<EpochRecord>& history, std::size_t best_epoch) const;

 private:
  std::filesystem::path dir_;
  std::vector<std::string> class_names_;
  nlohmann::ordered_json hyperparameters_;
};

}  // namespace edgeq::train
