#include "edgeq/graph/passes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

namespace edgeq::graph {

namespace {
const Tensor* constant(const Graph& g, const Node& n, std::size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) return nullptr;
  auto it = g.initializers.find(n.inputs[i]);
  return it == g.initializers.end() || it->second.dtype() != DType::F32 ? nullptr : &it->second;
}
}  // namespace

int fold_batchnorm(Graph& g) {
  int folded = 0;
  std::vector<bool> removed(g.nodes.size(), false);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    Node& bn = g.nodes[i];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty()) continue;
    const int p = g.producer(bn.inputs[0]);
    if (p < 0) continue;
    Node& prod = g.nodes[static_cast<std::size_t>(p)];
    const bool conv = prod.op_type == "Conv";
    const bool gemm = prod.op_type == "Gemm" && prod.attr_int("transB", 0) == 1 &&
                      prod.attr_int("transA", 0) == 0 && prod.attr_float("alpha", 1.0f) == 1.0f &&
                      prod.attr_float("beta", 1.0f) == 1.0f;
    if (!(conv || gemm) || g.use_count(bn.inputs[0]) != 1) continue;
    const Tensor* w = constant(g, prod, 1);
    const Tensor* b = constant(g, prod, 2);
    if (!w || (prod.inputs.size() > 2 && !prod.inputs[2].empty() && !b)) continue;
    if (gemm && b && b->numel() != w->shape()[0]) continue;
    const Tensor *scale = constant(g, bn, 1), *beta = constant(g, bn, 2), *mean = constant(g, bn, 3),
                 *var = constant(g, bn, 4);
    if (!scale || !beta || !mean || !var) continue;
    const std::int64_t out = w->shape()[0];
    if (scale->numel() != out) continue;
    const double eps = bn.attr_float("epsilon", 1e-5f);
    const std::int64_t per = w->numel() / out;
    Tensor nw = w->clone();
    Tensor nb(DType::F32, {out});
    for (std::int64_t o = 0; o < out; ++o) {
      const double gain =
          scale->data<float>()[o] / std::sqrt(static_cast<double>(var->data<float>()[o]) + eps);
      for (std::int64_t k = 0; k < per; ++k)
        nw.data<float>()[o * per + k] = static_cast<float>(w->data<float>()[o * per + k] * gain);
      const double bias = b ? b->data<float>()[o] : 0.0;
      nb.data<float>()[o] =
          static_cast<float>((bias - mean->data<float>()[o]) * gain + beta->data<float>()[o]);
    }
    const std::string wn = g.unique_name(prod.name + "/folded_kernel"),
                      bnn = g.unique_name(prod.name + "/folded_bias");
    g.initializers[wn] = nw;
    g.initializers[bnn] = nb;
    prod.inputs.resize(3);
    prod.inputs[1] = wn;
    prod.inputs[2] = bnn;
    prod.outputs[0] = bn.outputs[0];
    removed[i] = true;
    ++folded;
  }
  if (folded) {
    g.erase_nodes(removed);
    remove_unused_initializers(g);
    g.infer_shapes();
  }
  return folded;
}

namespace {
/// Erases the flagged nodes and re-infers shapes if a rewrite changed anything; returns `count`.
int commit_rewrite(Graph& g, const std::vector<bool>& removed, int count) {
  if (count > 0) {
    g.erase_nodes(removed);
    g.infer_shapes();
  }
  return count;
}
}  // namespace

int batchnorm_to_conv(Graph& g) {
  int count = 0;
  for (auto& bn : g.nodes) {
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty()) continue;
    const Tensor *scale = constant(g, bn, 1), *beta = constant(g, bn, 2), *mean = constant(g, bn, 3),
                 *var = constant(g, bn, 4);
    const auto& x = g.info(bn.inputs[0]).shape;
    if (!scale || !beta || !mean || !var || x.size() != 4 || x[1] != scale->numel()) continue;
    const std::int64_t c = scale->numel();
    const double eps = bn.attr_float("epsilon", 1e-5f);
    Tensor w(DType::F32, {c, 1, 1, 1}), b(DType::F32, {c});
    for (std::int64_t k = 0; k < c; ++k) {
      const double gain =
          scale->data<float>()[k] / std::sqrt(static_cast<double>(var->data<float>()[k]) + eps);
      w.data<float>()[k] = static_cast<float>(gain);
      b.data<float>()[k] = static_cast<float>(beta->data<float>()[k] - mean->data<float>()[k] * gain);
    }
    const std::string wn = g.unique_name(bn.name + "/depthwise_kernel"),
                      bnn = g.unique_name(bn.name + "/bias");
    g.initializers[wn] = w;
    g.initializers[bnn] = b;
    Node conv;
    conv.name = bn.name;
    conv.op_type = "Conv";
    conv.inputs = {bn.inputs[0], wn, bnn};
    conv.outputs = {bn.outputs[0]};
    conv.attrs["group"] = c;
    conv.attrs["kernel_shape"] = std::vector<std::int64_t>{1, 1};
    if (bn.has("edgeq_activation")) conv.attrs["edgeq_activation"] = bn.attrs.at("edgeq_activation");
    bn = std::move(conv);
    ++count;
  }
  if (count) {
    remove_unused_initializers(g);
    g.infer_shapes();
  }
  return count;
}

int fuse_activations(Graph& g) {
  int fused = 0;
  std::vector<bool> removed(g.nodes.size(), false);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    Node& act = g.nodes[i];
    if ((act.op_type != "Relu" && act.op_type != "Clip") || !act.domain.empty()) continue;
    const int p = g.producer(act.inputs[0]);
    if (p < 0) continue;
    Node& conv = g.nodes[static_cast<std::size_t>(p)];
    const bool fusable =
        conv.op_type == "Conv" || (conv.op_type == "BatchNormalization" && act.op_type == "Relu");
    if (!fusable || conv.has("edgeq_activation") || g.use_count(act.inputs[0]) != 1) continue;
    conv.attrs["edgeq_activation"] = act.op_type;
    if (act.op_type == "Clip") {
      conv.attrs["edgeq_clip_min"] = act.attr_float("min", -std::numeric_limits<float>::infinity());
      conv.attrs["edgeq_clip_max"] = act.attr_float("max", std::numeric_limits<float>::infinity());
    }
    conv.outputs[0] = act.outputs[0];
    removed[i] = true;
    ++fused;
  }
  return commit_rewrite(g, removed, fused);
}

int fuse_residual_add(Graph& g) {
  int fused = 0;
  std::vector<bool> removed(g.nodes.size(), false);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& add = g.nodes[i];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2) continue;
    const auto& a = add.inputs[0];
    const auto& b = add.inputs[1];
    if (g.is_initializer(a) || g.is_initializer(b) || g.info(a).shape != g.info(b).shape ||
        g.info(a).shape.size() != 4 || g.info(a).dtype != DType::F32)
      continue;
    // The fusing Conv: the later producer of the two, so that the other operand exists when it runs.
    const int pa = g.producer(a), pb = g.producer(b);
    for (const auto& [conv_at, other, other_at] : {std::tuple{pa, b, pb}, std::tuple{pb, a, pa}}) {
      if (conv_at < 0 || other_at >= conv_at) continue;
      Node& conv = g.nodes[static_cast<std::size_t>(conv_at)];
      const std::string& mine = other == b ? a : b;
      if (conv.op_type != "Conv" || !conv.domain.empty() || conv.has("edgeq_activation") ||
          conv.has("edgeq_residual") || g.use_count(mine) != 1 || removed[static_cast<std::size_t>(conv_at)])
        continue;
      conv.inputs.resize(3);  // an absent bias stays "" (optional input)
      conv.inputs.push_back(other);
      conv.attrs["edgeq_residual"] = std::int64_t{1};
      conv.outputs[0] = add.outputs[0];
      removed[i] = true;
      ++fused;
      break;
    }
  }
  return commit_rewrite(g, removed, fused);
}

namespace {
/// A constant zero Pad of the two spatial axes of a 4-D tensor (pads as an attribute, none negative).
bool is_zero_spatial_pad(const Node& pad) {
  if (pad.op_type != "Pad" || !pad.domain.empty() || pad.inputs.size() != 1) return false;
  const auto p = pad.attr_ints("pads");
  return pad.attr_string("mode", "constant") == "constant" && pad.attr_float("value", 0.0f) == 0.0f &&
         p.size() == 8 && !p[0] && !p[1] && !p[4] && !p[5] &&
         std::none_of(p.begin(), p.end(), [](auto v) { return v < 0; });
}
}  // namespace

namespace {
/// Removes every zero spatial Pad whose only reader `absorb` accepts: absorb(pad, reader) checks the reader,
/// gives it the Pad's padding and returns true, or returns false and changes nothing.
template <typename Absorb>
int fuse_zero_pads(Graph& g, Absorb absorb) {
  std::map<std::string, std::size_t> reader;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& v : g.nodes[i].inputs) reader[v] = i;
  int fused = 0;
  std::vector<bool> removed(g.nodes.size(), false);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& pad = g.nodes[i];
    if (!is_zero_spatial_pad(pad) || g.use_count(pad.outputs[0]) != 1 || !reader.count(pad.outputs[0]))
      continue;
    Node& next = g.nodes[reader[pad.outputs[0]]];
    if (next.inputs[0] != pad.outputs[0] || !absorb(pad, next)) continue;
    next.inputs[0] = pad.inputs[0];
    removed[i] = true;
    ++fused;
  }
  return commit_rewrite(g, removed, fused);
}
}  // namespace

int fuse_pad_into_conv(Graph& g) {
  return fuse_zero_pads(g, [](const Node& pad, Node& conv) {
    const auto cp = conv.attr_ints("pads", {0, 0, 0, 0});
    if (conv.op_type != "Conv" || conv.attr_string("auto_pad", "NOTSET") != "NOTSET" || cp.size() != 4)
      return false;
    const auto p = pad.attr_ints("pads");
    conv.attrs["pads"] = std::vector<std::int64_t>{cp[0] + p[2], cp[1] + p[3], cp[2] + p[6], cp[3] + p[7]};
    return true;
  });
}

int fuse_pad_into_maxpool(Graph& g) {
  return fuse_zero_pads(g, [&g](const Node& pad, Node& pool) {
    const auto own = pool.attr_ints("pads", {0, 0, 0, 0});
    if (g.info(pad.inputs[0]).dtype != DType::F32 || pool.op_type != "MaxPool" || !pool.domain.empty() ||
        pool.attr_string("auto_pad", "NOTSET") != "NOTSET" || pool.has("edgeq_pad_zero") ||
        (pool.outputs.size() > 1 && !pool.outputs[1].empty()) ||
        std::any_of(own.begin(), own.end(), [](auto v) { return v != 0; }))
      return false;
    const auto p = pad.attr_ints("pads");
    pool.attrs["pads"] = std::vector<std::int64_t>{p[2], p[3], p[6], p[7]};
    pool.attrs["edgeq_pad_zero"] = std::int64_t{1};
    return true;
  });
}

void remove_unused_initializers(Graph& g) {
  std::set<std::string> used(g.outputs.begin(), g.outputs.end());
  for (const auto& n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  for (auto it = g.initializers.begin(); it != g.initializers.end();) {
    if (used.count(it->first)) {
      ++it;
    } else {
      g.non_parameters.erase(it->first);
      g.values.erase(it->first);
      it = g.initializers.erase(it);
    }
  }
}

}  // namespace edgeq::graph
