// edgeq fpga: hls4ml-style fixed-point firmware from a model and an hls4ml configuration: lowering, bit-exact
// emulation with overflow report, Verilog + testbench, Verilator verification, Yosys resource estimate.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/fpga/emulator.hpp"
#include "edgeq/fpga/lower.hpp"
#include "edgeq/fpga/tools.hpp"
#include "edgeq/fpga/verilog.hpp"
#include "edgeq/runtime/executor.hpp"
#include "fpga_report.hpp"

namespace edgeq::cli {

namespace {

namespace fs = std::filesystem;

struct FpgaCommand {
  std::string model, config, out, top = "edgeq_net", verify = "auto", synth = "auto", family;
  int samples = 10000, calibration = 1000, reuse = 0, csd = 3;
  double clock_ns = 0;
  std::uint64_t seed = 1;
  bool force = false, fail_on_overflow = false, json = false;
};

std::size_t argmax(std::span<const double> v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

/// Float model outputs for the inputs (batched through the runtime).
std::vector<std::vector<double>> float_outputs(const graph::Graph& g,
                                               const std::vector<std::vector<float>>& inputs) {
  auto shape = g.info(g.inputs[0]).shape;
  runtime::Executor ex(g, runtime::ExecutorOptions{0});
  std::vector<std::vector<double>> out;
  const std::size_t batch = 500;
  for (std::size_t s = 0; s < inputs.size(); s += batch) {
    const std::size_t n = std::min(batch, inputs.size() - s);
    shape[0] = static_cast<std::int64_t>(n);
    core::Tensor x(core::DType::F32, shape);
    float* p = x.data<float>();
    for (std::size_t i = 0; i < n; ++i)
      std::copy(inputs[s + i].begin(), inputs[s + i].end(), p + i * inputs[s + i].size());
    const auto y = ex.run({x});
    const std::size_t k = static_cast<std::size_t>(y[0].numel()) / n;
    const float* q = y[0].data<float>();
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(q + i * k, q + (i + 1) * k);
  }
  return out;
}

bool wanted(const std::string& mode, const std::string& tool, const std::string& flag) {
  if (mode == "off") return false;
  if (mode != "on" && mode != "auto") throw_input("{} must be on, off or auto (got '{}')", flag, mode);
  const bool have = !fpga::tool_path(tool).empty();
  if (mode == "on" && !have)
    throw_input("{} on: '{}' is not installed (scripts/bootstrap.sh installs it)", flag, tool);
  if (!have) spdlog::warn("{} not found; skipping ({} off to silence)", tool, flag);
  return have;
}

int run_fpga(const FpgaCommand& c) {
  if (c.config.empty()) throw_input("give the hls4ml configuration with --config FILE.yml");
  if (c.out.empty()) throw_input("give the output folder with --out DIR");
  if (c.samples < 1 || c.samples > (1 << 20))
    throw_input("--samples must be in [1, 1048576] (got {})", c.samples);
  if (c.csd < 0) throw_input("--csd-max-digits must be >= 0");
  auto cfg = fpga::HlsConfig::load(c.config);
  if (c.clock_ns > 0) cfg.clock_ns = c.clock_ns;
  const std::string model = c.model.empty() ? cfg.model_path : c.model;
  if (model.empty())
    throw_input("give the model with --model (the configuration names no KerasJson / OnnxModel)");
  const bool do_verify = wanted(c.verify, "verilator", "--verify");
  const bool do_synth = wanted(c.synth, "yosys", "--synth");
  std::string family = c.family.empty() ? fpga::xilinx_family(cfg.part) : c.family;
  if (family.empty()) family = "xcup";  // no --family and no recognised Part
  if (do_synth && family != "xcup" && family != "xcu" && family != "xc7" && family != "xc6s")
    throw_input("--family must be one of xcup, xcu, xc7, xc6s (got '{}')", family);
  if (fs::exists(c.out) && !fs::is_empty(c.out) && !c.force)
    throw_input("{} exists and is not empty (use --force to overwrite)", c.out);

  const graph::Graph g = load_model(model, "", 3, c.seed);
  fpga::LowerNotes notes;
  fpga::FixedNetwork net = fpga::lower_network(g, cfg, &notes);
  if (c.reuse > 0)
    for (auto& l : net.layers)
      if (std::holds_alternative<fpga::LinearOp>(l.op)) l.reuse_factor = c.reuse;

  std::mt19937_64 rng(c.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<float>> inputs(static_cast<std::size_t>(c.samples),
                                         std::vector<float>(static_cast<std::size_t>(net.n_in)));
  for (auto& v : inputs)
    for (auto& x : v) x = normal(rng);
  const std::vector<std::vector<float>> calib(
      inputs.begin(), inputs.begin() + std::min<std::ptrdiff_t>(c.calibration, c.samples));
  fpga::infer_auto_results(net, calib, cfg.model_precision());

  FpgaRun run;
  run.model = model;
  run.config = c.config;
  run.family = family;
  run.samples = c.samples;
  run.seed = c.seed;
  run.net = &net;
  run.warnings = notes.warnings;
  run.stats.resize(net.layers.size());
  fpga::Emulator emu(net);
  std::vector<std::vector<std::int64_t>> in_codes, expected;
  for (const auto& x : inputs) {
    in_codes.push_back(emu.quantise_input(x));
    expected.push_back(emu.run(in_codes.back(), &run.stats));
  }
  const auto reference = float_outputs(g, inputs);
  std::size_t agree = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto y = emu.to_real(expected[i]);
    agree += argmax(y) == argmax(reference[i]) ? 1 : 0;
    for (std::size_t k = 0; k < y.size(); ++k)
      run.max_abs_diff = std::max(run.max_abs_diff, std::abs(y[k] - reference[i][k]));
  }
  run.top1_agreement = static_cast<double>(agree) / static_cast<double>(inputs.size());
  std::vector<std::string> overflowing;
  for (std::size_t k = 0; k < net.layers.size(); ++k) {
    const auto& s = run.stats[k];
    const auto& l = net.layers[k];
    if (s.result_overflows + s.accum_overflows + s.product_overflows == 0) continue;
    auto w = fmt::format(
        "layer '{}': overflow on {} seeded inputs: {} of {} results outside {} ({}), {} accumulator "
        "sums and {} products outside the accumulator; values seen in [{:.4g}, {:.4g}]",
        l.name, c.samples, s.result_overflows, s.values, l.out_t.str(),
        l.out_t.overflow == core::ApOverflow::Wrap ? "wrapped" : "saturated", s.accum_overflows,
        s.product_overflows, s.min_value, s.max_value);
    spdlog::warn("{}", w);
    run.warnings.push_back(w);
    overflowing.push_back(l.name);
  }
  for (const auto& w : notes.warnings) spdlog::warn("{}", w);
  if (c.fail_on_overflow && !overflowing.empty())
    throw_input("--fail-on-overflow: layers {} overflow (see the warnings); widen their types",
                fmt::join(overflowing, ", "));

  fpga::VerilogOptions vo;
  vo.top = c.top;
  vo.csd_max_digits = c.csd;
  const auto design = fpga::generate_verilog(net, vo);
  run.design = &design;
  const fs::path out(c.out), rtl = out / "rtl", tb = out / "tb";
  fs::create_directories(rtl);
  fs::create_directories(tb);
  std::vector<std::string> rtl_files;
  for (const auto& [name, text] : design.files) {
    core::write_file_atomic(rtl / name, text);
    rtl_files.push_back(fs::absolute(rtl / name).string());
  }
  core::write_file_atomic(tb / "tb.v", fpga::generate_testbench(net, design));
  std::string in_hex, exp_hex;
  for (std::size_t i = 0; i < in_codes.size(); ++i) {
    in_hex += fpga::pack_hex(in_codes[i], net.input_t) + "\n";
    exp_hex += fpga::pack_hex(expected[i], net.output_t()) + "\n";
  }
  core::write_file_atomic(tb / "inputs.hex", in_hex);
  core::write_file_atomic(tb / "expected.hex", exp_hex);

  if (do_verify) {
    spdlog::info("verilator: building and simulating {} vectors", c.samples);
    const unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    run.sim =
        fpga::simulate_verilator(fs::absolute(tb).string(), rtl_files, fs::absolute(tb / "tb.v").string(),
                                 fs::absolute(tb / "inputs.hex").string(), net, static_cast<int>(jobs));
    if (run.sim->outputs.size() != expected.size())
      throw_internal("Verilator produced {} outputs for {} inputs", run.sim->outputs.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
      run.sim_mismatches += run.sim->outputs[i] != expected[i] ? 1 : 0;
  }
  if (do_synth) {
    spdlog::info("yosys: synth_xilinx -family {}", family);
    run.synth = fpga::synthesise_yosys(fs::absolute(out).string(), rtl_files, design.top, family);
  }
  const auto j = fpga_report_json(run);
  core::write_file_atomic(out / "report.json", j.dump(2) + "\n");
  const auto md = fpga_report_markdown(run);
  core::write_file_atomic(out / "report.md", md);
  fmt::print("{}", c.json ? j.dump(2) + "\n" : md);
  if (run.sim && run.sim_mismatches > 0)
    throw_internal("the Verilator simulation differs from the emulator on {} of {} inputs (see {})",
                   run.sim_mismatches, expected.size(), (tb / "outputs.hex").string());
  return 0;
}

}  // namespace

void add_fpga_command(CLI::App& app, Action& action) {
  auto c = std::make_shared<FpgaCommand>();
  auto* cmd = app.add_subcommand(
      "fpga", "hls4ml-style firmware: fixed-point emulation, Verilog, Verilator check, Yosys resources");
  cmd->add_option("--config", c->config,
                  "hls4ml configuration YAML (precisions, ReuseFactor, ClockPeriod, Part)");
  cmd->add_option("--model", c->model,
                  "Keras (ARCH.json / MODEL.h5) or ONNX model (default: the config's KerasJson)");
  cmd->add_option("--out", c->out, "Output folder (rtl/, tb/, report.md, report.json)");
  cmd->add_option("--clock-ns", c->clock_ns, "Clock period in ns (default: the config's ClockPeriod)");
  cmd->add_option("--reuse", c->reuse, "ReuseFactor for every dense/conv layer (overrides the config)");
  cmd->add_option("--samples", c->samples, "Seeded N(0,1) input vectors for emulation and simulation")
      ->capture_default_str();
  cmd->add_option("--calibration", c->calibration, "Inputs used to infer result: auto types")
      ->capture_default_str();
  cmd->add_option("--seed", c->seed, "Seed of the inputs")->capture_default_str();
  cmd->add_option("--verify", c->verify, "Verilator simulation: on, off, auto (when installed)")
      ->capture_default_str();
  cmd->add_option("--synth", c->synth, "Yosys synth_xilinx: on, off, auto (when installed)")
      ->capture_default_str();
  cmd->add_option("--family", c->family,
                  "Yosys Xilinx family (xcup, xcu, xc7; default from the config's Part)");
  cmd->add_option("--top", c->top, "Top module name")->capture_default_str();
  cmd->add_option("--csd-max-digits", c->csd,
                  "Constant weights with at most this many non-zero CSD digits become shift-adds")
      ->capture_default_str();
  cmd->add_flag("--fail-on-overflow", c->fail_on_overflow,
                "Exit with an error when the emulator sees an overflow");
  cmd->add_flag("--force", c->force, "Overwrite a non-empty --out");
  cmd->add_flag("--json", c->json, "Print the JSON report instead of Markdown");
  cmd->callback([c, &action] { action = [c] { return run_fpga(*c); }; });
}

}  // namespace edgeq::cli
