// edgeq export --format tflite and edgeq edgetpu analyse: files LiteRT reads (the bit-exact comparison is
// tests/peer/litert_matches.py), and bad input (one error line, exit 2, no file left).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/run_edgeq.hpp"
#include "test_util.hpp"

using namespace edgeq::test;

namespace {
class ExportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("ExportCli");
    ASSERT_EQ(run_edgeq("-q simulate --events 12 --seed 3 --threads 2 --out " + path("calib.h5")).exit_code,
              0);
    ASSERT_EQ(run_edgeq("-q zoo export nunet_s --seed 2 --out " + path("m.onnx")).exit_code, 0);
    const std::string calib = " --calib " + path("calib.h5") + " --calib-samples 12 --no-bias-correction";
    for (const std::string scheme : {"int8", "int16x8"})
      ASSERT_EQ(run_edgeq("-q quantize --model " + path("m.onnx") + " --scheme " + scheme + calib +
                          " --out " + path("m." + scheme + ".onnx"))
                    .exit_code,
                0);
    ASSERT_EQ(run_edgeq("-q quantize --model " + path("m.onnx") + " --scheme int8 --exclude conv2" + calib +
                        " --out " + path("m.mixed.onnx"))
                  .exit_code,
              0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }

  static void expect_bad(const std::string& args, const std::string& fragment) {
    expect_bad_input(args, fragment, dir_->path());
  }
  static TempDir* dir_;
};
TempDir* ExportCli::dir_ = nullptr;

TEST_F(ExportCli, Int8ModelBecomesATfliteFlatbuffer) {
  const auto r =
      run_edgeq("export --format tflite --model " + path("m.int8.onnx") + " --out " + path("m.tflite"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("input [1, 200, 200, 3] float32 NHWC"), std::string::npos) << r.output;
  std::ifstream f(path("m.tflite"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 80000u);        // nunet_s: 80k int8 parameters
  EXPECT_EQ(bytes.substr(4, 4), "TFL3");  // flatbuffer file identifier of the TFLite schema
  std::filesystem::remove(path("m.tflite"));
}

TEST_F(ExportCli, BadInputIsOneClearError) {
  const std::string out = " --out " + path("x.tflite");
  expect_bad("export --model " + path("m.onnx") + out, "is not quantised");
  expect_bad("export --model " + path("m.mixed.onnx") + out, "computes in float32 after quantisation");
  expect_bad("export --model " + path("m.int16x8.onnx") + out, "no Edge TPU TFLite form");
  expect_bad("export --format onnx --model " + path("m.int8.onnx") + out, "--format 'onnx'");
  expect_bad("export --model " + path("missing.onnx") + out, "missing.onnx");
}

TEST_F(ExportCli, EdgeTpuAnalyseOfTheExport) {
  ASSERT_EQ(run_edgeq("-q export --model " + path("m.int8.onnx") + " --out " + path("a.tflite")).exit_code,
            0);
  auto r = run_edgeq("edgetpu analyse " + path("a.tflite"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Operators mapped to the Edge TPU: 11; to the CPU: 2"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("SOFTMAX"), std::string::npos);
  EXPECT_NE(r.output.find("Modelled latency"), std::string::npos);
  r = run_edgeq("edgetpu analyse " + path("a.tflite") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["tpu_ops"], 11);
  EXPECT_EQ(j["streamed_parameter_bytes"], 0);
  EXPECT_EQ(j["latency_ms"]["method"], "modelled");
  EXPECT_NEAR(j["k_w_ms"].get<double>(), 2 * j["latency_ms"]["total"].get<double>(), 1e-9);
  // Bad input: a truncated file, a non-Edge TPU profile, a missing file.
  {
    std::ifstream in(path("a.tflite"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(path("cut.tflite"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  expect_bad("edgetpu analyse " + path("cut.tflite"), "corrupt or truncated");
  expect_bad("edgetpu analyse " + path("a.tflite") + " --target cpu", "not an Edge TPU profile");
  expect_bad("edgetpu analyse " + path("none.tflite"), "cannot read TFLite file");
  std::filesystem::remove(path("cut.tflite"));
  std::filesystem::remove(path("a.tflite"));
}

// Done-when of issue 8: a modelled Edge TPU latency and K = 2 W x latency for every zoo model.
TEST_F(ExportCli, BenchOnEdgeTpuIsModelledForEveryZooModel) {
  for (const std::string model : {"resnet50v2", "densenet169", "inceptionv3", "mobilenetv2", "nunet_s"}) {
    const auto r = run_edgeq("-q bench --model " + model + " --target edgetpu --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["method"], "modelled") << model;
    const double ms = j["latency_ms"]["p50"].get<double>();
    EXPECT_GT(ms, 0.1) << model;
    EXPECT_NEAR(j["energy"]["k_w_ms"].get<double>(), 2 * ms, 1e-9) << model;
    EXPECT_NE(j["energy"]["k_method"].get<std::string>().find("modelled"), std::string::npos);
    EXPECT_EQ(j["latency_model"]["cpu_ops"], 2) << model;  // DEQUANTIZE + float SOFTMAX
  }
}

}  // namespace
