// results.json validation, the Markdown tables, and report.html rendered by headless Chromium (Debian's
// `chromium`, installed by scripts/bootstrap.sh): the page must load without script errors, draw every chart
// and decode every embedded event display. The screenshot is kept in the build tree for inspection.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "edgeq/bench/report.hpp"
#include "edgeq/bench/results.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_display.hpp"

namespace edgeq::bench {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string run_capture(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  *status = pclose(p);
  return out;
}

json bench_entry(const std::string& target, const std::string& method, double p50, double tdp) {
  json b{{"target", target},
         {"kind", target == "edgetpu" ? "edgetpu" : "cpu"},
         {"method", method},
         {"device", "test device"},
         {"profile", {{"tdp_w", tdp}, {"idle_w", nullptr}, {"price_usd", nullptr}}}};
  if (method == "unavailable") {
    b["reason"] = "no such hardware here";
    return b;
  }
  b["threads"] = 2;
  b["host"] = {{"cpu_model", "test"}, {"logical_cpus", 2}, {"isa", json::array()}, {"fast_kernels", "none"}};
  b["latency_ms"] = {{"p50", p50}, {"p90", p50 * 1.1}, {"p99", p50 * 1.3}, {"runs", 50}};
  b["throughput"] = json::array({{{"batch", 1}, {"per_s", 1e3 / p50}}});
  b["energy"] = {{"k_w_ms", tdp * p50},
                 {"k_method", "TDP x latency"},
                 {"measured_mj", nullptr},
                 {"measured_method", "unavailable: test"}};
  return b;
}

json sample_results(const std::string& event_image) {
  json variants = json::array();
  int k = 0;
  for (const auto& [scheme, kind, size, acc] :
       std::vector<std::tuple<std::string, std::string, double, double>>{{"fp32", "float", 0.4, 0.85},
                                                                         {"int8", "ptq", 0.1, 0.8}}) {
    variants.push_back(
        {{"scheme", scheme},
         {"kind", kind},
         {"file", "models/m." + scheme + ".onnx"},
         {"size_mb", size},
         {"accuracy", {{"value", acc}, {"events", 20}, {"split", "test"}, {"method", "measured"}}},
         {"confusion", {{5, 1, 0}, {0, 6, 1}, {1, 0, 6}}},
         {"benchmarks",
          {bench_entry("cpu", "measured", 1.0 + k, 280), bench_entry("edgetpu", "modelled", 2.0 + k, 2),
           bench_entry("gpu", "unavailable", 0, 250)}}});
    ++k;
  }
  json epochs = json::array();
  for (int e = 1; e <= 3; ++e)
    epochs.push_back({{"epoch", e},
                      {"lr", 1e-3},
                      {"train_loss", 1.0 / e},
                      {"train_accuracy", 0.5 + 0.1 * e},
                      {"val_loss", 1.1 / e},
                      {"val_accuracy", 0.45 + 0.1 * e},
                      {"seconds", 1.0}});
  return {{"schema", kResultsSchema},
          {"schema_version", kResultsSchemaVersion},
          {"created_utc", "2026-11-22T12:00:00Z"},
          {"experiment", {{"name", "unit"}, {"config", "test"}, {"seed", 1}}},
          {"host",
           {{"cpu_model", "test"}, {"logical_cpus", 2}, {"isa", json::array()}, {"fast_kernels", "none"}}},
          {"dataset",
           {{"image_shape", {3, 16, 16}},
            {"class_names", {"NC", "numu CC", "nue CC"}},
            {"splits", {{"test", {{"events", 20}}}}}}},
          {"models",
           {{{"name", "m"}, {"training", {{"best_epoch", 3}, {"epochs", epochs}}}, {"variants", variants}}}},
          {"events",
           {{{"model", "m"},
             {"scheme", "fp32"},
             {"index", 0},
             {"label", 1},
             {"predicted", 2},
             {"image", event_image}}}}};
}

fs::path temp_dir() {
  const fs::path d = fs::temp_directory_path() / ("edgeq_test_report_" + std::to_string(getpid()));
  fs::create_directories(d / "events");
  return d;
}

void write_event_png(const fs::path& path) {
  data::EventDisplay d;
  d.height = d.width = 16;
  d.image.assign(3 * 16 * 16, 0);
  for (int i = 0; i < 16; ++i) d.image[static_cast<std::size_t>(i * 16 + i)] = 200;
  d.title = "test event";
  data::write_event_display_png(d, path);
}

std::string validation_error(const json& r) {
  try {
    validate_results(r, "r.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Results, ValidationNamesTheJsonPathAtFault) {
  json r = sample_results("events/e.png");
  EXPECT_EQ(validation_error(r), "");
  json bad = r;
  bad["models"][0]["variants"][1].erase("size_mb");
  EXPECT_EQ(validation_error(bad), "r.json: missing /models/0/variants/1/size_mb");
  bad = r;
  bad["models"][0]["variants"][0]["benchmarks"][2].erase("reason");
  EXPECT_EQ(validation_error(bad), "r.json: missing /models/0/variants/0/benchmarks/2/reason");
  bad = r;
  bad["schema_version"] = kResultsSchemaVersion + 1;
  EXPECT_NE(validation_error(bad).find("newer than this edgeq reads"), std::string::npos);
  bad = r;
  bad["models"][0]["variants"][0]["kind"] = "magic";
  EXPECT_NE(validation_error(bad).find("/models/0/variants/0/kind must be float, ptq or qat"),
            std::string::npos);
  bad = r;
  bad["models"][0]["variants"][0]["confusion"].erase(0);
  EXPECT_NE(validation_error(bad).find("has 2 rows for 3 classes"), std::string::npos);
  const auto dir = temp_dir();
  std::ofstream(dir / "results.json") << "{\"schema\": ";
  try {
    load_results(dir);
    ADD_FAILURE() << "truncated results accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(Report, MarkdownFollowsTheStudysTableLayout) {
  const std::string md = render_markdown(sample_results("events/e.png"));
  EXPECT_NE(
      md.find(
          "| scheme | kind | size (MB) | accuracy | cpu p50 (ms) | edgetpu p50 (ms) | gpu p50 (ms) | K cpu "
          "(W ms) | K edgetpu (W ms) | K gpu (W ms) |"),
      std::string::npos)
      << md;
  EXPECT_NE(
      md.find(
          "| int8 | ptq | 0.100 | 80.00 % | 2.000 | 3.000 (modelled) | n/a | 560.0 | 6.0 (modelled) | n/a |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("gpu: unavailable: no such hardware here"), std::string::npos);
}

TEST(Report, HtmlRendersInHeadlessChromium) {
  const auto dir = temp_dir();
  write_event_png(dir / "events" / "e.png");
  const json r = sample_results("events/e.png");
  write_report(r, dir, dir / "report");
  const auto html = dir / "report" / "report.html";
  ASSERT_TRUE(fs::exists(html));
  ASSERT_TRUE(fs::exists(dir / "report" / "report.md"));
  int status = 0;
  run_capture("command -v chromium", &status);
  if (status != 0) GTEST_SKIP() << "chromium is not installed (scripts/bootstrap.sh installs it)";
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 ";
  const std::string dom = run_capture("timeout 120 chromium " + flags + "--dump-dom file://" + html.string() +
                                          " 2>" + (dir / "console.txt").string(),
                                      &status);
  ASSERT_EQ(status, 0) << dom;
  EXPECT_NE(dom.find("data-render=\"ok\""), std::string::npos) << dom.substr(0, 400);
  EXPECT_NE(dom.find("data-charts=\"4\""), std::string::npos);  // 2 training curves, size, energy-latency
  EXPECT_NE(dom.find("data-images=\"1\""), std::string::npos);
  std::ifstream console(dir / "console.txt");
  const std::string log((std::istreambuf_iterator<char>(console)), std::istreambuf_iterator<char>());
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
  const fs::path shot = fs::current_path() / "report_screenshot.png";
  run_capture("timeout 120 chromium " + flags + "--window-size=1300,2600 --screenshot=" + shot.string() +
                  " file://" + html.string() + " 2>/dev/null",
              &status);
  ASSERT_EQ(status, 0);
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 20000u);  // a blank page compresses to a few kB
  fs::remove_all(dir);
}

TEST(Report, ResultsMatchTheirJsonSchema) {
  int status = 0;
  run_capture("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null", &status);
  if (status != 0) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/bootstrap.sh installs it)";
  const auto dir = temp_dir();
  std::ofstream(dir / "results.json") << sample_results("events/e.png").dump();
  const std::string schema = std::string(EDGEQ_SOURCE_DIR) + "/docs/results.schema.json";
  const std::string check =
      "/usr/bin/python3 -c 'import json,sys,jsonschema; "
      "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' ";
  const std::string out =
      run_capture(check + (dir / "results.json").string() + " " + schema + " 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  json bad = sample_results("events/e.png");
  bad["models"][0]["variants"][0]["benchmarks"][0]["method"] = "guessed";
  std::ofstream(dir / "bad.json") << bad.dump();
  run_capture(check + (dir / "bad.json").string() + " " + schema + " 2>&1", &status);
  EXPECT_NE(status, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace edgeq::bench
