#include "edgeq/cli/model_source.hpp"

#include <charconv>
#include <filesystem>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq::cli {

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
  if (model.size() > 5 && model.substr(model.size() - 5) == ".onnx") return graph::load_onnx(model);
  std::error_code ec;
  if (std::filesystem::is_regular_file(model, ec)) return graph::load_onnx(model);
  std::string names;
  for (const auto& n : zoo::model_names()) names += (names.empty() ? "" : ", ") + n;
  throw_input("'{}' is neither an ONNX file nor a zoo model ({})", model, names);
}

}  // namespace edgeq::cli
