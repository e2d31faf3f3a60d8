// bench/simulate: events per second for 3x200x200 events, end to end (generate, transport, detector,
// digitise, compress, HDF5 write), plus the cost of each stage per event. Target: >= 300 events/s on 2 cores.
//   build/bench/bench_simulate [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <filesystem>
#include <thread>

#include "edgeq/cli/simulate_pipeline.hpp"
#include "edgeq/core/log.hpp"
#include "edgeq/sim/simulator.hpp"

using namespace edgeq;

namespace {
sim::SimConfig config_for(int flux) {
  sim::SimConfig c;
  if (flux == 1) sim::apply_flux_preset(c, "dune");
  return c;
}

// End to end into an HDF5 file; arg0 = threads (0 = all cores), arg1 = 0 BNB / 1 DUNE flux.
void BM_SimulateToFile(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  const auto config = config_for(static_cast<int>(state.range(1)));
  const auto path = std::filesystem::temp_directory_path() / "edgeq-bench-simulate.h5";
  constexpr std::size_t kEvents = 2000;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    std::filesystem::remove(path);
    const auto stats = cli::simulate_to_file(config, path, kEvents, seed++, 0, threads);
    state.counters["MiB_per_1k_events"] = static_cast<double>(stats.bytes) / (1 << 20) / (kEvents / 1000.0);
  }
  std::filesystem::remove(path);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kEvents));
  state.SetLabel(std::string(state.range(1) ? "DUNE" : "BNB") + " flux, " +
                 std::to_string(threads ? threads : std::thread::hardware_concurrency()) + " threads");
}
BENCHMARK(BM_SimulateToFile)
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

// Stages of one event on one thread (BNB flux), events cycling through the three classes.
void BM_Stage(benchmark::State& state) {
  const sim::EventSimulator sim(config_for(0));
  const int stage = static_cast<int>(state.range(0));
  std::uint64_t i = 0;
  sim::SimulatedEvent ev;
  std::vector<std::uint8_t> raw(3 * 200 * 200);
  for (auto _ : state) {
    const auto cls = static_cast<sim::EventClass>(i % 3);
    core::CounterRng rng(7, 0, i++);
    ev.truth = sim.generator().generate(cls, rng);
    if (stage >= 1) {
      ev.deposits.clear();
      sim.transport().run(ev.truth.final_state, rng, ev.deposits);
    }
    if (stage >= 2) sim.detector().render(ev.deposits, ev.truth.vertex, rng, ev.images);
    if (stage >= 3) sim.detector().digitize(ev.images, raw);
    benchmark::DoNotOptimize(ev);
  }
  state.SetItemsProcessed(state.iterations());
  static const char* kNames[] = {"generate", "+transport", "+detector", "+digitise"};
  state.SetLabel(kNames[stage]);
}
BENCHMARK(BM_Stage)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);
}  // namespace

int main(int argc, char** argv) {
  core::init_logging(core::Verbosity::Quiet);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
