// Pad (pads [x1_begin, x2_begin, ..., x1_end, ...], mode constant/reflect/edge, value) and Resize (4-D,
// scales or sizes attribute in the IR; modes nearest / linear). Upsample (opset 7-9) is imported as Resize.
#include <cmath>

#include "edgeq/core/error.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void infer_pad(InferContext& c) {
  const auto& x = c.inputs[0].shape;
  const auto pads = c.node.attr_ints("pads");
  if (pads.size() != 2 * x.size())
    throw_input("{}: pads has {} values for rank {}", c.node.describe(), pads.size(), x.size());
  const std::string mode = c.node.attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    throw_input("{}: unsupported pad mode '{}'", c.node.describe(), mode);
  Shape out = x;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (pads[i] < 0 || pads[i + x.size()] < 0)
      throw_input("{}: negative pads (cropping) are not supported", c.node.describe());
    if (x[i] >= 0) out[i] = x[i] + pads[i] + pads[i + x.size()];
  }
  c.outputs = {ValueInfo{c.inputs[0].dtype, out}};
}

void infer_resize(InferContext& c) {
  c.expect_rank(0, 4);
  const auto& x = c.inputs[0].shape;
  const std::string mode = c.node.attr_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    throw_input("{}: unsupported resize mode '{}'", c.node.describe(), mode);
  Shape out = x;
  const auto sizes = c.node.attr_ints("sizes");
  if (!sizes.empty()) {
    if (sizes.size() != 4) throw_input("{}: sizes must have 4 values", c.node.describe());
    out = Shape(sizes.begin(), sizes.end());
    if (x[0] < 0) out[0] = -1;
  } else {
    auto it = c.node.attrs.find("scales");
    const auto* scales = it == c.node.attrs.end() ? nullptr : std::get_if<std::vector<float>>(&it->second);
    if (!scales || scales->size() != 4)
      throw_input("{}: Resize needs 4 scales or 4 sizes", c.node.describe());
    for (std::size_t i = 0; i < 4; ++i)
      if (x[i] >= 0) out[i] = static_cast<std::int64_t>(std::floor(static_cast<double>(x[i]) * (*scales)[i]));
  }
  c.outputs = {ValueInfo{DType::F32, out}};
}
}  // namespace

std::vector<OpSchema> pad_resize_schemas() {
  return {{"Pad", "", 1, 1, infer_pad, nullptr}, {"Resize", "", 1, 1, infer_resize, nullptr}};
}

}  // namespace edgeq::graph::ops
