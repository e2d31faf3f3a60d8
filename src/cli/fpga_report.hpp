// The report of `edgeq fpga`: per-layer table (types, reuse, latency, multipliers, overflows, resources) as
// Markdown and JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "edgeq/fpga/emulator.hpp"
#include "edgeq/fpga/tools.hpp"
#include "edgeq/fpga/verilog.hpp"

namespace edgeq::cli {

struct FpgaRun {
  std::string model, config, family;
  int samples = 0;
  std::uint64_t seed = 0;
  const fpga::FixedNetwork* net = nullptr;
  const fpga::VerilogDesign* design = nullptr;
  std::vector<fpga::LayerStats> stats;
  double top1_agreement = 0, max_abs_diff = 0;  ///< emulator vs float model
  std::optional<fpga::SimulationResult> sim;
  std::int64_t sim_mismatches = 0;
  std::optional<fpga::SynthesisResult> synth;
  std::vector<std::string> warnings;
};

nlohmann::json fpga_report_json(const FpgaRun& r);
std::string fpga_report_markdown(const FpgaRun& r);

}  // namespace edgeq::cli
