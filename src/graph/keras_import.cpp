#include "edgeq/graph/keras_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"

namespace edgeq::graph {

namespace {
using Json = nlohmann::json;

/// A Keras tensor: its graph value and Keras shape without the batch (images: H, W, C; the value is NCHW).
struct KTensor {
  std::string value;
  std::vector<std::int64_t> shape;
};

/// QKeras quantiser config (dict or text) as QKeras text, e.g. quantized_bits(bits=6,integer=0,alpha=1).
std::string quantiser_text(const Json& q, const std::string& where) {
  if (q.is_string()) return q.get<std::string>();
  if (!q.is_object() || !q.contains("class_name"))
    throw_input("{}: unreadable quantiser {}", where, q.dump());
  std::string args;
  const Json config = q.value("config", Json::object());
  for (const auto& [k, v] : config.items()) {
    if (k == "relu_upper_bound" && !v.is_null()) throw_input("{}: relu_upper_bound is not supported", where);
    if (v.is_null() && k != "alpha") continue;
    std::string s = v.is_null()      ? "None"
                    : v.is_boolean() ? (v.get<bool>() ? "1" : "0")
                    : v.is_string()  ? "'" + v.get<std::string>() + "'"
                                     : v.dump();
    args += (args.empty() ? "" : ",") + k + "=" + s;
  }
  return q.at("class_name").get<std::string>() + "(" + args + ")";
}

class Importer {
 public:
  Importer(const KerasWeights& w, std::string origin) : weights_(w), origin_(std::move(origin)) {}

  Graph run(const Json& model) {
    const std::string cls = model.value("class_name", "");
    const Json& config = model.at("config");
    g_.name = config.is_object() ? config.value("name", "keras_model") : "keras_model";
    const Json& layers = config.is_array() ? config : config.at("layers");
    if (cls == "Sequential") {
      std::optional<KTensor> x;
      for (const auto& layer : layers) {
        if (!x) x = implicit_input(layer);
        if (layer.value("class_name", "") == "InputLayer") continue;
        x = apply(layer, {*x});
      }
      if (!x) throw_input("{}: the model has no layers", origin_);
      g_.outputs.push_back(x->value);
    } else if (cls == "Functional" || cls == "Model") {
      std::map<std::string, KTensor> out;
      for (const auto& layer : layers) {
        const std::string name = layer.at("config").at("name");
        if (layer.value("class_name", "") == "InputLayer") {
          out[name] = input_layer(layer);
          continue;
        }
        std::vector<KTensor> ins;
        for (const auto& src : inbound(layer)) {
          auto it = out.find(src);
          if (it == out.end())
            throw_input("{}: layer '{}' reads '{}', which comes later or not at all", origin_, name, src);
          ins.push_back(it->second);
        }
        out[name] = apply(layer, ins);
      }
      for (const auto& o : config.at("output_layers"))
        g_.outputs.push_back(out.at(o.at(0).get<std::string>()).value);
    } else {
      throw_input("{}: '{}' is not a Keras Sequential or functional model", origin_, cls);
    }
    if (!quantisers_.empty()) g_.metadata[kKerasQuantisersKey] = quantisers_.dump();
    g_.metadata["edgeq.source"] = "keras";
    g_.topological_sort();
    g_.infer_shapes();
    return std::move(g_);
  }

 private:
  std::vector<std::string> inbound(const Json& layer) const {
    std::vector<std::string> names;
    const auto& nodes = layer.at("inbound_nodes");
    if (nodes.size() != 1)
      throw_input("{}: layer '{}' is shared ({} calls); not supported", origin_, name_of(layer),
                  nodes.size());
    for (const auto& item : nodes.at(0)) {
      if (item.is_array())
        names.push_back(item.at(0).get<std::string>());  // Keras 2: [name, node, tensor, kwargs]
    }
    if (names.empty()) throw_input("{}: layer '{}' has no readable inbound nodes", origin_, name_of(layer));
    return names;
  }
  static std::string name_of(const Json& layer) { return layer.at("config").value("name", "?"); }

  std::optional<KTensor> implicit_input(const Json& layer) {
    const auto& c = layer.at("config");
    if (layer.value("class_name", "") == "InputLayer" || c.contains("batch_input_shape") ||
        c.contains("batch_shape"))
      return input_layer(layer);
    throw_input("{}: the first layer '{}' gives no input shape", origin_, name_of(layer));
  }

  KTensor input_layer(const Json& layer) {
    const auto& c = layer.at("config");
    const Json& s = c.contains("batch_input_shape") ? c.at("batch_input_shape") : c.at("batch_shape");
    const std::string name =
        layer.value("class_name", "") == "InputLayer" ? c.at("name").get<std::string>() : "input";
    std::vector<std::int64_t> shape;
    for (std::size_t i = 1; i < s.size(); ++i) {
      if (s[i].is_null())
        throw_input("{}: input '{}' has a dynamic dimension; edgeq needs static shapes", origin_, name);
      shape.push_back(s[i].get<std::int64_t>());
    }
    Shape full{-1};
    full.insert(full.end(), shape.begin(), shape.end());
    g_.inputs.push_back(name);
    g_.values[name] = {DType::F32, full};
    if (shape.size() == 1) return {name, shape};
    if (shape.size() != 3)
      throw_input("{}: input '{}' of rank {} (only [features] and [H, W, C])", origin_, name,
                  shape.size() + 1);
    const auto v =
        node("Transpose", name + "_to_nchw", {name}, {{"perm", std::vector<std::int64_t>{0, 3, 1, 2}}});
    return {v, shape};
  }

  std::string node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                   std::map<std::string, AttrValue> attrs = {}) {
    Node n;
    n.name = g_.unique_name(name);
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {n.name};
    n.attrs = std::move(attrs);
    g_.nodes.push_back(n);
    return n.name;
  }

  const core::Tensor* weight(const std::string& layer, const std::string& key, bool required) const {
    auto it = weights_.find(layer);
    if (it != weights_.end())
      for (const auto& [name, t] : it->second)
        if (name == key || name.rfind(key + ":", 0) == 0) return &t;
    if (required) throw_input("{}: layer '{}' has no weight '{}' in the weights file", origin_, layer, key);
    return nullptr;
  }

  std::string constant(const std::string& name, core::Tensor t) {
    const auto v = g_.unique_name(name);
    g_.initializers.emplace(v, std::move(t));
    return v;
  }

  void expect_shape(const std::string& layer, const std::string& key, const core::Tensor& t,
                    const Shape& want) {
    if (t.shape() != want)
      throw_input("{}: layer '{}' weight '{}' has shape {}, the architecture needs {}", origin_, layer, key,
                  fmt::join(t.shape(), "x"), fmt::join(want, "x"));
  }

  KTensor activation(const std::string& layer, const Json& act, KTensor x) {
    if (act.is_null()) return x;
    if (!act.is_string()) {  // a QKeras quantiser as activation
      const std::string cls = act.value("class_name", "");
      if (cls != "quantized_relu")
        throw_input("{}: layer '{}': activation quantiser {} is not imported (quantized_relu is)", origin_,
                    layer, cls);
      const auto v = node("Relu", layer, {x.value});
      quantisers_[v]["result"] = quantiser_text(act, layer);
      return {v, x.shape};
    }
    std::string a = act.get<std::string>();
    if (a == "linear") return x;
    if (a.rfind("quantized_relu", 0) == 0) {
      const auto v = node("Relu", layer, {x.value});
      quantisers_[v]["result"] = a;
      return {v, x.shape};
    }
    static const std::map<std::string, std::string> ops{{"relu", "Relu"},
                                                        {"sigmoid", "Sigmoid"},
                                                        {"tanh", "Tanh"},
                                                        {"softmax", "Softmax"},
                                                        {"elu", "Elu"},
                                                        {"selu", "Selu"},
                                                        {"hard_sigmoid", "HardSigmoid"}};
    auto it = ops.find(a);
    if (it == ops.end()) throw_input("{}: layer '{}': activation '{}' is not supported", origin_, layer, a);
    std::map<std::string, AttrValue> attrs;
    if (a == "softmax") attrs["axis"] = std::int64_t{-1};
    if (a == "softmax" && x.shape.size() != 1)
      throw_input("{}: layer '{}': softmax over images is not supported", origin_, layer);
    return {node(it->second, layer, {x.value}, attrs), x.shape};
  }

  void record_quantisers(const std::string& node_name, const Json& c, const std::string& layer) {
    if (c.contains("kernel_quantizer") && !c.at("kernel_quantizer").is_null())
      quantisers_[node_name]["weight"] = quantiser_text(c.at("kernel_quantizer"), layer);
    if (c.contains("depthwise_quantizer") && !c.at("depthwise_quantizer").is_null())
      quantisers_[node_name]["weight"] = quantiser_text(c.at("depthwise_quantizer"), layer);
    if (c.contains("bias_quantizer") && !c.at("bias_quantizer").is_null() && c.value("use_bias", true))
      quantisers_[node_name]["bias"] = quantiser_text(c.at("bias_quantizer"), layer);
  }

  KTensor dense(const std::string& layer, const Json& c, const KTensor& x) {
    if (x.shape.size() != 1)
      throw_input("{}: Dense layer '{}' on a rank-{} tensor (add a Flatten)", origin_, layer,
                  x.shape.size() + 1);
    const auto units = c.at("units").get<std::int64_t>();
    const auto& k = *weight(layer, "kernel", true);
    expect_shape(layer, "kernel", k, {x.shape[0], units});
    std::vector<std::string> ins{x.value, constant(layer + "_kernel", k)};
    if (c.value("use_bias", true)) {
      const auto& b = *weight(layer, "bias", true);
      expect_shape(layer, "bias", b, {units});
      ins.push_back(constant(layer + "_bias", b));
    }
    const auto v = node("Gemm", layer, ins);
    record_quantisers(v, c, layer);
    const Json act = c.value("activation", Json("linear"));
    return activation(
        act.is_string() && act != "linear" ? layer + "_" + act.get<std::string>() : layer + "_act", act,
        {v, {units}});
  }

  std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> pads_for(
      const std::string& layer, const Json& c, const KTensor& x, std::int64_t kh, std::int64_t kw,
      std::int64_t sh, std::int64_t sw, std::int64_t dh, std::int64_t dw, std::vector<std::int64_t>& out_hw) {
    const std::string padding = c.value("padding", "valid");
    std::vector<std::int64_t> pads{0, 0, 0, 0};
    if (padding == "same") {
      const auto [t, b] = same_padding(x.shape[0], (kh - 1) * dh + 1, sh);
      const auto [l, r] = same_padding(x.shape[1], (kw - 1) * dw + 1, sw);
      pads = {t, l, b, r};
    } else if (padding != "valid") {
      throw_input("{}: layer '{}': padding '{}' is not supported", origin_, layer, padding);
    }
    out_hw = {(x.shape[0] + pads[0] + pads[2] - ((kh - 1) * dh + 1)) / sh + 1,
              (x.shape[1] + pads[1] + pads[3] - ((kw - 1) * dw + 1)) / sw + 1};
    return {pads, {sh, sw}};
  }

  KTensor conv(const std::string& layer, const Json& c, const KTensor& x, bool depthwise) {
    if (x.shape.size() != 3) throw_input("{}: Conv2D layer '{}' needs an image input", origin_, layer);
    if (c.value("data_format", "channels_last") != "channels_last")
      throw_input("{}: layer '{}': only channels_last is supported", origin_, layer);
    const auto& k = *weight(layer, depthwise ? "depthwise_kernel" : "kernel", true);
    if (k.shape().size() != 4)
      throw_input("{}: layer '{}': kernel of rank {}", origin_, layer, k.shape().size());
    const auto kh = k.shape()[0], kw = k.shape()[1], cin = k.shape()[2], cm = k.shape()[3];
    const auto groups = depthwise ? x.shape[2] : c.value("groups", std::int64_t{1});
    if (cin * (depthwise ? 1 : groups) != x.shape[2])
      throw_input("{}: layer '{}': kernel expects {} input channels, the input has {}", origin_, layer,
                  cin * groups, x.shape[2]);
    const auto cout = depthwise ? cin * cm : cm;
    core::Tensor w(core::DType::F32, {cout, depthwise ? 1 : cin, kh, kw});
    auto* dst = w.data<float>();
    const auto* src = k.data<float>();
    for (std::int64_t i = 0; i < kh; ++i)
      for (std::int64_t j = 0; j < kw; ++j)
        for (std::int64_t ci = 0; ci < cin; ++ci)
          for (std::int64_t m = 0; m < cm; ++m) {
            const auto o = depthwise ? ci * cm + m : m;
            const auto in_c = depthwise ? 0 : ci;
            dst[((o * (depthwise ? 1 : cin) + in_c) * kh + i) * kw + j] =
                src[((i * kw + j) * cin + ci) * cm + m];
          }
    const auto strides = c.value("strides", std::vector<std::int64_t>{1, 1});
    const auto dil = c.value("dilation_rate", std::vector<std::int64_t>{1, 1});
    std::vector<std::int64_t> hw;
    const auto [pads, st] = pads_for(layer, c, x, kh, kw, strides[0], strides[1], dil[0], dil[1], hw);
    std::vector<std::string> ins{x.value, constant(layer + "_kernel", std::move(w))};
    if (c.value("use_bias", true)) {
      const auto& b = *weight(layer, "bias", true);
      expect_shape(layer, "bias", b, {cout});
      ins.push_back(constant(layer + "_bias", b));
    }
    const auto v = node("Conv", layer, ins,
                        {{"kernel_shape", std::vector<std::int64_t>{kh, kw}},
                         {"strides", st},
                         {"pads", pads},
                         {"dilations", dil},
                         {"group", groups}});
    record_quantisers(v, c, layer);
    const Json act = c.value("activation", Json("linear"));
    return activation(
        act.is_string() && act != "linear" ? layer + "_" + act.get<std::string>() : layer + "_act", act,
        {v, {hw[0], hw[1], cout}});
  }

  KTensor batchnorm(const std::string& layer, const Json& c, const KTensor& x) {
    const auto ch = x.shape.back();
    const auto ones = [&] {
      core::Tensor t(core::DType::F32, {ch});
      std::fill_n(t.data<float>(), ch, 1.0f);
      return t;
    };
    const auto get = [&](const std::string& key, bool present, bool one) {
      if (!present) {
        const auto v = constant(layer + "_" + key, one ? ones() : core::Tensor(core::DType::F32, {ch}));
        g_.non_parameters.insert(v);
        return v;
      }
      const auto& t = *weight(layer, key, true);
      expect_shape(layer, key, t, {ch});
      return constant(layer + "_" + key, t);
    };
    const auto axis = c.value("axis", Json(-1));
    const auto ax = axis.is_array() ? axis.at(0).get<std::int64_t>() : axis.get<std::int64_t>();
    if (ax != -1 && ax != static_cast<std::int64_t>(x.shape.size()))
      throw_input("{}: BatchNormalization '{}' over axis {} (only the channel axis)", origin_, layer, ax);
    const auto v = node(
        "BatchNormalization", layer,
        {x.value, get("gamma", c.value("scale", true), true), get("beta", c.value("center", true), false),
         get("moving_mean", true, false), get("moving_variance", true, true)},
        {{"epsilon", static_cast<float>(c.value("epsilon", 1e-3))}});
    return {v, x.shape};
  }

  KTensor pool(const std::string& layer, const std::string& cls, const Json& c, const KTensor& x) {
    if (x.shape.size() != 3) throw_input("{}: {} '{}' needs an image input", origin_, cls, layer);
    const auto size = c.value("pool_size", std::vector<std::int64_t>{2, 2});
    const auto strides =
        c.value("strides", Json()).is_null() ? size : c.at("strides").get<std::vector<std::int64_t>>();
    std::vector<std::int64_t> hw;
    const auto [pads, st] = pads_for(layer, c, x, size[0], size[1], strides[0], strides[1], 1, 1, hw);
    const auto v = node(cls == "MaxPooling2D" ? "MaxPool" : "AveragePool", layer, {x.value},
                        {{"kernel_shape", size}, {"strides", st}, {"pads", pads}});
    return {v, {hw[0], hw[1], x.shape[2]}};
  }

  KTensor apply(const Json& layer, const std::vector<KTensor>& ins) {
    const std::string cls = layer.value("class_name", "");
    const Json& c = layer.at("config");
    const std::string name = c.value("name", cls);
    const KTensor& x = ins.at(0);
    if (cls == "Dense" || cls == "QDense") return dense(name, c, x);
    if (cls == "Conv2D" || cls == "QConv2D") return conv(name, c, x, false);
    if (cls == "DepthwiseConv2D" || cls == "QDepthwiseConv2D") return conv(name, c, x, true);
    if (cls == "BatchNormalization" || cls == "QBatchNormalization") return batchnorm(name, c, x);
    if (cls == "Activation" || cls == "QActivation") return activation(name, c.at("activation"), x);
    if (cls == "ReLU") {
      if (c.value("threshold", 0.0) != 0.0)
        throw_input("{}: ReLU '{}' with a threshold is not supported", origin_, name);
      if (c.value("negative_slope", 0.0) != 0.0)
        return {node("LeakyRelu", name, {x.value},
                     {{"alpha", static_cast<float>(c.at("negative_slope").get<double>())}}),
                x.shape};
      if (!c.value("max_value", Json()).is_null())
        return {node("Clip", name, {x.value},
                     {{"min", 0.0f}, {"max", static_cast<float>(c.at("max_value").get<double>())}}),
                x.shape};
      return {node("Relu", name, {x.value}), x.shape};
    }
    if (cls == "LeakyReLU")
      return {node("LeakyRelu", name, {x.value},
                   {{"alpha", static_cast<float>(c.value("alpha", c.value("negative_slope", 0.3)))}}),
              x.shape};
    if (cls == "Softmax") return activation(name, Json("softmax"), x);
    if (cls == "Dropout" || cls == "SpatialDropout2D" || cls == "GaussianNoise" || cls == "GaussianDropout" ||
        cls == "ActivityRegularization")
      return x;
    if (cls == "Flatten") {
      if (x.shape.size() == 1) return x;
      const auto t =
          node("Transpose", name + "_to_nhwc", {x.value}, {{"perm", std::vector<std::int64_t>{0, 2, 3, 1}}});
      std::int64_t n = 1;
      for (auto d : x.shape) n *= d;
      return {node("Flatten", name, {t}, {{"axis", std::int64_t{1}}}), {n}};
    }
    if (cls == "MaxPooling2D" || cls == "AveragePooling2D") return pool(name, cls, c, x);
    if (cls == "GlobalAveragePooling2D" || cls == "GlobalMaxPooling2D") {
      if (x.shape.size() != 3) throw_input("{}: {} '{}' needs an image input", origin_, cls, name);
      const auto p = node(cls == "GlobalAveragePooling2D" ? "GlobalAveragePool" : "GlobalMaxPool",
                          name + "_pool", {x.value});
      return {node("Flatten", name, {p}, {{"axis", std::int64_t{1}}}), {x.shape[2]}};
    }
    if (cls == "ZeroPadding2D") {
      const auto& p = c.at("padding");
      const auto t = p.at(0).at(0).get<std::int64_t>(), b = p.at(0).at(1).get<std::int64_t>();
      const auto l = p.at(1).at(0).get<std::int64_t>(), r = p.at(1).at(1).get<std::int64_t>();
      return {node("Pad", name, {x.value},
                   {{"pads", std::vector<std::int64_t>{0, 0, t, l, 0, 0, b, r}},
                    {"mode", std::string("constant")}}),
              {x.shape[0] + t + b, x.shape[1] + l + r, x.shape[2]}};
    }
    if (cls == "Add" || cls == "Subtract" || cls == "Multiply") {
      const std::string op = cls == "Add" ? "Add" : cls == "Subtract" ? "Sub" : "Mul";
      std::string acc = x.value;
      for (std::size_t i = 1; i < ins.size(); ++i)
        acc = node(op, i + 1 == ins.size() ? name : name + "_" + std::to_string(i), {acc, ins[i].value});
      return {acc, x.shape};
    }
    if (cls == "Concatenate") {
      const auto axis = c.value("axis", std::int64_t{-1});
      if (axis != -1 && axis != static_cast<std::int64_t>(x.shape.size()))
        throw_input("{}: Concatenate '{}' over axis {} (only the channel axis)", origin_, name, axis);
      std::vector<std::string> vs;
      auto shape = x.shape;
      shape.back() = 0;
      for (const auto& t : ins) {
        vs.push_back(t.value);
        shape.back() += t.shape.back();
      }
      return {node("Concat", name, vs, {{"axis", std::int64_t{1}}}), shape};
    }
    throw_input("{}: layer '{}' of type {} is not supported", origin_, name, cls);
  }

  const KerasWeights& weights_;
  std::string origin_;
  Graph g_;
  Json quantisers_ = Json::object();
};
}  // namespace

Graph keras_to_graph(const std::string& model_json, const KerasWeights& weights, const std::string& origin) {
  const auto j = nlohmann::json::parse(model_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("config"))
    throw_input("{}: not a Keras model description (JSON with class_name and config)", origin);
  try {
    return Importer(weights, origin).run(j);
  } catch (const nlohmann::json::exception& e) {
    throw_input("{}: malformed Keras model JSON ({})", origin, e.what());
  }
}

}  // namespace edgeq::graph
