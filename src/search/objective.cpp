#include "edgeq/search/objective.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "edgeq/core/error.hpp"

namespace edgeq::search {

void ForgivingFactor::validate() const {
  if (!(delta_p >= 0) || !(delta_n >= 0)) throw_input("forgiving factor: d_p and d_n must be >= 0");
  if (!(rate > 1)) throw_input("forgiving factor: rate must be > 1 (got {})", rate);
}

double ForgivingFactor::delta(double reference_cost, double trial_cost) const {
  const double ratio = std::log(reference_cost / trial_cost) / std::log(rate);
  return (trial_cost < reference_cost ? delta_p : delta_n) * ratio;
}

std::vector<std::size_t> pareto_front(const std::vector<double>& accuracy, const std::vector<double>& cost) {
  std::vector<std::size_t> order(accuracy.size());
  std::iota(order.begin(), order.end(), 0);
  // by cost ascending, then accuracy descending: a point is on the front if it beats every cheaper one
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return cost[a] != cost[b] ? cost[a] < cost[b] : accuracy[a] > accuracy[b];
  });
  std::vector<std::size_t> front;
  double best = -std::numeric_limits<double>::infinity();
  for (auto i : order)
    if (accuracy[i] > best) {
      front.push_back(i);
      best = accuracy[i];
    }
  return front;
}

}  // namespace edgeq::search
