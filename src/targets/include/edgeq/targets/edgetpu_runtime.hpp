// Measuring on a real Edge TPU when one is attached: libedgetpu (Coral's delegate) and the LiteRT / TFLite C
// library are loaded at run time (dlopen), edgetpu_compiler compiles edgeq's .tflite export, and the
// interpreter with the Edge TPU delegate runs it. None of this is a build dependency; without it the
// `edgetpu` target is modelled (edgetpu.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace edgeq::targets {

/// Why no Edge TPU can be measured on this machine: the first of "libedgetpu.so.1 not loadable",
/// "libtensorflowlite_c.so not loadable", "no Edge TPU device attached", "edgetpu_compiler not on PATH"
/// that applies; "" when everything is present.
std::string edgetpu_runtime_unavailable();

/// An interpreter on the Edge TPU for one compiled model.
class EdgeTpuRunner {
 public:
  /// Compiles `tflite` (edgeq's export) with edgetpu_compiler in a temporary folder and loads it with the
  /// Edge TPU delegate. Throws Error(BadInput) with the compiler's or runtime's message if that fails.
  static std::unique_ptr<EdgeTpuRunner> open(const std::vector<std::uint8_t>& tflite);
  ~EdgeTpuRunner();
  EdgeTpuRunner(const EdgeTpuRunner&) = delete;
  EdgeTpuRunner& operator=(const EdgeTpuRunner&) = delete;
  /// One inference on the (fixed, seeded) input.
  void invoke();
  std::string device() const { return device_; }

 private:
  EdgeTpuRunner() = default;
  struct Api;
  std::unique_ptr<Api> api_;
  void *model_ = nullptr, *options_ = nullptr, *interpreter_ = nullptr, *delegate_ = nullptr;
  int (*invoke_)(void*) = nullptr;
  std::vector<std::uint8_t> compiled_;
  std::string device_;
};

}  // namespace edgeq::targets
