// Post-training quantisation of a float graph into a QDQ graph (the file format `edgeq quantize` writes and
// ONNX Runtime runs). Schemes (TFLite's post-training modes,
// ../shared/reference/quantisation-and-hardware.md):
//   fp16     Conv/Gemm weights and biases stored as float16, Cast to float32 at load; float compute and I/O.
//   dynamic  int8 per-channel weights; Conv/Gemm inputs quantised on the fly per tensor (ONNX
//            DynamicQuantizeLinear, uint8); float outputs.
//   int8     int8 symmetric weights ([-127, 127], per channel by default), int8 asymmetric activations, int32
//            biases with scale s_x s_w; float I/O (Q at the input, DQ before float-only ops such as Softmax).
//   uint8    uint8 asymmetric per-tensor weights and activations (legacy TFLite / early Edge TPU convention).
//   int16x8  int16 symmetric activations (zero point 0), int8 symmetric weights, int32 biases.
// Quantised activations: inputs and outputs of Conv, Gemm, Add, AveragePool, GlobalAveragePool, after a Relu
// or Clip that is their only reader; MaxPool, Concat, Pad and reshaping ops share one set of parameters
// across their inputs and output (TFLite's constraint, which makes Concat a plain copy).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/calibration.hpp"

namespace edgeq::quant {

enum class Scheme { Fp16, Dynamic, Int8, Uint8, Int16x8 };
Scheme parse_scheme(
    const std::string& name);  ///< fp16, dynamic, int8, uint8, int16x8; throws Error(BadInput)
std::string scheme_name(Scheme s);
/// Whether the scheme has static activation parameters (needs a calibration set).
bool needs_calibration(Scheme s);

struct QuantizeOptions {
  Scheme scheme = Scheme::Int8;
  bool per_channel = true;  ///< int8 / int16x8 weights; uint8 is always per tensor
  /// int8 / int16x8 weights with 7-bit precision, stored as even codes in [-126, 126] (ONNX Runtime's
  /// reduce_range): what oneDNN's int8 kernels compute exactly on CPUs without VNNI, so the fast path
  /// applies.
  bool reduce_range = false;
  CalibrationOptions calibration;
  std::set<std::string> exclude;  ///< node names kept in float32
  /// Empirical bias correction (Nagel et al., "Data-free quantization", ICCV 2019, sec. 4.2): the per-channel
  /// mean difference between the float and the quantised model's Conv/Gemm outputs on the calibration set is
  /// added to the biases (ptq::quantize_model measures it). Integer schemes, Conv/Gemm with a bias.
  bool bias_correction = true;
};

/// Per output channel shifts added to the float biases before they are quantised, by node name.
using BiasCorrections = std::map<std::string, std::vector<double>>;

/// Throws Error(BadInput) if `graph` already holds quantisation nodes (QDQ, QONNX Quant, float16 weights).
void check_not_quantised(const graph::Graph& graph);

/// Float rewrites every scheme starts from: BatchNorm folded into Conv/Gemm, remaining BatchNorms as
/// depthwise 1x1 Convs, zero Pads into Convs. The caller folds constants first (runtime::fold_constants).
void prepare_for_quantisation(graph::Graph& graph);

/// Activation tensors to calibrate, in groups that share parameters.
struct QuantisationPlan {
  std::vector<std::string> tensors;  ///< values to observe (graph inputs or node outputs)
  std::vector<std::size_t> group;    ///< group index of each tensor
  std::size_t groups = 0;
  std::vector<std::string> quantised_nodes;  ///< Conv/Gemm/Add/pool nodes that get integer inputs and outputs
};
QuantisationPlan plan_quantisation(const graph::Graph& prepared, const QuantizeOptions& options);

/// The QDQ graph. `ranges[i]` is the calibrated [lo, hi] of plan.tensors[i] (ignored for fp16 and dynamic).
/// Metadata key edgeq.quantisation gets a JSON description (scheme, calibration, per-channel, excluded).
/// `corrections`: bias shifts per node (may be empty).
graph::Graph build_quantised_graph(const graph::Graph& prepared, const QuantisationPlan& plan,
                                   const std::vector<std::pair<float, float>>& ranges,
                                   const QuantizeOptions& options, const BiasCorrections& corrections = {});

}  // namespace edgeq::quant
