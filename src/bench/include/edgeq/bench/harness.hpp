// Benchmark of one model on one target profile: latency statistics at batch 1 and the throughput at the
// requested batch sizes, peak memory, energy and cost per inference, and the description of the machine.
// Every figure carries its method: "measured" (timed here), "modelled" (a target model), or the target is
// "unavailable" with the reason (e.g. no GPU) — never an invented number.
//
// Energy per inference:
//   K = TDP x latency at batch 1 [W ms = mJ] (the figure of merit of the LArTPC Edge TPU study), when the
//       profile has a TDP;
//   measured = (RAPL or NVML counter delta over the timed batch-1 runs) / runs, when readable;
//   inferences per joule = 1000 / K (or / measured mJ when measured);
//   inferences per dollar = throughput x lifetime / (price + TDP x lifetime x electricity price), at full
//       duty, when the profile has a price and a TDP (CostAssumptions).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "edgeq/bench/latency.hpp"
#include "edgeq/graph/ir.hpp"
#include "edgeq/targets/host.hpp"
#include "edgeq/targets/profile.hpp"

namespace edgeq::bench {

struct CostAssumptions {
  double lifetime_years = 3.0;
  double usd_per_kwh = 0.15;
};

struct BenchOptions {
  std::size_t threads = 1;              ///< 0 = all CPUs of the affinity mask
  std::vector<std::size_t> batches{1};  ///< throughput is measured at each; batch 1 is always measured
  MeasureOptions measure;
  std::uint64_t seed = 1;  ///< of the random input
  CostAssumptions cost;
  /// edgetpu (modelled): a model without QuantizeLinear nodes is modelled as its int8 export (true), or is
  /// unavailable (false: the scheme tables of `edgeq run`, where the Edge TPU column of a float, float16 or
  /// dynamic-range variant is empty, as in the study).
  bool edgetpu_model_float = true;
};

struct BatchPoint {
  std::size_t batch = 1;
  LatencyStats latency;  ///< per call (the whole batch)
  double throughput_per_s = 0;
  bool converged = false;
};

struct EnergyFigures {
  std::optional<double> k_mj;         ///< TDP x latency (W ms = mJ)
  std::optional<double> measured_mj;  ///< per inference from a hardware counter
  std::string measured_source;        ///< e.g. "RAPL package-0 (powercap; ...)"
  std::string measured_unavailable;   ///< why no counter was read
  std::optional<double> inferences_per_joule;
  std::string per_joule_basis;  ///< "measured" or "K (TDP x latency)"
  std::optional<double> inferences_per_dollar;
  std::string per_dollar_note;  ///< assumptions, or why it is unknown
};

struct BenchResult {
  std::string target, kind, method;  ///< method: measured, modelled, unavailable
  std::string reason;                ///< for unavailable
  std::string device;                ///< what ran it (CPU model / GPU name / profile device)
  targets::TargetProfile profile;
  targets::HostDescription host;
  std::size_t threads = 0;
  std::string pinning;
  std::vector<BatchPoint> points;  ///< batch 1 first
  double peak_rss_mib = 0;         ///< process peak resident memory during the benchmark
  double start_rss_mib = 0;        ///< resident memory when it started (peak - start: this model's share)
  EnergyFigures energy;
  double seconds = 0;
  /// Modelled targets: the latency model's inputs and breakdown (JSON "latency_model"); null otherwise.
  nlohmann::ordered_json model;
};

/// A latency source for targets edgeq cannot time with its own runtime (e.g. the GPU through LibTorch):
/// returns a per-call function for a batch size, or throws Error(BadInput) to say the target is unavailable.
using ExternalRunner = std::function<std::function<void()>(const graph::Graph&, std::size_t batch)>;

/// Benchmarks `model` on `profile`. cpu: the edgeq runtime here. gpu: `gpu_runner` if given, else
/// unavailable. edgetpu: measured through libedgetpu when an Edge TPU runtime and device are present
/// (targets/edgetpu_runtime.hpp), else modelled (targets/edgetpu.hpp: the model's int8 TFLite export, the
/// profile's calibrated parameters; batch b = b sequential inferences); a model without a TFLite form is
/// unavailable with the exporter's reason. fpga: unavailable until its model exists (labelled so).
/// Error(BadInput) for a model the runtime cannot run or bad options.
BenchResult bench_model(const graph::Graph& model, const targets::TargetProfile& profile,
                        const BenchOptions& options, const ExternalRunner& gpu_runner = {},
                        const std::string& gpu_unavailable = "");

nlohmann::ordered_json to_json(const BenchResult& result);

/// Batch sizes 1, 2, 4, ... below `max_batch`, then `max_batch` (Error(BadInput) for 0).
std::vector<std::size_t> batch_ladder(std::size_t max_batch);

/// Seeded uniform [0, 1) float32 input for the model's single input, its batch dimension set to `batch`;
/// Error(BadInput) for several inputs or unknown dimensions besides the batch.
core::Tensor random_input(const graph::Graph& model, std::size_t batch, std::uint64_t seed);

/// Peak resident set size of this process in MiB (VmHWM), the current one (VmRSS), and the peak's reset
/// (Linux clear_refs; returns false when not permitted, then the peak covers the whole process lifetime).
double peak_rss_mib();
double current_rss_mib();
bool reset_peak_rss();

}  // namespace edgeq::bench
