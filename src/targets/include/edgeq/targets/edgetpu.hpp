// Edge TPU compatibility analysis of a TFLite model, in the manner of the Edge TPU compiler's log, and the
// latency / energy model of the `edgetpu` target. Facts (../shared/reference/quantisation-and-hardware.md):
// only fully 8-bit quantised models with static shapes run on the TPU; the compiler maps operators to the
// TPU up to the first one it cannot map, which and everything after it run on the host CPU; tensors may have
// at most 3 dimensions larger than 1; ~7.6 MiB of on-chip memory caches parameters, the rest is streamed
// from the host at every inference over USB 2 / USB 3 / PCIe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgeq/graph/ir.hpp"
#include "edgeq/targets/tflite_model.hpp"

namespace edgeq::targets {

/// Operators the Edge TPU maps (8-bit): Conv2D, DepthwiseConv2D, FullyConnected, Add, Mul, AveragePool2D,
/// MaxPool2D, Concatenation, Reshape, Pad, Mean, Logistic, Softmax, ReLU/ReLU6, ResizeBilinear, Quantize
/// (the reference's list; Squeeze, Dequantize of the output and float ops are not mapped).
bool edgetpu_supports(const std::string& op);

struct EdgeTpuOp {
  int index = 0;
  std::string op;
  bool on_tpu = false;
  std::string reason;  ///< why it runs on the CPU (empty on the TPU)
  std::int64_t macs = 0;
  std::size_t parameter_bytes = 0;
  bool parameters_cached = true;  ///< on-chip (false: streamed at every inference)
  // Matrix view of the operator for the systolic-array model: M x K times K x N (0 if not a matmul).
  std::int64_t rows = 0, depth = 0, cols = 0;  ///< M (output pixels), K (reduction), N (output channels)
  bool depthwise = false;
  std::int64_t output_elements = 0;
};

struct EdgeTpuAnalysis {
  std::vector<EdgeTpuOp> ops;
  std::size_t cache_bytes = 0;       ///< on-chip parameter memory assumed
  std::size_t cached_bytes = 0;      ///< parameters held on chip
  std::size_t streamed_bytes = 0;    ///< parameters streamed per inference
  std::size_t tpu_input_bytes = 0;   ///< bytes sent to the TPU per inference (its input tensors)
  std::size_t tpu_output_bytes = 0;  ///< bytes read back
  int tpu_ops = 0, cpu_ops = 0;
  std::string first_cpu_op;  ///< "" if everything maps
};

/// 7.6 MiB: the usable on-chip parameter memory the compiler reports.
inline constexpr std::size_t kEdgeTpuCacheBytes = static_cast<std::size_t>(7.6 * 1024 * 1024);

/// Maps every operator (TPU or CPU, with the reason) and splits the TPU operators' parameters into cached and
/// streamed (on-chip memory filled in execution order). Dynamic shapes put the whole model on the CPU.
EdgeTpuAnalysis analyse_edgetpu(const TfliteModel& model, std::size_t cache_bytes = kEdgeTpuCacheBytes);

/// The compiler-style log: operator counts and status per op type, then memory use.
std::string edgetpu_log(const EdgeTpuAnalysis& a, const std::string& model_name);
nlohmann::ordered_json to_json(const EdgeTpuAnalysis& a);

/// Parameters of the latency / energy model (target profile `model:` keys, defaults in configs/targets/
/// edgetpu.yaml). Times in seconds, rates per second.
struct EdgeTpuModelParams {
  double clock_hz = 500e6;                  ///< clock_mhz
  double array_rows = 64, array_cols = 64;  ///< systolic array (4096 MACs/cycle; size not published)
  double tile_fill_cycles = 64;             ///< cycles to load a weight tile and fill the pipeline
  double vector_bytes_per_cycle = 64;       ///< element-wise / pooling / data movement throughput
  double depthwise_efficiency = 0.25;       ///< share of the array a depthwise convolution keeps busy
  double link_bytes_per_s = 320e6;          ///< host link (USB 3 effective); USB 2 ~1/3 of it
  double op_overhead_s = 20e-6;             ///< per TPU operator (instruction issue, synchronisation)
  double inference_overhead_s = 300e-6;     ///< per inference (runtime call, USB round trip)
  double host_macs_per_s = 20e9;            ///< CPU fallback operators (int8 matmuls on the host)
  double host_bytes_per_s = 2e9;            ///< CPU fallback element-wise operators
  std::size_t cache_bytes = kEdgeTpuCacheBytes;
  /// Reads the keys of a profile's `model:` map (unknown keys: Error(BadInput) naming them).
  static EdgeTpuModelParams from_map(const std::map<std::string, double>& model);
};

struct EdgeTpuLatency {
  double total_s = 0;
  double compute_s = 0;      ///< TPU operators (array + vector + per-op overhead)
  double streaming_s = 0;    ///< uncached parameters over the link
  double io_s = 0;           ///< input and output tensors over the link
  double cpu_s = 0;          ///< CPU fallback operators
  double overhead_s = 0;     ///< per inference
  std::vector<double> op_s;  ///< per operator (index as analysis.ops), compute or CPU time
};

EdgeTpuLatency model_edgetpu_latency(const EdgeTpuAnalysis& a, const EdgeTpuModelParams& p);

}  // namespace edgeq::targets

namespace edgeq::targets {

/// Whether `model` has static activation quantisation (ONNX QuantizeLinear nodes): only such a model can have
/// an int8 TFLite form of its own.
bool has_static_quantisation(const graph::Graph& model);

/// The int8 QDQ form of a float model with placeholder ranges [-1, 1] for every activation (no calibration):
/// right in shapes, operators and parameter sizes, not meant to be run.
graph::Graph placeholder_int8(const graph::Graph& fp32);

/// The TFLite form of a model for the Edge TPU analysis: a QDQ int8/uint8 model is exported as is; a float
/// model is given int8 quantisation with placeholder ranges first (its shapes, operators and parameter
/// sizes are those of its int8 export; no calibration needed, the numbers are not meant to be run).
/// `placeholder` (optional) tells which. Error(BadInput) as tflite_flatbuffer.
TfliteModel edgetpu_tflite_of(const graph::Graph& model, bool* placeholder = nullptr);

}  // namespace edgeq::targets

namespace edgeq::targets {

/// A published Edge TPU latency the model is calibrated on (reference document's table: Coral's figures for
/// a desktop CPU with the USB 3 accelerator, and the neutrino study's two models).
struct EdgeTpuCalibrationPoint {
  std::string label;
  std::string zoo_model;            ///< edgeq zoo architecture
  std::vector<std::int64_t> input;  ///< C, H, W
  int classes = 1000;
  double published_ms = 0;
  std::string source;
};
const std::vector<EdgeTpuCalibrationPoint>& edgetpu_calibration_points();

struct EdgeTpuFit {
  EdgeTpuModelParams params;
  std::vector<double> predicted_ms;
  double max_relative_error = 0;  ///< max |predicted / published - 1|
  double rms_log_error = 0;       ///< sqrt(mean(ln(predicted / published)^2)), the minimised objective
  int evaluations = 0;
};

/// Predictions and errors of `params` for the analyses of the calibration points.
EdgeTpuFit evaluate_edgetpu_fit(const std::vector<EdgeTpuAnalysis>& analyses,
                                const std::vector<double>& published_ms, const EdgeTpuModelParams& params);

/// Least squares in log latency (Nelder-Mead over the logarithms of link_mb_per_s, depthwise_efficiency and
/// op_overhead_us; clock, array size, tile fill, per-inference overhead and host rates stay as in `start`:
/// seven points do not pin down more).
EdgeTpuFit fit_edgetpu_model(const std::vector<EdgeTpuAnalysis>& analyses,
                             const std::vector<double>& published_ms, const EdgeTpuModelParams& start);

}  // namespace edgeq::targets
