// Verilog generation for a lowered network (network.hpp): one module per layer, a top module chaining them,
// and a self-checking-free testbench that streams input vectors from a hex file and writes the outputs and
// the measured latency, for comparison with the emulator (emulator.hpp), which the design equals bit for bit.
//
// Interface of the top module (and of every layer module):
//   input clk, rst (synchronous, active high), in_valid, in_data[N_in * W_in]; output out_valid,
//   out_data[N_out * W_out]; element k occupies bits [k*W + W-1 : k*W] (two's complement for signed types).
// A vector presented with in_valid in cycle t appears with out_valid in cycle t + latency. Inputs may arrive
// every `ii` cycles (ii = the largest ReuseFactor).
// Layers (pipeline stages are registers):
//   Linear, ReuseFactor 1 (fully parallel): stage 1 = every product of the input with its constant weight,
//     assigned to accum_t; stage 2 = bias + adder tree in accum_t (wrapping), assigned to result_t.
//     Constant multiplications exploit the weights: zero weights have no hardware, +-2^k is a shift, weights
//     whose canonical signed digit form has at most csd_max_digits non-zero digits become shifts and adds
//     (LUT logic), the others a `*` by a constant (which synthesis may map to a DSP). Latency 2.
//   Linear, ReuseFactor R > 1: each output's products are split into R chunks; ceil(products / R) shared
//     multipliers per output take operands from multiplexers over the chunk index, one chunk per cycle, and
//     an accumulator adds each chunk; the result is assigned after the last. Latency R + 2, ii R.
//   Relu: one register stage (latency 1). Permute: wires (latency 0).
//   Softmax: exp-table lookups (registered ROM reads) / exp sum and inverse lookup / products (latency 3).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeq/fpga/network.hpp"

namespace edgeq::fpga {

struct VerilogOptions {
  std::string top = "edgeq_net";
  int csd_max_digits = 3;  ///< constant multiplications with more non-zero CSD digits use `*`
};

struct LayerHardware {
  std::string name, module, kind;
  int latency = 0, ii = 1;
  std::int64_t shared_multipliers = 0;  ///< ReuseFactor > 1: general multipliers
  std::int64_t const_multipliers = 0;   ///< `*` by a constant
  std::int64_t shift_add = 0;           ///< constants built from shifts and adds
  std::int64_t shifts = 0;              ///< +-2^k weights
  std::int64_t zero_weights = 0;        ///< dropped
};

struct VerilogDesign {
  std::string top;
  std::vector<std::pair<std::string, std::string>> files;  ///< file name, text (the RTL)
  std::vector<LayerHardware> layers;
  int latency = 0;  ///< cycles
  int ii = 1;       ///< initiation interval, cycles
};

/// Generates the RTL. Error(BadInput) for a top name that is not a Verilog identifier.
VerilogDesign generate_verilog(const FixedNetwork& net, const VerilogOptions& options = {});

/// Testbench module `tb` for the design: reads +inputs=FILE (one packed input vector per line, hex), drives
/// one vector every ii cycles, writes +outputs=FILE (one packed output vector per line, hex) and prints
/// "EDGEQ_TB latency=<cycles> samples=<n>"; stops with an error message when a latency differs.
std::string generate_testbench(const FixedNetwork& net, const VerilogDesign& design);

/// A packed vector as hex digits (element 0 in the low bits), codes of type t.
std::string pack_hex(std::span<const std::int64_t> codes, const core::ApFixed& t);
/// The inverse of pack_hex for `count` elements; Error(BadInput) for a malformed line.
std::vector<std::int64_t> unpack_hex(const std::string& line, int count, const core::ApFixed& t);

/// Canonical signed digit form of c: (shift, sign) pairs with c = sum sign * 2^shift (non-adjacent form).
std::vector<std::pair<int, int>> csd_digits(std::int64_t c);

}  // namespace edgeq::fpga
