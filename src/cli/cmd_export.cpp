// edgeq export --format tflite: a QDQ int8/uint8 model as a TFLite flatbuffer (Edge TPU compiler input).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/targets/tflite_export.hpp"

namespace edgeq::cli {

void add_export_command(CLI::App& app, Action& action) {
  struct Options {
    std::string format = "tflite", model, out;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd =
      app.add_subcommand("export", "Export a quantised model for a target (tflite: Edge TPU / LiteRT)");
  cmd->add_option("--format", o->format, "Output format: tflite")->capture_default_str();
  cmd->add_option("--model", o->model, "Quantised QDQ ONNX model (edgeq quantize --scheme int8 or uint8)")
      ->required();
  cmd->add_option("--out", o->out, "Output file (.tflite)")->required();
  cmd->add_flag("--force", o->force, "Overwrite the output");
  cmd->callback([o, &action] {
    action = [o] {
      if (o->format != "tflite")
        throw_input("--format '{}': edgeq export writes tflite (FPGA firmware comes from edgeq fpga)",
                    o->format);
      core::check_output_path(o->out, o->force);
      const graph::Graph g = load_model(o->model, "", 0, 0);
      const auto r = targets::export_tflite(g, o->out);
      for (const auto& note : r.notes) spdlog::info("{}", note);
      fmt::print(
          "wrote {} ({} operators, {} tensors, {:.3f} MB, {:.3f} MB of weights; input [{}] float32 NHWC)\n",
          o->out, r.operators, r.tensors, static_cast<double>(r.bytes) / 1e6,
          static_cast<double>(r.weight_bytes) / 1e6, fmt::join(r.input_shape, ", "));
      return 0;
    };
  });
}

}  // namespace edgeq::cli
