// Simulation to an HDF5 event file: events are simulated and compressed in parallel, written in order.
// Output bytes depend only on (config, n, seed, stream), not on the thread count.
#pragma once

#include <cstdint>
#include <filesystem>

#include "edgeq/sim/config.hpp"

namespace edgeq::cli {

struct SimulateStats {
  std::size_t events = 0;
  double seconds = 0;
  double events_per_s = 0;
  std::uintmax_t bytes = 0;
  std::size_t class_counts[3] = {0, 0, 0};
};

/// Simulates `events` events into `path` (atomically). The caller has validated the output path.
/// stream: 0 = single file, 1/2/3 = train/val/test (disjoint random streams).
SimulateStats simulate_to_file(const sim::SimConfig& config, const std::filesystem::path& path,
                               std::size_t events, std::uint64_t seed, std::uint32_t stream,
                               std::size_t threads, const std::string& progress_label = "simulate");

}  // namespace edgeq::cli
