#include "edgeq/fpga/hls_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgeq/core/error.hpp"
#include "edgeq/core/yaml_fields.hpp"

namespace edgeq::fpga {

struct HlsConfig::Level {
  std::map<std::string, Precision> vars;  ///< weight, bias, result, accum, scale
  std::optional<Precision> all;           ///< Precision given as one value
  std::optional<core::ApFixed> exp_table, inv_table;
  std::optional<int> table_size, reuse_factor;
  std::optional<SoftmaxImpl> softmax;
  std::optional<Strategy> strategy;
};

namespace {

const std::vector<std::string> kVariables = {"weight", "bias", "result", "accum", "scale"};
/// hls4ml keys for other backends, io types or debugging that change nothing in this flow.
const std::vector<std::string> kIgnoredKeys = {
    "Trace",       "BramFactor", "ParallelizationFactor", "ConvImplementation",
    "Compression", "table_t",    "PipelineStyle",         "PipelineInterval"};

core::ApFixed parse_type(const std::string& text, const std::string& where) {
  const auto p = parse_precision_text(text, where);
  if (!p.type) throw_input("{}: 'auto' is not allowed here", where);
  return *p.type;
}

std::shared_ptr<const HlsConfig::Level> parse_level(core::YamlFields f) {
  auto level = std::make_shared<HlsConfig::Level>();
  const YAML::Node precision = f.node("Precision");
  const std::string where = f.origin() + ": " + f.full("Precision");
  if (precision && precision.IsScalar()) {
    level->all = parse_precision_text(precision.as<std::string>(), where);
  } else if (precision && precision.IsMap()) {
    core::YamlFields p(precision, f.origin(), f.full("Precision"));
    for (const auto& v : kVariables)
      if (auto text = p.optional<std::string>(v))
        level->vars[v] = parse_precision_text(*text, where + "." + v);
    if (auto text = p.optional<std::string>("default")) level->all = parse_precision_text(*text, where);
    p.finish();
  } else if (precision && !precision.IsNull()) {
    throw_input("{}: Precision must be a type or a map of weight/bias/result/accum types", where);
  }
  if (auto rf = f.optional<int>("ReuseFactor")) {
    if (*rf < 1) throw_input("{}: {} must be >= 1 (got {})", f.origin(), f.full("ReuseFactor"), *rf);
    level->reuse_factor = *rf;
  }
  if (auto s = f.optional<std::string>("Strategy")) {
    std::string lower = *s;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower != "latency" && lower != "resource")
      throw_input("{}: {} must be Latency or Resource (got '{}')", f.origin(), f.full("Strategy"), *s);
    level->strategy = lower == "latency" ? Strategy::Latency : Strategy::Resource;
  }
  if (auto t = f.optional<std::string>("exp_table_t"))
    level->exp_table = parse_type(*t, f.full("exp_table_t"));
  if (auto t = f.optional<std::string>("inv_table_t"))
    level->inv_table = parse_type(*t, f.full("inv_table_t"));
  if (auto n = f.optional<int>("table_size")) {
    if (*n < 2 || *n > (1 << 16) || (*n & (*n - 1)) != 0)
      throw_input("{}: {} must be a power of two in [2, 65536] (got {})", f.origin(), f.full("table_size"),
                  *n);
    level->table_size = *n;
  }
  if (auto s = f.optional<std::string>("implementation")) {
    if (*s != "stable" && *s != "latency")
      throw_input("{}: {}: softmax implementation '{}' (edgeq generates stable and latency)", f.origin(),
                  f.full("implementation"), *s);
    level->softmax = *s == "stable" ? SoftmaxImpl::Stable : SoftmaxImpl::Latency;
  }
  for (const auto& k : kIgnoredKeys) f.node(k);
  f.finish();
  return level;
}

}  // namespace

Precision parse_precision_text(const std::string& text, const std::string& where) {
  Precision p;
  if (text == "auto") {
    p.is_auto = true;
    return p;
  }
  try {
    p.type = core::parse_ap_fixed(text);
  } catch (const Error& e) {
    throw_input("{}: {}", where, e.what());
  }
  return p;
}

HlsConfig HlsConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_input("cannot read the hls4ml configuration {}", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, std::filesystem::path(path).parent_path().string());
}

HlsConfig HlsConfig::parse(const std::string& yaml_text, const std::string& source,
                           const std::string& base_dir) {
  HlsConfig cfg;
  cfg.source = source;
  core::YamlFields top(core::parse_yaml(yaml_text, source), source);
  cfg.clock_ns = top.get<double>("ClockPeriod", 5.0);
  if (!(cfg.clock_ns > 0)) throw_input("{}: ClockPeriod must be > 0 ns (got {})", source, cfg.clock_ns);
  cfg.part = top.get<std::string>("Part", "");
  const auto io = top.get<std::string>("IOType", "io_parallel");
  if (io != "io_parallel")
    throw_input("{}: IOType '{}' (edgeq generates io_parallel designs: every value on its own wires)", source,
                io);
  std::string model;
  if (auto k = top.optional<std::string>("KerasJson")) model = *k;
  if (auto k = top.optional<std::string>("OnnxModel")) model = *k;
  if (!model.empty()) {
    std::filesystem::path p(model);
    // Relative to the YAML's folder when the file is there, else to the working folder (hls4ml's convention).
    const auto beside = std::filesystem::path(base_dir) / p;
    std::error_code ec;
    const bool use_beside = !p.is_absolute() && !base_dir.empty() && std::filesystem::exists(beside, ec);
    cfg.model_path = use_beside ? beside.string() : p.string();
  }
  for (const auto& k : {"KerasH5", "Backend", "OutputDir", "ProjectName", "Stamp", "Version", "WriterConfig"})
    top.node(k);
  auto read_levels = [&](core::YamlFields& hls) {
    cfg.model_ = parse_level(hls.mapping("Model"));
    for (const char* key : {"LayerType", "LayerName"}) {
      const YAML::Node n = hls.node(key);
      if (!n || n.IsNull()) continue;
      if (!n.IsMap()) throw_input("{}: {} must be a mapping of layers", source, hls.full(key));
      auto& target = std::string(key) == "LayerType" ? cfg.by_type_ : cfg.by_name_;
      for (const auto& it : n) {
        const auto name = it.first.as<std::string>();
        target[name] = parse_level(core::YamlFields(it.second, source, hls.full(key) + "." + name));
      }
    }
  };
  if (top.has("HLSConfig")) {
    core::YamlFields hls = top.mapping("HLSConfig");
    read_levels(hls);
    hls.finish();
  } else {
    read_levels(top);
  }
  top.finish();
  return cfg;
}

namespace {

/// The ONNX and Keras spellings of the layer types hls4ml configurations name.
std::vector<std::string> type_aliases(const std::string& type) {
  static const std::vector<std::vector<std::string>> groups = {{"Dense", "QDense", "Gemm", "MatMul"},
                                                               {"Conv2D", "QConv2D", "Conv"},
                                                               {"BatchNormalization", "QBatchNormalization"},
                                                               {"Activation", "QActivation", "Relu", "ReLU"},
                                                               {"Softmax"}};
  for (const auto& g : groups)
    if (std::find(g.begin(), g.end(), type) != g.end()) return g;
  return {type};
}

}  // namespace

LayerSettings HlsConfig::for_layer(const std::string& name, const std::string& type) const {
  std::vector<const Level*> chain;  // most specific first
  if (auto it = by_name_.find(name); it != by_name_.end()) chain.push_back(it->second.get());
  for (const auto& t : type_aliases(type))
    if (auto it = by_type_.find(t); it != by_type_.end()) {
      chain.push_back(it->second.get());
      break;
    }
  chain.push_back(model_.get());
  LayerSettings s;
  auto resolve = [&](const std::string& var) {
    for (const Level* l : chain) {
      if (auto it = l->vars.find(var); it != l->vars.end()) return it->second;
      if (l->all) return *l->all;
    }
    return Precision{core::ApFixed{16, 6}, false};
  };
  s.weight = resolve("weight");
  s.bias = resolve("bias");
  s.result = resolve("result");
  s.accum = resolve("accum");
  s.scale = resolve("scale");
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // least specific first, overridden later
    const Level* l = *it;
    if (l->exp_table) s.exp_table = *l->exp_table;
    if (l->inv_table) s.inv_table = *l->inv_table;
    if (l->table_size) s.table_size = *l->table_size;
    if (l->softmax) s.softmax = *l->softmax;
    if (l->reuse_factor) s.reuse_factor = *l->reuse_factor;
    if (l->strategy) s.strategy = *l->strategy;
  }
  return s;
}

core::ApFixed HlsConfig::model_precision() const {
  if (auto it = model_->vars.find("result"); it != model_->vars.end() && it->second.type)
    return *it->second.type;
  if (model_->all && model_->all->type) return *model_->all->type;
  return core::ApFixed{16, 6};
}

std::vector<std::string> HlsConfig::layer_names() const {
  std::vector<std::string> names;
  for (const auto& [n, l] : by_name_) names.push_back(n);
  return names;
}

std::string xilinx_family(const std::string& part) {
  std::string p = part;
  std::transform(p.begin(), p.end(), p.begin(), ::tolower);
  auto starts = [&](const char* s) { return p.rfind(s, 0) == 0; };
  if (starts("xcvu") || starts("xcku") || starts("xczu") || starts("xcau")) {
    // UltraScale+ parts carry a 'p' after the device number (xcvu9p, xcku5p); plain UltraScale do not.
    const auto digits = p.find_first_of("0123456789");
    if (digits == std::string::npos) return "";
    const auto after = p.find_first_not_of("0123456789", digits);
    const bool plus = starts("xczu") || starts("xcau") || (after != std::string::npos && p[after] == 'p');
    return plus ? "xcup" : "xcu";
  }
  if (starts("xc7")) return "xc7";
  return "";
}

}  // namespace edgeq::fpga
