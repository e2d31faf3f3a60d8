#include "edgeq/targets/edgetpu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "edgeq/core/error.hpp"

namespace edgeq::targets {

bool edgetpu_supports(const std::string& op) {
  static const std::set<std::string> ops = {"CONV_2D",
                                            "DEPTHWISE_CONV_2D",
                                            "FULLY_CONNECTED",
                                            "ADD",
                                            "MUL",
                                            "AVERAGE_POOL_2D",
                                            "MAX_POOL_2D",
                                            "CONCATENATION",
                                            "RESHAPE",
                                            "PAD",
                                            "MEAN",
                                            "LOGISTIC",
                                            "SOFTMAX",
                                            "RELU",
                                            "RELU6",
                                            "RESIZE_BILINEAR",
                                            "QUANTIZE"};
  return ops.count(op) != 0;
}

namespace {
bool eight_bit(const std::string& type) {
  return type == "int8" || type == "uint8";
}

/// Why an operator cannot run on the TPU by itself ("" if it can).
std::string own_reason(const TfliteModel& m, const TfliteOperator& op) {
  if (!edgetpu_supports(op.op)) return "Operation not supported";
  const bool quantize = op.op == "QUANTIZE";
  auto check = [&](const std::vector<int>& ids, bool outputs) -> std::string {
    for (int i : ids) {
      if (i < 0) continue;
      const TfliteTensor& t = m.tensors[static_cast<std::size_t>(i)];
      if (t.dynamic) return fmt::format("Tensor '{}' has a dynamic shape", t.name);
      int large = 0;
      for (auto d : t.shape) large += d > 1;
      if (large > 3 && t.constant_bytes == 0)  // activations only: filters are 4-D by definition
        return fmt::format("Tensor '{}' has more than 3 dimensions larger than 1", t.name);
      const bool constant_int32 = t.constant_bytes > 0 && t.type == "int32";  // biases, shapes, axes
      const bool float_input_of_quantize = quantize && !outputs && t.type == "float32";
      if (!eight_bit(t.type) && !constant_int32 && !float_input_of_quantize)
        return fmt::format("Operation is working on an unsupported data type ({} tensor '{}')", t.type,
                           t.name);
    }
    return "";
  };
  if (auto r = check(op.inputs, false); !r.empty()) return r;
  return check(op.outputs, true);
}

void matrix_view(const TfliteModel& m, const TfliteOperator& op, EdgeTpuOp& e) {
  if (!op.outputs.empty()) e.output_elements = m.tensors[static_cast<std::size_t>(op.outputs[0])].elements();
  if (op.inputs.size() < 2 || op.inputs[1] < 0 || op.outputs.empty()) return;
  const auto& w = m.tensors[static_cast<std::size_t>(op.inputs[1])].shape;
  if (op.op == "CONV_2D" && w.size() == 4) {
    e.cols = w[0];
    e.depth = static_cast<std::int64_t>(w[1]) * w[2] * w[3];
  } else if (op.op == "DEPTHWISE_CONV_2D" && w.size() == 4) {
    e.cols = w[3];
    e.depth = static_cast<std::int64_t>(w[1]) * w[2];
    e.depthwise = true;
  } else if (op.op == "FULLY_CONNECTED" && w.size() == 2) {
    e.cols = w[0];
    e.depth = w[1];
  } else {
    return;
  }
  e.rows = e.cols > 0 ? e.output_elements / e.cols : 0;
}
}  // namespace

EdgeTpuAnalysis analyse_edgetpu(const TfliteModel& model, std::size_t cache_bytes) {
  EdgeTpuAnalysis a;
  a.cache_bytes = cache_bytes;
  int first_cpu = -1;
  std::set<int> tpu_outputs;
  for (std::size_t i = 0; i < model.operators.size(); ++i) {
    const TfliteOperator& op = model.operators[i];
    EdgeTpuOp e;
    e.index = static_cast<int>(i);
    e.op = op.op;
    e.macs = operator_macs(model, op);
    e.parameter_bytes = operator_parameter_bytes(model, op);
    matrix_view(model, op, e);
    if (first_cpu >= 0) {
      e.reason = fmt::format("Mapped to the CPU: after operator {} ({}), the first that runs on the CPU",
                             first_cpu, a.first_cpu_op);
    } else {
      e.reason = own_reason(model, op);
      if (!e.reason.empty()) {
        first_cpu = e.index;
        a.first_cpu_op = op.op;
      }
    }
    e.on_tpu = e.reason.empty();
    if (e.on_tpu) {
      ++a.tpu_ops;
      e.parameters_cached = a.cached_bytes + e.parameter_bytes <= cache_bytes && a.streamed_bytes == 0;
      (e.parameters_cached ? a.cached_bytes : a.streamed_bytes) += e.parameter_bytes;
      for (int t : op.inputs) {
        const TfliteTensor& x = model.tensors[static_cast<std::size_t>(t < 0 ? 0 : t)];
        if (t >= 0 && !tpu_outputs.count(t) && x.constant_bytes == 0)  // a float input travels as 8-bit codes
          a.tpu_input_bytes += x.type == "float32" ? static_cast<std::size_t>(x.elements()) : x.bytes();
      }
      for (int t : op.outputs) tpu_outputs.insert(t);
    } else {
      ++a.cpu_ops;
      for (int t : op.inputs)
        if (tpu_outputs.erase(t)) a.tpu_output_bytes += model.tensors[static_cast<std::size_t>(t)].bytes();
    }
    a.ops.push_back(std::move(e));
  }
  for (int t : model.outputs)
    if (tpu_outputs.count(t)) a.tpu_output_bytes += model.tensors[static_cast<std::size_t>(t)].bytes();
  return a;
}

std::string edgetpu_log(const EdgeTpuAnalysis& a, const std::string& model_name) {
  constexpr double kMiB = 1024.0 * 1024.0;
  std::string s = fmt::format(
      "Edge TPU mapping of {} (edgeq analysis; the Edge TPU compiler decides on a real "
      "device)\n\n",
      model_name);
  s += fmt::format("Operators mapped to the Edge TPU: {}; to the CPU: {}\n", a.tpu_ops, a.cpu_ops);
  s += fmt::format("On-chip memory used for caching model parameters: {:.2f} MiB (of {:.2f} MiB)\n",
                   static_cast<double>(a.cached_bytes) / kMiB, static_cast<double>(a.cache_bytes) / kMiB);
  s += fmt::format("Off-chip memory used for streaming uncached model parameters: {:.2f} MiB\n\n",
                   static_cast<double>(a.streamed_bytes) / kMiB);
  // Counts per operator type and status, as the compiler prints them.
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, int> count;
  for (const auto& e : a.ops) {
    const auto k = std::make_pair(e.op, e.on_tpu ? std::string("Mapped to Edge TPU") : e.reason);
    if (!count.count(k)) keys.push_back(k);
    ++count[k];
  }
  s += fmt::format("{:<28}{:>7}  {}\n", "Operator", "Count", "Status");
  for (const auto& k : keys) s += fmt::format("{:<28}{:>7}  {}\n", k.first, count[k], k.second);
  return s;
}

nlohmann::ordered_json to_json(const EdgeTpuAnalysis& a) {
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const auto& e : a.ops)
    ops.push_back(
        {{"index", e.index},
         {"op", e.op},
         {"device", e.on_tpu ? "tpu" : "cpu"},
         {"reason", e.reason},
         {"macs", e.macs},
         {"parameter_bytes", e.parameter_bytes},
         {"parameters", e.parameter_bytes == 0 ? "none" : (e.parameters_cached ? "cached" : "streamed")}});
  return {{"tpu_ops", a.tpu_ops},
          {"cpu_ops", a.cpu_ops},
          {"first_cpu_op", a.first_cpu_op},
          {"cache_bytes", a.cache_bytes},
          {"cached_parameter_bytes", a.cached_bytes},
          {"streamed_parameter_bytes", a.streamed_bytes},
          {"tpu_input_bytes", a.tpu_input_bytes},
          {"tpu_output_bytes", a.tpu_output_bytes},
          {"ops", ops}};
}

EdgeTpuModelParams EdgeTpuModelParams::from_map(const std::map<std::string, double>& model) {
  EdgeTpuModelParams p;
  const std::map<std::string, std::pair<double*, double>> keys = {
      {"clock_mhz", {&p.clock_hz, 1e6}},
      {"array_rows", {&p.array_rows, 1}},
      {"array_cols", {&p.array_cols, 1}},
      {"tile_fill_cycles", {&p.tile_fill_cycles, 1}},
      {"vector_bytes_per_cycle", {&p.vector_bytes_per_cycle, 1}},
      {"depthwise_efficiency", {&p.depthwise_efficiency, 1}},
      {"link_mb_per_s", {&p.link_bytes_per_s, 1e6}},
      {"op_overhead_us", {&p.op_overhead_s, 1e-6}},
      {"inference_overhead_us", {&p.inference_overhead_s, 1e-6}},
      {"host_gmacs", {&p.host_macs_per_s, 1e9}},
      {"host_gb_per_s", {&p.host_bytes_per_s, 1e9}}};
  for (const auto& [k, v] : model) {
    if (k == "cache_mib") {
      if (!(v > 0)) throw_input("edgetpu model: cache_mib must be > 0, got {}", v);
      p.cache_bytes = static_cast<std::size_t>(v * 1024 * 1024);
      continue;
    }
    auto it = keys.find(k);
    if (it == keys.end())
      throw_input(
          "edgetpu model: unknown parameter '{}' (clock_mhz, array_rows, array_cols, tile_fill_cycles, "
          "vector_bytes_per_cycle, depthwise_efficiency, link_mb_per_s, op_overhead_us, "
          "inference_overhead_us, host_gmacs, host_gb_per_s, cache_mib)",
          k);
    if (!(v >= 0) || !std::isfinite(v))
      throw_input("edgetpu model: {} must be a finite number >= 0, got {}", k, v);
    *it->second.first = v * it->second.second;
  }
  if (p.clock_hz <= 0 || p.array_rows < 1 || p.array_cols < 1 || p.link_bytes_per_s <= 0 ||
      p.vector_bytes_per_cycle <= 0 || p.depthwise_efficiency <= 0 || p.host_macs_per_s <= 0 ||
      p.host_bytes_per_s <= 0)
    throw_input(
        "edgetpu model: clock, array size, link, vector, depthwise efficiency and host rates must be > 0");
  return p;
}

EdgeTpuLatency model_edgetpu_latency(const EdgeTpuAnalysis& a, const EdgeTpuModelParams& p) {
  EdgeTpuLatency l;
  const double macs_per_cycle = p.array_rows * p.array_cols;
  for (const auto& e : a.ops) {
    double t = 0;
    const double bytes = static_cast<double>(e.output_elements);  // 8-bit activations
    if (e.on_tpu) {
      double cycles = 0;
      if (e.depthwise) {
        cycles = static_cast<double>(e.macs) / (macs_per_cycle * p.depthwise_efficiency) +
                 std::ceil(static_cast<double>(e.cols) / p.array_cols) * p.tile_fill_cycles;
      } else if (e.cols > 0) {
        const double tiles = std::ceil(static_cast<double>(e.depth) / p.array_rows) *
                             std::ceil(static_cast<double>(e.cols) / p.array_cols);
        cycles = tiles * (static_cast<double>(e.rows) + p.tile_fill_cycles);
      } else {
        cycles = bytes / p.vector_bytes_per_cycle;
      }
      t = cycles / p.clock_hz + p.op_overhead_s;
      l.compute_s += t;
    } else {
      t = static_cast<double>(e.macs) / p.host_macs_per_s + 4 * bytes / p.host_bytes_per_s;
      l.cpu_s += t;
    }
    l.op_s.push_back(t);
  }
  l.streaming_s = static_cast<double>(a.streamed_bytes) / p.link_bytes_per_s;
  l.io_s = static_cast<double>(a.tpu_input_bytes + a.tpu_output_bytes) / p.link_bytes_per_s;
  l.overhead_s = a.tpu_ops > 0 ? p.inference_overhead_s : 0;
  l.total_s = l.compute_s + l.streaming_s + l.io_s + l.cpu_s + l.overhead_s;
  return l;
}

}  // namespace edgeq::targets
