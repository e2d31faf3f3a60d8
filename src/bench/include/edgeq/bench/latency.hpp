// Latency statistics and the timing loop of every benchmark: warm-up, then timed calls until the median is
// known to a requested precision (distribution-free 95 % confidence interval from order statistics) and
// minimum run count and time are reached, or a maximum count or time stops it.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace edgeq::bench {

/// Percentile q in [0, 1] of an ascending sample by linear interpolation between the closest ranks at
/// position q (n - 1) (NumPy's default "linear" method). Empty sample: 0.
double percentile(const std::vector<double>& sorted, double q);

struct LatencyStats {
  std::size_t runs = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, mean_ms = 0, stddev_ms = 0, min_ms = 0, max_ms = 0;
  /// 95 % confidence interval of the median (order statistics n/2 -+ 0.98 sqrt(n)); equal to the range for
  /// fewer than 6 runs.
  double p50_low_ms = 0, p50_high_ms = 0;
};

/// Statistics of latency samples in milliseconds (any order).
LatencyStats summarise(std::vector<double> samples_ms);

struct MeasureOptions {
  std::size_t warmup_runs = 3;
  std::size_t min_runs = 10;
  std::size_t max_runs = 100000;
  double min_seconds = 1.0;   ///< timed seconds at least
  double max_seconds = 30.0;  ///< timed seconds at most (the run that crosses it completes)
  /// Stop once the median's confidence interval half-width is within this fraction of the median (0: never;
  /// the run and time limits decide).
  double rel_precision = 0.02;
};

struct Measurement {
  LatencyStats stats;
  std::vector<double> samples_ms;  ///< in call order
  bool converged = false;          ///< the precision target was met
  double seconds = 0;              ///< timed seconds (warm-up excluded)
};

/// Times `call` (steady clock, one sample per call) as described above.
Measurement measure(const std::function<void()>& call, const MeasureOptions& options);

}  // namespace edgeq::bench
