// Per-layer module generators (internal to the Verilog generator).
#pragma once

#include <string>

#include "edgeq/fpga/verilog.hpp"
#include "verilog_internal.hpp"

namespace edgeq::fpga::rtl {

/// Each appends `module <module> ... endmodule` to b and returns the layer's hardware summary.
LayerHardware linear_module(std::string& b, const std::string& module, const FixedLayer& l,
                            const LinearOp& op, const VerilogOptions& opt);
LayerHardware relu_module(std::string& b, const std::string& module, const FixedLayer& l);
LayerHardware permute_module(std::string& b, const std::string& module, const FixedLayer& l,
                             const PermuteOp& op);
LayerHardware softmax_module(std::string& b, const std::string& module, const FixedLayer& l,
                             const SoftmaxOp& op);

}  // namespace edgeq::fpga::rtl
