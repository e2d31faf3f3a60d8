#include "edgeq/zoo/zoo.hpp"

#include "edgeq/core/error.hpp"
#include "models.hpp"

namespace edgeq::zoo {

namespace {
struct ZooEntry {
  const char* name;
  graph::Graph (*build)(const ZooOptions&);
  core::Shape default_input;
  std::int64_t min_size;  ///< smallest spatial size the architecture accepts
};
const std::vector<ZooEntry>& entries() {
  static const std::vector<ZooEntry> e{
      {"resnet50v2", build_resnet50v2, {3, 200, 200}, 32},
      {"densenet169", build_densenet169, {3, 200, 200}, 32},
      {"inceptionv3", build_inceptionv3, {3, 200, 200}, 75},
      {"mobilenetv2", build_mobilenetv2, {3, 200, 200}, 32},
      {"nunet_s", build_nunet_s, {3, 200, 200}, 16},
      {"nunet_m", build_nunet_m, {3, 200, 200}, 16},
      {"jet_mlp", build_jet_mlp, {16}, 1},
      // Architectures of the published Edge TPU latencies (edgetpu model calibration).
      {"mobilenet", build_mobilenet, {3, 224, 224}, 32},
      {"inceptionv1", build_inceptionv1, {3, 224, 224}, 32},
      {"resnet50", build_resnet50, {3, 224, 224}, 32},
      {"resnet152v2", build_resnet152v2, {3, 224, 224}, 32},
      {"inceptionv4", build_inceptionv4, {3, 299, 299}, 75},
  };
  return e;
}
}  // namespace

bool has_model(const std::string& name) {
  for (const auto& e : entries())
    if (name == e.name) return true;
  return false;
}

std::vector<std::string> model_names() {
  std::vector<std::string> v;
  for (const auto& e : entries()) v.emplace_back(e.name);
  return v;
}

graph::Graph build(const std::string& name, const ZooOptions& options) {
  for (const auto& e : entries()) {
    if (name != e.name) continue;
    ZooOptions o = options;
    if (o.input.empty()) o.input = e.default_input;
    if (o.input.size() != e.default_input.size())
      throw_input("{} takes an input of rank {} (e.g. {}), got {}", name, e.default_input.size(),
                  core::shape_str(e.default_input), core::shape_str(o.input));
    if (o.input.size() == 3 && (o.input[1] < e.min_size || o.input[2] < e.min_size))
      throw_input("{} needs an input of at least {}x{} pixels", name, e.min_size, e.min_size);
    if (o.classes < 1) throw_input("classes must be at least 1");
    return e.build(o);
  }
  throw_input("unknown zoo model '{}'", name);
}

}  // namespace edgeq::zoo
