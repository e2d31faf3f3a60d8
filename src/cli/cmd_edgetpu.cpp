// edgeq edgetpu analyse: which operators of a model map to the Edge TPU, its parameter memory, and the
// modelled latency and energy of the `edgetpu` target profile.
#include <fmt/format.h>

#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/targets/edgetpu.hpp"
#include "edgeq/targets/profile.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq::cli {

namespace {
struct Options {
  std::string model, target = "edgetpu", input_shape;
  int classes = 3;
  bool json = false;
};

int run_analyse(const Options& o) {
  const auto profile = targets::find_profile(o.target);
  if (profile.kind != targets::TargetKind::EdgeTpu)
    throw_input("--target {}: not an Edge TPU profile (kind {})", o.target, targets::kind_name(profile.kind));
  const auto params = targets::EdgeTpuModelParams::from_map(profile.model);
  const bool tflite = o.model.size() > 7 && o.model.substr(o.model.size() - 7) == ".tflite";
  bool placeholder = false;
  const targets::TfliteModel m =
      tflite ? targets::read_tflite(o.model)
             : targets::edgetpu_tflite_of(load_model(o.model, o.input_shape, o.classes, 0), &placeholder);
  const auto a = targets::analyse_edgetpu(m, params.cache_bytes);
  const auto l = targets::model_edgetpu_latency(a, params);
  const double k = profile.tdp_w ? *profile.tdp_w * l.total_s * 1e3 : 0;
  if (o.json) {
    auto j = targets::to_json(a);
    j["model"] = o.model;
    j["placeholder_quantisation"] = placeholder;
    j["latency_ms"] = {
        {"total", l.total_s * 1e3}, {"compute", l.compute_s * 1e3}, {"streaming", l.streaming_s * 1e3},
        {"io", l.io_s * 1e3},       {"cpu", l.cpu_s * 1e3},         {"overhead", l.overhead_s * 1e3},
        {"method", "modelled"},     {"profile", profile.origin}};
    j["k_w_ms"] = profile.tdp_w ? nlohmann::ordered_json(k) : nlohmann::ordered_json();
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{}", targets::edgetpu_log(a, o.model));
  if (placeholder)
    fmt::print("\n(float model: analysed as its int8 export with placeholder quantisation ranges)\n");
  fmt::print(
      "\nModelled latency on {} (profile {}): {:.2f} ms = TPU compute {:.2f} + parameter streaming {:.2f} + "
      "input/output {:.2f} + CPU operators {:.2f} + per-inference overhead {:.2f} ms\n",
      profile.device, profile.origin, l.total_s * 1e3, l.compute_s * 1e3, l.streaming_s * 1e3, l.io_s * 1e3,
      l.cpu_s * 1e3, l.overhead_s * 1e3);
  if (profile.tdp_w) fmt::print("K = {} W x latency = {:.2f} W ms (modelled)\n", *profile.tdp_w, k);
  return 0;
}
struct CalibrateOptions {
  std::string target = "edgetpu";
  bool fit = false, json = false;
};

int run_calibrate(const CalibrateOptions& o) {
  const auto profile = targets::find_profile(o.target);
  if (profile.kind != targets::TargetKind::EdgeTpu)
    throw_input("--target {}: not an Edge TPU profile (kind {})", o.target, targets::kind_name(profile.kind));
  const auto params = targets::EdgeTpuModelParams::from_map(profile.model);
  std::vector<targets::EdgeTpuAnalysis> analyses;
  std::vector<double> published;
  for (const auto& p : targets::edgetpu_calibration_points()) {
    zoo::ZooOptions zo;
    zo.input = p.input;
    zo.classes = p.classes;
    analyses.push_back(targets::analyse_edgetpu(targets::edgetpu_tflite_of(zoo::build(p.zoo_model, zo)),
                                                params.cache_bytes));
    published.push_back(p.published_ms);
  }
  const auto fit = o.fit ? targets::fit_edgetpu_model(analyses, published, params)
                         : targets::evaluate_edgetpu_fit(analyses, published, params);
  const auto& points = targets::edgetpu_calibration_points();
  // Leave-one-out: each point predicted by a fit to the others (how well the model generalises).
  std::vector<double> held_out(points.size(), 0.0);
  if (o.fit)
    for (std::size_t i = 0; i < points.size(); ++i) {
      auto a = analyses;
      auto p = published;
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
      p.erase(p.begin() + static_cast<std::ptrdiff_t>(i));
      const auto others = targets::fit_edgetpu_model(a, p, params);
      held_out[i] = targets::model_edgetpu_latency(analyses[i], others.params).total_s * 1e3;
    }
  if (o.json) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto l = targets::model_edgetpu_latency(analyses[i], fit.params);
      rows.push_back(
          {{"point", points[i].label},
           {"zoo_model", points[i].zoo_model},
           {"published_ms", points[i].published_ms},
           {"predicted_ms", fit.predicted_ms[i]},
           {"relative_error", fit.predicted_ms[i] / points[i].published_ms - 1},
           {"compute_ms", l.compute_s * 1e3},
           {"streaming_ms", l.streaming_s * 1e3},
           {"io_ms", l.io_s * 1e3},
           {"streamed_mib", static_cast<double>(analyses[i].streamed_bytes) / (1 << 20)},
           {"leave_one_out_ms", o.fit ? nlohmann::ordered_json(held_out[i]) : nlohmann::ordered_json()},
           {"source", points[i].source}});
    }
    fmt::print("{}\n", nlohmann::ordered_json{{"profile", profile.origin},
                                              {"fitted", o.fit},
                                              {"max_relative_error", fit.max_relative_error},
                                              {"rms_log_error", fit.rms_log_error},
                                              {"points", rows}}
                           .dump(2));
    return 0;
  }
  fmt::print("{:<30}{:>11}{:>11}{:>8}{:>10}{:>11}{:>8}{:>10}{}\n", "published latency", "published",
             "modelled", "error", "compute", "streaming", "io", "streamed",
             o.fit ? "   left out: modelled, error" : "");
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto l = targets::model_edgetpu_latency(analyses[i], fit.params);
    fmt::print("{:<30}{:>8.2f} ms{:>8.2f} ms{:>7.1f}%{:>7.2f} ms{:>8.2f} ms{:>5.2f} ms{:>6.1f} MiB{}\n",
               points[i].label, points[i].published_ms, fit.predicted_ms[i],
               100 * (fit.predicted_ms[i] / points[i].published_ms - 1), l.compute_s * 1e3,
               l.streaming_s * 1e3, l.io_s * 1e3, static_cast<double>(analyses[i].streamed_bytes) / (1 << 20),
               o.fit ? fmt::format("{:>13.2f} ms {:>6.1f}%", held_out[i],
                                   100 * (held_out[i] / points[i].published_ms - 1))
                     : std::string());
  }
  fmt::print("max |error| {:.1f} %, rms log error {:.3f}{}\n", 100 * fit.max_relative_error,
             fit.rms_log_error,
             o.fit ? fmt::format(" after {} model evaluations", fit.evaluations) : std::string());
  if (o.fit) {
    const auto& q = fit.params;
    fmt::print(
        "fitted parameters (profile `model:` keys):\n  link_mb_per_s: {:.1f}\n  depthwise_efficiency: "
        "{:.4f}\n"
        "  op_overhead_us: {:.2f}\n",
        q.link_bytes_per_s / 1e6, q.depthwise_efficiency, q.op_overhead_s * 1e6);
  }
  return 0;
}
}  // namespace

void add_edgetpu_command(CLI::App& app, Action& action) {
  auto* tpu = app.add_subcommand("edgetpu", "Edge TPU: operator mapping, parameter memory, modelled latency");
  tpu->require_subcommand(1);
  auto o = std::make_shared<Options>();
  auto* cmd = tpu->add_subcommand("analyse", "Which operators map to the Edge TPU and why; memory; latency");
  cmd->add_option("model", o->model, "A .tflite file, an ONNX model (float or QDQ) or a zoo model name")
      ->required();
  cmd->add_option("--target", o->target, "Edge TPU profile (name or YAML file)")->capture_default_str();
  cmd->add_option("--input", o->input_shape, "Input shape CxHxW (zoo models; default 3x200x200)");
  cmd->add_option("--classes", o->classes, "Classes (zoo models)")->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON on stdout");
  cmd->callback([o, &action] { action = [o] { return run_analyse(*o); }; });
  auto c = std::make_shared<CalibrateOptions>();
  auto* cal =
      tpu->add_subcommand("calibrate", "Modelled vs published Edge TPU latencies (and a least-squares fit)");
  cal->add_option("--target", c->target, "Edge TPU profile (name or YAML file)")->capture_default_str();
  cal->add_flag("--fit", c->fit,
                "Fit the link rate, depthwise efficiency and per-operator overhead; print them");
  cal->add_flag("--json", c->json, "JSON on stdout");
  cal->callback([c, &action] { action = [c] { return run_calibrate(*c); }; });
}

}  // namespace edgeq::cli
