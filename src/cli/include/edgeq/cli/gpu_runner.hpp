// The GPU latency source for `edgeq bench --target gpu`: the model run by LibTorch on CUDA (float32;
// quantised models in float emulation), synchronised after every call. Available only in builds with a
// CUDA-enabled LibTorch on a machine with a visible GPU; otherwise gpu_unavailable_reason() says why.
#pragma once

#include <string>

#include "edgeq/bench/harness.hpp"

namespace edgeq::cli {

/// Empty when a CUDA device can be used.
std::string gpu_unavailable_reason();
/// A runner for bench::bench_model (call only when gpu_unavailable_reason() is empty).
bench::ExternalRunner gpu_runner();

}  // namespace edgeq::cli
