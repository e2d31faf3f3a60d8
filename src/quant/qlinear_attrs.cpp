#include "edgeq/quant/qlinear_attrs.hpp"

#include <algorithm>

#include "edgeq/core/error.hpp"

namespace edgeq::quant {

namespace {
std::int32_t need_int(const graph::Node& n, const char* key) {
  if (!n.has(key)) throw_input("{}: missing integer attribute '{}'", n.describe(), key);
  return static_cast<std::int32_t>(n.attr_int(key, 0));
}

QuantizedMultiplier read_multiplier(const graph::Node& n, const std::string& prefix) {
  return {need_int(n, (prefix + "_multiplier").c_str()), need_int(n, (prefix + "_shift").c_str())};
}

void write_multiplier(graph::Node& n, const std::string& prefix, QuantizedMultiplier m) {
  n.attrs[prefix + "_multiplier"] = std::int64_t{m.multiplier};
  n.attrs[prefix + "_shift"] = std::int64_t{m.shift};
}
}  // namespace

void Requantisation::write(graph::Node& node) const {
  node.attrs["x_zero_point"] = std::int64_t{x_zero_point};
  node.attrs["w_zero_point"] = std::int64_t{w_zero_point};
  node.attrs["y_zero_point"] = std::int64_t{y_zero_point};
  node.attrs["y_min"] = std::int64_t{y_min};
  node.attrs["y_max"] = std::int64_t{y_max};
  std::vector<std::int64_t> mult, shift;
  for (const auto& m : multipliers) mult.push_back(m.multiplier), shift.push_back(m.shift);
  node.attrs["multiplier"] = mult;
  node.attrs["shift"] = shift;
  node.attrs["real_multiplier"] = real_multipliers;
}

Requantisation Requantisation::read(const graph::Node& node) {
  Requantisation r;
  r.x_zero_point = need_int(node, "x_zero_point");
  r.w_zero_point = need_int(node, "w_zero_point");
  r.y_zero_point = need_int(node, "y_zero_point");
  r.y_min = need_int(node, "y_min");
  r.y_max = need_int(node, "y_max");
  const auto mult = node.attr_ints("multiplier"), shift = node.attr_ints("shift");
  if (mult.empty() || mult.size() != shift.size())
    throw_input("{}: multiplier and shift must have the same, non-zero length", node.describe());
  for (std::size_t i = 0; i < mult.size(); ++i)
    r.multipliers.push_back({static_cast<std::int32_t>(mult[i]), static_cast<int>(shift[i])});
  if (auto it = node.attrs.find("real_multiplier"); it != node.attrs.end())
    if (const auto* v = std::get_if<std::vector<float>>(&it->second)) r.real_multipliers = *v;
  return r;
}

AddRequantisation AddRequantisation::from_scales(float sa, float sb, float sy, int left_shift) {
  AddRequantisation r;
  r.left_shift = left_shift;
  const double twice_max = 2.0 * std::max<double>(sa, sb);
  r.a = quantize_multiplier(sa / twice_max);
  r.b = quantize_multiplier(sb / twice_max);
  r.y = quantize_multiplier(twice_max / (static_cast<double>(std::int64_t{1} << left_shift) * sy));
  return r;
}

void AddRequantisation::write(graph::Node& node) const {
  node.attrs["a_zero_point"] = std::int64_t{a_zero_point};
  node.attrs["b_zero_point"] = std::int64_t{b_zero_point};
  node.attrs["y_zero_point"] = std::int64_t{y_zero_point};
  node.attrs["y_min"] = std::int64_t{y_min};
  node.attrs["y_max"] = std::int64_t{y_max};
  node.attrs["left_shift"] = std::int64_t{left_shift};
  write_multiplier(node, "a", a);
  write_multiplier(node, "b", b);
  write_multiplier(node, "y", y);
}

AddRequantisation AddRequantisation::read(const graph::Node& node) {
  AddRequantisation r;
  r.a_zero_point = need_int(node, "a_zero_point");
  r.b_zero_point = need_int(node, "b_zero_point");
  r.y_zero_point = need_int(node, "y_zero_point");
  r.y_min = need_int(node, "y_min");
  r.y_max = need_int(node, "y_max");
  r.left_shift = need_int(node, "left_shift");
  r.a = read_multiplier(node, "a");
  r.b = read_multiplier(node, "b");
  r.y = read_multiplier(node, "y");
  return r;
}

double global_pool_real_multiplier(const graph::Node& node) {
  if (node.has("x_scale") && node.has("y_scale"))
    return static_cast<double>(node.attr_float("x_scale", 1.0f)) /
           static_cast<double>(node.attr_float("y_scale", 1.0f));
  return node.attr_float("real_multiplier", 1.0f);
}

}  // namespace edgeq::quant
