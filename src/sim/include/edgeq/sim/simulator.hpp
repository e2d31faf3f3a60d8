// One simulated event end to end: generator -> transport -> detector. Every random draw of event `index`
// comes from CounterRng(seed, stream, index) (sub-streams for generator, transport and detector), so an event
// is the same whichever thread simulates it and whatever events are simulated before it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "edgeq/sim/config.hpp"
#include "edgeq/sim/detector.hpp"
#include "edgeq/sim/generator.hpp"
#include "edgeq/sim/transport.hpp"

namespace edgeq::sim {

struct SimulatedEvent {
  EventClass label = kGun;
  Interaction truth;
  double deposited_mev = 0;       ///< energy deposited in the TPC active volume
  std::vector<Deposit> deposits;  ///< kept for reuse of its capacity
  PlaneImages images;
};

class EventSimulator {
 public:
  /// Validates the configuration (throws Error(BadInput)) and prepares tables.
  explicit EventSimulator(const SimConfig& config);
  void simulate(std::uint64_t seed, std::uint32_t stream, std::uint64_t index, EventClass label,
                SimulatedEvent& out) const;

  const SimConfig& config() const { return config_; }
  const Generator& generator() const { return generator_; }
  const Transport& transport() const { return transport_; }
  const Detector& detector() const { return detector_; }

 private:
  SimConfig config_;
  Generator generator_;
  Transport transport_;
  Detector detector_;
};

/// Labels for events 0..n-1: exact counts in proportion to `fractions` (largest remainders), in a seeded
/// random order. Gun mode gives all -1.
std::vector<EventClass> class_sequence(const SimConfig& config, std::size_t n, std::uint64_t seed,
                                       std::uint32_t stream);

}  // namespace edgeq::sim
