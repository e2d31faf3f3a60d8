// Edge TPU target: the compiler-style mapping rules, the parameter cache split, the latency model's
// arithmetic, the shipped profile against the published latencies it was calibrated on, TFLite reading
// errors, and the "no Edge TPU runtime here" path of the benchmark harness.
#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/bench/harness.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/targets/edgetpu.hpp"
#include "edgeq/targets/edgetpu_runtime.hpp"
#include "edgeq/targets/profile.hpp"
#include "edgeq/targets/tflite_export.hpp"
#include "edgeq/zoo/builder.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq::targets {
namespace {

int tensor(TfliteModel& m, std::vector<std::int32_t> shape, const std::string& type,
           std::size_t constant = 0) {
  TfliteTensor t;
  t.name = "t" + std::to_string(m.tensors.size());
  t.shape = std::move(shape);
  t.type = type;
  t.constant_bytes = constant;
  m.tensors.push_back(t);
  return static_cast<int>(m.tensors.size()) - 1;
}

void op(TfliteModel& m, const std::string& name, std::vector<int> in, std::vector<int> out) {
  TfliteOperator o;
  o.op = name;
  o.inputs = std::move(in);
  o.outputs = std::move(out);
  m.operators.push_back(o);
}

/// float input -> QUANTIZE -> CONV_2D (3x3, 8 -> 16 channels) -> `middle` -> ADD -> DEQUANTIZE.
TfliteModel chain(const std::string& middle, const std::string& middle_type) {
  TfliteModel m;
  const int x = tensor(m, {1, 10, 10, 8}, "float32");
  const int q = tensor(m, {1, 10, 10, 8}, "int8");
  const int w = tensor(m, {16, 3, 3, 8}, "int8", 16 * 3 * 3 * 8);
  const int b = tensor(m, {16}, "int32", 64);
  const int c = tensor(m, {1, 10, 10, 16}, "int8");
  const int d = tensor(m, {1, 10, 10, 16}, middle_type);
  const int e = tensor(m, {1, 10, 10, 16}, "int8");
  const int y = tensor(m, {1, 10, 10, 16}, "float32");
  op(m, "QUANTIZE", {x}, {q});
  op(m, "CONV_2D", {q, w, b}, {c});
  op(m, middle, {c}, {d});
  op(m, "ADD", {d, c}, {e});
  op(m, "DEQUANTIZE", {e}, {y});
  m.inputs = {x};
  m.outputs = {y};
  return m;
}

TEST(EdgeTpu, MapsUpToTheFirstCpuOperator) {
  auto a = analyse_edgetpu(chain("MAX_POOL_2D", "int8"));
  ASSERT_EQ(a.ops.size(), 5u);
  EXPECT_TRUE(a.ops[0].on_tpu && a.ops[1].on_tpu && a.ops[2].on_tpu && a.ops[3].on_tpu);
  EXPECT_FALSE(a.ops[4].on_tpu);  // DEQUANTIZE is not in the Edge TPU's operator list
  EXPECT_EQ(a.ops[4].reason, "Operation not supported");
  EXPECT_EQ(a.ops[1].macs, 10 * 10 * 16 * 3 * 3 * 8);
  EXPECT_EQ(a.ops[1].rows, 100);
  EXPECT_EQ(a.ops[1].depth, 72);
  EXPECT_EQ(a.ops[1].cols, 16);
  EXPECT_EQ(a.tpu_input_bytes, 800u);      // the float input travels as 8-bit codes
  EXPECT_EQ(a.tpu_output_bytes, 1600u);    // ADD's int8 output, read by the CPU's DEQUANTIZE
  EXPECT_EQ(a.cached_bytes, 1152u + 64u);  // weights + biases

  a = analyse_edgetpu(chain("CUSTOM:MyOp", "int8"));
  EXPECT_TRUE(a.ops[1].on_tpu);
  EXPECT_EQ(a.ops[2].reason, "Operation not supported");
  EXPECT_NE(a.ops[3].reason.find("after operator 2 (CUSTOM:MyOp)"), std::string::npos) << a.ops[3].reason;
  EXPECT_EQ(a.first_cpu_op, "CUSTOM:MyOp");
  EXPECT_EQ(a.tpu_ops, 2);

  a = analyse_edgetpu(chain("RELU", "float32"));
  EXPECT_NE(a.ops[2].reason.find("unsupported data type (float32"), std::string::npos) << a.ops[2].reason;

  // More than 3 dimensions larger than 1 (a batch of 2): CPU.
  TfliteModel m = chain("MAX_POOL_2D", "int8");
  m.tensors[2].shape = {2, 3, 3, 8};  // the weights may be 4-D
  m.tensors[4].shape = {2, 10, 10, 16};
  a = analyse_edgetpu(m);
  EXPECT_TRUE(a.ops[0].on_tpu);
  EXPECT_NE(a.ops[1].reason.find("more than 3 dimensions"), std::string::npos) << a.ops[1].reason;
  // Dynamic shapes: CPU.
  m = chain("MAX_POOL_2D", "int8");
  m.tensors[0].dynamic = true;
  EXPECT_NE(analyse_edgetpu(m).ops[0].reason.find("dynamic shape"), std::string::npos);
}

TEST(EdgeTpu, ParametersBeyondTheCacheAreStreamed) {
  TfliteModel m;
  int x = tensor(m, {1, 8, 8, 64}, "int8");
  m.inputs = {x};
  for (int i = 0; i < 3; ++i) {  // 3 x 3 MiB of weights, 4 MiB cache: the second and third are streamed
    const int w = tensor(m, {64, 1, 1, 64}, "int8", 3u << 20);
    const int y = tensor(m, {1, 8, 8, 64}, "int8");
    op(m, "CONV_2D", {x, w}, {y});
    x = y;
  }
  m.outputs = {x};
  const auto a = analyse_edgetpu(m, 4u << 20);
  EXPECT_EQ(a.cached_bytes, 3u << 20);
  EXPECT_EQ(a.streamed_bytes, 6u << 20);
  EXPECT_TRUE(a.ops[0].parameters_cached);
  EXPECT_FALSE(a.ops[1].parameters_cached);
  EXPECT_FALSE(a.ops[2].parameters_cached);
}

// Hand computation for the chain above with round numbers.
TEST(EdgeTpu, LatencyModelArithmetic) {
  EdgeTpuModelParams p;
  p.clock_hz = 1e8;
  p.array_rows = p.array_cols = 8;
  p.tile_fill_cycles = 10;
  p.vector_bytes_per_cycle = 100;
  p.link_bytes_per_s = 1e6;
  p.op_overhead_s = 1e-6;
  p.inference_overhead_s = 1e-4;
  p.host_bytes_per_s = 1e9;
  auto a = analyse_edgetpu(chain("MAX_POOL_2D", "int8"));
  a.streamed_bytes = 1000;  // as if uncached
  const auto l = model_edgetpu_latency(a, p);
  // CONV_2D: ceil(72 / 8) x ceil(16 / 8) = 18 tiles x (100 rows + 10 fill) = 1980 cycles = 19.8 us.
  EXPECT_NEAR(l.op_s[1], 19.8e-6 + 1e-6, 1e-12);
  // QUANTIZE 800, MAX_POOL_2D and ADD 1600 output bytes / 100 per cycle.
  EXPECT_NEAR(l.op_s[0], 8e-8 + 1e-6, 1e-12);
  EXPECT_NEAR(l.op_s[2], 16e-8 + 1e-6, 1e-12);
  // DEQUANTIZE on the host: 4 bytes x 1600 elements / 1 GB/s.
  EXPECT_NEAR(l.cpu_s, 6.4e-6, 1e-12);
  EXPECT_NEAR(l.streaming_s, 1e-3, 1e-12);
  EXPECT_NEAR(l.io_s, (800 + 1600) / 1e6, 1e-12);
  EXPECT_NEAR(l.total_s, l.compute_s + l.streaming_s + l.io_s + l.cpu_s + 1e-4, 1e-12);
  EXPECT_THROW(EdgeTpuModelParams::from_map({{"link_speed", 1.0}}), Error);
  EXPECT_THROW(EdgeTpuModelParams::from_map({{"clock_mhz", -5.0}}), Error);
}

// Done-when of issue 8: the shipped profile reproduces every published latency it was calibrated on
// (../shared/reference/quantisation-and-hardware.md) within 25 %.
TEST(EdgeTpu, ShippedProfileReproducesPublishedLatencies) {
  const auto profile = find_profile("edgetpu");
  const auto params = EdgeTpuModelParams::from_map(profile.model);
  for (const auto& point : edgetpu_calibration_points()) {
    zoo::ZooOptions o;
    o.input = point.input;
    o.classes = point.classes;
    const auto a = analyse_edgetpu(edgetpu_tflite_of(zoo::build(point.zoo_model, o)), params.cache_bytes);
    EXPECT_EQ(a.cpu_ops, 2) << point.label;  // DEQUANTIZE and the float SOFTMAX after it
    const double ms = model_edgetpu_latency(a, params).total_s * 1e3;
    EXPECT_LT(std::abs(ms / point.published_ms - 1), 0.25) << point.label << ": " << ms << " ms";
    if (point.zoo_model == "resnet50v2") {  // streaming-bound: USB 2 (a third of the link rate) > 2x slower
      const auto usb2 = EdgeTpuModelParams::from_map(find_profile("edgetpu-usb2").model);
      EXPECT_GT(model_edgetpu_latency(a, usb2).total_s * 1e3, 2 * ms);
    }
  }
}

TEST(EdgeTpu, CorruptFilesAreBadInput) {
  auto message = [](const std::vector<std::uint8_t>& bytes) {
    try {
      parse_tflite(bytes, "m.tflite");
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::BadInput);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({1, 2, 3}).find("not a TFLite model"), std::string::npos);
  EXPECT_NE(message({0x10, 0, 0, 0, 'O', 'N', 'N', 'X', 0, 0, 0, 0}).find("not a TFLite model"),
            std::string::npos);
  // The right identifier, but the root offset points past the end.
  EXPECT_NE(message({0xf0, 0, 0, 0, 'T', 'F', 'L', '3', 0, 0, 0, 0}).find("corrupt or truncated"),
            std::string::npos);
}

std::string export_error(const graph::Graph& g) {
  try {
    tflite_flatbuffer(g);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    return e.what();
  }
  return "no error";
}

TEST(TfliteExport, RefusesWhatTfliteCannotHold) {
  {  // a grouped convolution that is not depthwise
    zoo::GraphBuilder b("grouped", 1);
    auto x = b.input("input", {-1, 4, 8, 8});
    x = b.conv(x, 4, {3, 3}, 1, {1, 1, 1, 1}, true, "grouped_conv", 2);
    const auto msg = export_error(placeholder_int8(b.finish({b.classifier(x, 3)})));
    EXPECT_NE(msg.find("'grouped_conv' (Conv): 2 groups of 2 channels"), std::string::npos) << msg;
  }
  {  // a 5-D tensor
    graph::Graph g;
    g.inputs = {"x"};
    g.values["x"] = {core::DType::F32, {1, 2, 3, 4, 5}};
    g.initializers["s"] = core::Tensor::from<float>({}, std::vector<float>{0.1f});
    g.initializers["z"] = core::Tensor::from<std::int8_t>({}, std::vector<std::int8_t>{0});
    g.nodes.push_back({"q", "QuantizeLinear", "", {"x", "s", "z"}, {"xq"}, {}});
    g.nodes.push_back({"dq", "DequantizeLinear", "", {"xq", "s", "z"}, {"y"}, {}});
    g.outputs = {"y"};
    g.infer_shapes();
    const auto msg = export_error(g);
    EXPECT_NE(msg.find("rank 5"), std::string::npos) << msg;
  }
  {  // an int8 model whose first convolution reads the float input (QAT models with an unquantised input)
    zoo::ZooOptions o;
    auto g = placeholder_int8(zoo::build("nunet_s", o));
    for (auto& n : g.nodes)
      if (n.op_type == "Conv") {
        n.inputs[0] = g.inputs[0];
        break;
      }
    const auto msg = export_error(g);
    EXPECT_NE(msg.find("'stem' (Conv) computes in float32"), std::string::npos) << msg;
  }
  {  // a float model
    zoo::ZooOptions o;
    const auto msg = export_error(zoo::build("nunet_s", o));
    EXPECT_NE(msg.find("not quantised"), std::string::npos) << msg;
  }
}

// No libedgetpu here: `edgetpu` is modelled, K = 2 W x the modelled latency, and the reason is recorded.
TEST(EdgeTpu, BenchIsModelledWithoutARuntime) {
  if (edgetpu_runtime_unavailable().empty()) GTEST_SKIP() << "an Edge TPU is attached: measured instead";
  zoo::ZooOptions o;
  const auto model = zoo::build("nunet_s", o);
  const auto profile = find_profile("edgetpu");
  bench::BenchOptions bo;
  bo.batches = {1, 4};
  const auto r = bench::bench_model(model, profile, bo);
  ASSERT_EQ(r.method, "modelled");
  ASSERT_EQ(r.points.size(), 2u);
  const double ms = r.points[0].latency.p50_ms;
  EXPECT_GT(ms, 0.05);
  EXPECT_NEAR(r.points[1].latency.p50_ms, 4 * ms, 1e-9);  // one inference at a time
  ASSERT_TRUE(r.energy.k_mj.has_value());
  EXPECT_NEAR(*r.energy.k_mj, 2.0 * ms, 1e-9);
  EXPECT_NE(r.model["why_not_measured"].get<std::string>().find("libedgetpu"), std::string::npos);
  const auto j = bench::to_json(r);
  EXPECT_EQ(j["latency_model"]["tpu_ops"].get<int>(), 11);
  bo.edgetpu_model_float = false;  // a float variant in a scheme table: no Edge TPU figure
  const auto u = bench::bench_model(model, profile, bo);
  EXPECT_EQ(u.method, "unavailable");
  EXPECT_NE(u.reason.find("int8"), std::string::npos);
}

}  // namespace
}  // namespace edgeq::targets
