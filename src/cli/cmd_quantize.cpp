// edgeq quantize: post-training quantisation of a float32 ONNX model into QDQ ONNX (fp16, dynamic, int8,
// uint8, int16x8), optionally every scheme at once with a size/accuracy table, and a per-layer sensitivity
// report.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/ptq/quantize_model.hpp"

namespace edgeq::cli {

namespace {
struct QuantizeCommand {
  std::string model, scheme = "int8", out, out_dir, calib, method = "minmax", eval_data;
  std::size_t calib_samples = 500, threads = 1, eval_events = 0;
  double percentile = 99.99;
  bool per_tensor = false, sensitivity = false, no_bias_correction = false, reduce_range = false;
  std::vector<std::string> exclude;
};

quant::QuantizeOptions options_for(const QuantizeCommand& o, quant::Scheme s) {
  quant::QuantizeOptions q;
  q.scheme = s;
  q.per_channel = !o.per_tensor;
  q.bias_correction = !o.no_bias_correction;
  q.reduce_range = o.reduce_range;
  q.calibration.method = quant::parse_calibration_method(o.method);
  q.calibration.percentile = o.percentile;
  q.exclude.insert(o.exclude.begin(), o.exclude.end());
  return q;
}

double file_mb(const std::filesystem::path& p) {
  return static_cast<double>(std::filesystem::file_size(p)) / 1e6;
}

int run_quantize(const QuantizeCommand& o) {
  const graph::Graph fp32 = load_model(o.model, "", 3, 1);
  quant::check_not_quantised(fp32);
  std::vector<quant::Scheme> schemes;
  if (o.scheme == "all")
    schemes = {quant::Scheme::Fp16, quant::Scheme::Dynamic, quant::Scheme::Int8, quant::Scheme::Uint8,
               quant::Scheme::Int16x8};
  else
    schemes = {quant::parse_scheme(o.scheme)};
  (void)quant::parse_calibration_method(o.method);
  if (o.scheme == "all" && o.out_dir.empty())
    throw_input("--scheme all writes one file per scheme: give --out-dir");
  if (o.scheme != "all" && o.out.empty() && !o.sensitivity) throw_input("--out is required");
  if (o.sensitivity && o.eval_data.empty()) throw_input("--sensitivity needs --eval FILE");
  std::unique_ptr<ptq::CalibrationSet> calib;
  if (!o.calib.empty())
    calib =
        std::make_unique<ptq::CalibrationSet>(ptq::CalibrationSet{o.calib, o.calib_samples, 16, o.threads});
  for (auto s : schemes)
    if (quant::needs_calibration(s) && !calib)
      throw_input("scheme {} needs a calibration set (--calib FILE)", quant::scheme_name(s));

  eval::EvalOptions eo;
  eo.threads = o.threads;
  eo.max_events = o.eval_events;
  if (o.sensitivity) {
    double float_acc = 0;
    const auto rows = ptq::layer_sensitivity(fp32, options_for(o, schemes.front()), *calib, o.eval_data,
                                             o.eval_events, &float_acc);
    fmt::print("| layer quantised alone ({}) | accuracy | change vs float32 (pp) |\n|---|---|---|\n",
               o.scheme);
    for (const auto& r : rows)
      fmt::print("| {} | {:.2f} % | {:+.2f} |\n", r.node, 100 * r.accuracy, 100 * (r.accuracy - float_acc));
    fmt::print("float32 accuracy {:.2f} %\n", 100 * float_acc);
    return 0;
  }

  std::ostringstream table;
  std::optional<data::EventFileReader> val;
  double float_acc = 0;
  const std::string stem = std::filesystem::path(o.model).stem().string();
  if (!o.eval_data.empty()) {
    val.emplace(o.eval_data);
    float_acc = eval::evaluate_model(fp32, *val, eo).confusion.accuracy();
    table << "| scheme | size (MB) | accuracy | change vs float32 (pp) |\n|---|---|---|---|\n";
    std::filesystem::path fp = o.out_dir.empty()
                                   ? std::filesystem::path(o.out).parent_path() / (stem + ".fp32.onnx")
                                   : std::filesystem::path(o.out_dir) / (stem + ".fp32.onnx");
    if (!o.out_dir.empty()) std::filesystem::create_directories(o.out_dir);
    graph::save_onnx(fp32, fp);
    table << fmt::format("| fp32 | {:.3f} | {:.2f} % | |\n", file_mb(fp), 100 * float_acc);
  }
  for (auto s : schemes) {
    const graph::Graph q = ptq::quantize_model(fp32, options_for(o, s), calib.get());
    std::filesystem::path path = o.out;
    if (!o.out_dir.empty()) {
      std::filesystem::create_directories(o.out_dir);
      path = std::filesystem::path(o.out_dir) / fmt::format("{}.{}.onnx", stem, quant::scheme_name(s));
    }
    graph::save_onnx(q, path);
    spdlog::info("wrote {} ({:.3f} MB)", path.string(), file_mb(path));
    if (val) {
      const double acc = eval::evaluate_model(graph::load_onnx(path), *val, eo).confusion.accuracy();
      table << fmt::format("| {} | {:.3f} | {:.2f} % | {:+.2f} |\n", quant::scheme_name(s), file_mb(path),
                           100 * acc, 100 * (acc - float_acc));
    }
  }
  if (val) fmt::print("{}", table.str());
  return 0;
}
}  // namespace

void add_quantize_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<QuantizeCommand>();
  auto* cmd = app.add_subcommand(
      "quantize", "Post-training quantisation to QDQ ONNX (fp16, dynamic, int8, uint8, int16x8)");
  cmd->add_option("--model", o->model, "Float32 ONNX file")->required();
  cmd->add_option("--scheme", o->scheme, "fp16, dynamic, int8, uint8, int16x8, or all")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Output QDQ ONNX file (one scheme)");
  cmd->add_option("--out-dir", o->out_dir, "Output folder (--scheme all): <model>.<scheme>.onnx");
  cmd->add_option("--calib", o->calib, "Calibration event file (HDF5), needed by int8, uint8, int16x8");
  cmd->add_option("--calib-samples", o->calib_samples, "Calibration events (the first N)")
      ->capture_default_str();
  cmd->add_option("--calibration", o->method, "minmax, percentile, entropy, mse")->capture_default_str();
  cmd->add_option("--percentile", o->percentile, "Percentile for --calibration percentile")
      ->capture_default_str();
  cmd->add_flag("--per-tensor", o->per_tensor, "Per-tensor instead of per-channel weights");
  cmd->add_flag(
      "--reduce-range", o->reduce_range,
      "7-bit weights (even int8 codes): exact in oneDNN's int8 kernels on CPUs without VNNI (fast path)");
  cmd->add_flag("--no-bias-correction", o->no_bias_correction,
                "Keep the biases as trained (default: correct the mean shift from weight rounding)");
  cmd->add_option("--exclude", o->exclude, "Node names kept in float32")->delimiter(',');
  cmd->add_option("--eval", o->eval_data, "Event file: print a scheme / size / accuracy table");
  cmd->add_option("--eval-events", o->eval_events, "Evaluate only the first N events (0 = all)");
  cmd->add_flag("--sensitivity", o->sensitivity, "Per-layer report: accuracy with only that layer quantised");
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->callback([o, &action] { action = [o] { return run_quantize(*o); }; });
}

}  // namespace edgeq::cli
