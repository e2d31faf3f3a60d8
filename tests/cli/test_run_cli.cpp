// edgeq run / report / bench as a user runs them: a small experiment end to end, interrupted with Ctrl-C
// (SIGINT) and continued without redoing finished stages or leaving partial files; results.json against its
// JSON Schema; bad configurations and results named in one error line with exit code 2.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/run_edgeq.hpp"
#include "test_util.hpp"

using namespace edgeq::test;
namespace fs = std::filesystem;

namespace {
// 3 training epochs on 96 events: long enough (seconds) to be interrupted after the simulation stage.
constexpr const char* kTinyConfig = R"yaml(name: tiny
seed: 7
data: {train: 96, val: 24, test: 30}
models:
  - name: nunet_s
    train: {epochs: 3, batch: 16}
quantise:
  ptq: [fp16, int8]
  calibration: minmax
  calibration_samples: 16
  reduce_range: true
  qat:
    - name: qat4
      epochs: 1
      quantisers:
        Model:
          Precision:
            weight: quantized_bits(4,0,alpha='auto_po2')
eval: {threads: 2}
bench: {targets: [cpu, gpu, edgetpu], threads: 2, max_batch: 2, min_seconds: 0.05, max_seconds: 0.3}
report: {event_displays: 3}
)yaml";

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

bool has_temp_files(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

class RunCli : public ::testing::Test {
 protected:
  void expect_bad(const std::string& args, const std::string& fragment) { expect_bad_input(args, fragment); }
  TempDir dir_;
};

TEST_F(RunCli, InterruptedRunContinuesWithoutRedoingFinishedStages) {
  const fs::path cfg = dir_.path() / "tiny.yaml", out = dir_.path() / "out";
  write(cfg, kTinyConfig);
  // First run: SIGINT as soon as the training has checkpointed its first epoch.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string log = (dir_.path() / "first.log").string();
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execl(EDGEQ_BINARY, EDGEQ_BINARY, "run", cfg.c_str(), "--out", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  const fs::path checkpoint = out / "models" / "nunet_s.fp32.train" / "checkpoint.pt";
  while (!fs::exists(checkpoint) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(fs::exists(checkpoint));
  ASSERT_TRUE(fs::exists(out / "stages" / "simulate.json"));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130) << "the run finished before the interrupt: make the training longer";
  EXPECT_FALSE(fs::exists(out / "results.json"));
  EXPECT_FALSE(has_temp_files(out));
  const auto data_time = fs::last_write_time(out / "data" / "train.h5");

  // Second run: the simulation is up to date, the training continues from its checkpoint, the rest completes.
  auto r = run_edgeq("run " + cfg.string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("simulate                           up to date"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("continuing the interrupted training"), std::string::npos) << r.output;
  EXPECT_EQ(
      nlohmann::json::parse(std::ifstream(out / "stages" / "train.nunet_s.json"))["result"]["epochs"].size(),
      3u);
  EXPECT_EQ(fs::last_write_time(out / "data" / "train.h5"), data_time);
  EXPECT_FALSE(has_temp_files(out));
  for (const char* f : {"results.json", "report.md", "report.html", "models/nunet_s.fp32.onnx",
                        "models/nunet_s.int8.onnx", "models/nunet_s.fp16.onnx", "models/nunet_s.qat4.onnx"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto results = nlohmann::json::parse(std::ifstream(out / "results.json"));
  const auto& variants = results["models"][0]["variants"];
  ASSERT_EQ(variants.size(), 4u);  // fp32, fp16, int8, qat4
  for (const auto& v : variants) {
    EXPECT_EQ(v["benchmarks"][0]["method"], "measured");
    EXPECT_GT(v["benchmarks"][0]["latency_ms"]["p50"].get<double>(), 0);
    EXPECT_EQ(v["benchmarks"][1]["method"], "unavailable");  // no CUDA here
    // Edge TPU: modelled for the statically int8-quantised variant; no figure for float ones (as in the
    // study) nor for qat4 (4-bit weights, float activations: no static int8 form).
    const auto& tpu = v["benchmarks"][2];
    const bool integer = v["scheme"] == "int8";
    EXPECT_EQ(tpu["method"].get<std::string>(), integer ? "modelled" : "unavailable") << v["scheme"];
    if (integer)
      EXPECT_NEAR(tpu["energy"]["k_w_ms"].get<double>(), 2 * tpu["latency_ms"]["p50"].get<double>(), 1e-9);
    else
      EXPECT_NE(tpu["reason"].get<std::string>().find("int8"), std::string::npos);
  }
  std::ifstream md_file(out / "report.md");
  const std::string md((std::istreambuf_iterator<char>(md_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("| int8 | ptq |"), std::string::npos) << md;

  // Third run: nothing to do.
  r = run_edgeq("run " + cfg.string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 stages run"), std::string::npos) << r.output;

  // A changed bench setting redoes the benchmarks only.
  std::string changed = kTinyConfig;
  changed.replace(changed.find("max_seconds: 0.3"), 16, "max_seconds: 0.4");
  write(cfg, changed);
  r = run_edgeq("run " + cfg.string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("train/nunet_s                      up to date"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bench/nunet_s/int8/cpu             done"), std::string::npos) << r.output;

  // The JSON Schema in docs/ accepts the real results.
  int check = std::system(("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null"));
  if (check != 0) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/bootstrap.sh installs it)";
  check = std::system(
      ("/usr/bin/python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
       "json.load(open(sys.argv[2])))' " +
       (out / "results.json").string() + " " + EDGEQ_SOURCE_DIR + "/docs/results.schema.json")
          .c_str());
  EXPECT_EQ(check, 0);

  // edgeq report renders the same results elsewhere.
  r = run_edgeq("report --results " + out.string() + " --out " + (dir_.path() / "rep").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_.path() / "rep" / "report.html"));
}

TEST_F(RunCli, BadConfigurationsAndResultsAreNamed) {
  const fs::path cfg = dir_.path() / "c.yaml";
  const std::string base = kTinyConfig;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = base;
    t.replace(t.find(from), from.size(), to);
    write(cfg, t);
    return "run " + cfg.string() + " --out " + (dir_.path() / "o").string();
  };
  expect_bad(with("data: {train: 96", "data: {trian: 96"),
             "missing key 'data.train' (did you mean 'data.trian'?)");
  expect_bad(with("report: {event_displays: 3}", "report: {event_display: 3}"),
             "unknown key 'report.event_display'");
  expect_bad(with("name: nunet_s", "name: resnet99"), "models[0].name: unknown model 'resnet99'");
  expect_bad(with("targets: [cpu, gpu", "targets: [cpu, tpu9"), "unknown target 'tpu9'");
  expect_bad(with("ptq: [fp16, int8]", "ptq: [fp16, int7]"), "quantise.ptq");
  expect_bad(with("epochs: 3, batch: 16", "epochs: 3, batch: 16, lr: fast"),
             "'models[0].train.lr' has the wrong type");
  expect_bad(with("quantized_bits(4,0,alpha='auto_po2')", "quantized_foo(4)"), "quantized_foo");
  expect_bad(with("max_batch: 2", "max_batch: 0"), "max_batch >= 1");
  expect_bad("run " + (dir_.path() / "missing.yaml").string() + " --out x", "cannot read experiment config");
  EXPECT_FALSE(fs::exists(dir_.path() / "o" / "results.json"));
  // Results: missing, malformed, incomplete.
  expect_bad("report --results " + dir_.path().string() + " --out " + (dir_.path() / "r").string(),
             "cannot read results file");
  write(dir_.path() / "results.json", R"({"schema": "edgeq-results", "schema_version": 1, "created_utc": "x",
    "experiment": {}, "host": {}, "dataset": {"class_names": ["a"]}, "models": [{"name": "m"}]})");
  expect_bad("report --results " + dir_.path().string() + " --out " + (dir_.path() / "r").string(),
             "missing /models/0/variants");
  EXPECT_FALSE(fs::exists(dir_.path() / "r" / "report.html"));
}

TEST_F(RunCli, BenchReportsEveryTargetHonestly) {
  auto r = run_edgeq("bench --model jet_mlp --target cpu --threads 1 --batch 4 --min-seconds 0.05 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["method"], "measured");
  EXPECT_EQ(j["throughput"].size(), 3u);  // batches 1, 2, 4
  EXPECT_GT(j["energy"]["k_w_ms"].get<double>(), 0);
  EXPECT_FALSE(j["host"]["cpu_model"].get<std::string>().empty());
  r = run_edgeq("bench --model jet_mlp --target edgetpu");  // no Edge TPU here: modelled, and said so
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("MODELLED latency"), std::string::npos) << r.output;
  r = run_edgeq("bench --model jet_mlp --target fpga");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unavailable"), std::string::npos);
  const fs::path mine = dir_.path() / "desk.yaml";
  write(mine, "name: desk\nkind: cpu\nmethod: measured\ntdp_w: 65\n");
  r = run_edgeq("bench --model jet_mlp --target " + mine.string() + " --min-seconds 0.02 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["profile"]["tdp_w"], 65.0);
  expect_bad("bench --model jet_mlp --target nope", "unknown target 'nope'");
  expect_bad("bench --model jet_mlp --batch 0", "--batch must be >= 1");
  write(mine, "name: desk\nkind: cpu\nmethod: measured\nwatts: 65\n");
  expect_bad("bench --model jet_mlp --target " + mine.string(), "unknown key 'watts'");
}

}  // namespace
