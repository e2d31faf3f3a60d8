#include "edgeq/bench/harness.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"
#include "edgeq/runtime/executor.hpp"
#include "edgeq/targets/edgetpu.hpp"
#include "edgeq/targets/edgetpu_runtime.hpp"
#include "edgeq/targets/energy_meter.hpp"
#include "edgeq/targets/tflite_export.hpp"

namespace edgeq::bench {

namespace {
double status_mib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size())) / 1024.0;  // kB
  return 0;
}
}  // namespace

double peak_rss_mib() {
  return status_mib("VmHWM:");
}

double current_rss_mib() {
  return status_mib("VmRSS:");
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::vector<std::size_t> batch_ladder(std::size_t max_batch) {
  if (max_batch == 0) throw_input("batch sizes must be >= 1");
  std::vector<std::size_t> out;
  for (std::size_t b = 1; b < max_batch; b *= 2) out.push_back(b);
  out.push_back(max_batch);
  return out;
}

core::Tensor random_input(const graph::Graph& g, std::size_t batch, std::uint64_t seed) {
  if (g.inputs.size() != 1) throw_input("benchmark: the model must have one input (has {})", g.inputs.size());
  core::Shape shape = g.info(g.inputs[0]).shape;
  if (shape.empty()) throw_input("benchmark: input '{}' has no known shape", g.inputs[0]);
  shape[0] = static_cast<std::int64_t>(batch);
  for (auto d : shape)
    if (d <= 0) throw_input("benchmark: input '{}' has an unknown dimension besides the batch", g.inputs[0]);
  core::Tensor x(core::DType::F32, shape);
  core::CounterRng rng(seed, 0, 0);
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform());
  return x;
}

namespace {

std::vector<std::size_t> batch_list(const std::vector<std::size_t>& asked) {
  std::vector<std::size_t> out{1};
  for (auto b : asked) {
    if (b == 0) throw_input("benchmark: batch sizes must be >= 1");
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  }
  return out;
}

void fill_energy(BenchResult& r, const BenchOptions& o, std::optional<double> measured_j, std::size_t runs) {
  auto& e = r.energy;
  const double latency_ms = r.points.front().latency.p50_ms;
  if (r.profile.tdp_w) e.k_mj = *r.profile.tdp_w * latency_ms;
  if (measured_j && runs > 0) e.measured_mj = *measured_j * 1e3 / static_cast<double>(runs);
  if (e.measured_mj && *e.measured_mj > 0) {
    e.inferences_per_joule = 1e3 / *e.measured_mj;
    e.per_joule_basis = "measured";
  } else if (e.k_mj && *e.k_mj > 0) {
    e.inferences_per_joule = 1e3 / *e.k_mj;
    e.per_joule_basis = "K (TDP x latency)";
  }
  if (!r.profile.price_usd) {
    e.per_dollar_note = fmt::format("unknown: profile '{}' has no price", r.profile.name);
  } else if (!r.profile.tdp_w) {
    e.per_dollar_note = fmt::format("unknown: profile '{}' has no TDP", r.profile.name);
  } else {
    const double hours = o.cost.lifetime_years * 365.25 * 24;
    const double dollars = *r.profile.price_usd + *r.profile.tdp_w * hours / 1e3 * o.cost.usd_per_kwh;
    double best_throughput = 0;
    for (const auto& p : r.points) best_throughput = std::max(best_throughput, p.throughput_per_s);
    e.inferences_per_dollar = best_throughput * hours * 3600 / dollars;
    e.per_dollar_note =
        fmt::format("best throughput over {} years at full duty; price ${} + TDP energy at ${}/kWh",
                    o.cost.lifetime_years, *r.profile.price_usd, o.cost.usd_per_kwh);
  }
}
/// The edgetpu target's latency model on the model's int8 TFLite form.
void bench_edgetpu_modelled(const graph::Graph& model, const BenchOptions& o,
                            const std::vector<std::size_t>& batches, BenchResult& r) {
  r.device = r.profile.device;
  const auto params = targets::EdgeTpuModelParams::from_map(r.profile.model);  // a bad profile is bad input
  bool placeholder = false;
  targets::TfliteModel tfl;
  if (!targets::has_static_quantisation(model) && !o.edgetpu_model_float) {
    r.method = "unavailable";
    r.reason =
        "the Edge TPU runs fully int8-quantised models only (this variant has no static int8 quantisation)";
    return;
  }
  try {
    tfl = targets::edgetpu_tflite_of(model, &placeholder);
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::BadInput) throw;
    r.method = "unavailable";
    r.reason = fmt::format("no Edge TPU (TFLite int8) form: {}", e.what());
    return;
  }
  const auto a = targets::analyse_edgetpu(tfl, params.cache_bytes);
  const auto l = targets::model_edgetpu_latency(a, params);
  const double ms = l.total_s * 1e3;
  r.method = "modelled";
  r.threads = 0;
  r.pinning = "modelled (no Edge TPU runtime or device here)";
  for (const auto b : batches) {
    BatchPoint p;
    p.batch = b;
    const double t = ms * static_cast<double>(b);  // one inference at a time on the TPU
    p.latency.runs = 1;
    p.latency.p50_ms = p.latency.p90_ms = p.latency.p99_ms = p.latency.mean_ms = t;
    p.latency.min_ms = p.latency.max_ms = p.latency.p50_low_ms = p.latency.p50_high_ms = t;
    p.converged = true;
    p.throughput_per_s = t > 0 ? 1e3 * static_cast<double>(b) / t : 0;
    r.points.push_back(p);
  }
  r.energy.measured_unavailable = "modelled target (no device, no energy counter)";
  fill_energy(r, o, std::nullopt, 0);
  constexpr double kMiB = 1024.0 * 1024.0;
  r.model = {{"name", "edgeq Edge TPU latency model (docs/edgetpu.md)"},
             {"input", placeholder ? "int8 export with placeholder quantisation ranges (float model)"
                                   : "int8 TFLite export of the quantised model"},
             {"tpu_ops", a.tpu_ops},
             {"cpu_ops", a.cpu_ops},
             {"first_cpu_op", a.first_cpu_op},
             {"cached_parameters_mib", static_cast<double>(a.cached_bytes) / kMiB},
             {"streamed_parameters_mib", static_cast<double>(a.streamed_bytes) / kMiB},
             {"breakdown_ms",
              {{"tpu_compute", l.compute_s * 1e3},
               {"parameter_streaming", l.streaming_s * 1e3},
               {"input_output", l.io_s * 1e3},
               {"cpu_fallback", l.cpu_s * 1e3},
               {"per_inference", l.overhead_s * 1e3}}},
             {"parameters", r.profile.model}};
}
}  // namespace

BenchResult bench_model(const graph::Graph& model, const targets::TargetProfile& profile,
                        const BenchOptions& o, const ExternalRunner& gpu_runner,
                        const std::string& gpu_unavailable) {
  const auto start = std::chrono::steady_clock::now();
  BenchResult r;
  r.profile = profile;
  r.target = profile.name;
  r.kind = targets::kind_name(profile.kind);
  r.host = targets::describe_host();
  r.threads = o.threads == 0 ? r.host.affinity.size() : o.threads;
  const auto batches = batch_list(o.batches);
  std::unique_ptr<targets::EdgeTpuRunner> edgetpu_runner;
  if (profile.kind == targets::TargetKind::EdgeTpu) {
    std::string why = targets::edgetpu_runtime_unavailable();
    if (why.empty()) {
      try {
        edgetpu_runner = targets::EdgeTpuRunner::open(targets::tflite_flatbuffer(model));
      } catch (const Error& e) {
        if (e.kind() != Error::Kind::BadInput) throw;
        why = e.what();
      }
    }
    if (!edgetpu_runner) {
      bench_edgetpu_modelled(model, o, batches, r);
      if (!r.model.is_null()) r.model["why_not_measured"] = why;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return r;
    }
  }
  if (profile.kind == targets::TargetKind::Fpga) {
    r.method = "unavailable";
    r.device = profile.device;
    r.reason = fmt::format(
        "no {} latency model in this build yet ({} targets are modelled, not measured here)", r.kind, r.kind);
    return r;
  }
  std::function<std::function<void()>(std::size_t)> make_call;
  std::optional<runtime::Executor> executor;
  std::vector<core::Tensor> inputs;
  std::optional<targets::EnergyMeter> meter;
  if (edgetpu_runner) {
    meter.emplace(targets::EnergyMeter::none("the Edge TPU has no energy counter"));
    make_call = [&](std::size_t batch) -> std::function<void()> {
      return [&, batch] {
        for (std::size_t i = 0; i < batch; ++i) edgetpu_runner->invoke();
      };
    };
    r.device = edgetpu_runner->device();
    r.pinning = "Edge TPU delegate (host thread unpinned)";
  } else if (profile.kind == targets::TargetKind::Gpu) {
    if (!gpu_runner) {
      r.method = "unavailable";
      r.device = profile.device;
      r.reason = gpu_unavailable.empty() ? "this build has no GPU backend" : gpu_unavailable;
      return r;
    }
    meter.emplace(targets::EnergyMeter::nvml(0));
    make_call = [&](std::size_t batch) { return gpu_runner(model, batch); };
    r.device = profile.device;
    r.pinning = "GPU stream; host thread unpinned";
  } else {
    reset_peak_rss();
    r.start_rss_mib = current_rss_mib();
    runtime::ExecutorOptions xo;
    xo.threads = r.threads;
    executor.emplace(model, xo);
    meter.emplace(targets::EnergyMeter::rapl());
    make_call = [&](std::size_t batch) -> std::function<void()> {
      inputs = {random_input(model, batch, o.seed)};
      return [&] { executor->run(inputs); };
    };
    r.device = r.host.cpu_model;
    const char* bind = std::getenv("EDGEQ_CPU_BIND");
    const bool bound =
        r.threads > 1 && r.threads == r.host.affinity.size() && !(bind && std::string(bind) == "0");
    r.pinning = bound ? fmt::format("{} threads bound one per CPU of the affinity mask", r.threads)
                      : fmt::format("{} thread(s), not bound", r.threads);
  }
  r.method = "measured";
  std::optional<double> measured_j;
  std::size_t batch1_runs = 0;
  for (const auto b : batches) {
    std::function<void()> call;
    try {
      call = make_call(b);
    } catch (const Error& e) {
      // An external backend that cannot run this model (e.g. an op LibTorch's executor lacks): unavailable.
      if (profile.kind != targets::TargetKind::Gpu || e.kind() != Error::Kind::BadInput) throw;
      r.method = "unavailable";
      r.reason = e.what();
      r.points.clear();
      return r;
    }
    const bool metered = b == 1 && meter->available();
    const double j0 = metered ? meter->read_joules() : 0;
    Measurement m = measure(call, o.measure);
    if (metered) {
      measured_j = meter->read_joules() - j0;
      batch1_runs = m.samples_ms.size() + o.measure.warmup_runs;  // the meter brackets the warm-up too
    }
    BatchPoint p;
    p.batch = b;
    p.latency = m.stats;
    p.converged = m.converged;
    p.throughput_per_s = m.stats.p50_ms > 0 ? 1e3 * static_cast<double>(b) / m.stats.p50_ms : 0;
    r.points.push_back(p);
    spdlog::debug("bench {} batch {}: p50 {:.3f} ms over {} runs", r.target, b, m.stats.p50_ms, m.stats.runs);
  }
  if (!meter->available())
    r.energy.measured_unavailable = meter->unavailable_reason();
  else
    r.energy.measured_source = meter->source();
  fill_energy(r, o, measured_j, batch1_runs);
  r.peak_rss_mib = profile.kind == targets::TargetKind::Cpu ? peak_rss_mib() : 0;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::ordered_json to_json(const BenchResult& r) {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
  };
  nlohmann::ordered_json j{{"target", r.target},
                           {"kind", r.kind},
                           {"method", r.method},
                           {"device", r.device},
                           {"profile",
                            {{"origin", r.profile.origin},
                             {"device", r.profile.device},
                             {"tdp_w", opt(r.profile.tdp_w)},
                             {"idle_w", opt(r.profile.idle_w)},
                             {"price_usd", opt(r.profile.price_usd)},
                             {"sources", r.profile.sources}}}};
  if (r.method == "unavailable") {
    j["reason"] = r.reason;
    return j;
  }
  j["threads"] = r.threads;
  j["pinning"] = r.pinning;
  j["host"] = targets::to_json(r.host);
  const auto& s = r.points.front().latency;
  j["latency_ms"] = {{"batch", 1},
                     {"p50", s.p50_ms},
                     {"p90", s.p90_ms},
                     {"p99", s.p99_ms},
                     {"mean", s.mean_ms},
                     {"stddev", s.stddev_ms},
                     {"min", s.min_ms},
                     {"max", s.max_ms},
                     {"p50_ci95", {s.p50_low_ms, s.p50_high_ms}},
                     {"runs", s.runs},
                     {"converged", r.points.front().converged}};
  auto& tp = j["throughput"] = nlohmann::ordered_json::array();
  for (const auto& p : r.points)
    tp.push_back({{"batch", p.batch},
                  {"per_s", p.throughput_per_s},
                  {"p50_ms", p.latency.p50_ms},
                  {"p99_ms", p.latency.p99_ms},
                  {"runs", p.latency.runs},
                  {"converged", p.converged}});
  j["peak_rss_mib"] = r.peak_rss_mib > 0 ? nlohmann::ordered_json(r.peak_rss_mib) : nlohmann::ordered_json();
  j["start_rss_mib"] =
      r.peak_rss_mib > 0 ? nlohmann::ordered_json(r.start_rss_mib) : nlohmann::ordered_json();
  const auto& e = r.energy;
  j["energy"] = {
      {"k_w_ms", opt(e.k_mj)},
      {"k_method", e.k_mj ? fmt::format("TDP {} W x p50 latency at batch 1 ({})", *r.profile.tdp_w, r.method)
                          : "unknown: profile has no TDP"},
      {"measured_mj", opt(e.measured_mj)},
      {"measured_method", e.measured_mj ? e.measured_source : "unavailable: " + e.measured_unavailable},
      {"inferences_per_joule", opt(e.inferences_per_joule)},
      {"per_joule_basis", e.per_joule_basis},
      {"inferences_per_dollar", opt(e.inferences_per_dollar)},
      {"per_dollar_method", e.per_dollar_note}};
  if (!r.model.is_null()) j["latency_model"] = r.model;
  j["seconds"] = r.seconds;
  return j;
}

}  // namespace edgeq::bench
