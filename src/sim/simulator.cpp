#include "edgeq/sim/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace edgeq::sim {

namespace {
const SimConfig& validated(const SimConfig& c) {
  validate(c);
  return c;
}
}  // namespace

EventSimulator::EventSimulator(const SimConfig& config)
    : config_(validated(config)), generator_(config_), transport_(config_), detector_(config_) {}

void EventSimulator::simulate(std::uint64_t seed, std::uint32_t stream, std::uint64_t index, EventClass label,
                              SimulatedEvent& out) const {
  const core::CounterRng base(seed, stream, index);
  core::CounterRng gen_rng = base.fork(1), transport_rng = base.fork(2), detector_rng = base.fork(3);
  out.label = label;
  out.truth = generator_.generate(label, gen_rng);
  out.deposits.clear();
  transport_.run(out.truth.final_state, transport_rng, out.deposits);
  out.deposited_mev = 0;
  for (const auto& d : out.deposits) out.deposited_mev += d.energy_mev;
  detector_.render(out.deposits, out.truth.vertex, detector_rng, out.images);
}

std::vector<EventClass> class_sequence(const SimConfig& config, std::size_t n, std::uint64_t seed,
                                       std::uint32_t stream) {
  if (config.generator.mode == "gun") return std::vector<EventClass>(n, kGun);
  const auto& f = config.generator.class_fractions;
  const double total = f[0] + f[1] + f[2];
  std::array<std::size_t, 3> count{};
  std::array<double, 3> remainder{};
  std::size_t assigned = 0;
  for (int c = 0; c < 3; ++c) {
    const double exact = static_cast<double>(n) * f[c] / total;
    count[c] = static_cast<std::size_t>(std::floor(exact));
    remainder[c] = exact - static_cast<double>(count[c]);
    assigned += count[c];
  }
  while (assigned < n) {
    const auto c =
        static_cast<std::size_t>(std::max_element(remainder.begin(), remainder.end()) - remainder.begin());
    ++count[c];
    remainder[c] = -1.0;
    ++assigned;
  }
  std::vector<EventClass> labels;
  labels.reserve(n);
  for (int c = 0; c < 3; ++c) labels.insert(labels.end(), count[c], static_cast<EventClass>(c));
  core::CounterRng rng(seed, stream, ~std::uint64_t{0});  // index reserved for the class order
  for (std::size_t i = labels.size(); i > 1; --i)
    std::swap(labels[i - 1], labels[rng.below(static_cast<std::uint32_t>(i))]);
  return labels;
}

}  // namespace edgeq::sim
