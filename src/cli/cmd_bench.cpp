// edgeq bench: latency percentiles, throughput over batch sizes, peak memory, energy and cost of one model on
// one target profile (bench/harness.hpp).
#include <fmt/format.h>

#include <memory>

#include "edgeq/bench/harness.hpp"
#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/gpu_runner.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::cli {

namespace {
struct BenchCommand {
  std::string model, target = "cpu", targets_dir;
  std::size_t batch = 1;
  bool json = false;
  bench::BenchOptions options;
};

int run_bench(const BenchCommand& c) {
  if (!(c.options.measure.min_seconds >= 0) || c.options.measure.max_seconds < c.options.measure.min_seconds)
    throw_input("--min-seconds must be >= 0 and <= --max-seconds");
  bench::BenchOptions o = c.options;
  if (c.batch == 0) throw_input("--batch must be >= 1");
  o.batches = bench::batch_ladder(c.batch);
  const auto profile = targets::find_profile(
      c.target, c.targets_dir.empty() ? std::vector<std::filesystem::path>{}
                                      : std::vector<std::filesystem::path>{c.targets_dir});
  const graph::Graph g = load_model(c.model, "", 3, 1);
  const std::string gpu_reason = gpu_unavailable_reason();
  const auto r = bench::bench_model(g, profile, o,
                                    gpu_reason.empty() ? gpu_runner() : bench::ExternalRunner{}, gpu_reason);
  auto j = bench::to_json(r);
  j["model"] = c.model;
  if (c.json) {
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  if (r.method == "unavailable") {
    fmt::print("{} on {}: unavailable: {}\n", c.model, r.target, r.reason);
    return 0;
  }
  const auto& s = r.points.front().latency;
  fmt::print("{} on {} ({}, {}; {}):\n", c.model, r.target, r.method, r.device, r.pinning);
  if (r.method == "modelled") {
    const auto& m = r.model;
    const auto& b = m["breakdown_ms"];
    fmt::print(
        "MODELLED latency at batch 1: {:.3f} ms = TPU compute {:.3f} + parameter streaming {:.3f} + "
        "input/output {:.3f} + CPU fallback {:.3f} + per inference {:.3f} ms\n",
        s.p50_ms, b["tpu_compute"].get<double>(), b["parameter_streaming"].get<double>(),
        b["input_output"].get<double>(), b["cpu_fallback"].get<double>(), b["per_inference"].get<double>());
    fmt::print(
        "{} operators on the TPU, {} on the CPU; parameters {:.2f} MiB cached, {:.2f} MiB streamed; {}\n",
        m["tpu_ops"].get<int>(), m["cpu_ops"].get<int>(), m["cached_parameters_mib"].get<double>(),
        m["streamed_parameters_mib"].get<double>(), m["input"].get<std::string>());
    if (m.contains("why_not_measured"))
      fmt::print("not measured: {}\n", m["why_not_measured"].get<std::string>());
  } else {
    fmt::print("latency at batch 1: p50 {:.3f} ms (95 % CI {:.3f}-{:.3f}), p90 {:.3f}, p99 {:.3f}, {} runs\n",
               s.p50_ms, s.p50_low_ms, s.p50_high_ms, s.p90_ms, s.p99_ms, s.runs);
  }
  fmt::print("| batch | p50 (ms) | p99 (ms) | throughput (/s) |\n|---|---|---|---|\n");
  for (const auto& p : r.points)
    fmt::print("| {} | {:.3f} | {:.3f} | {:.1f} |\n", p.batch, p.latency.p50_ms, p.latency.p99_ms,
               p.throughput_per_s);
  const auto& e = j["energy"];
  if (r.peak_rss_mib > 0)
    fmt::print("peak RSS {:.1f} MiB ({:.1f} MiB at the start)\n", r.peak_rss_mib, r.start_rss_mib);
  fmt::print("K = {} W ms ({})\nmeasured energy: {}\n",
             e["k_w_ms"].is_null() ? "n/a" : fmt::format("{:.2f}", e["k_w_ms"].get<double>()),
             e["k_method"].get<std::string>(),
             e["measured_mj"].is_null()
                 ? e["measured_method"].get<std::string>()
                 : fmt::format("{:.3f} mJ per inference ({})", e["measured_mj"].get<double>(),
                               e["measured_method"].get<std::string>()));
  if (!e["inferences_per_dollar"].is_null())
    fmt::print("inferences per dollar: {:.3g} ({})\n", e["inferences_per_dollar"].get<double>(),
               e["per_dollar_method"].get<std::string>());
  return 0;
}
}  // namespace

void add_bench_command(CLI::App& app, Action& action) {
  auto c = std::make_shared<BenchCommand>();
  auto& m = c->options.measure;
  auto* cmd = app.add_subcommand("bench", "Latency, throughput, memory, energy and cost on a target");
  cmd->add_option("--model", c->model, "ONNX model (or zoo name)")->required();
  cmd->add_option("--target", c->target, "Target profile: name (cpu, gpu, edgetpu, fpga, ...) or FILE.yaml")
      ->capture_default_str();
  cmd->add_option("--targets-dir", c->targets_dir, "Folder of extra target profiles (NAME.yaml)");
  cmd->add_option("--threads", c->options.threads, "Threads (0 = all CPUs of the affinity mask)")
      ->capture_default_str();
  cmd->add_option("--batch", c->batch, "Throughput at batch sizes 1, 2, 4, ... up to this")
      ->capture_default_str();
  cmd->add_option("--warmup", m.warmup_runs, "Warm-up runs per batch size")->capture_default_str();
  cmd->add_option("--min-seconds", m.min_seconds, "Timed seconds at least, per batch size")
      ->capture_default_str();
  cmd->add_option("--max-seconds", m.max_seconds, "Timed seconds at most, per batch size")
      ->capture_default_str();
  cmd->add_option("--precision", m.rel_precision, "Stop when the median's 95 % CI is within this fraction")
      ->capture_default_str();
  cmd->add_option("--lifetime-years", c->options.cost.lifetime_years, "Cost: service life")
      ->capture_default_str();
  cmd->add_option("--usd-per-kwh", c->options.cost.usd_per_kwh, "Cost: electricity price")
      ->capture_default_str();
  cmd->add_flag("--json", c->json, "JSON on stdout");
  cmd->callback([c, &action] { action = [c] { return run_bench(*c); }; });
}

}  // namespace edgeq::cli
