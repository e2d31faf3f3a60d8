// Supervised training of a classifier graph on HDF5 event files with LibTorch (edgeq train).
//
// Per epoch: shuffled (seed, epoch) batches with optional augmentation, cross-entropy on the logits (the
// input of a final Softmax, see TorchModel::logits) with optional class weights and label smoothing, an
// optimiser step per batch with the scheduled learning rate; then validation (loss, accuracy, confusion
// matrix, per-class efficiency and purity). After every epoch the run directory receives, each written
// atomically:
//   checkpoint.pt  model, best-so-far model, optimiser state, RNG state and history (resume point)
//   metrics.csv, metrics.json, curves.png
// The returned model carries the weights of the epoch with the lowest validation loss, the input
// normalisation (data::kNormalisationKey) and a training summary (kTrainingKey) in its metadata.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgeq/data/event_file.hpp"
#include "edgeq/eval/metrics.hpp"
#include "edgeq/graph/ir.hpp"

namespace edgeq::train {

inline constexpr const char* kTrainingKey = "edgeq.training";
inline constexpr const char* kClassNamesKey = "edgeq.class_names";

struct TrainOptions {
  std::size_t epochs = 10;
  std::size_t batch = 32;
  double lr = 1e-3;
  std::string optimizer = "adam";     ///< sgd, adam, adamw
  double momentum = 0.9;              ///< sgd
  bool nesterov = false;              ///< sgd
  double weight_decay = 0.0;          ///< L2 (sgd, adam) or decoupled (adamw)
  std::string schedule = "constant";  ///< constant, step, cosine
  std::size_t warmup_epochs = 0;
  std::size_t step_epochs = 10;
  double gamma = 0.1;
  std::size_t patience = 0;  ///< early stopping: epochs without a lower validation loss (0 = off)
  double min_delta = 0.0;    ///< a validation loss counts as lower only if it drops by more than this
  std::string class_weights = "none";  ///< none, balanced (N / (K n_c)), or "w0,w1,..."
  double label_smoothing = 0.0;
  std::string augment = "none";  ///< see data::parse_augmentation
  std::uint64_t seed = 1;
  std::size_t normalisation_events = 500;                ///< training events used for the input normalisation
  std::size_t max_train_events = 0, max_val_events = 0;  ///< 0 = all
  std::string device = "cpu";                            ///< cpu, cuda, cuda:N
  std::size_t threads = 0;                               ///< intra-op threads (0 = LibTorch's default)

  /// Throws Error(BadInput) for invalid values.
  void validate() const;
  /// The settings that define the result (compared on resume; threads and device excluded).
  nlohmann::ordered_json hyperparameters() const;
};

struct EpochRecord {
  std::size_t epoch = 0;  ///< 1-based
  double lr = 0;          ///< at the epoch's last step
  double train_loss = 0, train_accuracy = 0, val_loss = 0, val_accuracy = 0, seconds = 0;
  eval::ConfusionMatrix val_confusion;
};

/// {"epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds", "val": confusion}
/// (the layout of metrics.json and of results.json's training curves).
nlohmann::ordered_json to_json(const EpochRecord& record, const std::vector<std::string>& class_names);

/// Test hooks (the CLI leaves them empty).
struct TrainHooks {
  std::function<void(std::size_t epoch, std::size_t batch)> after_batch;
};

struct TrainResult {
  graph::Graph model;
  std::vector<EpochRecord> history;
  std::size_t best_epoch = 0;
  bool stopped_early = false;
  double seconds = 0;  ///< wall time of this invocation
};

/// Trains `initial` (a classifier: one input [N, C, H, W], one output [N, classes]). With resume, continues
/// from run_dir/checkpoint.pt, which must come from the same model, data and hyperparameters (epochs may be
/// raised). Throws Error(BadInput) for mismatched data or options, a non-finite loss (naming epoch and
/// batch), or an unusable device; Error(Cancelled) on Ctrl-C (the last checkpoint stays valid).
TrainResult train_classifier(const graph::Graph& initial, const std::filesystem::path& train_file,
                             const std::filesystem::path& val_file, const TrainOptions& options,
                             const std::filesystem::path& run_dir, bool resume, const TrainHooks& hooks = {});

}  // namespace edgeq::train
