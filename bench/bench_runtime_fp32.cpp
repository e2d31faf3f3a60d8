// Latency of edgeq's float32 runtime on one ONNX model: warm-up, then timed runs of batch-1 (or --batch)
// inference on seeded random input. Prints JSON {median_ms, p90_ms, min_ms, runs, kernels}.
// bench/runtime_fp32.py runs it next to ONNX Runtime on the same files and prints the ratio. --profile adds,
// on stderr, the median time per op type and the 15 slowest nodes (medians over the timed runs).
//   bench_runtime_fp32 MODEL.onnx [--threads 2] [--runs 30] [--batch 1] [--reference] [--profile]
//                      [--profile-nodes N]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

#include "edgeq/bench/harness.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/runtime/executor.hpp"

using namespace edgeq;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

void print_profile(const std::vector<runtime::NodeTime>& nodes, const std::vector<std::vector<double>>& runs,
                   std::size_t top) {
  std::vector<std::pair<double, std::size_t>> by_time;
  std::map<std::string, std::pair<double, int>> by_op;
  double total = 0;
  for (std::size_t i = 0; i < nodes.size() && i < runs.size(); ++i) {
    const double m = median(runs[i]);
    by_time.emplace_back(m, i);
    auto& op = by_op[nodes[i].op_type + " (" + nodes[i].backend + ")"];
    op.first += m;
    ++op.second;
    total += m;
  }
  fmt::print(stderr, "# per op type (sum of node medians {:.3f} ms)\n", total);
  std::vector<std::pair<double, std::string>> ops;
  for (const auto& [name, v] : by_op) ops.emplace_back(v.first, fmt::format("{} x{}", name, v.second));
  std::sort(ops.rbegin(), ops.rend());
  for (const auto& [t, name] : ops) fmt::print(stderr, "{:9.3f} ms  {}\n", t, name);
  std::sort(by_time.rbegin(), by_time.rend());
  fmt::print(stderr, "# slowest nodes\n");
  for (std::size_t k = 0; k < by_time.size() && k < top; ++k) {
    const auto& n = nodes[by_time[k].second];
    fmt::print(stderr, "{:9.3f} ms  {} {} ({})\n", by_time[k].first, n.op_type, n.node, n.backend);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    fmt::print(stderr,
               "usage: bench_runtime_fp32 MODEL.onnx [--threads N] [--runs N] [--batch N] [--reference] "
               "[--profile]\n");
    return 2;
  }
  std::size_t threads = 2, runs = 30;
  std::int64_t batch = 1;
  bool reference = false, profile = false;
  std::size_t top = 15;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc)
      threads = std::stoul(argv[++i]);
    else if (a == "--runs" && i + 1 < argc)
      runs = std::stoul(argv[++i]);
    else if (a == "--batch" && i + 1 < argc)
      batch = std::stol(argv[++i]);
    else if (a == "--reference")
      reference = true;
    else if (a == "--profile")
      profile = true;
    else if (a == "--profile-nodes" && i + 1 < argc)
      top = std::stoul(argv[++i]);
    else
      throw_input("unknown argument '{}'", a);
  }
  graph::Graph g = graph::load_onnx(argv[1]);
  const core::Tensor x = bench::random_input(g, static_cast<std::size_t>(batch), 1);
  runtime::ExecutorOptions options;
  options.threads = threads;
  options.backend = reference ? runtime::Backend::Reference : runtime::Backend::Auto;
  options.profile = profile;
  runtime::Executor ex(std::move(g), options);
  for (int i = 0; i < 3; ++i) ex.run({x});  // warm-up: prepare, primitive creation, caches
  std::vector<double> ms;
  std::vector<std::vector<double>> node_ms;
  for (std::size_t i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ex.run({x});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (profile) {
      const auto times = ex.node_times();
      node_ms.resize(times.size());
      for (std::size_t j = 0; j < times.size(); ++j) node_ms[j].push_back(times[j].ms);
    }
  }
  if (profile) print_profile(ex.node_times(), node_ms, top);
  std::sort(ms.begin(), ms.end());
  std::map<std::string, int> kernels;
  for (const auto& b : ex.kernel_backends()) ++kernels[b];
  std::string k;
  for (const auto& [name, n] : kernels) k += fmt::format("{}\"{}\": {}", k.empty() ? "" : ", ", name, n);
  fmt::print(
      "{{\"median_ms\": {:.3f}, \"p90_ms\": {:.3f}, \"min_ms\": {:.3f}, \"runs\": {}, \"kernels\": "
      "{{{}}}}}\n",
      ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front(), runs, k);
  return 0;
} catch (const Error& e) {
  fmt::print(stderr, "bench_runtime_fp32: {}\n", e.what());
  return e.exit_code();
}
