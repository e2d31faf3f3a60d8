// The hls4ml jet tagger (16-64-32-32-5) as the zoo builds it, and the hls4ml example precisions for it in
// ../shared, for quantisation, energy and search tests.
#pragma once

#include <filesystem>

#include "edgeq/zoo/zoo.hpp"

namespace edgeq::test {

inline const std::filesystem::path kJetConfig =
    std::filesystem::path(EDGEQ_SHARED_DIR) / "data/hls4ml-example-models/config/qkeras_3layer_config.yml";

inline graph::Graph jet_mlp(std::uint64_t seed = 7) {
  zoo::ZooOptions o;
  o.classes = 5;
  o.seed = seed;
  return zoo::build("jet_mlp", o);
}

}  // namespace edgeq::test
