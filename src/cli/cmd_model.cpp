// Model commands: info, predict, convert.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/core/npy.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/quant/number_types.hpp"
#include "edgeq/quant/qonnx_to_qdq.hpp"
#include "edgeq/runtime/executor.hpp"

namespace edgeq::cli {

namespace {
struct ModelOptions {
  std::string model, input_shape, input, out, fixed_point, value;
  int classes = 3;
  std::uint64_t seed = 1;
  std::size_t threads = 1;
  bool json = false, force = false, no_normalise = false, reference = false, to_qdq = false;
};

/// QONNX Quant / BipolarQuant and edgeq's ApFixed: quantisers whose bit width is an attribute or input.
bool is_qonnx_quant(const graph::Node& n) {
  return (n.domain == graph::kQonnxDomain && (n.op_type == "Quant" || n.op_type == "BipolarQuant")) ||
         (n.domain == graph::kEdgeqDomain && n.op_type == "ApFixed");
}

/// Quantisation nodes (QDQ, QONNX, ApFixed): listed as the bits of the layers they serve, not as layers.
bool is_qdq_node(const graph::Node& n) {
  return quant::is_quantisation_node(n);
}

/// Bit width of a QONNX quantiser (BipolarQuant: 1; Quant: its constant bitwidth input, else 0).
int qonnx_bits(const graph::Graph& g, const graph::Node& q) {
  try {
    return quant::quantiser_type(g, q).bits;
  } catch (const Error&) {
    return 0;
  }
}

int dtype_bits(core::DType t) {
  return static_cast<int>(core::dtype_size(t)) * 8;
}

/// The initializer behind input i of n: itself, or the stored tensor a DequantizeLinear / Cast expands.
const core::Tensor* stored_parameter(const graph::Graph& g, const graph::Node& n, std::size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) return nullptr;
  if (g.is_initializer(n.inputs[i])) return &g.initializers.at(n.inputs[i]);
  const int p = g.producer(n.inputs[i]);
  if (p < 0) return nullptr;
  const auto& dq = g.nodes[static_cast<std::size_t>(p)];
  if (!is_qdq_node(dq) || dq.op_type == "QuantizeLinear" || !g.is_initializer(dq.inputs[0])) return nullptr;
  return &g.initializers.at(dq.inputs[0]);
}

/// Bits of weight input i of n: a QONNX quantiser's bit width, else those of the stored type.
int weight_bits(const graph::Graph& g, const graph::Node& n, std::size_t i) {
  const auto* w = stored_parameter(g, n, i);
  if (!w) return 0;
  if (const int p = g.producer(n.inputs[i]); p >= 0 && is_qonnx_quant(g.nodes[static_cast<std::size_t>(p)]))
    return qonnx_bits(g, g.nodes[static_cast<std::size_t>(p)]);
  return dtype_bits(w->dtype());
}

/// Bits of the activation a node produces: those of the QuantizeLinear that reads it (directly or after a
/// Relu/Clip), else of the value itself.
int output_bits(const graph::Graph& g, const graph::Node& n) {
  std::string v = n.outputs[0];
  for (int hop = 0; hop < 2; ++hop) {
    const graph::Node* next = nullptr;
    for (const auto& m : g.nodes)
      if (!m.inputs.empty() && m.inputs[0] == v) next = next ? nullptr : &m;
    if (!next) break;
    if (next->op_type == "QuantizeLinear") return dtype_bits(g.info(next->outputs[0]).dtype);
    if (is_qonnx_quant(*next)) return qonnx_bits(g, *next);
    if (next->op_type != "Relu" && next->op_type != "Clip") break;
    v = next->outputs[0];
  }
  return dtype_bits(g.info(n.outputs[0]).dtype);
}

int run_info(const ModelOptions& o) {
  const graph::Graph g = load_model(o.model, o.input_shape, o.classes, o.seed);
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  std::int64_t total_macs = 0, params_total = 0, qdq_nodes = 0;
  for (const auto& n : g.nodes) {
    if (is_qdq_node(n)) {
      ++qdq_nodes;
      continue;
    }
    std::int64_t params = 0;
    for (std::size_t i = 0; i < n.inputs.size(); ++i)
      if (const auto* t = stored_parameter(g, n, i);
          t && !g.non_parameters.count(n.inputs[i]) && t->dtype() != core::DType::I64)
        params += t->numel();
    params_total += params;
    const std::int64_t macs = graph::node_macs(g, n);
    total_macs += macs;
    const bool weighted = n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul";
    layers.push_back({{"name", n.name},
                      {"op", n.op_type},
                      {"output_shape", g.info(n.outputs[0]).shape},
                      {"params", params},
                      {"macs", macs},
                      {"weight_bits", weighted ? weight_bits(g, n, 1) : 0},
                      {"output_bits", output_bits(g, n)}});
  }
  nlohmann::ordered_json j{{"model", g.name},
                           {"inputs", nlohmann::ordered_json::array()},
                           {"outputs", nlohmann::ordered_json::array()},
                           {"layers", static_cast<std::int64_t>(g.nodes.size() - qdq_nodes)},
                           {"params", qdq_nodes ? params_total : g.parameter_count()},
                           {"macs", total_macs},
                           {"size_bytes", g.parameter_bytes()},
                           {"opset", g.opset}};
  std::error_code ec;
  if (std::filesystem::is_regular_file(o.model, ec))
    j["file_bytes"] = static_cast<std::int64_t>(std::filesystem::file_size(o.model));
  if (auto it = g.metadata.find("edgeq.quantisation"); it != g.metadata.end())
    j["quantisation"] = nlohmann::ordered_json::parse(it->second, nullptr, false);
  j["quantisation_nodes"] = qdq_nodes;
  for (const auto& in : g.inputs) j["inputs"].push_back({{"name", in}, {"shape", g.info(in).shape}});
  for (const auto& out : g.outputs) j["outputs"].push_back({{"name", out}, {"shape", g.info(out).shape}});
  if (o.json) {
    j["per_layer"] = layers;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{:<40} {:<20} {:<20} {:>12} {:>14} {:>6} {:>6}\n", "layer", "op", "output", "params", "MACs",
             "w bits", "a bits");
  for (const auto& l : layers) {
    const int wb = l["weight_bits"].get<int>();
    fmt::print("{:<40} {:<20} {:<20} {:>12} {:>14} {:>6} {:>6}\n", l["name"].get<std::string>().substr(0, 40),
               l["op"].get<std::string>(), core::shape_str(l["output_shape"].get<core::Shape>()),
               l["params"].get<std::int64_t>(), l["macs"].get<std::int64_t>(), wb ? std::to_string(wb) : "",
               l["output_bits"].get<int>());
  }
  fmt::print("\n{}: {} layers, {} parameters, {} MACs (batch 1 where unknown), {:.2f} MiB of weights\n",
             g.name, j["layers"].get<std::int64_t>(), j["params"].get<std::int64_t>(), total_macs,
             static_cast<double>(g.parameter_bytes()) / (1 << 20));
  if (j.contains("file_bytes"))
    fmt::print("size on disk: {:.3f} MB\n", static_cast<double>(j["file_bytes"].get<std::int64_t>()) / 1e6);
  if (qdq_nodes && !j.contains("quantisation"))
    fmt::print("{} quantisation nodes (QDQ / QONNX Quant) not listed; their bits are in the table\n",
               qdq_nodes);
  if (j.contains("quantisation"))
    fmt::print("quantisation: {} ({} QuantizeLinear/DequantizeLinear/Cast/Quant nodes not listed)\n",
               j["quantisation"].dump(), qdq_nodes);
  return 0;
}

int run_predict(const ModelOptions& o) {
  core::check_output_path(o.out, o.force);
  graph::Graph g = load_model(o.model, "", o.classes, o.seed);
  if (g.inputs.size() != 1)
    throw_input("predict supports models with one input ({} has {})", o.model, g.inputs.size());
  core::Tensor x = core::read_npy(o.input);
  if (const auto norm = eval::model_normalisation(g); norm && !o.no_normalise) {
    const auto& s = x.shape();
    if (x.dtype() != core::DType::F32 || s.size() != 4 ||
        s[1] != static_cast<std::int64_t>(norm->mean.size()))
      throw_input(
          "{}: the model normalises [N, {}, H, W] float32 images; got {} {} (use --no-normalise for "
          "inputs that are normalised already)",
          o.input, norm->mean.size(), core::dtype_name(x.dtype()), core::shape_str(s));
    x = x.clone();
    const auto plane = static_cast<std::size_t>(s[2] * s[3]);
    for (std::int64_t n = 0; n < s[0]; ++n)
      norm->apply(x.data<float>() + static_cast<std::size_t>(n) * norm->mean.size() * plane, plane);
    spdlog::info("applied the model's input normalisation (raw pixel values in)");
  }
  runtime::ExecutorOptions xo{o.threads};
  if (o.reference) xo.backend = runtime::Backend::Reference;
  if (!o.value.empty()) {
    if (!g.values.count(o.value) && std::find(g.inputs.begin(), g.inputs.end(), o.value) == g.inputs.end())
      throw_input("--value '{}': no such value in {}", o.value, o.model);
    g.outputs = {o.value};
  }
  runtime::Executor ex(std::move(g), xo);
  const auto outputs = ex.run({x});
  core::write_npy(o.out, outputs.at(0));
  spdlog::info("wrote {} ({} {})", o.out, core::dtype_name(outputs[0].dtype()),
               core::shape_str(outputs[0].shape()));
  return 0;
}

int run_convert(const ModelOptions& o) {
  core::check_output_path(o.out, o.force);
  graph::Graph g = load_model(o.model, o.input_shape, o.classes, o.seed);
  if (!o.fixed_point.empty()) {
    const auto config = quant::LayerQuantConfig::load(o.fixed_point);
    quant::FakeQuantOptions fq;
    fq.fixed_point = true;
    const auto n = quant::insert_fake_quant(g, config, fq);
    spdlog::info("fixed point ({}): {} BatchNorm folded; {} weight, {} bias and {} result types applied",
                 o.fixed_point, n.folded_batchnorms, n.weights, n.biases, n.results);
  }
  if (o.to_qdq) {
    const auto r = quant::qonnx_to_qdq(g);
    if (r.weights + r.activations == 0)
      throw_input("{}: no QONNX quantiser with a QDQ form (8-bit activations, <= 8-bit signed weights)",
                  o.model);
    spdlog::info(
        "QDQ: {} weight and {} activation quantisers rewritten, {} Q/DQ pairs propagated, {} QONNX "
        "quantisers kept",
        r.weights, r.activations, r.propagated, r.kept);
  }
  graph::save_onnx(g, o.out);
  spdlog::info("wrote {} (opset {})", o.out, graph::kExportOpset);
  return 0;
}
}  // namespace

void add_model_commands(CLI::App& app, Action& action) {
  {
    auto o = std::make_shared<ModelOptions>();
    auto* cmd = app.add_subcommand("info", "Layers, parameters, MACs and size of a model");
    cmd->add_option("--model", o->model, "Zoo model name or ONNX file")->required();
    cmd->add_option("--input", o->input_shape, "Input shape CxHxW (zoo models; default 3x200x200)");
    cmd->add_option("--classes", o->classes, "Classes (zoo models)")->capture_default_str();
    cmd->add_flag("--json", o->json, "JSON on stdout");
    cmd->callback([o, &action] { action = [o] { return run_info(*o); }; });
  }
  {
    auto o = std::make_shared<ModelOptions>();
    auto* cmd = app.add_subcommand("predict", "Run a model on a float32 .npy input, write a .npy output");
    cmd->add_option("--model", o->model, "ONNX file")->required();
    cmd->add_option("--input", o->input, "Input .npy (float32, the model's input shape; any batch)")
        ->required();
    cmd->add_option("--out", o->out, "Output .npy (first model output)")->required();
    cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_flag("--reference", o->reference, "Reference kernels only (the semantics; slow)");
    cmd->add_option(
        "--value", o->value,
        "Write this value (e.g. an int8 activation, in its own type) instead of the first output");
    cmd->add_flag("--no-normalise", o->no_normalise,
                  "Feed the input as is, without the normalisation a trained model records");
    cmd->add_flag("--force", o->force, "Overwrite the output");
    cmd->callback([o, &action] { action = [o] { return run_predict(*o); }; });
  }
  {
    auto o = std::make_shared<ModelOptions>();
    auto* cmd =
        app.add_subcommand("convert", "Import an ONNX model (opset 7-21, QONNX) and write it as opset 13");
    cmd->add_option("--model", o->model, "ONNX file or zoo name")->required();
    cmd->add_option("--out", o->out, "Output ONNX file")->required();
    cmd->add_flag(
        "--to-qdq", o->to_qdq,
        "Rewrite QONNX quantisers of a QAT model (8-bit activations, <= 8-bit weights) as QDQ for the "
        "integer runtime and ONNX Runtime");
    cmd->add_option("--fixed-point", o->fixed_point,
                    "Apply an hls4ml-style precision configuration (YAML) with the firmware's fixed-point "
                    "semantics (ap_fixed quantisation and overflow modes) to a float model");
    cmd->add_flag("--force", o->force, "Overwrite the output");
    cmd->callback([o, &action] { action = [o] { return run_convert(*o); }; });
  }
}

}  // namespace edgeq::cli
