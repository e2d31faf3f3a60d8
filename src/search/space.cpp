#include "edgeq/search/space.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>

#include "edgeq/core/error.hpp"
#include "edgeq/core/yaml_fields.hpp"
#include "edgeq/quant/layer_config.hpp"
#include "edgeq/quant/number_types.hpp"

namespace edgeq::search {

namespace {
constexpr int kMaxSearchBits = 16;

struct ChoiceList {
  std::vector<std::string> texts;
  std::vector<int> bits;
};

/// Reads a list of quantiser texts, validates each and sorts them by bit width.
ChoiceList read_choices(const YAML::Node& node, const std::string& origin, const std::string& key) {
  ChoiceList out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) throw_input("{}: '{}' must be a list of quantisers", origin, key);
  std::vector<std::pair<int, std::string>> items;
  for (const auto& item : node) {
    const auto text = item.as<std::string>();
    quant::QuantizerSpec q;
    try {
      q = quant::parse_precision(text);
    } catch (const Error& e) {
      throw_input("{}: '{}': {}", origin, key, e.what());
    }
    if (q.kind == quant::QuantizerKind::Po2 || q.kind == quant::QuantizerKind::ReluPo2 ||
        q.stochastic_rounding || q.negative_slope != 0.0f || q.use_01)
      throw_input(
          "{}: '{}': '{}' has no QONNX Quant form (power-of-two, stochastic, leaky and 0/1 quantisers "
          "cannot be trained here)",
          origin, key, text);
    if (q.bits < 1 || q.bits > kMaxSearchBits)
      throw_input("{}: '{}': '{}' has {} bits; searchable quantisers have 1..{}", origin, key, text, q.bits,
                  kMaxSearchBits);
    const int bits = q.kind == quant::QuantizerKind::Binary    ? 1
                     : q.kind == quant::QuantizerKind::Ternary ? 2
                                                               : q.bits;
    items.emplace_back(bits, text);
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [b, t] : items) {
    if (std::find(out.texts.begin(), out.texts.end(), t) != out.texts.end())
      throw_input("{}: '{}' lists '{}' twice", origin, key, t);
    out.bits.push_back(b);
    out.texts.push_back(std::move(t));
  }
  return out;
}

bool has_constant_weight(const graph::Graph& g, const graph::Node& n) {
  return n.inputs.size() >= 2 && g.is_initializer(n.inputs[1]);
}
}  // namespace

std::int64_t SearchSpace::size() const {
  std::int64_t n = 1;
  for (const auto& s : slots) {
    const auto k = static_cast<std::int64_t>(s.choices.size());
    n = n > (std::int64_t{1} << 62) / k ? (std::int64_t{1} << 62) : n * k;
  }
  return n;
}

std::vector<int> SearchSpace::highest() const {
  std::vector<int> c;
  for (const auto& s : slots) c.push_back(static_cast<int>(s.choices.size()) - 1);
  return c;
}

std::vector<int> SearchSpace::lowest() const {
  return std::vector<int>(slots.size(), 0);
}

std::string SearchSpace::to_config_yaml(const std::vector<int>& candidate) const {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_layer;
  std::vector<std::string> order;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (candidate.at(i) < 0) continue;
    const auto& s = slots[i];
    if (!by_layer.count(s.layer)) order.push_back(s.layer);
    by_layer[s.layer].emplace_back(s.variable, s.choices.at(static_cast<std::size_t>(candidate[i])));
  }
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "LayerName" << YAML::Value << YAML::BeginMap;
  for (const auto& layer : order) {
    e << YAML::Key << layer << YAML::Value << YAML::BeginMap << YAML::Key << "Precision" << YAML::Value
      << YAML::BeginMap;
    for (const auto& [var, text] : by_layer[layer])
      e << YAML::Key << var << YAML::Value << YAML::DoubleQuoted << text;
    e << YAML::EndMap << YAML::EndMap;
  }
  e << YAML::EndMap << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

std::string SearchSpace::describe(const std::vector<int>& candidate) const {
  std::string s;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!s.empty()) s += ' ';
    const int c = candidate.at(i);
    s += fmt::format(
        "{}.{}={}", slots[i].layer, slots[i].variable.substr(0, 1),
        c < 0 ? std::string("float") : std::to_string(slots[i].bits[static_cast<std::size_t>(c)]));
  }
  return s;
}

SearchSpace parse_search_space(const std::string& yaml_text, const std::string& origin,
                               const graph::Graph& model) {
  for (const auto& n : model.nodes)
    if (quant::is_quantisation_node(n))
      throw_input("{}: the model already holds quantisation nodes ({}); search starts from a float model",
                  origin, n.describe());
  core::YamlFields f(core::parse_yaml(yaml_text, origin), origin);
  const auto weight = read_choices(f.node("weight"), origin, "weight");
  const auto bias = read_choices(f.node("bias"), origin, "bias");
  const auto result = read_choices(f.node("result"), origin, "result");
  const auto input = read_choices(f.node("input"), origin, "input");
  std::map<std::string, std::map<std::string, ChoiceList>> overrides;
  if (auto layers = f.node("layers"); layers && !layers.IsNull()) {
    if (!layers.IsMap()) throw_input("{}: 'layers' must map layer names to their choices", origin);
    for (const auto& kv : layers) {
      const auto name = kv.first.as<std::string>();
      core::YamlFields lf(kv.second, origin, "layers." + name);
      for (const char* var : {"weight", "bias", "result"})
        if (lf.has(var)) overrides[name][var] = read_choices(lf.node(var), origin, lf.full(var));
      lf.finish();
    }
  }
  SearchSpace space;
  if (auto blocks = f.node("blocks"); blocks && !blocks.IsNull()) {
    if (!blocks.IsSequence()) throw_input("{}: 'blocks' must be a list of layer-name regexes", origin);
    for (const auto& b : blocks) space.blocks.push_back(b.as<std::string>());
  }
  f.finish();

  std::set<std::string> seen;
  const auto add = [&](const std::string& layer, const std::string& var, const ChoiceList& fallback) {
    const ChoiceList* c = &fallback;
    if (auto it = overrides.find(layer); it != overrides.end())
      if (auto jt = it->second.find(var); jt != it->second.end()) c = &jt->second;
    seen.insert(layer);
    if (c->texts.empty()) return;
    space.slots.push_back({layer, var, c->texts, c->bits, 0});
  };
  for (const auto& in : model.inputs) add(in, "result", input);
  for (const auto& n : model.nodes) {
    if ((n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") &&
        has_constant_weight(model, n)) {
      add(n.name, "weight", weight);
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) add(n.name, "bias", bias);
    } else if (n.op_type == "Relu" || n.op_type == "Clip") {
      add(n.name, "result", result);
    }
  }
  for (const auto& [name, vars] : overrides)
    if (!seen.count(name))
      throw_input(
          "{}: layers.{}: no such searchable layer in model '{}' (Conv/Gemm/MatMul, Relu/Clip or the "
          "input)",
          origin, name, model.name);
  if (space.slots.empty())
    throw_input("{}: the search space is empty: give choices under weight, result, bias, input or layers",
                origin);
  std::vector<int> block_of(space.slots.size(), space.blocks.empty() ? 0 : -1);
  for (std::size_t b = 0; b < space.blocks.size(); ++b) {
    std::regex re;
    try {
      re = std::regex(space.blocks[b]);
    } catch (const std::regex_error& e) {
      throw_input("{}: blocks[{}]: '{}' is not a regular expression ({})", origin, b, space.blocks[b],
                  e.what());
    }
    bool any = false;
    for (std::size_t i = 0; i < space.slots.size(); ++i)
      if (block_of[i] < 0 && std::regex_match(space.slots[i].layer, re)) {
        block_of[i] = static_cast<int>(b);
        any = true;
      }
    if (!any)
      throw_input("{}: blocks[{}]: '{}' matches no searchable layer not matched before", origin, b,
                  space.blocks[b]);
  }
  for (std::size_t i = 0; i < space.slots.size(); ++i) {
    if (block_of[i] < 0)
      throw_input("{}: layer '{}' is in no block (each searchable layer must match one of 'blocks')", origin,
                  space.slots[i].layer);
    space.slots[i].block = block_of[i];
  }
  return space;
}

SearchSpace load_search_space(const std::string& path, const graph::Graph& model) {
  std::ifstream in(path);
  if (!in) throw_input("cannot read search space {}", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_search_space(text.str(), path, model);
}

}  // namespace edgeq::search
