#include "edgeq/train/trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <spdlog/spdlog.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <cmath>

#include "checkpoint.hpp"
#include "edgeq/core/cancel.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/core/progress.hpp"
#include "edgeq/data/dataset.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/train/schedule.hpp"
#include "edgeq/train/torch_model.hpp"
#include "training_log.hpp"

namespace edgeq::train {

void TrainOptions::validate() const {
  if (epochs == 0) throw_input("--epochs must be at least 1");
  if (batch == 0) throw_input("--batch must be at least 1");
  if (optimizer != "sgd" && optimizer != "adam" && optimizer != "adamw")
    throw_input("unknown optimizer '{}' (sgd, adam, adamw)", optimizer);
  if (!(weight_decay >= 0.0)) throw_input("--weight-decay must be >= 0");
  if (!(momentum >= 0.0 && momentum < 1.0)) throw_input("--momentum must be in [0, 1)");
  if (nesterov && (optimizer != "sgd" || momentum <= 0.0))
    throw_input("--nesterov needs the sgd optimizer with momentum > 0");
  if (!(min_delta >= 0.0)) throw_input("--min-delta must be >= 0");
  if (!(label_smoothing >= 0.0 && label_smoothing < 1.0)) throw_input("--label-smoothing must be in [0, 1)");
  if (normalisation_events == 0) throw_input("--norm-events must be at least 1");
  data::parse_augmentation(augment);
  LrSchedule{schedule, lr, 1, epochs, warmup_epochs, step_epochs, gamma}.validate();
}

nlohmann::ordered_json TrainOptions::hyperparameters() const {
  return {{"epochs", epochs},
          {"batch", batch},
          {"lr", lr},
          {"optimizer", optimizer},
          {"momentum", momentum},
          {"nesterov", nesterov},
          {"weight_decay", weight_decay},
          {"schedule", schedule},
          {"warmup_epochs", warmup_epochs},
          {"step_epochs", step_epochs},
          {"gamma", gamma},
          {"patience", patience},
          {"min_delta", min_delta},
          {"class_weights", class_weights},
          {"label_smoothing", label_smoothing},
          {"augment", augment},
          {"seed", seed},
          {"normalisation_events", normalisation_events},
          {"max_train_events", max_train_events},
          {"max_val_events", max_val_events}};
}

namespace {
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o,
                                                        const std::vector<at::Tensor>& p) {
  if (o.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(p, torch::optim::SGDOptions(o.lr)
                                                      .momentum(o.momentum)
                                                      .nesterov(o.nesterov)
                                                      .weight_decay(o.weight_decay));
  if (o.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(
        p, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::Adam>(p,
                                              torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
}

std::vector<double> class_weights(const std::string& spec, const std::vector<std::int32_t>& labels,
                                  int classes) {
  if (spec.empty() || spec == "none") return {};
  std::vector<double> w;
  if (spec == "balanced") {
    std::vector<double> n(static_cast<std::size_t>(classes));
    for (auto l : labels) n[static_cast<std::size_t>(l)] += 1;
    for (double c : n) w.push_back(c > 0 ? static_cast<double>(labels.size()) / (classes * c) : 0.0);
    return w;
  }
  std::size_t start = 0;
  while (start <= spec.size()) {
    const auto end = std::min(spec.find(',', start), spec.size());
    try {
      w.push_back(std::stod(spec.substr(start, end - start)));
    } catch (const std::exception&) {
      throw_input("--class-weights: '{}' is not a number", spec.substr(start, end - start));
    }
    start = end + 1;
  }
  if (static_cast<int>(w.size()) != classes)
    throw_input("--class-weights lists {} weights for {} classes", w.size(), classes);
  for (double v : w)
    if (!(v >= 0.0) || !std::isfinite(v)) throw_input("--class-weights must be finite and >= 0");
  return w;
}

std::map<std::string, at::Tensor> clone_state(const TorchModel& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : m.state()) out[k] = v.detach().clone();
  return out;
}

at::Generator& cpu_generator() {
  static at::Generator g = at::detail::getDefaultCPUGenerator();
  return g;
}

struct Pass {
  double loss_sum = 0;
  std::size_t events = 0;
  eval::ConfusionMatrix confusion;
};

void count(Pass& p, const at::Tensor& logits, const at::Tensor& target, double loss) {
  const at::Tensor pred = logits.argmax(1).to(at::kCPU).contiguous();
  const at::Tensor truth = target.to(at::kCPU).contiguous();
  const auto n = static_cast<std::size_t>(truth.size(0));
  const std::int64_t* pp = pred.data_ptr<std::int64_t>();
  const std::int64_t* tp = truth.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < n; ++i) p.confusion.add(static_cast<int>(tp[i]), static_cast<int>(pp[i]));
  p.loss_sum += loss * static_cast<double>(n);
  p.events += n;
}

at::Tensor labels_tensor(const data::Batch& b, const at::Device& device) {
  std::vector<std::int64_t> v(b.labels.begin(), b.labels.end());
  return at::tensor(v, at::TensorOptions().dtype(at::kLong)).to(device);
}
}  // namespace

TrainResult train_classifier(const graph::Graph& initial, const std::filesystem::path& train_file,
                             const std::filesystem::path& val_file, const TrainOptions& o,
                             const std::filesystem::path& run_dir, bool resume, const TrainHooks& hooks) {
  o.validate();
  const auto wall_start = std::chrono::steady_clock::now();
  const data::EventFileReader train_data(train_file), val_data(val_file);
  eval::check_model_matches_data(initial, train_data, o.max_train_events);
  eval::check_model_matches_data(initial, val_data, o.max_val_events);
  const int classes = eval::model_class_count(initial);
  const auto class_names = eval::file_class_names(train_data, classes);

  at::Device device(at::kCPU);
  try {
    device = at::Device(o.device);
  } catch (const std::exception&) {
    throw_input("unknown device '{}' (cpu, cuda, cuda:N)", o.device);
  }
  if (device.is_cuda() && !at::hasCUDA())
    throw_input("--device {}: this LibTorch build or machine has no CUDA", o.device);
  if (!device.is_cpu() && !device.is_cuda()) throw_input("unsupported device '{}'", o.device);
  if (o.threads > 0) at::set_num_threads(static_cast<int>(o.threads));
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
  at::manual_seed(o.seed);

  graph::Graph start = initial;
  data::InputNormalisation norm;
  if (auto existing = eval::model_normalisation(initial)) {
    norm = *existing;
    spdlog::info("using the input normalisation recorded in the model");
  } else {
    norm = data::InputNormalisation::compute(train_data, o.normalisation_events);
    start.metadata[data::kNormalisationKey] = norm.to_json();
  }
  TorchModel model(start, TorchModelOptions{device, at::kFloat});
  auto optimizer = make_optimizer(o, model.parameters());

  data::LoaderOptions lo;
  lo.batch = o.batch;
  lo.seed = o.seed;
  lo.augment = data::parse_augmentation(o.augment);
  lo.normalisation = norm;
  lo.max_events = o.max_train_events;
  data::BatchLoader train_loader(train_data, lo);
  lo.shuffle = false;
  lo.augment = data::kAugmentNone;
  lo.max_events = o.max_val_events;
  data::BatchLoader val_loader(val_data, lo);

  const auto weights = class_weights(o.class_weights, train_loader.labels(), classes);
  at::Tensor weight_tensor;
  if (!weights.empty()) weight_tensor = at::tensor(weights).to(device, at::kFloat);
  const LrSchedule schedule{
      o.schedule,    o.lr,   train_loader.batches(), o.epochs, o.warmup_epochs * train_loader.batches(),
      o.step_epochs, o.gamma};

  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec) throw_input("cannot create run directory {}: {}", run_dir.string(), ec.message());
  TrainingLog log(run_dir, class_names, o.hyperparameters());
  TrainResult result;
  std::map<std::string, at::Tensor> best_state = clone_state(model);
  double best_loss = std::numeric_limits<double>::infinity();
  std::size_t bad_epochs = 0, first_epoch = 0;
  const auto checkpoint_path = run_dir / "checkpoint.pt";
  if (resume) {
    Checkpoint c = load_checkpoint(checkpoint_path, *optimizer, device);
    auto want = o.hyperparameters(), have = c.meta.at("hyperparameters");
    want.erase("epochs");
    have.erase("epochs");
    if (want != have)
      throw_input(
          "checkpoint {} was made with other settings than this command ({} vs {}); resume with the "
          "same options",
          checkpoint_path.string(), have.dump(), want.dump());
    model.load_state(c.model);
    best_state = c.best;
    cpu_generator().set_state(c.rng_state);
    first_epoch = c.meta.at("epochs_done").get<std::size_t>();
    best_loss = c.meta.at("best_val_loss").get<double>();
    result.best_epoch = c.meta.at("best_epoch").get<std::size_t>();
    bad_epochs = c.meta.at("bad_epochs").get<std::size_t>();
    result.history = TrainingLog::history_from_json(c.meta.at("history"), classes);
    spdlog::info("resuming {} after epoch {}", checkpoint_path.string(), first_epoch);
    log.write(result.history, result.best_epoch);  // metrics files consistent with the checkpoint
    if (o.patience > 0 && bad_epochs >= o.patience) first_epoch = o.epochs;
  }

  for (std::size_t epoch = first_epoch; epoch < o.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    EpochRecord rec;
    rec.epoch = epoch + 1;
    // Training pass.
    model.set_training(true);
    Pass tr{0, 0, eval::ConfusionMatrix(classes)};
    core::Progress progress(fmt::format("epoch {}/{}", epoch + 1, o.epochs), train_loader.events());
    train_loader.start_epoch(epoch);
    data::Batch batch;
    std::size_t b = 0;
    while (train_loader.next(batch)) {
      const double lr = schedule.at(epoch * train_loader.batches() + b);
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
      rec.lr = lr;
      const at::Tensor x = to_aten(batch.images).to(device);
      const at::Tensor y = labels_tensor(batch, device);
      optimizer->zero_grad();
      const at::Tensor logits = model.logits(x);
      const at::Tensor loss = at::cross_entropy_loss(
          logits, y, weight_tensor.defined() ? c10::optional<at::Tensor>(weight_tensor) : c10::nullopt,
          at::Reduction::Mean, -100, o.label_smoothing);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value))
        throw_input("training loss became {} at epoch {}, batch {} (lr {:.3g}); lower --lr or check the data",
                    loss_value, epoch + 1, b + 1, lr);
      loss.backward();
      optimizer->step();
      count(tr, logits.detach(), y, loss_value);
      progress.advance(batch.labels.size());
      if (hooks.after_batch) hooks.after_batch(epoch + 1, b + 1);
      core::throw_if_cancelled();
      ++b;
    }
    progress.finish();
    // Validation pass.
    model.set_training(false);
    Pass va{0, 0, eval::ConfusionMatrix(classes)};
    {
      const at::NoGradGuard no_grad;
      val_loader.start_epoch(0);
      while (val_loader.next(batch)) {
        const at::Tensor y = labels_tensor(batch, device);
        const at::Tensor logits = model.logits(to_aten(batch.images).to(device));
        count(va, logits, y, at::cross_entropy_loss(logits, y).item<double>());
        core::throw_if_cancelled();
      }
    }
    rec.train_loss = tr.loss_sum / static_cast<double>(tr.events);
    rec.train_accuracy = tr.confusion.accuracy();
    rec.val_loss = va.loss_sum / static_cast<double>(va.events);
    rec.val_accuracy = va.confusion.accuracy();
    rec.val_confusion = va.confusion;
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    if (rec.val_loss < best_loss - o.min_delta || result.best_epoch == 0) {
      best_loss = rec.val_loss;
      result.best_epoch = rec.epoch;
      best_state = clone_state(model);
      bad_epochs = 0;
    } else {
      ++bad_epochs;
    }
    result.history.push_back(rec);
    spdlog::info(
        "epoch {}/{}: train loss {:.4f} acc {:.4f} | val loss {:.4f} acc {:.4f} | lr {:.3g} | {:.1f} s",
        rec.epoch, o.epochs, rec.train_loss, rec.train_accuracy, rec.val_loss, rec.val_accuracy, rec.lr,
        rec.seconds);
    Checkpoint c;
    c.meta = {{"hyperparameters", o.hyperparameters()},
              {"epochs_done", rec.epoch},
              {"best_val_loss", best_loss},
              {"best_epoch", result.best_epoch},
              {"bad_epochs", bad_epochs},
              {"history", log.history_json(result.history)}};
    c.model = clone_state(model);
    c.best = best_state;
    c.rng_state = cpu_generator().get_state();
    save_checkpoint(checkpoint_path, c, *optimizer);
    log.write(result.history, result.best_epoch);
    if (o.patience > 0 && bad_epochs >= o.patience) {
      result.stopped_early = true;
      spdlog::info("early stopping: no lower validation loss for {} epochs (best: epoch {})", o.patience,
                   result.best_epoch);
      break;
    }
  }

  model.load_state(best_state);
  result.model = model.to_graph();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  nlohmann::ordered_json summary{
      {"hyperparameters", o.hyperparameters()},   {"train_file", train_file.filename().string()},
      {"val_file", val_file.filename().string()}, {"train_events", train_loader.events()},
      {"val_events", val_loader.events()},        {"epochs_run", result.history.size()},
      {"best_epoch", result.best_epoch},          {"stopped_early", result.stopped_early}};
  if (result.best_epoch > 0) {
    const auto& best = result.history.at(result.best_epoch - 1);
    summary["val_loss"] = best.val_loss;
    summary["val_accuracy"] = best.val_accuracy;
  }
  result.model.metadata[kTrainingKey] = summary.dump();
  result.model.metadata[kClassNamesKey] = nlohmann::json(class_names).dump();
  return result;
}

}  // namespace edgeq::train
