// edgeq simulate end to end: determinism across thread counts, splits, display, cancellation.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "cli/run_edgeq.hpp"
#include "edgeq/cli/simulate_pipeline.hpp"
#include "edgeq/core/cancel.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_file.hpp"
#include "test_util.hpp"

using namespace edgeq;
using namespace edgeq::test;

namespace {
std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

// The same seed gives byte-identical images (and files) with 1 and 2 threads.
TEST(Simulate, DeterministicAcrossThreadCounts) {
  TempDir dir;
  const sim::SimConfig config;
  cli::simulate_to_file(config, dir / "t1.h5", 60, 99, 0, 1);
  cli::simulate_to_file(config, dir / "t2.h5", 60, 99, 0, 2);
  data::EventFileReader a(dir / "t1.h5"), b(dir / "t2.h5");
  ASSERT_EQ(a.size(), 60u);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a.read_image(i), b.read_image(i)) << "event " << i;
  EXPECT_EQ(a.labels(), b.labels());
  EXPECT_EQ(read_bytes(dir / "t1.h5"), read_bytes(dir / "t2.h5"));
  // And a different seed gives different events.
  cli::simulate_to_file(config, dir / "s2.h5", 60, 100, 0, 2);
  data::EventFileReader c(dir / "s2.h5");
  EXPECT_NE(a.read_image(0), c.read_image(0));
}

TEST(Simulate, FileContentsAndTruth) {
  TempDir dir;
  sim::SimConfig config;
  const auto stats = cli::simulate_to_file(config, dir / "f.h5", 30, 5, 0, 2);
  EXPECT_EQ(stats.class_counts[0] + stats.class_counts[1] + stats.class_counts[2], 30u);
  data::EventFileReader r(dir / "f.h5");
  EXPECT_EQ(r.layout().planes, 3);
  EXPECT_EQ(r.layout().height, 200);
  EXPECT_EQ(r.layout().width, 200);
  EXPECT_EQ(r.attribute_int("format_version"), data::kFormatVersion);
  EXPECT_EQ(r.attribute_int("seed"), 5);
  EXPECT_NE(r.attribute_string("generator_config").find("wire_pitch_mm"), std::string::npos);
  const auto labels = r.labels();
  const auto ccnc = r.truth_i32("ccnc"), lepton = r.truth_i32("lepton_pdg"), n_mu = r.truth_i32("n_muons");
  const auto offsets = r.truth_i32("particles/offsets");
  ASSERT_EQ(offsets.size(), 31u);
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(ccnc[i], labels[i] == 0 ? 1 : 0);
    if (labels[i] == 1) {
      EXPECT_EQ(lepton[i], 13);
      EXPECT_EQ(n_mu[i], 1);
    }
    if (labels[i] == 2) {
      EXPECT_EQ(lepton[i], 11);
    }
    EXPECT_LE(offsets[i], offsets[i + 1]);
    std::size_t nonzero = 0;
    for (auto v : r.read_image(i)) nonzero += v > 0;
    EXPECT_GT(nonzero, 20u) << "event " << i << " is empty";
  }
}

TEST(Simulate, SplitsUseDisjointStreams) {
  TempDir dir;
  const auto r = run_edgeq("-q simulate --train 12 --val 6 --test 6 --seed 3 --threads 2 --out " +
                           (dir / "ds").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  data::EventFileReader train(dir / "ds" / "train.h5"), val(dir / "ds" / "val.h5"),
      test(dir / "ds" / "test.h5");
  EXPECT_EQ(train.size(), 12u);
  EXPECT_EQ(val.size(), 6u);
  EXPECT_EQ(test.size(), 6u);
  EXPECT_NE(train.read_image(0), val.read_image(0));
  EXPECT_NE(val.read_image(0), test.read_image(0));
  EXPECT_NE(train.truth_f32("nu_energy_gev")[0], val.truth_f32("nu_energy_gev")[0]);
  // Existing split files are not overwritten without --force, and nothing is half-written.
  const auto again = run_edgeq("-q simulate --train 12 --out " + (dir / "ds").string());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(count_files(dir / "ds"), 3u);
}

TEST(Simulate, JsonSummaryAndDisplay) {
  TempDir dir;
  const auto r = run_edgeq("-q simulate --events 6 --seed 8 --json --out " + (dir / "e.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"events_per_s\""), std::string::npos);
  const auto d =
      run_edgeq("-q display " + (dir / "e.h5").string() + " --index 2 --out " + (dir / "e.png").string());
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "e.png"));
  const auto bad =
      run_edgeq("display " + (dir / "e.h5").string() + " --index 6 --out " + (dir / "f.png").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("out of range"), std::string::npos);
}

TEST(Simulate, GunModeAndUint16) {
  TempDir dir;
  std::ofstream(dir / "gun.yaml")
      << "generator:\n  mode: gun\n  gun_particle: e-\n  gun_kinetic_mev: 300\nimage:\n"
         "  dtype: uint16\n  adc_scale_e: 50\n";
  const auto r = run_edgeq("-q simulate --events 4 --config " + (dir / "gun.yaml").string() + " --out " +
                           (dir / "g.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  data::EventFileReader g(dir / "g.h5");
  EXPECT_EQ(g.layout().dtype, data::ImageDtype::UInt16);
  EXPECT_EQ(g.labels()[0], -1);
  EXPECT_EQ(g.truth_i32("particles/pdg")[0], 11);
}

// Interruption (SIGINT sets the cancel flag): the run stops with Cancelled and leaves no file.
TEST(Simulate, CancelLeavesNoFile) {
  TempDir dir;
  const sim::SimConfig config;
  core::request_cancel();
  EXPECT_THROW(cli::simulate_to_file(config, dir / "c.h5", 50, 1, 0, 2), Error);
  core::reset_cancel();
  EXPECT_EQ(count_files(dir.path()), 0u);
}
