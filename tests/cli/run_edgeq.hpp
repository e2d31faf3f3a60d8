// Runs the edgeq binary as a user would and captures its exit code and combined output.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace edgeq::test {

struct RunResult {
  int exit_code = -1;
  std::string output;
};

inline RunResult run_edgeq(const std::string& args) {
  const std::string cmd = std::string(EDGEQ_BINARY) + " " + args + " 2>&1";
  RunResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe)) r.output += buf.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

/// Runs a command that must be refused as bad input: exit code 2 and one line of output containing
/// `fragment`. With `dir`: the number of files in it must not change (nothing half-written is left).
inline void expect_bad_input(const std::string& args, const std::string& fragment,
                             const std::filesystem::path& dir = {}) {
  std::size_t before = 0;
  if (!dir.empty())
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++before;
  const auto r = run_edgeq(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << r.output;
  if (dir.empty()) return;
  std::size_t after = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++after;
  EXPECT_EQ(after, before) << args;
}

}  // namespace edgeq::test
