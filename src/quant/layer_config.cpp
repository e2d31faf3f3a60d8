#include "edgeq/quant/layer_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "edgeq/core/error.hpp"

namespace edgeq::quant {

namespace {

/// One name per op kind: Keras / QKeras layer classes and ONNX op types meet here.
std::string canonical_type(const std::string& t) {
  static const std::map<std::string, std::string> alias = {
      {"Dense", "Gemm"},
      {"QDense", "Gemm"},
      {"MatMul", "Gemm"},
      {"Conv2D", "Conv"},
      {"QConv2D", "Conv"},
      {"DepthwiseConv2D", "Conv"},
      {"QDepthwiseConv2D", "Conv"},
      {"Conv1D", "Conv"},
      {"QConv1D", "Conv"},
      {"Activation", "Relu"},
      {"QActivation", "Relu"},
      {"ReLU", "Relu"},
      {"BatchNormalization", "BatchNormalization"},
      {"QBatchNormalization", "BatchNormalization"},
      {"Add", "Add"},
      {"Softmax", "Softmax"},
      {"MaxPooling2D", "MaxPool"},
      {"AveragePooling2D", "AveragePool"},
      {"GlobalAveragePooling2D", "GlobalAveragePool"},
  };
  const auto it = alias.find(t);
  return it == alias.end() ? t : it->second;
}

std::string where(const std::string& source, const std::string& path) {
  return source + ": " + path;
}

QuantizerSpec precision_at(const YAML::Node& n, const std::string& source, const std::string& path) {
  if (!n.IsScalar())
    throw_input("{}: expected a precision (ap_fixed<W,I> or a QKeras quantiser)", where(source, path));
  try {
    return parse_precision(n.as<std::string>());
  } catch (const Error& e) {
    throw_input("{}: {}", where(source, path), e.what());
  }
}

void set_variable(LayerQuantisers& l, const std::string& var, QuantizerSpec q, const std::string& source,
                  const std::string& path) {
  if (var == "weight" || var == "kernel")
    l.weight = q;
  else if (var == "bias")
    l.bias = q;
  else if (var == "result" || var == "activation")
    l.result = q;
  else if (var == "accum")
    l.accum = q;
  else
    throw_input("{}: unknown variable '{}' (weight/kernel, bias, result/activation, accum)",
                where(source, path), var);
}

/// One level's entry: Precision (scalar or per variable) and QKeras-style *_quantizer keys.
LayerQuantisers read_entry(const YAML::Node& n, const std::string& source, const std::string& path) {
  LayerQuantisers l;
  if (!n.IsMap()) throw_input("{}: expected a map", where(source, path));
  if (const auto p = n["Precision"]) {
    if (p.IsScalar()) {
      const auto q = precision_at(p, source, path + ".Precision");
      l.weight = l.bias = l.result = l.accum = q;
    } else if (p.IsMap()) {
      for (const auto& kv : p) {
        const std::string var = kv.first.as<std::string>();
        set_variable(l, var, precision_at(kv.second, source, path + ".Precision." + var), source, path);
      }
    } else {
      throw_input("{}: Precision must be a value or a map of variables", where(source, path));
    }
  }
  for (const auto& [key, var] : {std::pair<const char*, const char*>{"kernel_quantizer", "weight"},
                                 {"bias_quantizer", "bias"},
                                 {"activation_quantizer", "result"}})
    if (const auto q = n[key]) set_variable(l, var, precision_at(q, source, path + "." + key), source, path);
  return l;
}

/// Per variable, `over` wins where it has a quantiser.
LayerQuantisers merge(LayerQuantisers base, const LayerQuantisers& over) {
  if (over.weight) base.weight = over.weight;
  if (over.bias) base.bias = over.bias;
  if (over.result) base.result = over.result;
  if (over.accum) base.accum = over.accum;
  return base;
}

}  // namespace

QuantizerSpec parse_precision(const std::string& text) {
  const auto a = text.find_first_not_of(" \t");
  if (a != std::string::npos && text.compare(a, 3, "ap_") == 0) return quantizer_from_ap_type(text);
  return parse_quantizer(text);
}

LayerQuantConfig LayerQuantConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_input("{}: cannot open", path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

LayerQuantConfig LayerQuantConfig::parse(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw_input("{}: cannot parse YAML: {}", source, e.what());
  }
  const YAML::Node cfg = root.IsMap() && root["HLSConfig"] ? root["HLSConfig"] : root;
  if (!cfg.IsMap() || (!cfg["Model"] && !cfg["LayerType"] && !cfg["LayerName"]))
    throw_input("{}: expected Model / LayerType / LayerName entries (under HLSConfig or at the top)", source);
  LayerQuantConfig c;
  try {
    if (const auto m = cfg["Model"]) c.model_ = read_entry(m, source, "Model");
    for (const auto& [key, target] :
         {std::pair<const char*, std::map<std::string, LayerQuantisers>*>{"LayerType", &c.by_type_},
          {"LayerName", &c.by_name_}}) {
      const auto level = cfg[key];
      if (!level) continue;
      if (!level.IsMap()) throw_input("{}: {} must be a map", source, key);
      for (const auto& kv : level) {
        const std::string name = kv.first.as<std::string>();
        const std::string k = std::string(key) == "LayerType" ? canonical_type(name) : name;
        (*target)[k] = merge((*target)[k], read_entry(kv.second, source, std::string(key) + "." + name));
      }
    }
  } catch (const YAML::Exception& e) {
    throw_input("{}: {}", source, e.what());
  }
  return c;
}

LayerQuantisers LayerQuantConfig::for_layer(const std::string& name, const std::string& type) const {
  LayerQuantisers l = model_;
  if (const auto t = by_type_.find(canonical_type(type)); t != by_type_.end()) l = merge(l, t->second);
  if (const auto n = by_name_.find(name); n != by_name_.end()) l = merge(l, n->second);
  return l;
}

std::vector<std::string> LayerQuantConfig::layer_names() const {
  std::vector<std::string> v;
  for (const auto& [name, q] : by_name_) v.push_back(name);
  return v;
}

}  // namespace edgeq::quant
