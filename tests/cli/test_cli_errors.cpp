// Bad input: one clear error line, exit code 2, and no file left behind.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/run_edgeq.hpp"
#include "test_util.hpp"

using namespace edgeq::test;

namespace {
void expect_clean_failure(const std::string& args, const std::string& fragment, const TempDir& dir,
                          std::size_t files_before) {
  const auto r = run_edgeq(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << r.output;
  EXPECT_EQ(count_files(dir.path()), files_before) << "partial output left by: " << args;
}
}  // namespace

TEST(CliErrors, BadFlagsAndValues) {
  TempDir dir;
  const std::string out = (dir / "o.h5").string();
  expect_clean_failure("simulate --events 10 --out " + out + " --bogus", "--bogus", dir, 0);
  expect_clean_failure("simulate --events 0 --out " + out, "at least 1", dir, 0);
  expect_clean_failure("simulate --events ten --out " + out, "--events", dir, 0);
  expect_clean_failure("simulate --out " + out, "--events", dir, 0);
  expect_clean_failure("simulate --events 5 --flux numi --out " + out, "--flux", dir, 0);
  expect_clean_failure("frobnicate", "frobnicate", dir, 0);
}

TEST(CliErrors, InvalidConfigs) {
  TempDir dir;
  std::ofstream(dir / "neg.yaml") << "detector:\n  wire_pitch_mm: -3\n";
  std::ofstream(dir / "part.yaml") << "generator:\n  mode: gun\n  gun_particle: tachyon\n";
  std::ofstream(dir / "typo.yaml") << "detectr:\n  wire_pitch_mm: 3\n";
  const std::string out = " --out " + (dir / "o.h5").string();
  expect_clean_failure("simulate --events 5 --config " + (dir / "neg.yaml").string() + out, "wire_pitch_mm",
                       dir, 3);
  expect_clean_failure("simulate --events 5 --config " + (dir / "part.yaml").string() + out,
                       "unknown particle 'tachyon'", dir, 3);
  expect_clean_failure("simulate --events 5 --config " + (dir / "typo.yaml").string() + out,
                       "unknown configuration key", dir, 3);
  expect_clean_failure("simulate --events 5 --config " + (dir / "none.yaml").string() + out, "not found", dir,
                       3);
}

TEST(CliErrors, OutputPaths) {
  TempDir dir;
  std::ofstream(dir / "exists.h5") << "precious";
  expect_clean_failure("simulate --events 5 --out " + (dir / "exists.h5").string(), "--force", dir, 1);
  std::ifstream in(dir / "exists.h5");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "precious");  // untouched
  expect_clean_failure("simulate --events 5 --out " + (dir / "no" / "such" / "dir.h5").string(),
                       "does not exist", dir, 1);
  std::filesystem::create_directory(dir / "ro");
  std::filesystem::permissions(dir / "ro",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  if (access((dir / "ro").c_str(), W_OK) !=
      0)  // root can write anywhere; the check only means something otherwise
    expect_clean_failure("simulate --events 5 --out " + (dir / "ro" / "x.h5").string(), "not writable", dir,
                         2);
  std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_all);
}

TEST(CliErrors, DisplayBadInput) {
  TempDir dir;
  std::ofstream(dir / "junk.h5") << "junk";
  expect_clean_failure("display " + (dir / "junk.h5").string() + " --out " + (dir / "e.png").string(),
                       "not an HDF5", dir, 1);
  expect_clean_failure("display " + (dir / "none.h5").string() + " --out " + (dir / "e.png").string(),
                       "not found", dir, 1);
}

// Ctrl-C during a long run: exit code 130 and no file, temporary or final, left behind.
TEST(CliErrors, InterruptLeavesNoFile) {
  TempDir dir;
  const std::string cmd = "timeout --preserve-status -s INT 1 " + std::string(EDGEQ_BINARY) +
                          " -q simulate --events 1000000 --threads 2 --out " + (dir / "big.h5").string() +
                          " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[256];
  while (fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130) << output;
  EXPECT_NE(output.find("interrupted"), std::string::npos) << output;
  EXPECT_EQ(count_files(dir.path()), 0u);
}
