// Model zoo: builders of the standard architectures with Keras-application topology (any input size and class
// count; parameter counts equal keras.applications at their default sizes) and edgeq's compact networks.
//   resnet50v2, densenet169, inceptionv3, mobilenetv2   Keras applications (include_top, softmax head)
//   nunet_s, nunet_m                                   compact LArTPC CNNs (docs/zoo.md)
//   jet_mlp                                            hls4ml jet tagger 16-64-32-32-5
// Weights are seeded random (He normal for convolutions, Glorot uniform for dense layers, identity
// BatchNorm).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::zoo {

struct ZooOptions {
  core::Shape input;  ///< C x H x W for CNNs, features for jet_mlp; empty = model default (3x200x200, 16)
  int classes = 3;
  std::uint64_t seed = 1;
};

bool has_model(const std::string& name);
std::vector<std::string> model_names();
/// Builds a model with batch dimension -1; throws Error(BadInput) for an unknown name or unusable input size.
graph::Graph build(const std::string& name, const ZooOptions& options = {});

}  // namespace edgeq::zoo
