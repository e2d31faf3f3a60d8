// Latency of edgeq's float32 runtime on one ONNX model: warm-up, then timed runs of batch-1 (or --batch)
// inference on seeded random input. Prints JSON {median_ms, p90_ms, min_ms, runs, kernels}.
// bench/runtime_fp32.py runs it next to ONNX Runtime on the same files and prints the ratio.
//   bench_runtime_fp32 MODEL.onnx [--threads 2] [--runs 30] [--batch 1] [--reference]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/runtime/executor.hpp"

using namespace edgeq;

int main(int argc, char** argv) try {
  if (argc < 2) {
    fmt::print(stderr,
               "usage: bench_runtime_fp32 MODEL.onnx [--threads N] [--runs N] [--batch N] [--reference]\n");
    return 2;
  }
  std::size_t threads = 2, runs = 30;
  std::int64_t batch = 1;
  bool reference = false;
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
    else
      throw_input("unknown argument '{}'", a);
  }
  graph::Graph g = graph::load_onnx(argv[1]);
  core::Shape shape = g.info(g.inputs.at(0)).shape;
  if (!shape.empty() && shape[0] < 0) shape[0] = batch;
  core::Tensor x(core::DType::F32, shape);
  core::CounterRng rng(1, 0, 0);
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform());
  runtime::Executor ex(std::move(g),
                       {threads, reference ? runtime::Backend::Reference : runtime::Backend::Auto});
  for (int i = 0; i < 3; ++i) ex.run({x});  // warm-up: prepare, primitive creation, caches
  std::vector<double> ms;
  for (std::size_t i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ex.run({x});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
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
