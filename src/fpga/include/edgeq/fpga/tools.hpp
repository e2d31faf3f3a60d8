// Running the open hardware tools on a generated design: Verilator (simulation of the testbench) and Yosys
// (synth_xilinx resource estimate). Both are optional at build time; callers check tool_path() first.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "edgeq/fpga/network.hpp"
#include "edgeq/fpga/verilog.hpp"

namespace edgeq::fpga {

/// Full path of an executable found in PATH, or empty.
std::string tool_path(const std::string& name);

struct SimulationResult {
  std::vector<std::vector<std::int64_t>> outputs;  ///< one vector of output codes per input
  int latency = 0;                                 ///< as measured by the testbench, cycles
  double build_seconds = 0, run_seconds = 0;
};

/// Builds the testbench and design in `dir` with `verilator --binary --timing` (logs in dir/verilator.log),
/// simulates the packed input file, reads the outputs. Error(Internal) naming the log when a step fails.
SimulationResult simulate_verilator(const std::string& dir, const std::vector<std::string>& rtl_files,
                                    const std::string& testbench, const std::string& inputs_hex,
                                    const FixedNetwork& net, int jobs);

/// Xilinx primitives of a synthesised design, summed into the usual classes.
struct Resources {
  std::int64_t lut = 0, ff = 0, dsp = 0, carry = 0, lutram = 0, mux = 0;
  double bram36 = 0;                          ///< RAMB36 equivalents (a RAMB18 counts one half)
  std::map<std::string, std::int64_t> cells;  ///< every cell type
};

struct SynthesisResult {
  Resources total;
  std::map<std::string, Resources> per_module;  ///< layer modules (hierarchy kept)
  double seconds = 0;
};

/// Runs `yosys` synth_xilinx -family FAMILY -noiopad on the top module in `dir` (script and log there).
SynthesisResult synthesise_yosys(const std::string& dir, const std::vector<std::string>& rtl_files,
                                 const std::string& top, const std::string& family);

/// Runs argv with stdout and stderr appended to log_path; returns the exit status (127: not started).
int run_logged(const std::vector<std::string>& argv, const std::string& log_path,
               const std::string& cwd = "");

}  // namespace edgeq::fpga
