#include "edgeq/cli/model_source.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <yaml-cpp/yaml.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edgeq/core/error.hpp"
#include "edgeq/data/keras_weights.hpp"
#include "edgeq/graph/keras_import.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq::cli {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A Keras model: ARCH.json with its weights in ARCH_weights.h5 or ARCH.h5 (the hls4ml example convention),
/// or a whole-model .h5. QKeras quantisers become QONNX Quant nodes.
graph::Graph load_keras(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::string json;
  data::KerasH5 h5;
  if (path.extension() == ".json") {
    std::ifstream in(path);
    if (!in) throw_input("cannot read {}", path.string());
    std::stringstream text;
    text << in.rdbuf();
    json = text.str();
    const fs::path stem = path.parent_path() / path.stem();
    const fs::path candidates[] = {fs::path(stem.string() + "_weights.h5"), fs::path(stem.string() + ".h5")};
    std::error_code ec;
    const auto it = std::find_if(std::begin(candidates), std::end(candidates),
                                 [&](const fs::path& p) { return fs::is_regular_file(p, ec); });
    if (it == std::end(candidates))
      throw_input("{}: no weights file next to it (looked for {} and {})", path.string(),
                  candidates[0].string(), candidates[1].string());
    h5 = data::read_keras_h5(*it);
  } else {
    h5 = data::read_keras_h5(path);
    if (h5.model_config.empty())
      throw_input("{}: a weights-only Keras file; give the architecture JSON (its weights next to it)",
                  path.string());
    json = h5.model_config;
  }
  graph::Graph g = graph::keras_to_graph(json, h5.layers, path.string());
  auto it = g.metadata.find(graph::kKerasQuantisersKey);
  if (it == g.metadata.end()) return g;
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "LayerName" << YAML::Value << YAML::BeginMap;
  const auto quantisers = nlohmann::json::parse(it->second);
  for (const auto& [layer, vars] : quantisers.items()) {
    e << YAML::Key << layer << YAML::Value << YAML::BeginMap << YAML::Key << "Precision" << YAML::Value
      << YAML::BeginMap;
    for (const auto& [var, text] : vars.items())
      e << YAML::Key << var << YAML::Value << YAML::DoubleQuoted << text.get<std::string>();
    e << YAML::EndMap << YAML::EndMap;
  }
  e << YAML::EndMap << YAML::EndMap;
  quant::insert_fake_quant(g,
                           quant::LayerQuantConfig::parse(e.c_str(), path.string() + " (QKeras quantisers)"));
  return g;
}
}  // namespace

core::Shape parse_shape(const std::string& text) {
  core::Shape s;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('x', start), text.size());
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data() + start, text.data() + end, v);
    if (ec != std::errc() || p != text.data() + end || v <= 0)
      throw_input("invalid shape '{}' (expected e.g. 3x200x200)", text);
    s.push_back(v);
    start = end + 1;
  }
  return s;
}

graph::Graph load_model(const std::string& model, const std::string& input_shape, int classes,
                        std::uint64_t seed) {
  if (zoo::has_model(model)) {
    if (classes < 1) throw_input("--classes must be at least 1");
    zoo::ZooOptions opt;
    if (!input_shape.empty()) opt.input = parse_shape(input_shape);
    opt.classes = classes;
    opt.seed = seed;
    return zoo::build(model, opt);
  }
  if (ends_with(model, ".onnx")) return graph::load_onnx(model);
  if (ends_with(model, ".json") || ends_with(model, ".h5") || ends_with(model, ".hdf5"))
    return load_keras(model);
  std::error_code ec;
  if (std::filesystem::is_regular_file(model, ec)) return graph::load_onnx(model);
  std::string names;
  for (const auto& n : zoo::model_names()) names += (names.empty() ? "" : ", ") + n;
  throw_input("'{}' is neither an ONNX or Keras (.json, .h5) file nor a zoo model ({})", model, names);
}

}  // namespace edgeq::cli
