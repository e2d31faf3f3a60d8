// Calibration: statistics of a tensor over a representative dataset and the clipping range chosen from them.
// Methods (the ones ONNX Runtime, PyTorch and TensorRT users know):
//   minmax      [min, max] seen.
//   percentile  [q(1 - p), q(p)] of the value distribution (p = 99.99 % by default); the lower bound is the
//               minimum when it is >= 0.
//   entropy     the range whose quantised histogram has the smallest KL divergence from the clipped one
//               (TensorRT's calibrator, Migacz 2017), over ranges shrunk proportionally around zero.
//   mse         the proportionally shrunk range with the smallest expected squared quantisation error.
// Histograms have `bins` bins over the [min, max] of a first pass; a second pass fills them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace edgeq::quant {

enum class CalibrationMethod { MinMax, Percentile, Entropy, Mse };
CalibrationMethod parse_calibration_method(const std::string& name);  ///< throws Error(BadInput)
std::string calibration_method_name(CalibrationMethod m);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.99;  ///< percent, in (50, 100]
  int bins = 2048;
};

/// Statistics of one tensor: first pass min/max, second pass (histogram methods) a histogram over that range.
class RangeObserver {
 public:
  void observe_range(std::span<const float> values);
  /// Needs the range of the first pass; values outside it go to the end bins.
  void observe_histogram(std::span<const float> values, int bins);
  bool needs_histogram(const CalibrationOptions& o) const { return o.method != CalibrationMethod::MinMax; }
  float min() const { return min_; }
  float max() const { return max_; }
  const std::vector<double>& histogram() const { return hist_; }
  std::int64_t count() const { return count_; }

 private:
  float min_ = 0, max_ = 0;
  bool seen_ = false;
  std::int64_t count_ = 0;
  std::vector<double> hist_;
};

/// Clipping range [lo, hi] for a quantised type with `levels` codes (256 for 8-bit) and the method. Throws
/// Error(BadInput) if the observer saw nothing, or for entropy with more levels than histogram bins.
std::pair<float, float> choose_range(const RangeObserver& obs, const CalibrationOptions& options,
                                     std::int64_t levels);

}  // namespace edgeq::quant
