// edgeq energy: the QTools-style estimate from the command line (JSON, report file, bad input).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.hpp"
#include "run_edgeq.hpp"

namespace edgeq::test {
namespace {

TEST(EnergyCli, JetMlpEstimateAsJsonAndReportFile) {
  TempDir dir;
  const auto out = (dir.path() / "energy.json").string();
  auto r = run_edgeq("energy --model jet_mlp --classes 5 --input 16 --source fp32 --json --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_NEAR(j.at("total_pj").get<double>(), 199666.942, 1e-3);  // golden total, tests/quant/test_energy.cpp
  EXPECT_EQ(j.at("method"), "modelled");
  EXPECT_EQ(j.at("layers").size(), 8u);
  std::ifstream in(out);
  EXPECT_EQ(nlohmann::json::parse(in).at("total_pj"), j.at("total_pj"));

  r = run_edgeq("energy --model jet_mlp --classes 5 --input 16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("pJ per inference (modelled, profile horowitz45)"), std::string::npos) << r.output;
  r = run_edgeq("energy --list-profiles");
  EXPECT_NE(r.output.find("horowitz45-sram"), std::string::npos) << r.output;
}

TEST(EnergyCli, BadInputIsRefusedWithoutWritingTheReport) {
  TempDir dir;
  const auto out = (dir.path() / "e.json").string();
  expect_bad_input("energy --model jet_mlp --input 16 --profile nope --out " + out,
                   "unknown energy profile 'nope'", dir.path());
  expect_bad_input("energy --model jet_mlp --input 16 --source int99 --out " + out, "1..32", dir.path());
  expect_bad_input("energy --model jet_mlp --input 16 --config missing.yml --out " + out, "missing.yml",
                   dir.path());
  std::ofstream(dir.path() / "bad.yaml") << "name: p\nmemory:\n  activations: tape\n";
  expect_bad_input("energy --model jet_mlp --input 16 --profile " + (dir.path() / "bad.yaml").string(),
                   "memory.activations");
  expect_bad_input("energy", "--model");
}

}  // namespace
}  // namespace edgeq::test
