// hls4ml's table softmax (nnet_activation.h, softmax_stable / softmax_latency), in integer codes:
//   stable:  d[i] = x[i] - max(x) in ap_fixed<W_in, I_in, AP_RND, AP_SAT>; latency: d[i] = x[i]
//   e[i] = exp_table[top N bits of d[i]]                         (codes in exp_table_t)
//   s    = balanced-tree sum of e in exp_table_t (each partial sum assigned to exp_table_t; the tree splits
//          n into 2^floor(log2(n - 1)) and the rest, nnet_common.h reduce)
//   inv  = inv_table[top N bits of s]                            (codes in inv_table_t)
//   y[i] = result(e[i] * inv)
// with N = log2(table_size). The tables are built as hls4ml builds them: entry k is exp (resp. 1/x) of the
// value whose top N bits are k and whose other bits are 0 (in the input type, resp. exp_table_t), computed in
// float and assigned to the table type. 1/0 (entry 0 of the inverse table) is stored as the largest inv code;
// ap_fixed's conversion of infinity is not specified.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeq/fpga/network.hpp"

namespace edgeq::fpga {

/// Builds the tables; Error(BadInput) naming `layer` when table_size needs more index bits than the input or
/// exp_table_t has.
SoftmaxOp make_softmax(const core::ApFixed& in_t, const LayerSettings& settings, const std::string& layer);

/// The table index of a code: its top `bits` bits as an unsigned number.
inline int table_index(std::int64_t code, const core::ApFixed& t, int bits) {
  const auto u = static_cast<std::uint64_t>(code) & ((std::uint64_t{1} << t.width) - 1);
  return static_cast<int>(u >> (t.width - bits));
}

/// Type of the stable implementation's differences: ap_fixed<W_in, I_in, AP_RND, AP_SAT>.
core::ApFixed softmax_diff_type(const core::ApFixed& in_t);

/// Runs the softmax on codes of in_t; adds the number of overflowing assignments (exp sum, results) to
/// `overflows`.
std::vector<std::int64_t> run_softmax(const SoftmaxOp& op, const core::ApFixed& in_t,
                                      const core::ApFixed& out_t, std::span<const std::int64_t> x,
                                      std::int64_t& overflows);

/// Left size of hls4ml's balanced reduce over n >= 2 values: 2^floor(log2(n - 1)).
int reduce_left(int n);

}  // namespace edgeq::fpga
