// Target profiles (built in and user files), the RAPL energy counter on a fake powercap tree, and the
// harness's energy/cost arithmetic on a small model.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "edgeq/bench/harness.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/targets/energy_meter.hpp"
#include "edgeq/targets/profile.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("edgeq_test_targets_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    return e.what();
  }
  return "";
}

TEST(TargetProfiles, BuiltInProfilesCarryTheStudysFigures) {
  const auto all = targets::builtin_profiles();
  ASSERT_GE(all.size(), 4u);
  const auto tpu = targets::find_profile("edgetpu");
  EXPECT_EQ(tpu.kind, targets::TargetKind::EdgeTpu);
  EXPECT_EQ(tpu.method, targets::Method::Modelled);
  EXPECT_DOUBLE_EQ(*tpu.tdp_w, 2.0);  // Coral: 4 TOPS at 2 W; the study's K uses 2 W
  const auto cpu = targets::find_profile("cpu");
  EXPECT_EQ(cpu.method, targets::Method::Measured);
  EXPECT_DOUBLE_EQ(*cpu.tdp_w, 280.0);
  EXPECT_DOUBLE_EQ(*targets::find_profile("cpu-i7-8550u").tdp_w, 15.0);  // the study's early-results CPU
  EXPECT_FALSE(targets::find_profile("fpga").tdp_w.has_value());         // unknown stays unknown
}

TEST(TargetProfiles, UserProfilesFromFilesFoldersAndTheEnvironment) {
  const auto dir = temp_dir("user");
  write(dir / "pi5.yaml",
        "name: pi5\nkind: cpu\nmethod: measured\ndevice: Raspberry Pi 5\ntdp_w: 12\nprice_usd: 80\n");
  EXPECT_EQ(targets::find_profile((dir / "pi5.yaml").string()).device, "Raspberry Pi 5");
  EXPECT_DOUBLE_EQ(*targets::find_profile("pi5", {dir}).price_usd, 80.0);
  setenv("EDGEQ_TARGETS_PATH", ("/nonexistent:" + dir.string()).c_str(), 1);
  EXPECT_EQ(targets::find_profile("pi5").name, "pi5");
  unsetenv("EDGEQ_TARGETS_PATH");
  EXPECT_NE(error_of([] { targets::find_profile("pi5"); }).find("unknown target 'pi5' (built in: cpu"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(TargetProfiles, BadProfilesNameTheKey) {
  const auto bad = [](const std::string& yaml) {
    return error_of([&] { targets::parse_profile(yaml, "my.yaml"); });
  };
  EXPECT_NE(bad("name: a\nkind: cpu\nmethod: measured\ntdp: 5\n").find("my.yaml: unknown key 'tdp'"),
            std::string::npos);
  EXPECT_NE(bad("name: a\nkind: tpu\nmethod: measured\n").find("kind 'tpu' is not one of"),
            std::string::npos);
  EXPECT_NE(bad("name: a\nkind: cpu\nmethod: guessed\n").find("method 'guessed'"), std::string::npos);
  EXPECT_NE(bad("kind: cpu\nmethod: measured\n").find("missing key 'name'"), std::string::npos);
  EXPECT_NE(bad("name: a\nkind: cpu\nmethod: measured\ntdp_w: -3\n").find("'tdp_w' must be >= 0"),
            std::string::npos);
  EXPECT_NE(bad("name: a\nkind: cpu\nmethod: measured\ntdp_w: many\n").find("'tdp_w' has the wrong type"),
            std::string::npos);
  EXPECT_NE(bad("name: [a\n").find("not valid YAML"), std::string::npos);
}

TEST(EnergyMeter, ReadsRaplPackagesAndHandlesWrapAround) {
  const auto root = temp_dir("rapl");
  fs::create_directories(root / "intel-rapl:0");
  fs::create_directories(root / "intel-rapl:0:0");  // a subdomain (core): not counted again
  write(root / "intel-rapl:0" / "name", "package-0\n");
  write(root / "intel-rapl:0" / "max_energy_range_uj", "1000000\n");
  write(root / "intel-rapl:0" / "energy_uj", "900000\n");
  write(root / "intel-rapl:0:0" / "energy_uj", "5\n");
  auto m = targets::EnergyMeter::rapl(root.string());
  ASSERT_TRUE(m.available()) << m.unavailable_reason();
  EXPECT_NE(m.source().find("package-0"), std::string::npos);
  const double j0 = m.read_joules();
  write(root / "intel-rapl:0" / "energy_uj", "950000\n");  // +0.05 J
  EXPECT_NEAR(m.read_joules() - j0, 0.05, 1e-12);
  write(root / "intel-rapl:0" / "energy_uj", "100000\n");  // wrapped: +0.05 J to the range end, +0.1 J after
  EXPECT_NEAR(m.read_joules() - j0, 0.20, 1e-12);
  fs::remove_all(root);
  const auto none = targets::EnergyMeter::rapl((root / "absent").string());
  EXPECT_FALSE(none.available());
  EXPECT_NE(none.unavailable_reason().find("no RAPL package domain"), std::string::npos);
}

TEST(Harness, EnergyAndCostFollowFromTheProfileAndTheMeasuredLatency) {
  graph::Graph g = zoo::build("jet_mlp", {{16}, 5, 1});
  auto p =
      targets::parse_profile("name: t\nkind: cpu\nmethod: measured\ntdp_w: 10\nprice_usd: 100\n", "t.yaml");
  bench::BenchOptions o;
  o.batches = {4};
  o.measure.min_seconds = 0.02;
  o.measure.max_seconds = 0.5;
  o.cost = {1.0, 0.2};
  const auto r = bench::bench_model(g, p, o);
  ASSERT_EQ(r.method, "measured");
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].batch, 1u);
  EXPECT_EQ(r.points[1].batch, 4u);
  const double p50 = r.points[0].latency.p50_ms;
  EXPECT_DOUBLE_EQ(r.points[0].throughput_per_s, 1e3 / p50);
  EXPECT_DOUBLE_EQ(*r.energy.k_mj, 10 * p50);  // K = TDP x latency, W ms = mJ
  if (!r.energy.measured_mj) {
    EXPECT_DOUBLE_EQ(*r.energy.inferences_per_joule, 1e3 / (10 * p50));
  }
  // One year at full duty: price + 10 W x 8766 h x $0.2/kWh.
  const double hours = 365.25 * 24, dollars = 100 + 10 * hours / 1e3 * 0.2;
  const double best = std::max(r.points[0].throughput_per_s, r.points[1].throughput_per_s);
  EXPECT_NEAR(*r.energy.inferences_per_dollar, best * hours * 3600 / dollars,
              1e-6 * best * hours * 3600 / dollars);
  EXPECT_GT(r.peak_rss_mib, 0);
  EXPECT_GT(r.start_rss_mib, 0);
  EXPECT_LE(r.start_rss_mib, r.peak_rss_mib);
  const auto j = bench::to_json(r);
  EXPECT_EQ(j["method"], "measured");
  EXPECT_EQ(j["throughput"].size(), 2u);

  p.price_usd.reset();
  const auto no_price = bench::bench_model(g, p, o);
  EXPECT_FALSE(no_price.energy.inferences_per_dollar.has_value());
  EXPECT_NE(no_price.energy.per_dollar_note.find("no price"), std::string::npos);
}

TEST(Harness, TargetsWithoutAMeasurementAreUnavailableNeverInvented) {
  const graph::Graph g = zoo::build("jet_mlp", {{16}, 5, 1});
  const auto fpga = bench::bench_model(g, targets::find_profile("fpga"), {});
  EXPECT_EQ(fpga.method, "unavailable");
  EXPECT_TRUE(fpga.points.empty());
  const auto gpu = bench::bench_model(g, targets::find_profile("gpu"), {}, {}, "no CUDA device visible");
  EXPECT_EQ(gpu.method, "unavailable");
  EXPECT_EQ(gpu.reason, "no CUDA device visible");
  EXPECT_FALSE(bench::to_json(gpu).contains("latency_ms"));
}

}  // namespace
}  // namespace edgeq
