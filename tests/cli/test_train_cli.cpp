// edgeq train / eval as a user runs them: outputs, resume with more epochs, and bad input (one error line,
// exit 2, no model written).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "cli/run_edgeq.hpp"
#include "test_util.hpp"
#include "train/synthetic_events.hpp"

using namespace edgeq;
using namespace edgeq::test;

namespace {
class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    SyntheticEvents s;
    s.events = 96;
    write_synthetic_events(dir_ / "train.h5", s);
    s.seed = 2;
    s.events = 48;
    write_synthetic_events(dir_ / "val.h5", s);
  }
  std::string data_args() const {
    return "--train " + (dir_ / "train.h5").string() + " --val " + (dir_ / "val.h5").string();
  }
  void expect_bad(const std::string& args, const std::string& fragment) {
    expect_bad_input(args, fragment);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.onnx")) << args;
  }
  TempDir dir_;
};

TEST_F(TrainCli, TrainEvalAndResumeWithMoreEpochs) {
  const std::string out = (dir_ / "m.onnx").string();
  const std::string common =
      "-q train --model nunet_s " + data_args() + " --batch 16 --threads 2 --lr 0.01 --json --out " + out;
  auto r = run_edgeq(common + " --epochs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto summary = nlohmann::json::parse(r.output);
  EXPECT_EQ(summary["epochs_run"], 2);
  for (const char* f : {"checkpoint.pt", "metrics.csv", "metrics.json", "curves.png"})
    EXPECT_TRUE(std::filesystem::exists(dir_ / "m.train" / f)) << f;
  r = run_edgeq("eval --json --threads 2 --model " + out + " --data " + (dir_ / "val.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto ev = nlohmann::json::parse(r.output);
  EXPECT_TRUE(ev["normalised"].get<bool>());
  EXPECT_NEAR(ev["accuracy"].get<double>(), summary["val_accuracy"].get<double>(), 1.0 / 48 + 1e-12);
  EXPECT_EQ(ev["classes"][2]["name"], "c2");
  // Starting over needs --force or --resume; resuming may raise the epoch count.
  expect_bad(common + " --epochs 2", "--resume");
  r = run_edgeq(common + " --epochs 3 --resume " + (dir_ / "m.train").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["epochs_run"], 3);
}

TEST_F(TrainCli, BadInputGivesOneLineAndExitTwo) {
  const std::string out = " --out " + (dir_ / "bad.onnx").string();
  expect_bad("train --model nunet_s " + data_args() + " --out /nonexistent/dir/m.onnx", "/nonexistent/dir");
  expect_bad("train --model nunet_s " + data_args() + " --optimizer rmsprop" + out, "rmsprop");
  expect_bad("train --model nunet_s " + data_args() + " --classes 5" + out, "classes");
  expect_bad("train --model nunet_s --input 3x64x64 " + data_args() + out, "expects input");
  expect_bad("train --model nunet_s --train " + (dir_ / "nope.h5").string() + " --val x.h5" + out,
             "not found");
  SyntheticEvents s;
  s.dtype = data::ImageDtype::Float32;
  s.nan_event = 3;
  write_synthetic_events(dir_ / "nan.h5", s);
  expect_bad("train --model nunet_s --train " + (dir_ / "nan.h5").string() + " --val " +
                 (dir_ / "val.h5").string() + out + " --run-dir " + (dir_ / "r1").string(),
             "event 3");
  expect_bad("train --model nunet_s " + data_args() + " --optimizer sgd --lr 1e30 --run-dir " +
                 (dir_ / "r2").string() + out,
             "at epoch 1, batch");
  expect_bad("eval --model nunet_s --classes 4 --data " + (dir_ / "val.h5").string(), "classes");
  expect_bad(
      "train --model nunet_s " + data_args() + " --device cuda:0 --run-dir " + (dir_ / "r3").string() + out,
      "cuda");
}
}  // namespace

// Quantisation-aware training from a trained float model: the result is a QONNX model (Quant nodes) that
// edgeq evaluates with the accuracy the trainer reported (the fake-quantised forward pass is what runs).
TEST_F(TrainCli, QuantisationAwareTrainingWritesQonnx) {
  const std::string fp32 = (dir_ / "f.onnx").string(), q = (dir_ / "q.onnx").string();
  ASSERT_EQ(run_edgeq("-q train --model nunet_s " + data_args() +
                      " --batch 16 --threads 2 --epochs 1 --out " + fp32)
                .exit_code,
            0);
  std::ofstream(dir_ / "w4a4.yml")
      << "Model:\n  Precision:\n    weight: quantized_bits(4,0,alpha='auto_po2')\n"
         "LayerType:\n  Relu:\n    Precision:\n      result: quantized_relu(4,2)\n";
  auto r = run_edgeq("-q train --init " + fp32 + " --qat " + (dir_ / "w4a4.yml").string() + " " +
                     data_args() + " --batch 16 --threads 2 --epochs 1 --lr 0.001 --json --out " + q);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto summary = nlohmann::json::parse(r.output);
  r = run_edgeq("info --json --model " + q);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(nlohmann::json::parse(r.output)["quantisation_nodes"].get<int>(), 4);
  r = run_edgeq("eval --json --threads 2 --model " + q + " --data " + (dir_ / "val.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NEAR(nlohmann::json::parse(r.output)["accuracy"].get<double>(),
              summary["val_accuracy"].get<double>(), 1.0 / 48 + 1e-12);
  // QDQ export: the 4-bit weights become int8 codes (the 4-bit activations stay QONNX Quant nodes)
  const std::string qdq = (dir_ / "q.qdq.onnx").string();
  r = run_edgeq("convert --to-qdq --model " + q + " --out " + qdq);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("5 weight and 0 activation"), std::string::npos) << r.output;
  r = run_edgeq("eval --json --threads 2 --model " + qdq + " --data " + (dir_ / "val.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NEAR(nlohmann::json::parse(r.output)["accuracy"].get<double>(),
              summary["val_accuracy"].get<double>(), 1.0 / 48 + 1e-12);
  expect_bad("convert --to-qdq --model " + fp32 + " --out " + (dir_ / "bad.onnx").string(),
             "no QONNX quantiser");
  // bad configurations: one line naming the problem, exit 2, nothing written
  const std::string out = " --out " + (dir_ / "bad.onnx").string();
  std::ofstream(dir_ / "missing.yml") << "LayerName:\n  conv9:\n    Precision: ap_fixed<8,3>\n";
  std::ofstream(dir_ / "unknown.yml") << "Model:\n  Precision:\n    weight: quantized_foo(4)\n";
  std::ofstream(dir_ / "bits.yml") << "Model:\n  Precision:\n    weight: quantized_bits(40,0)\n";
  expect_bad("train --init " + fp32 + " --qat " + (dir_ / "missing.yml").string() + " " + data_args() + out,
             "conv9");
  expect_bad("train --init " + fp32 + " --qat " + (dir_ / "unknown.yml").string() + " " + data_args() + out,
             "quantized_foo");
  expect_bad("train --init " + fp32 + " --qat " + (dir_ / "bits.yml").string() + " " + data_args() + out,
             "bits");
  expect_bad("train --init " + fp32 + " --model nunet_s " + data_args() + out, "--init");
}
