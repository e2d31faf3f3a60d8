// hls4ml-style precision and implementation settings of an FPGA design, read from an hls4ml YAML
// configuration (hls4ml docs, "Configuration"):
//   Part: xcvu9p-flga2577-2-e      ClockPeriod: 5        IOType: io_parallel
//   KerasJson / KerasH5 / OnnxModel: the model (relative to the YAML's folder if there, else to the working
//   folder, as hls4ml reads it)
//   HLSConfig:
//     Model:     {Precision: ap_fixed<16,6>, ReuseFactor: 1, Strategy: Latency}
//     LayerType: {Dense: {...}, Softmax: {...}}
//     LayerName: {fc1: {Precision: {weight: ap_fixed<6,1>, bias: ..., result: ..., accum: ...}, ReuseFactor:
//     4}}
// (Model / LayerType / LayerName may also sit at the top level.) A Precision is one type for every variable
// of its level, or a map over weight, bias, result, accum (and scale for BatchNorm). Per variable the most
// specific setting wins: LayerName variable, LayerName default, LayerType variable, LayerType default, Model
// variable, Model default, then hls4ml's default ap_fixed<16,6>. A type is ap_fixed / ap_ufixed / ap_int /
// ap_uint (core/ap_fixed.hpp) or `auto`: accum auto is the exact width (no rounding, no overflow possible for
// the layer's weights and input type); result auto takes its integer bits from the largest magnitude seen on
// calibration inputs and its fractional bits from the Model precision.
// Softmax keys: exp_table_t, inv_table_t (default ap_fixed<18,8>), table_size (default 1024, a power of two),
// implementation (stable, hls4ml's default, or latency). Keys hls4ml uses for other backends or for tracing
// (Trace, BramFactor, ...) are accepted and ignored; anything else is an error naming the key.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgeq/core/ap_fixed.hpp"

namespace edgeq::fpga {

enum class Strategy { Latency, Resource };
enum class SoftmaxImpl { Stable, Latency };

/// A type, or "auto" (type empty).
struct Precision {
  std::optional<core::ApFixed> type;
  bool is_auto = false;
};

/// The settings of one layer after resolving the levels.
struct LayerSettings {
  Precision weight, bias, result, accum, scale;
  core::ApFixed exp_table{18, 8}, inv_table{18, 8};
  int table_size = 1024;
  SoftmaxImpl softmax = SoftmaxImpl::Stable;
  int reuse_factor = 1;
  Strategy strategy = Strategy::Latency;
};

class HlsConfig {
 public:
  /// Reads a YAML file; Error(BadInput) naming the file and key for unreadable YAML, unknown keys, bad types,
  /// ReuseFactor < 1, table sizes that are not powers of two, IOType other than io_parallel.
  static HlsConfig load(const std::string& path);
  static HlsConfig parse(const std::string& yaml_text, const std::string& source = "<text>",
                         const std::string& base_dir = ".");

  /// Settings of layer `name` whose op type is `type` (Keras or ONNX spelling: Dense/Gemm, Softmax, ...).
  LayerSettings for_layer(const std::string& name, const std::string& type) const;
  /// The Model-level default precision (result variable), used by result `auto` for its fractional bits.
  core::ApFixed model_precision() const;
  /// Layer names with their own entry, to check them against the model.
  std::vector<std::string> layer_names() const;

  double clock_ns = 5.0;   ///< ClockPeriod
  std::string part;        ///< Part (e.g. xcvu9p-flga2577-2-e), may be empty
  std::string model_path;  ///< KerasJson / OnnxModel (see above), may be empty
  std::string source;      ///< file name for messages

  struct Level;  ///< one level's partial settings (defined in hls_config.cpp)

 private:
  std::shared_ptr<const Level> model_;
  std::map<std::string, std::shared_ptr<const Level>> by_type_, by_name_;
};

/// Precision of one text: "auto" or an hls4ml type; Error(BadInput) naming `where`.
Precision parse_precision_text(const std::string& text, const std::string& where);

/// Yosys synth_xilinx family for a Xilinx part name (xcvu9p -> xcup, xcku040 -> xcu, xc7a100t -> xc7, xczu ->
/// xcup); empty when the part is not recognised.
std::string xilinx_family(const std::string& part);

}  // namespace edgeq::fpga
