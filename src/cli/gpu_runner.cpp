#include "edgeq/cli/gpu_runner.hpp"

#ifdef EDGEQ_WITH_TORCH
#include <ATen/Context.h>
#include <torch/cuda.h>

#include <memory>

#include "edgeq/train/torch_model.hpp"
#endif

namespace edgeq::cli {

#ifdef EDGEQ_WITH_TORCH
std::string gpu_unavailable_reason() {
  if (!at::hasCUDA()) return "this build's LibTorch has no CUDA support (Debian's libtorch is CPU-only)";
  if (!torch::cuda::is_available()) return "no CUDA device visible";
  return "";
}

bench::ExternalRunner gpu_runner() {
  return [](const graph::Graph& model, std::size_t batch) -> std::function<void()> {
    auto torch_model =
        std::make_shared<train::TorchModel>(model, train::TorchModelOptions{at::Device(at::kCUDA, 0)});
    auto input = std::make_shared<at::Tensor>(
        train::to_aten(bench::random_input(model, batch, 1)).to(at::Device(at::kCUDA, 0)));
    return [torch_model, input] {
      at::NoGradGuard no_grad;
      torch_model->forward({*input});
      torch::cuda::synchronize();
    };
  };
}
#else
std::string gpu_unavailable_reason() {
  return "edgeq built without LibTorch (-DEDGEQ_WITH_TORCH=OFF): no GPU backend";
}
bench::ExternalRunner gpu_runner() {
  return {};
}
#endif

}  // namespace edgeq::cli
