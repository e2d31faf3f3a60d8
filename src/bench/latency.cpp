#include "edgeq/bench/latency.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace edgeq::bench {

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

namespace {
// Ranks (0-based) bounding a 95 % confidence interval of the median: n/2 -+ 1.96 sqrt(n)/2 (normal
// approximation to the binomial; e.g. Conover, Practical Nonparametric Statistics, sec. 3.2).
void median_interval(const std::vector<double>& sorted, double& low, double& high) {
  const double n = static_cast<double>(sorted.size());
  const double half = 0.98 * std::sqrt(n);
  const double lo = std::floor(n / 2 - half), hi = std::ceil(n / 2 + half);
  if (sorted.size() < 6 || lo < 0 || hi > n - 1) {
    low = sorted.front();
    high = sorted.back();
    return;
  }
  low = sorted[static_cast<std::size_t>(lo)];
  high = sorted[static_cast<std::size_t>(hi)];
}
}  // namespace

LatencyStats summarise(std::vector<double> samples) {
  LatencyStats s;
  s.runs = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.p50_ms = percentile(samples, 0.50);
  s.p90_ms = percentile(samples, 0.90);
  s.p99_ms = percentile(samples, 0.99);
  s.min_ms = samples.front();
  s.max_ms = samples.back();
  const double n = static_cast<double>(samples.size());
  s.mean_ms = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
  double ss = 0;
  for (double v : samples) ss += (v - s.mean_ms) * (v - s.mean_ms);
  s.stddev_ms = samples.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;
  median_interval(samples, s.p50_low_ms, s.p50_high_ms);
  return s;
}

Measurement measure(const std::function<void()>& call, const MeasureOptions& o) {
  using clock = std::chrono::steady_clock;
  for (std::size_t i = 0; i < o.warmup_runs; ++i) call();
  Measurement m;
  m.samples_ms.reserve(std::min<std::size_t>(o.max_runs, 4096));
  std::vector<double> sorted;
  while (m.samples_ms.size() < std::max<std::size_t>(o.max_runs, 1)) {
    const auto t0 = clock::now();
    call();
    const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    m.samples_ms.push_back(ms);
    m.seconds += ms * 1e-3;
    if (m.samples_ms.size() < o.min_runs || m.seconds < o.min_seconds) continue;
    if (m.seconds >= o.max_seconds) break;
    // Checking the precision sorts the sample: do it at doubling counts only (cheap for fast models).
    const std::size_t n = m.samples_ms.size();
    if ((n & (n - 1)) != 0 && n % 256 != 0) continue;
    sorted = m.samples_ms;
    std::sort(sorted.begin(), sorted.end());
    double low = 0, high = 0;
    median_interval(sorted, low, high);
    const double median = percentile(sorted, 0.5);
    if (o.rel_precision > 0 && median > 0 && (high - low) / 2 <= o.rel_precision * median) {
      m.converged = true;
      break;
    }
  }
  m.stats = summarise(m.samples_ms);
  if (!m.converged) {
    m.converged = o.rel_precision > 0 && m.stats.p50_ms > 0 &&
                  (m.stats.p50_high_ms - m.stats.p50_low_ms) / 2 <= o.rel_precision * m.stats.p50_ms;
  }
  return m;
}

}  // namespace edgeq::bench
