// Bit-exact fixed-point emulator of a lowered network (network.hpp): the reference the generated Verilog is
// verified against. It also counts, per layer, the assignments that overflow their type, the information
// hls4ml users look for when a precision is too narrow.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeq/fpga/network.hpp"

namespace edgeq::fpga {

struct LayerStats {
  std::int64_t values = 0;              ///< results computed
  std::int64_t result_overflows = 0;    ///< results outside result_t before wrap / saturation
  std::int64_t accum_overflows = 0;     ///< exact sums outside accum_t (the wrapped sum differs)
  std::int64_t product_overflows = 0;   ///< products outside accum_t
  double min_value = 0, max_value = 0;  ///< range of the value assigned to the result (real units)
  bool seen = false;
};

class Emulator {
 public:
  explicit Emulator(const FixedNetwork& net) : net_(net) {}

  /// Input codes: each value assigned to the input type (its rounding and overflow modes).
  std::vector<std::int64_t> quantise_input(std::span<const float> x) const;
  /// Runs one sample of net.n_in codes through layers [0, last] (last < 0: all); returns the codes of the
  /// last layer run. `stats` (one per layer) accumulate when given.
  std::vector<std::int64_t> run(std::span<const std::int64_t> input, std::vector<LayerStats>* stats = nullptr,
                                int last = -1) const;
  /// Real values of output codes.
  std::vector<double> to_real(std::span<const std::int64_t> codes) const;

 private:
  const FixedNetwork& net_;
};

/// Resolves `result: auto` layer by layer on calibration samples: integer bits from the largest magnitude
/// seen (one more for the sign), fractional bits and modes from `model_precision`. Error(BadInput) naming
/// the layer when that needs more than kMaxDataWidth bits.
void infer_auto_results(FixedNetwork& net, const std::vector<std::vector<float>>& calibration,
                        const core::ApFixed& model_precision);

}  // namespace edgeq::fpga
