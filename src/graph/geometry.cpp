#include "edgeq/graph/geometry.hpp"

#include <algorithm>
#include <cmath>

#include "edgeq/core/error.hpp"

namespace edgeq::graph {

Window2d resolve_window(const Node& node, std::int64_t in_h, std::int64_t in_w, std::int64_t kh,
                        std::int64_t kw) {
  Window2d w;
  const auto ks = node.attr_ints("kernel_shape");
  if (!ks.empty()) {
    if (ks.size() != 2)
      throw_input("{}: only 2-D windows are supported (kernel_shape has {} dims)", node.describe(),
                  ks.size());
    kh = ks[0], kw = ks[1];
  }
  w.kh = kh, w.kw = kw;
  const auto st = node.attr_ints("strides", {1, 1});
  const auto di = node.attr_ints("dilations", {1, 1});
  if (st.size() != 2 || di.size() != 2)
    throw_input("{}: strides and dilations must have 2 values", node.describe());
  w.sh = st[0], w.sw = st[1], w.dh = di[0], w.dw = di[1];
  if (w.kh < 1 || w.kw < 1 || w.sh < 1 || w.sw < 1 || w.dh < 1 || w.dw < 1)
    throw_input("{}: kernel, strides and dilations must be positive", node.describe());
  const std::int64_t ekh = (w.kh - 1) * w.dh + 1, ekw = (w.kw - 1) * w.dw + 1;
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    w.out_h = (in_h + w.sh - 1) / w.sh;
    w.out_w = (in_w + w.sw - 1) / w.sw;
    const std::int64_t ph = std::max<std::int64_t>(0, (w.out_h - 1) * w.sh + ekh - in_h);
    const std::int64_t pw = std::max<std::int64_t>(0, (w.out_w - 1) * w.sw + ekw - in_w);
    const bool upper = auto_pad == "SAME_UPPER";
    w.pad_top = upper ? ph / 2 : ph - ph / 2;
    w.pad_bottom = ph - w.pad_top;
    w.pad_left = upper ? pw / 2 : pw - pw / 2;
    w.pad_right = pw - w.pad_left;
    return w;
  }
  if (auto_pad != "NOTSET" && auto_pad != "VALID")
    throw_input("{}: unknown auto_pad '{}'", node.describe(), auto_pad);
  if (auto_pad == "NOTSET") {
    const auto pads = node.attr_ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4) throw_input("{}: pads must have 4 values for a 2-D window", node.describe());
    w.pad_top = pads[0], w.pad_left = pads[1], w.pad_bottom = pads[2], w.pad_right = pads[3];
    for (auto p : pads)
      if (p < 0) throw_input("{}: negative pads are not supported", node.describe());
  }
  auto out = [&](std::int64_t in, std::int64_t pad, std::int64_t ek, std::int64_t s) {
    const std::int64_t span = in + pad - ek;
    if (span < 0) return std::int64_t{0};
    return (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  };
  w.out_h = out(in_h, w.pad_top + w.pad_bottom, ekh, w.sh);
  w.out_w = out(in_w, w.pad_left + w.pad_right, ekw, w.sw);
  if (ceil_mode) {  // the last window must start inside the (left-)padded input
    if ((w.out_h - 1) * w.sh >= in_h + w.pad_top) --w.out_h;
    if ((w.out_w - 1) * w.sw >= in_w + w.pad_left) --w.out_w;
  }
  if (w.out_h <= 0 || w.out_w <= 0)
    throw_input("{}: window {}x{} does not fit the {}x{} input", node.describe(), ekh, ekw, in_h, in_w);
  return w;
}

std::pair<std::int64_t, std::int64_t> same_padding(std::int64_t in, std::int64_t k_eff, std::int64_t stride) {
  const std::int64_t out = (in + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + k_eff - in, 0);
  return {total / 2, total - total / 2};
}

Shape broadcast_shapes(const Node& node, const Shape& a, const Shape& b) {
  const std::size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const std::int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else if (da < 0 || db < 0)
      out[i] = std::max(da, db) < 0 ? -1 : std::max(da, db);
    else
      throw_input("{}: shapes {} and {} do not broadcast", node.describe(), core::shape_str(a),
                  core::shape_str(b));
  }
  return out;
}

std::int64_t normalize_axis(const Node& node, std::int64_t axis, std::int64_t rank) {
  if (axis < -rank || axis >= rank)
    throw_input("{}: axis {} out of range for rank {}", node.describe(), axis, rank);
  return axis < 0 ? axis + rank : axis;
}

double resize_source_coord(const std::string& mode, double o, double scale, std::int64_t in_len,
                           std::int64_t out_len) {
  if (mode == "asymmetric") return o / scale;
  if (mode == "align_corners")
    return out_len == 1 ? 0.0 : o * static_cast<double>(in_len - 1) / static_cast<double>(out_len - 1);
  if (mode == "pytorch_half_pixel") return out_len > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  return (o + 0.5) / scale - 0.5;  // half_pixel (default)
}

std::int64_t resize_nearest_index(const std::string& nearest_mode, double v, std::int64_t len) {
  std::int64_t k;
  if (nearest_mode == "floor")
    k = static_cast<std::int64_t>(std::floor(v));
  else if (nearest_mode == "ceil")
    k = static_cast<std::int64_t>(std::ceil(v));
  else if (nearest_mode == "round_prefer_ceil")
    k = static_cast<std::int64_t>(std::floor(v + 0.5));
  else
    k = static_cast<std::int64_t>(std::ceil(v - 0.5));  // round_prefer_floor
  return std::clamp<std::int64_t>(k, 0, len - 1);
}

}  // namespace edgeq::graph
