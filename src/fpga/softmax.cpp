#include "edgeq/fpga/softmax.hpp"

#include <algorithm>
#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/fixed_cast.hpp"

namespace edgeq::fpga {

namespace {

/// The real value whose top `bits` bits (of type t) are k and whose other bits are 0.
float value_of_index(int k, const core::ApFixed& t, int bits) {
  auto code = static_cast<std::int64_t>(k) << (t.width - bits);
  if (t.is_signed && code > t.max_code()) code -= std::int64_t{1} << t.width;
  return static_cast<float>(static_cast<double>(code) * t.step());
}

/// Sum with every partial sum assigned to t, in hls4ml's balanced order.
std::int64_t tree_sum(std::span<const std::int64_t> e, const core::ApFixed& t, std::int64_t& overflows) {
  if (e.size() == 1) return e[0];
  const int n = static_cast<int>(e.size());
  const int left = reduce_left(n);
  const std::int64_t a = tree_sum(e.subspan(0, static_cast<std::size_t>(left)), t, overflows);
  const std::int64_t b = tree_sum(e.subspan(static_cast<std::size_t>(left)), t, overflows);
  const auto r = cast_code(a + b, frac_bits(t), t);
  overflows += r.overflow ? 1 : 0;
  return r.code;
}

}  // namespace

int reduce_left(int n) {
  int p = 1;
  while (p * 2 <= n - 1) p *= 2;
  return p;
}

core::ApFixed softmax_diff_type(const core::ApFixed& in_t) {
  core::ApFixed d = in_t;
  d.is_signed = true;
  d.rounding = core::ApRounding::Rnd;
  d.overflow = core::ApOverflow::Sat;
  return d;
}

SoftmaxOp make_softmax(const core::ApFixed& in_t, const LayerSettings& s, const std::string& layer) {
  SoftmaxOp op;
  op.exp_t = s.exp_table;
  op.inv_t = s.inv_table;
  op.impl = s.softmax;
  int bits = 0;
  while ((1 << bits) < s.table_size) ++bits;
  op.index_bits = bits;
  if (bits > in_t.width)
    throw_input("layer '{}': table_size {} needs {} index bits but its input {} has {}", layer, s.table_size,
                bits, in_t.str(), in_t.width);
  if (bits > op.exp_t.width)
    throw_input("layer '{}': table_size {} needs {} index bits but exp_table_t {} has {}", layer,
                s.table_size, bits, op.exp_t.str(), op.exp_t.width);
  op.exp_table.resize(static_cast<std::size_t>(s.table_size));
  op.inv_table.resize(static_cast<std::size_t>(s.table_size));
  for (int k = 0; k < s.table_size; ++k) {
    // hls4ml builds the exp table from the layer's input type in both implementations.
    const float x = value_of_index(k, in_t, bits);
    op.exp_table[static_cast<std::size_t>(k)] = op.exp_t.code(static_cast<double>(std::exp(x)));
    const float e = value_of_index(k, op.exp_t, bits);
    op.inv_table[static_cast<std::size_t>(k)] =
        e == 0.0f ? op.inv_t.max_code() : op.inv_t.code(static_cast<double>(1.0f / e));
  }
  return op;
}

std::vector<std::int64_t> run_softmax(const SoftmaxOp& op, const core::ApFixed& in_t,
                                      const core::ApFixed& out_t, std::span<const std::int64_t> x,
                                      std::int64_t& overflows) {
  const std::size_t n = x.size();
  std::vector<std::int64_t> e(n);
  if (op.impl == SoftmaxImpl::Stable) {
    const core::ApFixed d_t = softmax_diff_type(in_t);
    const std::int64_t mx = *std::max_element(x.begin(), x.end());
    for (std::size_t i = 0; i < n; ++i) {
      const auto d = cast_code(x[i] - mx, frac_bits(in_t), d_t).code;
      e[i] = op.exp_table[static_cast<std::size_t>(table_index(d, d_t, op.index_bits))];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i)
      e[i] = op.exp_table[static_cast<std::size_t>(table_index(x[i], in_t, op.index_bits))];
  }
  const std::int64_t sum = tree_sum(e, op.exp_t, overflows);
  const std::int64_t inv = op.inv_table[static_cast<std::size_t>(table_index(sum, op.exp_t, op.index_bits))];
  std::vector<std::int64_t> y(n);
  const int frac = frac_bits(op.exp_t) + frac_bits(op.inv_t);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = cast_code(e[i] * inv, frac, out_t);
    overflows += r.overflow ? 1 : 0;
    y[i] = r.code;
  }
  return y;
}

}  // namespace edgeq::fpga
