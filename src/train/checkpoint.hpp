// Training checkpoints (internal): one file written atomically, holding the model and best-model tensors,
// the optimiser state, the CPU RNG state and a JSON document (options, history, counters).
#pragma once

#include <torch/optim/optimizer.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace edgeq::train {

struct Checkpoint {
  nlohmann::ordered_json meta;
  std::map<std::string, at::Tensor> model, best;
  at::Tensor rng_state;
};

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint,
                     const torch::optim::Optimizer& optimizer);
/// Loads a checkpoint and the optimiser state into `optimizer`; tensors go to `device`. Throws
/// Error(BadInput) for a missing or unreadable file.
Checkpoint load_checkpoint(const std::filesystem::path& path, torch::optim::Optimizer& optimizer,
                           const at::Device& device);

}  // namespace edgeq::train
