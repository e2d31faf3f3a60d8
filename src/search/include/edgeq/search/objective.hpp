// AutoQKeras' objective (Coelho et al., arXiv:2006.10159; ../shared/reference/quantisation-and-hardware.md):
// score = accuracy x (1 + delta), delta = d_p ln(ref / trial) / ln(rate) when the trial costs less than the
// reference, else d_n ln(ref / trial) / ln(rate): a model costing `rate` times less may lose a fraction d_p
// of accuracy and still score the same. Cost = energy (pJ, quant/energy.hpp) or total bits.
#pragma once
#include <string>
#include <vector>

namespace edgeq::search {

struct ForgivingFactor {
  double delta_p = 0.08, delta_n = 0.08, rate = 2.0;

  /// Throws Error(BadInput) unless delta_p, delta_n >= 0 and rate > 1.
  void validate() const;
  double delta(double reference_cost, double trial_cost) const;
  double score(double accuracy, double reference_cost, double trial_cost) const {
    return accuracy * (1.0 + delta(reference_cost, trial_cost));
  }
};

/// Indices of the points not dominated by another (higher or equal accuracy at lower or equal cost, one of
/// them strictly), ordered by cost.
std::vector<std::size_t> pareto_front(const std::vector<double>& accuracy, const std::vector<double>& cost);

}  // namespace edgeq::search
