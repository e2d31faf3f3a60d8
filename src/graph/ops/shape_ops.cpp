// Layout ops: Flatten (axis), Reshape (constant shape input; 0 copies, -1 infers), Transpose (perm),
// Squeeze / Unsqueeze (axes attribute in the IR, whatever the opset).
#include <algorithm>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
std::int64_t product(const Shape& s, std::size_t from, std::size_t to) {
  std::int64_t p = 1;
  for (std::size_t i = from; i < to; ++i) {
    if (s[i] < 0) return -1;
    p *= s[i];
  }
  return p;
}

void infer_flatten(InferContext& c) {
  const auto& x = c.inputs[0].shape;
  const auto rank = static_cast<std::int64_t>(x.size());
  std::int64_t axis = c.node.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) throw_input("{}: axis out of range", c.node.describe());
  c.outputs = {ValueInfo{
      c.inputs[0].dtype,
      {product(x, 0, static_cast<std::size_t>(axis)), product(x, static_cast<std::size_t>(axis), x.size())}}};
}

void infer_reshape(InferContext& c) {
  const Tensor* target = c.constant(1);
  if (!target) throw_input("{}: the target shape must be a constant (initializer)", c.node.describe());
  if (target->dtype() != DType::I64) throw_input("{}: the target shape must be int64", c.node.describe());
  const auto& x = c.inputs[0].shape;
  Shape out(target->span<std::int64_t>().begin(), target->span<std::int64_t>().end());
  int infer_at = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0) {
      if (i >= x.size())
        throw_input("{}: 0 in the target shape copies a missing input dim", c.node.describe());
      out[i] = x[i];
    } else if (out[i] == -1) {
      if (infer_at >= 0) throw_input("{}: more than one -1 in the target shape", c.node.describe());
      infer_at = static_cast<int>(i);
    } else if (out[i] < -1) {
      throw_input("{}: invalid target dimension {}", c.node.describe(), out[i]);
    }
  }
  const std::int64_t total = product(x, 0, x.size());
  if (infer_at >= 0) {
    std::int64_t known = 1;
    bool unknown = total < 0;
    for (std::size_t i = 0; i < out.size(); ++i)
      if (static_cast<int>(i) != infer_at) {
        if (out[i] < 0)
          unknown = true;
        else
          known *= out[i];
      }
    out[static_cast<std::size_t>(infer_at)] = unknown || known == 0 ? -1 : total / known;
    if (!unknown && known != 0 && total % known != 0)
      throw_input("{}: cannot reshape {} to the target shape", c.node.describe(), core::shape_str(x));
  } else if (total >= 0 && product(out, 0, out.size()) >= 0 && product(out, 0, out.size()) != total) {
    throw_input("{}: cannot reshape {} ({} elements) to {}", c.node.describe(), core::shape_str(x), total,
                core::shape_str(out));
  }
  c.outputs = {ValueInfo{c.inputs[0].dtype, out}};
}

void infer_transpose(InferContext& c) {
  const auto& x = c.inputs[0].shape;
  std::vector<std::int64_t> perm = c.node.attr_ints("perm");
  if (perm.empty())
    for (std::size_t i = 0; i < x.size(); ++i) perm.push_back(static_cast<std::int64_t>(x.size() - 1 - i));
  if (perm.size() != x.size())
    throw_input("{}: perm has {} entries for rank {}", c.node.describe(), perm.size(), x.size());
  std::vector<std::int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<std::int64_t>(i))
      throw_input("{}: perm is not a permutation", c.node.describe());
  Shape out;
  for (auto p : perm) out.push_back(x[static_cast<std::size_t>(p)]);
  c.outputs = {ValueInfo{c.inputs[0].dtype, out}};
}

void infer_squeeze(InferContext& c) {
  const auto& x = c.inputs[0].shape;
  const auto rank = static_cast<std::int64_t>(x.size());
  std::vector<std::int64_t> axes = c.node.attr_ints("axes");
  for (auto& a : axes) a = normalize_axis(c.node, a, rank);
  Shape out;
  for (std::int64_t i = 0; i < rank; ++i) {
    const bool listed = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (listed && x[static_cast<std::size_t>(i)] > 1)
      throw_input("{}: cannot squeeze axis {} of size {}", c.node.describe(), i,
                  x[static_cast<std::size_t>(i)]);
    if (listed || (axes.empty() && x[static_cast<std::size_t>(i)] == 1)) continue;
    out.push_back(x[static_cast<std::size_t>(i)]);
  }
  c.outputs = {ValueInfo{c.inputs[0].dtype, out}};
}

void infer_unsqueeze(InferContext& c) {
  const auto& x = c.inputs[0].shape;
  std::vector<std::int64_t> axes = c.node.attr_ints("axes");
  const auto rank = static_cast<std::int64_t>(x.size() + axes.size());
  for (auto& a : axes) a = normalize_axis(c.node, a, rank);
  Shape out;
  std::size_t k = 0;
  for (std::int64_t i = 0; i < rank; ++i)
    out.push_back(std::find(axes.begin(), axes.end(), i) != axes.end() ? 1 : x[k++]);
  c.outputs = {ValueInfo{c.inputs[0].dtype, out}};
}
}  // namespace

std::vector<OpSchema> shape_schemas() {
  return {{"Flatten", "", 1, 1, infer_flatten, nullptr},
          {"Reshape", "", 2, 2, infer_reshape, nullptr},
          {"Transpose", "", 1, 1, infer_transpose, nullptr},
          {"Squeeze", "", 1, 1, infer_squeeze, nullptr},
          {"Unsqueeze", "", 1, 1, infer_unsqueeze, nullptr}};
}

}  // namespace edgeq::graph::ops
