// Keras HDF5 files: the weights file of `model.save_weights("w.h5")` (one group per layer with a
// `weight_names` attribute, datasets at <layer>/<weight name>) or a whole model saved by `model.save("m.h5")`
// (the same under /model_weights, the architecture as JSON in the root attribute `model_config`). Keras 3
// `.keras` zip archives are not HDF5 and are refused. The architecture is turned into a graph by
// graph/keras_import.hpp.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "edgeq/core/tensor.hpp"

namespace edgeq::data {

struct KerasH5 {
  std::string model_config;  ///< the architecture JSON of a whole-model file ("" for a weights-only file)
  /// Per layer, its weights in `weight_names` order: (name without the layer prefix, e.g. "kernel:0",
  /// tensor).
  std::map<std::string, std::vector<std::pair<std::string, core::Tensor>>> layers;
};

/// Reads every layer's weights (as float32) and the model_config attribute. Throws Error(BadInput) naming the
/// file for a file that is not HDF5, has no Keras weight groups, or holds a weight that is not a float array.
KerasH5 read_keras_h5(const std::filesystem::path& path);

}  // namespace edgeq::data
