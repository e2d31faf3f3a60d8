// edgeq quantize: a QDQ model that info/eval read, and bad input (one error line, exit 2, no file left).
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/run_edgeq.hpp"
#include "test_util.hpp"

using namespace edgeq::test;

namespace {
class QuantizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    ASSERT_EQ(run_edgeq("-q simulate --events 12 --seed 3 --threads 2 --out " + path("calib.h5")).exit_code,
              0);
    ASSERT_EQ(run_edgeq("-q zoo export nunet_s --seed 2 --out " + path("m.onnx")).exit_code, 0);
    ASSERT_EQ(
        run_edgeq("-q zoo export nunet_s --input 3x100x100 --seed 2 --out " + path("small.onnx")).exit_code,
        0);
  }
  std::string path(const std::string& name) const { return (*dir_ / name).string(); }

  void expect_bad(const std::string& args, const std::string& fragment) {
    expect_bad_input(args, fragment, dir_->path());
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(QuantizeCli, Int8ModelHasEightBitLayersAndEvaluates) {
  const std::string calib = " --calib " + path("calib.h5") + " --calib-samples 12";
  auto r = run_edgeq("-q quantize --model " + path("m.onnx") + " --scheme int8 --calibration mse" + calib +
                     " --out " + path("m.int8.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_edgeq("info --json --model " + path("m.int8.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["quantisation"]["scheme"], "int8");
  EXPECT_EQ(j["quantisation"]["calibration"], "mse");
  int convs = 0;
  for (const auto& l : j["per_layer"]) {
    if (l["op"] != "Conv") continue;
    ++convs;
    EXPECT_EQ(l["weight_bits"], 8);
    EXPECT_EQ(l["output_bits"], 8);
  }
  EXPECT_EQ(convs, 4);
  EXPECT_LT(j["file_bytes"].get<double>(), 0.4 * 80659 * 4);  // int8 weights: about a quarter of float32
  r = run_edgeq("-q eval --json --model " + path("m.int8.onnx") + " --data " + path("calib.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // (stderr, merged here, warns that the untrained zoo model records no input normalisation)
  EXPECT_EQ(nlohmann::json::parse(r.output.substr(r.output.find('{')))["events"], 12);
  r = run_edgeq("-q quantize --model " + path("m.onnx") + " --scheme fp16 --out " + path("m.fp16.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(QuantizeCli, BadInput) {
  const std::string calib = " --calib " + path("calib.h5");
  const std::string out = " --out " + path("bad.onnx");
  expect_bad("quantize --model " + path("m.onnx") + " --scheme int4" + calib + out,
             "unknown quantisation scheme");
  expect_bad("quantize --model " + path("m.onnx") + " --scheme int8" + out, "needs a calibration set");
  expect_bad("quantize --model " + path("m.onnx") + calib + " --calib-samples 5" + out, "too few");
  expect_bad("quantize --model " + path("m.onnx") + calib + " --calib-samples 50" + out, "fewer than the 50");
  expect_bad("quantize --model " + path("small.onnx") + calib + " --calib-samples 12" + out, "200");
  expect_bad("quantize --model " + path("m.onnx") + calib + " --calib-samples 12 --calibration kl" + out,
             "unknown calibration method");
  expect_bad("quantize --model " + path("m.onnx") + calib + " --calib-samples 12 --exclude nope" + out,
             "nope");
  ASSERT_EQ(run_edgeq("-q quantize --model " + path("m.onnx") + calib + " --calib-samples 12 --out " +
                      path("q.onnx"))
                .exit_code,
            0);
  expect_bad("quantize --model " + path("q.onnx") + calib + " --calib-samples 12" + out, "already quantised");
}
}  // namespace
