// Learning-rate schedules, evaluated per optimiser step: linear warm-up over the first warmup_steps
// (lr * (s + 1) / warmup_steps), then constant, step decay (lr * gamma^floor(epoch / step_epochs)) or cosine
// annealing to zero over the remaining steps (lr * (1 + cos(pi * t / T)) / 2; Loshchilov & Hutter 2017,
// SGDR, without restarts).
#pragma once

#include <cstddef>
#include <string>

namespace edgeq::train {

struct LrSchedule {
  std::string kind = "constant";  ///< constant, step, cosine
  double base_lr = 1e-3;
  std::size_t steps_per_epoch = 1, epochs = 1;
  std::size_t warmup_steps = 0;
  std::size_t step_epochs = 10;  ///< step: epochs between decays
  double gamma = 0.1;            ///< step: decay factor

  /// Throws Error(BadInput) for an unknown kind or invalid values.
  void validate() const;
  /// Learning rate for global step `step` (0-based; epoch = step / steps_per_epoch).
  double at(std::size_t step) const;
};

}  // namespace edgeq::train
