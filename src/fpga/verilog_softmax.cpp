// Relu, Permute and Softmax layers in Verilog (see verilog.hpp and softmax.hpp).
#include <fmt/format.h>

#include "edgeq/fpga/fixed_cast.hpp"
#include "edgeq/fpga/softmax.hpp"
#include "verilog_layers.hpp"

namespace edgeq::fpga::rtl {

namespace {

std::string ports(const std::string& module, const FixedLayer& l, bool registered) {
  return fmt::format(
      "// {} '{}': {} values, {} -> {}\n"
      "module {} (\n  input wire clk,\n  input wire rst,\n  input wire in_valid,\n  input wire [{}:0] "
      "in_data,\n"
      "  output {} out_valid,\n  output {} [{}:0] out_data\n);\n",
      l.kind, l.name, l.n_out, l.in_t.str(), l.out_t.str(), module, l.n_in * l.in_t.width - 1,
      registered ? "reg" : "wire", registered ? "reg" : "wire", l.n_out * l.out_t.width - 1);
}

std::string slice(const std::string& bus, int k, int w) {
  return fmt::format("{}[{}:{}]", bus, (k + 1) * w - 1, k * w);
}

/// Balanced sum in hls4ml's reduce order, every partial sum assigned by function `add`; returns the
/// expression.
std::string tree(const std::vector<std::string>& e, std::size_t lo, std::size_t n) {
  if (n == 1) return e[lo];
  const std::size_t left = static_cast<std::size_t>(reduce_left(static_cast<int>(n)));
  return fmt::format("add({}, {})", tree(e, lo, left), tree(e, lo + left, n - left));
}

}  // namespace

LayerHardware relu_module(std::string& b, const std::string& module, const FixedLayer& l) {
  LayerHardware hw;
  hw.latency = 1;
  b += ports(module, l, true);
  b += cast_function("to_result", operand(l.in_t), l.out_t);
  std::string body;
  const int wi = l.in_t.width, wo = l.out_t.width;
  for (int k = 0; k < l.n_out; ++k) {
    const std::string x = slice("in_data", k, wi);
    const std::string v =
        l.in_t.is_signed ? fmt::format("({}[{}] ? {} : {})", "in_data", (k + 1) * wi - 1, literal(0, wi), x)
                         : x;
    body += fmt::format("    {} <= to_result({});\n", slice("out_data", k, wo), v);
  }
  b += fmt::format(
      "  always @(posedge clk) begin\n    out_valid <= rst ? 1'b0 : in_valid;\n{}  end\nendmodule\n\n", body);
  return hw;
}

LayerHardware permute_module(std::string& b, const std::string& module, const FixedLayer& l,
                             const PermuteOp& op) {
  LayerHardware hw;
  b += ports(module, l, false);
  b += "  assign out_valid = in_valid;\n";
  const int w = l.in_t.width;
  for (int k = 0; k < l.n_out; ++k)
    b += fmt::format("  assign {} = {};\n", slice("out_data", k, w),
                     slice("in_data", op.source[static_cast<std::size_t>(k)], w));
  b += "  wire unused = &{1'b0, clk, rst};\nendmodule\n\n";
  return hw;
}

LayerHardware softmax_module(std::string& b, const std::string& module, const FixedLayer& l,
                             const SoftmaxOp& op) {
  LayerHardware hw;
  hw.latency = 3;
  auto out = std::back_inserter(b);
  b += ports(module, l, true);
  const int n = l.n_out, wi = l.in_t.width, we = op.exp_t.width, wv = op.inv_t.width, wo = l.out_t.width;
  const int nb = op.index_bits, size = 1 << nb;
  const core::ApFixed d_t = softmax_diff_type(l.in_t);
  // Sum of two exp codes, assigned to exp_table_t; products of exp and inverse, assigned to the result.
  b += cast_function("add_cast", {we + 1, frac_bits(op.exp_t), op.exp_t.is_signed}, op.exp_t);
  fmt::format_to(out,
                 "  function automatic [{0}:0] add(input [{0}:0] a, input [{0}:0] c);\n    add = "
                 "add_cast({1} + {2});\n  endfunction\n",
                 we - 1, extend("a", we, op.exp_t.is_signed, we + 1),
                 extend("c", we, op.exp_t.is_signed, we + 1));
  const int ew = we + (op.exp_t.is_signed ? 0 : 1), vw = wv + (op.inv_t.is_signed ? 0 : 1);
  b += cast_function("to_result", {ew + vw, frac_bits(op.exp_t) + frac_bits(op.inv_t), true}, l.out_t);
  fmt::format_to(out, "  reg [{}:0] exp_rom [0:{}];\n  reg [{}:0] inv_rom [0:{}];\n  initial begin\n", we - 1,
                 size - 1, wv - 1, size - 1);
  for (int k = 0; k < size; ++k)
    fmt::format_to(out, "    exp_rom[{}] = {}; inv_rom[{}] = {};\n", k,
                   literal(op.exp_table[static_cast<std::size_t>(k)], we), k,
                   literal(op.inv_table[static_cast<std::size_t>(k)], wv));
  b += "  end\n";
  // Stage 1: indices (stable: from x - max(x), rounded and saturated to d_t) and exp lookups.
  std::vector<std::string> idx(static_cast<std::size_t>(n));
  if (op.impl == SoftmaxImpl::Stable) {
    b += cast_function("to_diff", {wi + 2, frac_bits(l.in_t), true}, d_t);
    const int xw = wi + (l.in_t.is_signed ? 0 : 1);
    fmt::format_to(out,
                   "  function automatic [{0}:0] mx(input [{0}:0] a, input [{0}:0] c);\n    mx = ($signed(a) "
                   ">= $signed(c)) ? a : c;\n  endfunction\n",
                   xw - 1);
    std::vector<std::string> xs;
    for (int k = 0; k < n; ++k) {
      fmt::format_to(out, "  wire [{}:0] x{} = {};\n", xw - 1, k,
                     extend(slice("in_data", k, wi), wi, l.in_t.is_signed, xw));
      xs.push_back(fmt::format("x{}", k));
    }
    std::string m = xs[0];
    for (int k = 1; k < n; ++k) m = fmt::format("mx({}, {})", m, xs[static_cast<std::size_t>(k)]);
    fmt::format_to(out, "  wire [{}:0] xmax = {};\n", xw - 1, m);
    for (int k = 0; k < n; ++k) {
      fmt::format_to(out, "  wire [{}:0] d{} = to_diff({} - {});\n", wi - 1, k,
                     extend(fmt::format("x{}", k), xw, true, wi + 2), extend("xmax", xw, true, wi + 2));
      idx[static_cast<std::size_t>(k)] = fmt::format("d{}[{}:{}]", k, wi - 1, wi - nb);
    }
  } else {
    for (int k = 0; k < n; ++k)
      idx[static_cast<std::size_t>(k)] = fmt::format("in_data[{}:{}]", (k + 1) * wi - 1, (k + 1) * wi - nb);
  }
  std::string s1, s2, s3;
  std::vector<std::string> e;
  for (int k = 0; k < n; ++k) {
    fmt::format_to(out, "  reg [{0}:0] e{1};\n  reg [{0}:0] ed{1};\n", we - 1, k);
    s1 += fmt::format("    e{} <= exp_rom[{}];\n", k, idx[static_cast<std::size_t>(k)]);
    s2 += fmt::format("    ed{0} <= e{0};\n", k);
    e.push_back(fmt::format("e{}", k));
    s3 += fmt::format("    {} <= to_result($signed({}) * $signed({}));\n", slice("out_data", k, wo),
                      extend(fmt::format("ed{}", k), we, op.exp_t.is_signed, ew + vw),
                      extend("inv", wv, op.inv_t.is_signed, ew + vw));
  }
  fmt::format_to(out, "  wire [{}:0] esum = {};\n  reg [{}:0] inv;\n  reg v1, v2;\n", we - 1,
                 tree(e, 0, e.size()), wv - 1);
  fmt::format_to(out, "  always @(posedge clk) begin\n    v1 <= rst ? 1'b0 : in_valid;\n{}  end\n", s1);
  fmt::format_to(out,
                 "  always @(posedge clk) begin\n    v2 <= rst ? 1'b0 : v1;\n    inv <= "
                 "inv_rom[esum[{}:{}]];\n{}  end\n",
                 we - 1, we - nb, s2);
  fmt::format_to(
      out, "  always @(posedge clk) begin\n    out_valid <= rst ? 1'b0 : v2;\n{}  end\nendmodule\n\n", s3);
  return hw;
}

}  // namespace edgeq::fpga::rtl
