#include "edgeq/eval/evaluate.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "edgeq/core/cancel.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/core/progress.hpp"
#include "edgeq/runtime/executor.hpp"

namespace edgeq::eval {

int model_class_count(const graph::Graph& model) {
  if (model.inputs.size() != 1 || model.outputs.size() != 1)
    throw_input("a classifier needs one input and one output ({} has {} and {})", model.name,
                model.inputs.size(), model.outputs.size());
  const auto& s = model.info(model.outputs[0]).shape;
  if (s.size() != 2 || s[1] < 1)
    throw_input("a classifier's output must be [N, classes] ({} outputs {})", model.name, core::shape_str(s));
  return static_cast<int>(s[1]);
}

void check_model_matches_data(const graph::Graph& model, const data::EventFileReader& file,
                              std::size_t max_events) {
  const int classes = model_class_count(model);
  const auto& in = model.info(model.inputs[0]).shape;
  const auto& l = file.layout();
  const core::Shape image{-1, l.planes, l.height, l.width};
  bool ok = in.size() == 4;
  for (std::size_t d = 1; ok && d < 4; ++d) ok = in[d] < 0 || in[d] == image[d];
  if (!ok)
    throw_input("model {} expects input {}, the data file has images {}", model.name, core::shape_str(in),
                core::shape_str(image));
  auto labels = file.labels();
  if (max_events > 0 && labels.size() > max_events) labels.resize(max_events);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == -1)
      throw_input(
          "event {} has no class (label -1, e.g. a particle-gun file); classification needs labelled "
          "events",
          i);
    if (labels[i] < 0 || labels[i] >= classes)
      throw_input("event {} has label {}, but model {} has {} classes", i, labels[i], model.name, classes);
  }
  if (file.has_attribute("class_names")) {
    const auto names = file.attribute_strings("class_names");
    if (!names.empty() && static_cast<int>(names.size()) != classes)
      throw_input("the data file has {} classes ({}), model {} outputs {}", names.size(),
                  fmt::join(names, ", "), model.name, classes);
  }
}

std::optional<data::InputNormalisation> model_normalisation(const graph::Graph& model) {
  const auto it = model.metadata.find(data::kNormalisationKey);
  if (it == model.metadata.end()) return std::nullopt;
  return data::InputNormalisation::from_json(it->second);
}

std::vector<std::string> file_class_names(const data::EventFileReader& file, int classes) {
  return class_names_or_default(
      file.has_attribute("class_names") ? file.attribute_strings("class_names") : std::vector<std::string>{},
      classes);
}

EvalResult evaluate_model(const graph::Graph& model, const data::EventFileReader& file,
                          const EvalOptions& options) {
  check_model_matches_data(model, file, options.max_events);
  const int classes = model_class_count(model);
  const int producer = model.producer(model.outputs[0]);
  const bool softmax_output =
      producer >= 0 && model.nodes[static_cast<std::size_t>(producer)].op_type == "Softmax";
  EvalResult r;
  r.confusion = ConfusionMatrix(classes);
  r.class_names = file_class_names(file, classes);
  data::LoaderOptions lo;
  lo.batch = options.batch;
  lo.shuffle = false;
  lo.max_events = options.max_events;
  lo.normalisation = model_normalisation(model);
  r.normalised = lo.normalisation.has_value();
  if (!r.normalised && !model.metadata.count("edgeq.input_normalisation_folded"))  // quantised: folded in
    spdlog::warn("model {} records no input normalisation: feeding raw pixel values", model.name);
  data::BatchLoader loader(file, lo);
  runtime::ExecutorOptions xo{options.threads};
  if (options.reference) xo.backend = runtime::Backend::Reference;
  runtime::Executor ex(model, xo);
  const auto start = std::chrono::steady_clock::now();
  core::Progress progress("eval", loader.events());
  double loss = 0;
  loader.start_epoch(0);
  data::Batch batch;
  while (loader.next(batch)) {
    core::throw_if_cancelled();
    const auto out = ex.run({batch.images});
    const float* p = out.at(0).data<float>();
    for (std::size_t k = 0; k < batch.labels.size(); ++k) {
      const float* row = p + k * static_cast<std::size_t>(classes);
      std::vector<double> prob(row, row + classes);
      if (!softmax_output) {
        const double m = *std::max_element(prob.begin(), prob.end());
        double z = 0;
        for (auto& v : prob) z += (v = std::exp(v - m));
        for (auto& v : prob) v /= z;
      }
      const int truth = batch.labels[k];
      const auto pred = static_cast<int>(std::max_element(prob.begin(), prob.end()) - prob.begin());
      r.confusion.add(truth, pred);
      r.predictions.push_back(pred);
      loss -= std::log(std::max(prob[static_cast<std::size_t>(truth)], 1e-30));
    }
    progress.advance(batch.labels.size());
  }
  r.events = loader.events();
  r.loss = loss / static_cast<double>(r.events);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace edgeq::eval
