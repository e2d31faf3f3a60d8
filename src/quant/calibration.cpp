#include "edgeq/quant/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "edgeq/core/error.hpp"
#include "edgeq/quant/fixed_point.hpp"

namespace edgeq::quant {

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::MinMax;
  if (name == "percentile") return CalibrationMethod::Percentile;
  if (name == "entropy") return CalibrationMethod::Entropy;
  if (name == "mse") return CalibrationMethod::Mse;
  throw_input("unknown calibration method '{}' (minmax, percentile, entropy, mse)", name);
}

std::string calibration_method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::MinMax:
      return "minmax";
    case CalibrationMethod::Percentile:
      return "percentile";
    case CalibrationMethod::Entropy:
      return "entropy";
    case CalibrationMethod::Mse:
      return "mse";
  }
  return "?";
}

void RangeObserver::observe_range(std::span<const float> values) {
  for (float v : values) {
    if (!std::isfinite(v)) throw_input("calibration saw a non-finite activation value");
    if (!seen_) min_ = max_ = v, seen_ = true;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  count_ += static_cast<std::int64_t>(values.size());
}

void RangeObserver::observe_histogram(std::span<const float> values, int bins) {
  if (hist_.empty()) hist_.assign(static_cast<std::size_t>(bins), 0.0);
  const double width = (static_cast<double>(max_) - min_) / bins;
  for (float v : values) {
    const double pos = width > 0 ? (v - min_) / width : 0.0;
    const auto b = static_cast<std::size_t>(std::clamp(pos, 0.0, static_cast<double>(bins - 1)));
    hist_[b] += 1.0;
  }
}

namespace {
struct Window {
  std::size_t begin, end;  ///< bins [begin, end)
};

/// Windows shrunk proportionally around the zero bin, k bins wide (k from min_bins to all).
std::vector<Window> shrinking_windows(std::size_t bins, std::size_t zero_bin, std::size_t min_bins) {
  std::vector<Window> w;
  for (std::size_t k = std::max<std::size_t>(min_bins, 1); k <= bins;
       k += std::max<std::size_t>(bins / 256, 1)) {
    const double f = static_cast<double>(k) / static_cast<double>(bins);
    const auto begin = static_cast<std::size_t>(std::llround(static_cast<double>(zero_bin) * (1.0 - f)));
    const auto end = std::min(bins, begin + k);
    w.push_back({begin, end});
  }
  if (w.empty() || w.back().end - w.back().begin != bins) w.push_back({0, bins});
  return w;
}

double kl_divergence(const std::vector<double>& hist, Window win, std::int64_t levels) {
  const std::size_t n = win.end - win.begin;
  std::vector<double> p(hist.begin() + static_cast<std::ptrdiff_t>(win.begin),
                        hist.begin() + static_cast<std::ptrdiff_t>(win.end));
  const std::vector<double> sliced = p;
  for (std::size_t b = 0; b < win.begin; ++b) p.front() += hist[b];
  for (std::size_t b = win.end; b < hist.size(); ++b) p.back() += hist[b];
  // Q: the sliced histogram merged into `levels` groups, each group's mass spread over its non-empty bins.
  std::vector<double> q(n, 0.0);
  const double per = static_cast<double>(n) / static_cast<double>(levels);
  for (std::int64_t l = 0; l < levels; ++l) {
    const auto lo = static_cast<std::size_t>(std::floor(static_cast<double>(l) * per));
    const auto hi = std::min(n, static_cast<std::size_t>(std::floor(static_cast<double>(l + 1) * per)));
    double total = 0;
    std::size_t nonzero = 0;
    for (std::size_t b = lo; b < hi; ++b) total += sliced[b], nonzero += sliced[b] > 0;
    for (std::size_t b = lo; b < hi && nonzero; ++b)
      if (sliced[b] > 0) q[b] = total / static_cast<double>(nonzero);
  }
  double ps = 0, qs = 0;
  for (std::size_t b = 0; b < n; ++b) ps += p[b], qs += q[b];
  if (ps <= 0 || qs <= 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (std::size_t b = 0; b < n; ++b) {
    if (p[b] <= 0) continue;
    const double pp = p[b] / ps, qq = std::max(q[b] / qs, 1e-12);  // outlier-only bins: smoothed
    kl += pp * std::log(pp / qq);
  }
  return kl;
}

/// Expected squared error of quantising the histogram's bin centres with the range of `win`.
double quantisation_mse(const std::vector<double>& hist, double min, double width, Window win,
                        std::int64_t levels) {
  const auto lo = static_cast<float>(min + width * static_cast<double>(win.begin));
  const auto hi = static_cast<float>(min + width * static_cast<double>(win.end));
  const auto qmax = static_cast<std::int32_t>(levels - 1);
  const QuantParams p = choose_asymmetric(lo, hi, 0, qmax);
  double err = 0;
  for (std::size_t b = 0; b < hist.size(); ++b) {
    if (hist[b] <= 0) continue;
    const auto c = static_cast<float>(min + width * (static_cast<double>(b) + 0.5));
    const double d = c - dequantize(quantize(c, p, 0, qmax), p);
    err += hist[b] * d * d;
  }
  return err;
}
}  // namespace

std::pair<float, float> choose_range(const RangeObserver& obs, const CalibrationOptions& o,
                                     std::int64_t levels) {
  if (obs.count() == 0) throw_input("calibration: a tensor was never observed");
  const float mn = std::min(obs.min(), 0.0f), mx = std::max(obs.max(), 0.0f);
  if (o.method == CalibrationMethod::MinMax || mx == mn) return {mn, mx};
  const auto& hist = obs.histogram();
  if (hist.empty()) throw_internal("calibration: histogram pass missing");
  const std::size_t bins = hist.size();
  const double width = (static_cast<double>(obs.max()) - obs.min()) / static_cast<double>(bins);
  auto bin_edge = [&](std::size_t b) {
    return static_cast<float>(obs.min() + width * static_cast<double>(b));
  };
  if (o.method == CalibrationMethod::Percentile) {
    if (!(o.percentile > 50.0 && o.percentile <= 100.0))
      throw_input("percentile must be in (50, 100], got {}", o.percentile);
    double total = 0;
    for (double h : hist) total += h;
    const double tail = total * (100.0 - o.percentile) / 100.0;
    std::size_t lo_bin = 0, hi_bin = bins;
    for (double acc = 0; lo_bin < bins && acc + hist[lo_bin] <= tail; ++lo_bin) acc += hist[lo_bin];
    for (double acc = 0; hi_bin > lo_bin + 1 && acc + hist[hi_bin - 1] <= tail; --hi_bin)
      acc += hist[hi_bin - 1];
    const float lo = obs.min() >= 0 ? obs.min() : bin_edge(lo_bin);
    return {std::min(lo, 0.0f), std::max(bin_edge(hi_bin), 0.0f)};
  }
  if (o.method == CalibrationMethod::Entropy && levels > static_cast<std::int64_t>(bins))
    throw_input(
        "entropy calibration needs at least as many histogram bins ({}) as codes ({}); use minmax, "
        "percentile or mse for 16-bit activations",
        bins, levels);
  const auto zero_bin = static_cast<std::size_t>(std::clamp((0.0 - obs.min()) / width, 0.0, double(bins)));
  const auto windows = shrinking_windows(
      bins, zero_bin, o.method == CalibrationMethod::Entropy ? static_cast<std::size_t>(levels) : 8);
  Window best = windows.back();
  double best_cost = std::numeric_limits<double>::infinity();
  for (const auto& w : windows) {
    const double cost = o.method == CalibrationMethod::Entropy
                            ? kl_divergence(hist, w, levels)
                            : quantisation_mse(hist, obs.min(), width, w, levels);
    if (cost < best_cost) best_cost = cost, best = w;
  }
  return {std::min(bin_edge(best.begin), 0.0f), std::max(bin_edge(best.end), 0.0f)};
}

}  // namespace edgeq::quant
