#include "edgeq/train/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "edgeq/core/error.hpp"

namespace edgeq::train {

void LrSchedule::validate() const {
  if (kind != "constant" && kind != "step" && kind != "cosine")
    throw_input("unknown learning-rate schedule '{}' (constant, step, cosine)", kind);
  if (!(base_lr > 0.0) || !std::isfinite(base_lr))
    throw_input("learning rate must be positive, got {}", base_lr);
  if (steps_per_epoch == 0 || epochs == 0) throw_input("a schedule needs at least one epoch and one step");
  if (kind == "step" && (step_epochs == 0 || !(gamma > 0.0)))
    throw_input("step schedule needs step epochs >= 1 and gamma > 0");
}

double LrSchedule::at(std::size_t step) const {
  if (step < warmup_steps) return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (kind == "step") {
    const std::size_t epoch = step / steps_per_epoch;
    return base_lr * std::pow(gamma, static_cast<double>(epoch / step_epochs));
  }
  if (kind == "cosine") {
    const std::size_t total = steps_per_epoch * epochs;
    const std::size_t span = total > warmup_steps ? total - warmup_steps : 1;
    const double t = static_cast<double>(std::min(step - warmup_steps, span)) / static_cast<double>(span);
    return base_lr * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
  }
  return base_lr;
}

}  // namespace edgeq::train
