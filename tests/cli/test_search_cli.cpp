// edgeq search as a user runs it on small synthetic event files: outputs, resume without retraining,
// Ctrl-C, bad spaces (one error line, exit 2).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/run_edgeq.hpp"
#include "test_util.hpp"
#include "train/synthetic_events.hpp"

using namespace edgeq;
using namespace edgeq::test;
namespace fs = std::filesystem;

namespace {
const char* kSpace = R"(weight:
  - quantized_bits(4,0,alpha='auto')
  - quantized_bits(8,0,alpha='auto')
result:
  - quantized_relu(4,3)
  - quantized_relu(8,4)
)";

class SearchCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("SearchCli");
    SyntheticEvents s;
    s.events = 64;
    write_synthetic_events(dir_->path() / "train.h5", s);
    s.seed = 2;
    s.events = 32;
    write_synthetic_events(dir_->path() / "val.h5", s);
    std::ofstream(dir_->path() / "space.yaml") << kSpace;
    const auto r =
        run_edgeq("-q train --model nunet_s --train " + (dir_->path() / "train.h5").string() + " --val " +
                  (dir_->path() / "val.h5").string() + " --epochs 1 --batch 16 --threads 2 --out " +
                  (dir_->path() / "float.onnx").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string args(const fs::path& out, const std::string& extra = "") {
    const auto& d = dir_->path();
    return "search --model " + (d / "float.onnx").string() + " --train " + (d / "train.h5").string() +
           " --val " + (d / "val.h5").string() + " --space " + (d / "space.yaml").string() + " --out " +
           out.string() + " --epochs 1 --batch 16 --sensitivity-events 32 " + extra;
  }
  static TempDir* dir_;
};
TempDir* SearchCli::dir_ = nullptr;

TEST_F(SearchCli, SearchWritesFrontReportAndBestConfigAndResumesFromItsLog) {
  const fs::path out = dir_->path() / "s1";
  auto r = run_edgeq(args(out, "--mode random --trials 3 --parallel 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"report.md", "search.json", "trials.csv", "trials.jsonl", "pareto_energy.svg",
                        "pareto_bits.svg", "best.yaml", "best.onnx", "sensitivity.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  std::ifstream in(out / "search.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("trials").size(), 3u);
  EXPECT_GE(j.at("front_energy").size(), 1u);
  EXPECT_EQ(j.at("reference").at("description"), "reference");
  // the best configuration is a QAT configuration and its model an estimable QONNX model
  r = run_edgeq("-q energy --json --model " + (out / "best.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NEAR(nlohmann::json::parse(r.output).at("total_pj").get<double>(),
              j.at("best").at("energy_pj").get<double>(), 1e-6 * j.at("best").at("energy_pj").get<double>());
  // running it again reads every trial back from the log
  r = run_edgeq(args(out, "--mode random --trials 3 --parallel 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 trials (4 from the log)"), std::string::npos) << r.output;
  // other settings in the same directory are refused
  expect_bad_input("-q " + args(out, "--mode random --trials 3 --parallel 2 --seed 5"), "different: seed");
}

TEST_F(SearchCli, InterruptedSearchContinuesWithoutRetrainingFinishedTrials) {
  const fs::path out = dir_->path() / "s2";
  const std::string cmd =
      std::string(EDGEQ_BINARY) + " " + args(out, "--mode bayesian --trials 4 --parallel 1");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string log = (dir_->path() / "s2.log").string();
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  const auto logged = [&] {
    std::ifstream in(out / "trials.jsonl");
    int n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  };
  while (logged() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130) << "the search finished before the interrupt";
  const int before = logged() - 1;  // the first line holds the settings
  EXPECT_GE(before, 2);
  EXPECT_FALSE(fs::exists(out / "search.json"));
  const auto r = run_edgeq(args(out, "--mode bayesian --trials 4 --parallel 1"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(fmt::format("5 trials ({} from the log)", before)), std::string::npos) << r.output;
}

TEST_F(SearchCli, BadSpacesAndOptionsGiveOneLineAndExitTwo) {
  const auto& d = dir_->path();
  const fs::path out = d / "bad";
  std::ofstream(d / "empty.yaml") << "weight: []\n";
  std::ofstream(d / "unknown.yaml") << "weight:\n  - quantized_foo(4)\n";
  std::ofstream(d / "bits.yaml") << "weight:\n  - quantized_bits(24,0)\n";
  const auto with_space = [&](const std::string& space) {
    return "search --model " + (d / "float.onnx").string() + " --train " + (d / "train.h5").string() +
           " --val " + (d / "val.h5").string() + " --space " + (d / space).string() + " --out " +
           out.string();
  };
  expect_bad_input(with_space("empty.yaml"), "the search space is empty");
  expect_bad_input(with_space("unknown.yaml"), "quantized_foo");
  expect_bad_input(with_space("bits.yaml"), "1..16");
  expect_bad_input(with_space("missing.yaml"), "cannot read search space");
  expect_bad_input(with_space("space.yaml") + " --mode grid", "grid");
  expect_bad_input(with_space("space.yaml") + " --goal latency", "latency");
  expect_bad_input(with_space("space.yaml") + " --rate 1", "rate");
  expect_bad_input(with_space("space.yaml") + " --reference int4", "--reference");
}

}  // namespace
