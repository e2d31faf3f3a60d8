// Simulation configuration: YAML overrides, validation errors, JSON record.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "edgeq/core/error.hpp"
#include "edgeq/sim/config.hpp"

using namespace edgeq::sim;
using edgeq::Error;

namespace {
void expect_bad_input(const std::string& yaml, const std::string& fragment) {
  SimConfig c;
  try {
    load_config_yaml_text(c, yaml, "test.yaml");
    validate(c);
    FAIL() << "no error for: " << yaml;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(Config, DefaultsAreValid) {
  const SimConfig defaults;
  EXPECT_NO_THROW(validate(defaults));
}

TEST(Config, YamlOverridesOnlyGivenKeys) {
  SimConfig c;
  load_config_yaml_text(
      c, "detector:\n  wire_pitch_mm: 4.7\n  plane_angles_deg: [35.7, -35.7, 0]\nimage:\n  dtype: uint16\n",
      "t");
  EXPECT_DOUBLE_EQ(c.detector.wire_pitch_mm, 4.7);
  EXPECT_DOUBLE_EQ(c.detector.plane_angles_deg[0], 35.7);
  EXPECT_EQ(c.image.dtype, "uint16");
  EXPECT_DOUBLE_EQ(c.detector.tick_us, 0.5);  // untouched default
}

TEST(Config, FluxPresetThenOverride) {
  SimConfig c;
  load_config_yaml_text(c, "generator:\n  flux:\n    spectrum: dune\n    max_gev: 12\n", "t");
  EXPECT_EQ(c.generator.flux.spectrum, "dune");
  EXPECT_DOUBLE_EQ(c.generator.flux.shape, 4.0);
  EXPECT_DOUBLE_EQ(c.generator.flux.max_gev, 12.0);
}

TEST(Config, Errors) {
  expect_bad_input("detector:\n  wire_pitch_mm: -3\n", "detector.wire_pitch_mm");
  expect_bad_input("detector:\n  wire_pich_mm: 3\n", "unknown configuration key 'detector.wire_pich_mm'");
  expect_bad_input("generator:\n  gun_particle: muon-\n", "unknown particle 'muon-'");
  expect_bad_input("image:\n  dtype: float32\n", "image.dtype");
  expect_bad_input("detector:\n  tick_us: fast\n", "wrong type");
  expect_bad_input("detector: [1, 2]\n", "'detector' must be a mapping");
  expect_bad_input("detector:\n  plane_angles_deg: [60, -60]\n", "list of 3 numbers");
  expect_bad_input("a: [\n", "invalid YAML");
  expect_bad_input("generator:\n  pion_absorption: 1.5\n", "generator.pion_absorption");
  expect_bad_input("image:\n  vertex_wire_pixel: 500\n", "outside");
}

TEST(Config, MissingFile) {
  SimConfig c;
  EXPECT_THROW(load_config_yaml(c, "/nonexistent/sim.yaml"), Error);
}

TEST(Config, JsonRecordsEveryValue) {
  SimConfig c;
  c.detector.noise_enc_e = 123;
  const auto j = nlohmann::json::parse(to_json(c));
  EXPECT_DOUBLE_EQ(j["detector"]["noise_enc_e"].get<double>(), 123.0);
  EXPECT_EQ(j["generator"]["flux"]["spectrum"], "bnb");
  EXPECT_EQ(j["image"]["wires"], 200);
}
