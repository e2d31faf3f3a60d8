// Builders of the zoo models (internal).
#pragma once

#include "edgeq/zoo/zoo.hpp"

namespace edgeq::zoo {

graph::Graph build_resnet50v2(const ZooOptions& o);
graph::Graph build_densenet169(const ZooOptions& o);
graph::Graph build_inceptionv3(const ZooOptions& o);
graph::Graph build_mobilenetv2(const ZooOptions& o);
graph::Graph build_nunet_s(const ZooOptions& o);
graph::Graph build_nunet_m(const ZooOptions& o);
graph::Graph build_jet_mlp(const ZooOptions& o);
graph::Graph build_resnet152v2(const ZooOptions& o);
graph::Graph build_resnet50(const ZooOptions& o);
graph::Graph build_mobilenet(const ZooOptions& o);
graph::Graph build_inceptionv1(const ZooOptions& o);
graph::Graph build_inceptionv4(const ZooOptions& o);

}  // namespace edgeq::zoo
