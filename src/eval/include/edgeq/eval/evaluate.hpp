// Evaluation of a classifier on an HDF5 event file with the inference runtime: the model's recorded input
// normalisation is applied, and the model is checked against the file (input shape, class count) first.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "edgeq/data/dataset.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/eval/metrics.hpp"
#include "edgeq/graph/ir.hpp"

namespace edgeq::eval {

/// Number of classes a classifier outputs: the last dimension of its single output [N, classes].
/// Throws Error(BadInput) if the model has not exactly one input and one 2-D output.
int model_class_count(const graph::Graph& model);

/// Throws Error(BadInput) if the model's input [N, C, H, W] does not match the file's images, if a label lies
/// outside [-1, classes), if -1 (no class) labels are present, or if the file names a different number of
/// classes than the model outputs.
void check_model_matches_data(const graph::Graph& model, const data::EventFileReader& file,
                              std::size_t max_events = 0);

/// The normalisation recorded in the model's metadata, if any (throws Error(BadInput) if malformed).
std::optional<data::InputNormalisation> model_normalisation(const graph::Graph& model);

/// Class names stored in a data file ("class_names" attribute), or defaults.
std::vector<std::string> file_class_names(const data::EventFileReader& file, int classes);

struct EvalOptions {
  std::size_t batch = 32;
  std::size_t threads = 1;
  std::size_t max_events = 0;  ///< 0 = all
  bool reference = false;      ///< reference kernels only (the semantics; slow)
};

struct EvalResult {
  ConfusionMatrix confusion;
  double loss = 0;  ///< mean cross-entropy of the true class (natural log)
  std::size_t events = 0;
  double seconds = 0;
  bool normalised = false;  ///< whether a normalisation from the metadata was applied
  std::vector<std::string> class_names;
  std::vector<int> predictions;  ///< predicted class per event, in file order
};

/// Runs the model (fast runtime backend) over the file. If the model's output is not a softmax
/// (probabilities), a softmax is applied to it before the loss.
EvalResult evaluate_model(const graph::Graph& model, const data::EventFileReader& file,
                          const EvalOptions& options);

}  // namespace edgeq::eval
