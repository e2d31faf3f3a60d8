// Training-step throughput of edgeq's LibTorch executor on one ONNX model: Adam, cross-entropy on the logits,
// seeded random images and labels. Prints one JSON line; bench/train_throughput.py runs it next to PyTorch.
// Usage: bench_train_throughput MODEL.onnx BATCH THREADS STEPS [WARMUP]
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/train/torch_model.hpp"

int main(int argc, char** argv) {
  if (argc < 5) {
    fmt::print(stderr, "usage: {} MODEL.onnx BATCH THREADS STEPS [WARMUP]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const auto batch = std::stol(argv[2]);
  const int threads = std::stoi(argv[3]);
  const int steps = std::stoi(argv[4]), warmup = argc > 5 ? std::stoi(argv[5]) : 1;
  at::set_num_threads(threads);
  at::manual_seed(1);
  edgeq::train::TorchModel model(edgeq::graph::load_onnx(path));
  model.set_training(true);
  const auto& in = model.graph().info(model.graph().inputs[0]).shape;
  const auto& out = model.graph().info(model.graph().outputs[0]).shape;
  const at::Tensor x = at::rand({batch, in[1], in[2], in[3]});
  const at::Tensor y = at::randint(out[1], {batch}, at::TensorOptions().dtype(at::kLong));
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(1e-3));
  std::vector<double> seconds;
  for (int i = 0; i < warmup + steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    opt.zero_grad();
    at::cross_entropy_loss(model.logits(x), y).backward();
    opt.step();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (i >= warmup) seconds.push_back(s);
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  fmt::print("{{\"median_step_s\": {:.6f}, \"images_per_s\": {:.3f}, \"batch\": {}, \"threads\": {}}}\n",
             median, static_cast<double>(batch) / median, batch, threads);
  return 0;
}
