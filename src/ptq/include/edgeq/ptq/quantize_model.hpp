// Post-training quantisation driver: calibrates a float model on a representative event file with the runtime
// and writes the QDQ graph (quant/ptq.hpp). Also the per-layer sensitivity report (accuracy when only one
// layer is quantised) that tells users which layers to keep in float (--exclude).
#pragma once

#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/ptq.hpp"

namespace edgeq::ptq {

struct CalibrationSet {
  std::string path;           ///< HDF5 event file (images as the model's input)
  std::size_t samples = 500;  ///< the first N events; at least kMinCalibrationSamples
  std::size_t batch = 16;
  std::size_t threads = 1;
};
inline constexpr std::size_t kMinCalibrationSamples = 10;
/// Events used by the layer-by-layer bias correction (one run over them per Conv/Gemm).
inline constexpr std::size_t kBiasCorrectionEvents = 128;

/// The QDQ model. `calibration` is required for int8, uint8 and int16x8 (Error(BadInput) if missing, if the
/// file has fewer events than asked, if its images do not match the model input, or if the model is already
/// quantised). The model's input normalisation (metadata) is applied to the calibration images.
graph::Graph quantize_model(const graph::Graph& fp32, const quant::QuantizeOptions& options,
                            const CalibrationSet* calibration);

struct LayerSensitivity {
  std::string node;
  double accuracy = 0;  ///< with only this node's inputs and output quantised
};
/// Accuracy on `eval_path` (first eval_events events) when each quantised node alone is quantised;
/// calibration as for quantize_model, done once.
std::vector<LayerSensitivity> layer_sensitivity(const graph::Graph& fp32,
                                                const quant::QuantizeOptions& options,
                                                const CalibrationSet& calibration,
                                                const std::string& eval_path, std::size_t eval_events,
                                                double* float_accuracy);

}  // namespace edgeq::ptq
