#include <spdlog/spdlog.h>

#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/zoo/zoo.hpp"

namespace edgeq::cli {

namespace {
struct ZooExportOptions {
  std::string name, input_shape, out;
  int classes = 3;
  std::uint64_t seed = 1;
  bool force = false;
};

int run_zoo_export(const ZooExportOptions& o) {
  core::check_output_path(o.out, o.force);
  const graph::Graph g = load_model(o.name, o.input_shape, o.classes, o.seed);
  graph::save_onnx(g, o.out);
  spdlog::info("wrote {}: {} ({} parameters, seed {})", o.out, o.name, g.parameter_count(), o.seed);
  return 0;
}
}  // namespace

void add_zoo_command(CLI::App& app, Action& action) {
  auto* zoo_cmd = app.add_subcommand("zoo", "Model zoo");
  zoo_cmd->require_subcommand(1);
  auto o = std::make_shared<ZooExportOptions>();
  auto* cmd =
      zoo_cmd->add_subcommand("export", "Build a zoo model with seeded random weights and write ONNX");
  std::vector<std::string> names = zoo::model_names();
  cmd->add_option("name", o->name, "Model name")->required()->check(CLI::IsMember(names));
  cmd->add_option("--input", o->input_shape, "Input shape CxHxW (default 3x200x200; jet_mlp: 16)");
  cmd->add_option("--classes", o->classes, "Number of classes")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Weight initialisation seed")->capture_default_str();
  cmd->add_option("--out", o->out, "Output ONNX file")->required();
  cmd->add_flag("--force", o->force, "Overwrite the output");
  cmd->callback([o, &action] { action = [o] { return run_zoo_export(*o); }; });
}

}  // namespace edgeq::cli
