// edgeq train: trains a zoo model or an ONNX classifier on simulated events with LibTorch.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/cli/model_source.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/train/trainer.hpp"

namespace edgeq::cli {

namespace {
struct TrainCommand {
  std::string model, init, qat, input_shape, train, val, out, run_dir, resume;
  int classes = 0;
  std::uint64_t init_seed = 1;
  train::TrainOptions options;
  bool force = false, json = false;
};

int run_train(const TrainCommand& c) {
  std::filesystem::path run_dir = !c.resume.empty() ? c.resume : c.run_dir;
  if (run_dir.empty()) run_dir = std::filesystem::path(c.out).replace_extension(".train");
  std::error_code ec;
  if (c.resume.empty() && std::filesystem::exists(run_dir / "checkpoint.pt", ec) && !c.force)
    throw_input("{} holds a checkpoint of an earlier run: continue it with --resume {}, or use --force",
                run_dir.string(), run_dir.string());
  core::check_output_path(c.out, c.force || !c.resume.empty());
  c.options.validate();

  std::string shape = c.input_shape;
  int classes = c.classes;
  {
    const data::EventFileReader probe(c.train);
    const auto& l = probe.layout();
    if (shape.empty()) shape = fmt::format("{}x{}x{}", l.planes, l.height, l.width);
    if (classes == 0)
      classes = probe.has_attribute("class_names")
                    ? static_cast<int>(probe.attribute_strings("class_names").size())
                    : 3;
  }
  if (c.model.empty() == c.init.empty())
    throw_input("give the model to train with --model or --init (not both)");
  graph::Graph initial = load_model(c.model.empty() ? c.init : c.model, shape, classes, c.init_seed);
  if (!c.qat.empty()) {
    // Quantisation-aware training: QONNX quantisers per the configuration (BatchNorm folded first).
    const auto n = quant::insert_fake_quant(initial, quant::LayerQuantConfig::load(c.qat));
    spdlog::info("QAT: {} BatchNorm folded; quantisers on {} weights, {} biases, {} results ({})",
                 n.folded_batchnorms, n.weights, n.biases, n.results, c.qat);
    initial.metadata["edgeq.qat"] = nlohmann::json{
        {"config", c.qat},
        {"weights", n.weights},
        {"biases", n.biases},
        {"results", n.results}}.dump();
  }
  const auto r = train::train_classifier(initial, c.train, c.val, c.options, run_dir, !c.resume.empty());
  graph::save_onnx(r.model, c.out);
  const auto& best = r.history.at(r.best_epoch - 1);
  if (c.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.model.metadata.at(train::kTrainingKey));
    j["out"] = c.out;
    j["run_dir"] = run_dir.string();
    j["seconds"] = r.seconds;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("wrote {} (weights of epoch {} of {}{}; {:.1f} s)\nvalidation at epoch {}:\n{}", c.out,
               r.best_epoch, r.history.size(), r.stopped_early ? ", stopped early" : "", r.seconds,
               r.best_epoch,
               best.val_confusion.to_table(nlohmann::json::parse(r.model.metadata.at(train::kClassNamesKey))
                                               .get<std::vector<std::string>>()));
    fmt::print("curves and metrics in {}\n", run_dir.string());
  }
  return 0;
}
}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto c = std::make_shared<TrainCommand>();
  auto& o = c->options;
  auto* cmd = app.add_subcommand("train", "Train a classifier on event files (LibTorch)");
  cmd->add_option("--model", c->model, "Zoo model name or ONNX file");
  cmd->add_option("--init", c->init, "Trained float ONNX model to start from (e.g. for --qat)");
  cmd->add_option(
      "--qat", c->qat,
      "Quantisation-aware training: per-layer quantisers (hls4ml-style YAML; docs/quantisation.md)");
  cmd->add_option("--input", c->input_shape, "Input shape CxHxW for zoo models (default: the data's)");
  cmd->add_option("--classes", c->classes,
                  "Classes for zoo models (default: the data's class names, else 3)");
  cmd->add_option("--init-seed", c->init_seed, "Seed of a zoo model's initial weights")
      ->capture_default_str();
  cmd->add_option("--train", c->train, "Training event file (HDF5)")->required();
  cmd->add_option("--val", c->val, "Validation event file (HDF5)")->required();
  cmd->add_option("--out", c->out, "Trained model (ONNX)")->required();
  cmd->add_option("--run-dir", c->run_dir, "Checkpoint and metrics directory (default: OUT with .train)");
  cmd->add_option("--resume", c->resume, "Continue the run in this directory from its checkpoint");
  cmd->add_option("--epochs", o.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Batch size")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Learning rate")->capture_default_str();
  cmd->add_option("--optimizer", o.optimizer, "sgd, adam or adamw")->capture_default_str();
  cmd->add_option("--momentum", o.momentum, "SGD momentum")->capture_default_str();
  cmd->add_flag("--nesterov", o.nesterov, "Nesterov momentum (sgd)");
  cmd->add_option("--weight-decay", o.weight_decay, "Weight decay")->capture_default_str();
  cmd->add_option("--schedule", o.schedule, "constant, step or cosine")->capture_default_str();
  cmd->add_option("--warmup-epochs", o.warmup_epochs, "Linear warm-up epochs")->capture_default_str();
  cmd->add_option("--step-epochs", o.step_epochs, "Step schedule: epochs between decays")
      ->capture_default_str();
  cmd->add_option("--gamma", o.gamma, "Step schedule: decay factor")->capture_default_str();
  cmd->add_option("--patience", o.patience, "Early stopping patience in epochs (0 = off)")
      ->capture_default_str();
  cmd->add_option("--min-delta", o.min_delta, "Early stopping: smallest decrease that counts")
      ->capture_default_str();
  cmd->add_option("--class-weights", o.class_weights, "none, balanced, or w0,w1,...")->capture_default_str();
  cmd->add_option("--label-smoothing", o.label_smoothing, "Label smoothing in [0, 1)")->capture_default_str();
  cmd->add_option("--augment", o.augment, "none, uv-swap, time-flip (comma-separated)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of shuffling, augmentation and dropout")->capture_default_str();
  cmd->add_option("--norm-events", o.normalisation_events, "Training events for the input normalisation")
      ->capture_default_str();
  cmd->add_option("--max-train-events", o.max_train_events, "Use only the first N training events (0 = all)");
  cmd->add_option("--max-val-events", o.max_val_events, "Use only the first N validation events (0 = all)");
  cmd->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Threads (0 = LibTorch default: all cores)")->capture_default_str();
  cmd->add_flag("--force", c->force, "Overwrite the output and an earlier run directory");
  cmd->add_flag("--json", c->json, "Summary as JSON on stdout");
  cmd->callback([c, &action] { action = [c] { return run_train(*c); }; });
}

}  // namespace edgeq::cli
