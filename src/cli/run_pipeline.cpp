// edgeq run: simulate -> train -> quantise (PTQ, QAT) -> eval -> bench -> report, stage by stage
// (stage_book.hpp: finished stages are skipped, an interrupted run continues).
#include "edgeq/cli/run_pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>

#include "edgeq/bench/harness.hpp"
#include "edgeq/bench/report.hpp"
#include "edgeq/bench/results.hpp"
#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/gpu_runner.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/cli/simulate_pipeline.hpp"
#include "edgeq/cli/stage_book.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/ptq/quantize_model.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/quant/qonnx_to_qdq.hpp"
#include "edgeq/sim/config.hpp"
#include "edgeq/targets/host.hpp"

namespace edgeq::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
struct Variant {
  std::string scheme, kind, key;
  fs::path file;
};

json history_json(const train::TrainResult& r) {
  const auto names = json::parse(r.model.metadata.at(train::kClassNamesKey)).get<std::vector<std::string>>();
  nlohmann::ordered_json epochs = nlohmann::ordered_json::array();
  for (const auto& e : r.history) epochs.push_back(train::to_json(e, names));
  return {{"best_epoch", r.best_epoch}, {"seconds", r.seconds}, {"epochs", epochs}};
}

/// Trains into `run_dir`, continuing its checkpoint when it was made for the same stage key.
train::TrainResult train_resumable(const graph::Graph& initial, const fs::path& data,
                                   const train::TrainOptions& o, const fs::path& run_dir,
                                   const std::string& key) {
  std::error_code ec;
  const fs::path key_file = run_dir / "stage_key";
  bool resume = false;
  if (fs::exists(run_dir / "checkpoint.pt", ec)) {
    std::ifstream in(key_file);
    std::string old;
    in >> old;
    resume = old == key;
    if (!resume) fs::remove_all(run_dir, ec);
  }
  fs::create_directories(run_dir);
  core::write_file_atomic(key_file, key);
  if (resume) spdlog::info("continuing the interrupted training in {}", run_dir.string());
  return train::train_classifier(initial, data / "train.h5", data / "val.h5", o, run_dir, resume);
}

double file_mb(const fs::path& p) {
  return static_cast<double>(fs::file_size(p)) / 1e6;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

int run_experiment(const ExperimentConfig& c, const fs::path& out, bool progress) {
  std::error_code ec;
  fs::create_directories(out / "models", ec);
  if (ec) throw_input("cannot create output folder {}: {}", out.string(), ec.message());
  const fs::path data = out / "data";
  fs::create_directories(data);
  const std::size_t variants_per_model = 1 + c.ptq.size() + c.qat.size();
  const std::size_t total = 1 +
                            c.models.size() * (1 + (c.ptq.empty() ? 0 : 1) + c.qat.size() +
                                               variants_per_model * (1 + c.targets.size())) +
                            (c.event_displays > 0 ? 1 : 0);
  StageBook book(out, total, progress);
  const auto start = std::chrono::steady_clock::now();

  // Simulation: train / val / test files from disjoint random streams.
  const std::string sim_key =
      stable_hash(json{{"seed", c.seed}, {"data", c.raw.value("data", json())}}.dump());
  const std::vector<std::pair<std::string, std::size_t>> splits{
      {"train", c.train_events}, {"val", c.val_events}, {"test", c.test_events}};
  const json sim = book.run("simulate", sim_key, {data / "train.h5", data / "val.h5", data / "test.h5"}, [&] {
    sim::SimConfig sc;
    if (!c.flux.empty()) sim::apply_flux_preset(sc, c.flux);
    if (!c.simulation_yaml.empty()) sim::load_config_yaml_text(sc, c.simulation_yaml, c.origin);
    json r = json::object();
    std::uint32_t stream = 1;
    for (const auto& [split, n] : splits) {
      const auto s =
          simulate_to_file(sc, data / (split + ".h5"), n, c.seed, stream++, c.threads, "simulate " + split);
      r[split] = {{"file", "data/" + split + ".h5"}, {"events", s.events}, {"seconds", s.seconds}};
    }
    return r;
  });
  const data::EventFileReader test_file(data / "test.h5");
  const auto& layout = test_file.layout();
  const std::string data_shape = fmt::format("{}x{}x{}", layout.planes, layout.height, layout.width);

  // Benchmark settings and target profiles, shared by every variant; a target's key covers what its numbers
  // depend on (the profile's figures and the bench settings).
  bench::BenchOptions bo;
  bo.edgetpu_model_float = false;  // float / float16 / dynamic variants: no Edge TPU column, as in the study
  bo.threads = c.bench_threads;
  bo.batches = bench::batch_ladder(c.max_batch);
  bo.measure.min_seconds = c.min_seconds;
  bo.measure.max_seconds = c.max_seconds;
  bo.cost = c.cost;
  const std::string gpu_reason = gpu_unavailable_reason();
  const bench::ExternalRunner gpu = gpu_reason.empty() ? gpu_runner() : bench::ExternalRunner{};
  struct Target {
    targets::TargetProfile profile;
    std::string key;
  };
  std::vector<Target> targets;
  for (const auto& name : c.targets) {
    auto profile = targets::find_profile(name);
    const std::string key = json{{"target", name},
                                 {"origin", profile.origin},
                                 {"device", profile.device},
                                 {"tdp", profile.tdp_w.value_or(-1)},
                                 {"price", profile.price_usd.value_or(-1)},
                                 {"batches", bo.batches},
                                 {"min", c.min_seconds},
                                 {"max", c.max_seconds},
                                 {"threads", c.bench_threads},
                                 {"cost", {c.cost.lifetime_years, c.cost.usd_per_kwh}}}
                                .dump();
    targets.push_back({std::move(profile), key});
  }

  json models = json::array();
  json events = json::array();
  std::vector<std::string> class_names;
  for (std::size_t mi = 0; mi < c.models.size(); ++mi) {
    const auto& m = c.models[mi];
    const fs::path fp32_file = out / "models" / (m.name + ".fp32.onnx");
    const std::string train_key = stable_hash(sim_key + json(c.raw["models"][mi]).dump());
    const json training = book.run("train/" + m.name, train_key, {fp32_file}, [&] {
      const int classes = static_cast<int>(eval::file_class_names(test_file, 3).size());
      const graph::Graph initial =
          load_model(m.name, m.input.empty() ? data_shape : m.input, classes, m.init_seed);
      auto o = m.train;
      o.threads = c.threads;
      const auto r = train_resumable(initial, data, o, out / "models" / (m.name + ".fp32.train"), train_key);
      graph::save_onnx(r.model, fp32_file);
      return history_json(r);
    });
    std::vector<Variant> variants{{"fp32", "float", train_key, fp32_file}};

    if (!c.ptq.empty()) {
      const std::string ptq_key = stable_hash(train_key + json{{"ptq", c.ptq},
                                                               {"calibration", c.calibration},
                                                               {"samples", c.calibration_samples},
                                                               {"reduce_range", c.reduce_range}}
                                                              .dump());
      std::vector<fs::path> files;
      for (const auto& s : c.ptq) files.push_back(out / "models" / fmt::format("{}.{}.onnx", m.name, s));
      book.run("ptq/" + m.name, ptq_key, files, [&] {
        const graph::Graph fp32 = graph::load_onnx(fp32_file);
        const ptq::CalibrationSet calib{(data / "train.h5").string(), c.calibration_samples, 16, c.threads};
        for (std::size_t i = 0; i < c.ptq.size(); ++i) {
          quant::QuantizeOptions q;
          q.scheme = quant::parse_scheme(c.ptq[i]);
          q.calibration.method = quant::parse_calibration_method(c.calibration);
          q.reduce_range = c.reduce_range;
          graph::save_onnx(ptq::quantize_model(fp32, q, &calib), files[i]);
        }
        return json{{"schemes", c.ptq}};
      });
      for (std::size_t i = 0; i < c.ptq.size(); ++i) variants.push_back({c.ptq[i], "ptq", ptq_key, files[i]});
    }

    for (const auto& q : c.qat) {
      const fs::path file = out / "models" / fmt::format("{}.{}.onnx", m.name, q.name);
      const fs::path qdq_file = out / "models" / fmt::format("{}.{}.qdq.onnx", m.name, q.name);
      const std::string qat_key =
          stable_hash(train_key + q.name + q.quantisers_yaml + fmt::format("{} {}", q.epochs, q.lr));
      const json qat = book.run("qat/" + m.name + "/" + q.name, qat_key, {file}, [&] {
        graph::Graph g = graph::load_onnx(fp32_file);
        const auto n =
            quant::insert_fake_quant(g, quant::LayerQuantConfig::parse(q.quantisers_yaml, c.origin));
        auto o = m.train;
        o.epochs = q.epochs;
        o.lr = q.lr;
        o.warmup_epochs = 0;
        o.threads = c.threads;
        const auto r =
            train_resumable(g, data, o, out / "models" / fmt::format("{}.{}.train", m.name, q.name), qat_key);
        graph::save_onnx(r.model, file);
        json h = history_json(r);
        h["quantisers"] = {{"weights", n.weights}, {"biases", n.biases}, {"results", n.results}};
        // Deployed form: QDQ on the integer kernels when every quantiser has an exact QDQ form.
        graph::Graph qdq = r.model;
        const auto x = quant::qonnx_to_qdq(qdq);
        h["qdq"] = {{"weights", x.weights}, {"activations", x.activations}, {"kept", x.kept}};
        if (x.kept == 0) graph::save_onnx(qdq, qdq_file);
        return h;
      });
      const bool deploy_qdq = qat.contains("qdq") && qat["qdq"]["kept"] == 0 && fs::exists(qdq_file);
      variants.push_back({q.name, "qat", qat_key, deploy_qdq ? qdq_file : file});
    }

    json model_json{{"name", m.name}, {"training", training}, {"variants", json::array()}};
    json fp32_predictions;
    for (const auto& v : variants) {
      std::optional<graph::Graph> loaded;  // read once, for whichever of its stages run
      auto graph_of = [&]() -> const graph::Graph& {
        if (!loaded) loaded = graph::load_onnx(v.file);
        return *loaded;
      };
      const std::string eval_key = stable_hash(v.key + v.scheme + fmt::format("{}", c.eval_events));
      const json acc = book.run("eval/" + m.name + "/" + v.scheme, eval_key, {}, [&] {
        eval::EvalOptions eo;
        eo.threads = c.threads;
        eo.max_events = c.eval_events;
        const auto r = eval::evaluate_model(graph_of(), test_file, eo);
        json j = r.confusion.to_json(r.class_names);
        j["events"] = r.events;
        j["seconds"] = r.seconds;
        j["class_names"] = r.class_names;
        if (v.scheme == "fp32") j["predictions"] = r.predictions;
        return j;
      });
      if (v.scheme == "fp32") fp32_predictions = acc["predictions"];
      class_names = acc["class_names"].get<std::vector<std::string>>();
      json var{{"scheme", v.scheme},
               {"kind", v.kind},
               {"file", fs::relative(v.file, out).string()},
               {"size_mb", file_mb(v.file)},
               {"accuracy",
                {{"value", acc["accuracy"]},
                 {"events", acc["events"]},
                 {"split", "test"},
                 {"method", "measured"}}},
               {"confusion", acc["confusion"]},
               {"classes", acc["classes"]},
               {"benchmarks", json::array()}};
      for (const auto& t : targets) {
        var["benchmarks"].push_back(book.run(
            "bench/" + m.name + "/" + v.scheme + "/" + t.profile.name, stable_hash(v.key + v.scheme + t.key),
            {}, [&] {
              return json(bench::to_json(bench::bench_model(graph_of(), t.profile, bo, gpu, gpu_reason)));
            }));
      }
      model_json["variants"].push_back(var);
    }
    models.push_back(model_json);

    if (mi == 0 && c.event_displays > 0) {
      // Event displays: per class, the first correctly and the first wrongly classified test event (fp32).
      const std::string ev_key =
          stable_hash(train_key + fmt::format("events {} {}", c.event_displays, c.eval_events));
      std::vector<std::size_t> chosen;
      const auto labels = test_file.labels();
      const auto pred = fp32_predictions.get<std::vector<int>>();
      for (int want_right : {1, 0})
        for (int cls = 0; cls < static_cast<int>(class_names.size()); ++cls)
          for (std::size_t i = 0; i < pred.size() && chosen.size() < c.event_displays; ++i)
            if (labels[i] == cls && (pred[i] == cls) == (want_right == 1)) {
              chosen.push_back(i);
              break;
            }
      std::vector<fs::path> files;
      for (auto i : chosen) files.push_back(out / "events" / fmt::format("event_{}.png", i));
      book.run("events", ev_key, files, [&] {
        fs::create_directories(out / "events");
        for (std::size_t k = 0; k < chosen.size(); ++k)
          data::write_event_display_png(event_display_of(test_file, "test.h5", chosen[k], 2), files[k]);
        return json{{"events", chosen}};
      });
      for (auto i : chosen)
        events.push_back({{"model", m.name},
                          {"scheme", "fp32"},
                          {"index", i},
                          {"label", labels[i]},
                          {"predicted", pred[i]},
                          {"image", fmt::format("events/event_{}.png", i)}});
    }
  }

  // Results and report: cheap, always rewritten from the stage results.
  json results{
      {"schema", bench::kResultsSchema},
      {"schema_version", bench::kResultsSchemaVersion},
      {"created_utc", utc_now()},
      {"edgeq_version", "0.1.0"},
      {"experiment", {{"name", c.name}, {"config", c.origin}, {"seed", c.seed}, {"settings", c.raw}}},
      {"host", json(targets::to_json(targets::describe_host()))},
      {"dataset",
       {{"image_shape", {layout.planes, layout.height, layout.width}},
        {"class_names", class_names},
        {"eval_split", "test"},
        {"splits", sim}}},
      {"models", models},
      {"events", events}};
  bench::validate_results(results, "results");
  core::write_file_atomic(out / "results.json", results.dump(1));
  bench::write_report(results, out, out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (progress)
    fmt::print(stderr, "edgeq run: {} stages run, {} up to date, {:.1f} s\n", book.ran(), book.skipped(),
               seconds);
  fmt::print("report: {}  ({}; results {})\n", (out / "report.html").string(), (out / "report.md").string(),
             (out / "results.json").string());
  return 0;
}

}  // namespace edgeq::cli
