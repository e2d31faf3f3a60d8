// Calibration of the Edge TPU latency model on published latencies.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "edgeq/core/error.hpp"
#include "edgeq/targets/edgetpu.hpp"

namespace edgeq::targets {

const std::vector<EdgeTpuCalibrationPoint>& edgetpu_calibration_points() {
  // ../shared/reference/quantisation-and-hardware.md, "Published latencies": Coral's table (desktop CPU +
  // USB 3 Edge TPU; its models have 1001 classes where TF-slim trained them) and arXiv:2603.24607.
  static const std::vector<EdgeTpuCalibrationPoint> points{
      {"MobileNet v1 224", "mobilenet", {3, 224, 224}, 1001, 2.4, "Coral Edge TPU performance benchmarks"},
      {"Inception v1 224", "inceptionv1", {3, 224, 224}, 1001, 3.4, "Coral Edge TPU performance benchmarks"},
      {"ResNet-50 V1 299", "resnet50", {3, 299, 299}, 1000, 49, "Coral Edge TPU performance benchmarks"},
      {"ResNet-152 V2 299", "resnet152v2", {3, 299, 299}, 1000, 128, "Coral Edge TPU performance benchmarks"},
      {"Inception v4 299", "inceptionv4", {3, 299, 299}, 1001, 85, "Coral Edge TPU performance benchmarks"},
      {"ResNet-50 V2 200 (3 classes)",
       "resnet50v2",
       {3, 200, 200},
       3,
       42.41,
       "arXiv:2603.24607 (Edge TPU column)"},
      {"DenseNet-169 200 (3 classes)",
       "densenet169",
       {3, 200, 200},
       3,
       23.67,
       "arXiv:2603.24607 (Edge TPU column)"},
  };
  return points;
}

EdgeTpuFit evaluate_edgetpu_fit(const std::vector<EdgeTpuAnalysis>& analyses,
                                const std::vector<double>& published_ms, const EdgeTpuModelParams& params) {
  if (analyses.size() != published_ms.size() || analyses.empty())
    throw_internal("edgetpu fit: {} analyses for {} latencies", analyses.size(), published_ms.size());
  EdgeTpuFit f;
  f.params = params;
  double sq = 0;
  for (std::size_t i = 0; i < analyses.size(); ++i) {
    const double ms = model_edgetpu_latency(analyses[i], params).total_s * 1e3;
    f.predicted_ms.push_back(ms);
    f.max_relative_error = std::max(f.max_relative_error, std::abs(ms / published_ms[i] - 1));
    sq += std::pow(std::log(ms / published_ms[i]), 2);
  }
  f.rms_log_error = std::sqrt(sq / static_cast<double>(analyses.size()));
  return f;
}

namespace {
constexpr std::size_t kFree = 3;
using Point = std::array<double, kFree>;

EdgeTpuModelParams with(const EdgeTpuModelParams& base, const Point& logs) {
  EdgeTpuModelParams p = base;
  p.link_bytes_per_s = std::exp(logs[0]);
  p.depthwise_efficiency = std::min(1.0, std::exp(logs[1]));
  p.op_overhead_s = std::exp(logs[2]);
  return p;
}
}  // namespace

EdgeTpuFit fit_edgetpu_model(const std::vector<EdgeTpuAnalysis>& analyses,
                             const std::vector<double>& published_ms, const EdgeTpuModelParams& start) {
  const auto cost = [&](const Point& x) {
    return evaluate_edgetpu_fit(analyses, published_ms, with(start, x)).rms_log_error;
  };
  // Nelder-Mead (reflection 1, expansion 2, contraction 0.5, shrink 0.5) from the starting parameters.
  std::array<Point, kFree + 1> simplex;
  simplex[0] = {std::log(start.link_bytes_per_s), std::log(start.depthwise_efficiency),
                std::log(std::max(start.op_overhead_s, 1e-7))};
  for (std::size_t i = 1; i <= kFree; ++i) {
    simplex[i] = simplex[0];
    simplex[i][i - 1] += 0.5;
  }
  std::array<double, kFree + 1> f{};
  for (std::size_t i = 0; i <= kFree; ++i) f[i] = cost(simplex[i]);
  int evaluations = static_cast<int>(kFree + 1);
  for (int iter = 0; iter < 2000; ++iter) {
    std::array<std::size_t, kFree + 1> order{};
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return f[a] < f[b]; });
    const std::size_t best = order.front(), worst = order.back(), second = order[kFree - 1];
    if (f[worst] - f[best] < 1e-10) break;
    Point centroid{};
    for (std::size_t i = 0; i < kFree; ++i)
      for (std::size_t k = 0; k < kFree; ++k)
        centroid[k] += simplex[order[i]][k] / static_cast<double>(kFree);
    auto along = [&](double t) {
      Point p{};
      for (std::size_t k = 0; k < kFree; ++k) p[k] = centroid[k] + t * (simplex[worst][k] - centroid[k]);
      return p;
    };
    const Point reflected = along(-1);
    const double fr = cost(reflected);
    ++evaluations;
    if (fr < f[best]) {
      const Point expanded = along(-2);
      const double fe = cost(expanded);
      ++evaluations;
      simplex[worst] = fe < fr ? expanded : reflected;
      f[worst] = std::min(fe, fr);
    } else if (fr < f[second]) {
      simplex[worst] = reflected;
      f[worst] = fr;
    } else {
      const Point contracted = along(0.5);
      const double fc = cost(contracted);
      ++evaluations;
      if (fc < f[worst]) {
        simplex[worst] = contracted;
        f[worst] = fc;
      } else {
        for (std::size_t i = 0; i <= kFree; ++i) {
          if (i == best) continue;
          for (std::size_t k = 0; k < kFree; ++k)
            simplex[i][k] = simplex[best][k] + 0.5 * (simplex[i][k] - simplex[best][k]);
          f[i] = cost(simplex[i]);
          ++evaluations;
        }
      }
    }
  }
  const auto best = static_cast<std::size_t>(std::min_element(f.begin(), f.end()) - f.begin());
  EdgeTpuFit fit = evaluate_edgetpu_fit(analyses, published_ms, with(start, simplex[best]));
  fit.evaluations = evaluations;
  return fit;
}

}  // namespace edgeq::targets
