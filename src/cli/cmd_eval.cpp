// edgeq eval: accuracy, confusion matrix and per-class efficiency/purity of a classifier on an event file.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/eval/evaluate.hpp"

namespace edgeq::cli {

namespace {
struct EvalCommand {
  std::string model, data;
  eval::EvalOptions options;
  int classes = 3;
  bool json = false;
};

int run_eval(const EvalCommand& o) {
  const data::EventFileReader file(o.data);
  const auto& l = file.layout();
  const graph::Graph g =
      load_model(o.model, fmt::format("{}x{}x{}", l.planes, l.height, l.width), o.classes, 1);
  const auto r = eval::evaluate_model(g, file, o.options);
  if (o.json) {
    nlohmann::ordered_json j{{"model", o.model},           {"data", o.data},
                             {"events", r.events},         {"loss", r.loss},
                             {"normalised", r.normalised}, {"seconds", r.seconds}};
    j.update(r.confusion.to_json(r.class_names));
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{} on {} ({} events, {:.1f} s{}):\n{}mean cross-entropy {:.4f}\n", o.model, o.data, r.events,
             r.seconds, r.normalised ? "" : ", raw pixel inputs", r.confusion.to_table(r.class_names),
             r.loss);
  return 0;
}
}  // namespace

void add_eval_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<EvalCommand>();
  auto* cmd =
      app.add_subcommand("eval", "Accuracy, confusion matrix, efficiency and purity on an event file");
  cmd->add_option("--model", o->model, "ONNX file (or zoo name, untrained)")->required();
  cmd->add_option("--data", o->data, "HDF5 event file")->required();
  cmd->add_option("--batch", o->options.batch, "Batch size")->capture_default_str();
  cmd->add_option("--threads", o->options.threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--max-events", o->options.max_events, "Evaluate only the first N events (0 = all)");
  cmd->add_option("--classes", o->classes, "Classes (zoo models)")->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON on stdout");
  cmd->add_flag("--reference", o->options.reference, "Reference kernels only (the semantics; slow)");
  cmd->callback([o, &action] { action = [o] { return run_eval(*o); }; });
}

}  // namespace edgeq::cli
