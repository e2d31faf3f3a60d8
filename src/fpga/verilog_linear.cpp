// Linear layers (Dense, unrolled Conv, BatchNorm) in Verilog: fully parallel with constant multiplications
// (ReuseFactor 1) or with shared multipliers (ReuseFactor > 1). See verilog.hpp for the schedule.
#include <fmt/format.h>

#include <algorithm>

#include "edgeq/fpga/fixed_cast.hpp"
#include "edgeq/fpga/verilog.hpp"
#include "verilog_layers.hpp"

namespace edgeq::fpga::rtl {

namespace {

/// Header shared by both forms: ports, input slices (x_i, extended to signed xw bits).
void header(std::string& b, const std::string& module, const FixedLayer& l) {
  auto out = std::back_inserter(b);
  fmt::format_to(out,
                 "// {} '{}': {} -> {} values, {} -> {}\n"
                 "module {} (\n  input wire clk,\n  input wire rst,\n  input wire in_valid,\n"
                 "  input wire [{}:0] in_data,\n  output reg out_valid,\n  output reg [{}:0] out_data\n);\n",
                 l.kind, l.name, l.n_in, l.n_out, l.in_t.str(), l.out_t.str(), module,
                 l.n_in * l.in_t.width - 1, l.n_out * l.out_t.width - 1);
}

}  // namespace

LayerHardware linear_module(std::string& b, const std::string& module, const FixedLayer& l,
                            const LinearOp& op, const VerilogOptions& opt) {
  LayerHardware hw;
  hw.zero_weights = op.dropped_zero_weights;
  auto out = std::back_inserter(b);
  header(b, module, l);
  const Operand x{l.in_t.width, frac_bits(l.in_t), l.in_t.is_signed};
  const int xw = x.is_signed ? x.width : x.width + 1;                       // input as a signed number
  const int pw = xw + op.weight_t.width + (op.weight_t.is_signed ? 0 : 1);  // exact product width
  const Operand product{pw, x.frac + frac_bits(op.weight_t), true};
  const Operand acc = operand(op.accum_t);
  const int wa = op.accum_t.width, wo = l.out_t.width,
            ww = op.weight_t.width + (op.weight_t.is_signed ? 0 : 1);
  b += cast_function("to_accum", product, op.accum_t);
  b += cast_function("bias_to_accum", operand(op.bias_t), op.accum_t);
  b += cast_function("to_result", acc, l.out_t);
  const int rf = l.reuse_factor;
  const std::string src = rf == 1 ? "in_data" : "x_reg";
  if (rf > 1) fmt::format_to(out, "  reg [{}:0] x_reg;\n", l.n_in * x.width - 1);
  for (int i = 0; i < l.n_in; ++i)
    fmt::format_to(
        out, "  wire [{}:0] x{} = {};\n", pw - 1, i,
        extend(fmt::format("{}[{}:{}]", src, (i + 1) * x.width - 1, i * x.width), x.width, x.is_signed, pw));
  auto bias_expr = [&](std::size_t j) {
    return fmt::format("bias_to_accum({})", literal(op.bias[j], op.bias_t.width));
  };
  if (rf == 1) {
    hw.latency = 2;
    std::string regs, assigns;
    for (std::size_t j = 0; j < op.terms.size(); ++j) {
      for (std::size_t k = 0; k < op.terms[j].size(); ++k) {
        const Term& t = op.terms[j][k];
        const auto digits = csd_digits(t.weight);
        std::string expr;
        if (digits.size() == 1 || static_cast<int>(digits.size()) <= opt.csd_max_digits) {
          for (const auto& [sh, sign] : digits) {
            const std::string term =
                sh == 0 ? fmt::format("x{}", t.input) : fmt::format("(x{} << {})", t.input, sh);
            expr += expr.empty() ? (sign > 0 ? term : "-" + term) : (sign > 0 ? " + " : " - ") + term;
          }
          (digits.size() == 1 ? hw.shifts : hw.shift_add) += 1;
        } else {
          expr = fmt::format("$signed(x{}) * $signed({})", t.input, literal(t.weight, pw));
          ++hw.const_multipliers;
        }
        fmt::format_to(std::back_inserter(regs), "  wire [{}:0] p{}_{} = {};\n  reg [{}:0] m{}_{};\n", pw - 1,
                       j, k, expr, wa - 1, j, k);
        fmt::format_to(std::back_inserter(assigns), "      m{}_{} <= to_accum(p{}_{});\n", j, k, j, k);
      }
    }
    b += regs;
    fmt::format_to(out,
                   "  reg v1;\n  always @(posedge clk) begin\n    v1 <= rst ? 1'b0 : in_valid;\n{}  end\n",
                   assigns);
    std::string sums;
    for (std::size_t j = 0; j < op.terms.size(); ++j) {
      std::string e = bias_expr(j);
      for (std::size_t k = 0; k < op.terms[j].size(); ++k) e += fmt::format(" + m{}_{}", j, k);
      fmt::format_to(out, "  wire [{}:0] acc{} = {};\n", wa - 1, j, e);
      fmt::format_to(std::back_inserter(sums), "    out_data[{}:{}] <= to_result(acc{});\n", (j + 1) * wo - 1,
                     j * wo, j);
    }
    fmt::format_to(out,
                   "  always @(posedge clk) begin\n    out_valid <= rst ? 1'b0 : v1;\n{}  end\nendmodule\n\n",
                   sums);
    return hw;
  }
  // ReuseFactor > 1: shared multipliers, one chunk of each output's products per cycle.
  hw.latency = rf + 2;
  hw.ii = rf;
  int cw = 1;
  while ((1 << cw) < rf) ++cw;
  fmt::format_to(out,
                 "  reg [{}:0] cnt;\n  reg busy, mv, m_first, m_last;\n"
                 "  always @(posedge clk) begin\n"
                 "    if (rst) busy <= 1'b0;\n"
                 "    else if (in_valid) begin x_reg <= in_data; cnt <= 0; busy <= 1'b1; end\n"
                 "    else if (busy && cnt == {}) busy <= 1'b0;\n"
                 "    else if (busy) cnt <= cnt + 1'b1;\n"
                 "  end\n",
                 cw - 1, literal(rf - 1, cw));
  std::string mregs, accs, results;
  for (std::size_t j = 0; j < op.terms.size(); ++j) {
    const auto& terms = op.terms[j];
    const std::size_t chunk =
        (terms.size() + static_cast<std::size_t>(rf) - 1) / static_cast<std::size_t>(rf);
    std::string chunk_sum = "0";
    for (std::size_t s = 0; s < chunk; ++s) {
      const std::string id = fmt::format("{}_{}", j, s);
      std::string xs, ws;
      for (int c = 0; c < rf; ++c) {
        const std::size_t idx = static_cast<std::size_t>(c) * chunk + s;
        const bool has = idx < terms.size();
        fmt::format_to(std::back_inserter(xs), "      {}: xs{} = {};\n", literal(c, cw), id,
                       has ? fmt::format("x{}", terms[idx].input) : literal(0, pw));
        fmt::format_to(std::back_inserter(ws), "      {}: ws{} = {};\n", literal(c, cw), id,
                       literal(has ? terms[idx].weight : 0, ww));
      }
      fmt::format_to(out,
                     "  reg [{0}:0] xs{3};\n  reg [{1}:0] ws{3};\n  reg [{2}:0] m{3};\n"
                     "  always @* begin\n    case (cnt)\n{4}      default: xs{3} = {5};\n    endcase\n"
                     "    case (cnt)\n{6}      default: ws{3} = {7};\n    endcase\n  end\n"
                     "  wire [{0}:0] pr{3} = $signed(xs{3}) * $signed(ws{3});\n",
                     pw - 1, ww - 1, wa - 1, id, xs, literal(0, pw), ws, literal(0, ww));
      fmt::format_to(std::back_inserter(mregs), "      m{0} <= to_accum(pr{0});\n", id);
      chunk_sum += fmt::format(" + m{}", id);
      ++hw.shared_multipliers;
    }
    fmt::format_to(out, "  reg [{}:0] acc{};\n  wire [{}:0] next{} = (m_first ? {} : acc{}) + {};\n", wa - 1,
                   j, wa - 1, j, bias_expr(j), j, chunk_sum);
    fmt::format_to(std::back_inserter(accs), "      acc{0} <= next{0};\n", j);
    fmt::format_to(std::back_inserter(results), "      out_data[{}:{}] <= to_result(next{});\n",
                   (j + 1) * wo - 1, j * wo, j);
  }
  fmt::format_to(out,
                 "  always @(posedge clk) begin\n    mv <= rst ? 1'b0 : busy;\n    m_first <= cnt == 0;\n"
                 "    m_last <= cnt == {};\n{}  end\n",
                 literal(rf - 1, cw), mregs);
  fmt::format_to(out,
                 "  always @(posedge clk) begin\n    out_valid <= rst ? 1'b0 : (mv && m_last);\n"
                 "    if (mv) begin\n{}    end\n    if (mv && m_last) begin\n{}    end\n  end\nendmodule\n\n",
                 accs, results);
  return hw;
}

}  // namespace edgeq::fpga::rtl
