#include "edgeq/ptq/quantize_model.hpp"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>
#include "edgeq/core/error.hpp"
#include "edgeq/core/progress.hpp"
#include "edgeq/data/dataset.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/graph/passes.hpp"
#include "edgeq/runtime/constant_folding.hpp"
#include "edgeq/runtime/executor.hpp"

namespace edgeq::ptq {

namespace {
/// Integer input quantisation needs an empty pixel to be exactly representable: with a mean-subtracted input
/// normalisation it is -mean/std, off the int8 grid, and the shift of every background pixel costs the
/// nunet_s classifier 50 pp of accuracy (docs/quantisation.md). When every reader of the input is a Conv, the
/// whole normalisation is folded into them (w'[o,c] = w[o,c] / std[c], b'[o] = b[o] - sum_{c,k} w[o,c,k]
/// mean[c] / std[c]) and removed from the metadata: the quantised model reads raw pixel values, so empty
/// pixels are 0 and integer ADC counts up to 255 are exact at scale 1. Exact except in the padded border, now
/// padded with empty pixels instead of the mean. Returns whether it folded.
bool fold_input_normalisation(graph::Graph& g) {
  auto norm = eval::model_normalisation(g);
  if (!norm || g.inputs.size() != 1) return false;
  std::vector<graph::Node*> readers;
  for (auto& n : g.nodes)
    for (const auto& in : n.inputs)
      if (in == g.inputs[0]) readers.push_back(&n);
  for (auto* n : readers) {
    auto w = g.initializers.find(n->inputs[1]);
    if (n->op_type != "Conv" || n->attr_int("group", 1) != 1 || w == g.initializers.end() ||
        w->second.dtype() != core::DType::F32 ||
        w->second.shape()[1] != static_cast<std::int64_t>(norm->mean.size()))
      return false;
  }
  for (auto* n : readers) {
    core::Tensor w = g.initializers.at(n->inputs[1]).clone();
    const auto out = w.shape()[0], planes = w.shape()[1], taps = w.shape()[2] * w.shape()[3];
    core::Tensor b(core::DType::F32, {out});
    if (n->inputs.size() > 2 && !n->inputs[2].empty()) b = g.initializers.at(n->inputs[2]).clone();
    for (std::int64_t o = 0; o < out; ++o) {
      double shift = 0;
      for (std::int64_t c = 0; c < planes; ++c) {
        const double mean = norm->mean[static_cast<std::size_t>(c)],
                     sd = norm->std[static_cast<std::size_t>(c)];
        for (std::int64_t k = 0; k < taps; ++k) {
          float& wv = w.data<float>()[(o * planes + c) * taps + k];
          shift += wv * mean / sd;
          wv = static_cast<float>(wv / sd);
        }
      }
      b.data<float>()[o] = static_cast<float>(b.data<float>()[o] - shift);
    }
    const std::string wn = g.unique_name(n->name + "/kernel_with_input_normalisation");
    const std::string bn = g.unique_name(n->name + "/bias_with_input_normalisation");
    g.initializers[wn] = w;
    g.initializers[bn] = b;
    g.values[wn] = {core::DType::F32, w.shape()};
    g.values[bn] = {core::DType::F32, b.shape()};
    n->inputs.resize(3);
    n->inputs[1] = wn;
    n->inputs[2] = bn;
  }
  g.metadata["edgeq.input_normalisation_folded"] = norm->to_json();
  g.metadata.erase("edgeq.input_normalisation");
  graph::remove_unused_initializers(g);
  spdlog::info("input normalisation folded into {} first-layer conv(s): the quantised model reads raw pixels",
               readers.size());
  return true;
}

graph::Graph prepared_copy(const graph::Graph& fp32, const quant::QuantizeOptions& options) {
  quant::check_not_quantised(fp32);
  graph::Graph g = fp32;
  runtime::fold_constants(g);
  quant::prepare_for_quantisation(g);
  if (quant::needs_calibration(options.scheme) || options.scheme == quant::Scheme::Dynamic)
    fold_input_normalisation(g);
  return g;
}

/// Adds the per-channel sums of t ([N, C, ...]) to sums (sized on first use).
void add_channel_sums(const core::Tensor& t, std::vector<double>& sums, std::int64_t& count) {
  const auto& s = t.shape();
  if (s.size() < 2) return;
  const std::int64_t n = s[0], c = s[1], inner = t.numel() / std::max<std::int64_t>(n * c, 1);
  sums.resize(static_cast<std::size_t>(c), 0.0);
  const float* p = t.data<float>();
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double acc = 0;
      for (std::int64_t k = 0; k < inner; ++k) acc += p[(b * c + ch) * inner + k];
      sums[static_cast<std::size_t>(ch)] += acc;
    }
  count += n * inner;
}

struct Calibration {
  std::vector<std::pair<float, float>> ranges;  ///< per plan tensor
};

data::LoaderOptions calibration_loader(const graph::Graph& g, const CalibrationSet& c) {
  data::LoaderOptions lo;
  lo.batch = c.batch;
  lo.shuffle = false;
  lo.max_events = c.samples;
  lo.normalisation = eval::model_normalisation(g);
  return lo;
}

/// Per-channel means of the outputs of the named nodes of g over the calibration events; a QDQ graph runs in
/// float emulation (the same values as the integer kernels up to rounding, with the fast float kernels).
quant::BiasCorrections output_means(const graph::Graph& g, const std::vector<std::string>& nodes,
                                    const CalibrationSet& c) {
  graph::Graph observed = g;
  std::vector<std::string> names;
  for (const auto& name : nodes)
    for (const auto& n : g.nodes)
      if (n.name == name && (n.op_type == "Conv" || n.op_type == "Gemm")) names.push_back(n.outputs[0]);
  const std::size_t first = observed.outputs.size();
  observed.outputs.insert(observed.outputs.end(), names.begin(), names.end());
  runtime::ExecutorOptions eo{c.threads};
  eo.lower_qdq = false;
  runtime::Executor ex(observed, eo);
  data::EventFileReader file(c.path);
  data::BatchLoader loader(file, calibration_loader(g, c));
  loader.start_epoch(0);
  std::vector<std::vector<double>> sums(names.size());
  std::vector<std::int64_t> counts(names.size(), 0);
  data::Batch b;
  while (loader.next(b)) {
    const auto outs = ex.run({b.images});
    for (std::size_t i = 0; i < names.size(); ++i) add_channel_sums(outs[first + i], sums[i], counts[i]);
  }
  quant::BiasCorrections means;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& m = means[nodes[i]];
    for (double v : sums[i]) m.push_back(v / static_cast<double>(std::max<std::int64_t>(counts[i], 1)));
  }
  return means;
}

/// Empirical bias correction, layer by layer in graph order (Nagel et al. 2019, sec. 4.2): each quantised
/// Conv/Gemm with a bias gets the difference between its per-channel output means in the float model and in
/// the quantised model with the earlier layers already corrected. One calibration run per layer, on at most
/// kBiasCorrectionEvents events.
quant::BiasCorrections bias_corrections(const graph::Graph& prepared, const quant::QuantisationPlan& plan,
                                        const Calibration& cal, const quant::QuantizeOptions& options,
                                        CalibrationSet c) {
  c.samples = std::min(c.samples, kBiasCorrectionEvents);
  std::vector<std::string> nodes;
  for (const auto& n : prepared.nodes)
    if (std::count(plan.quantised_nodes.begin(), plan.quantised_nodes.end(), n.name) &&
        (n.op_type == "Conv" || n.op_type == "Gemm") && n.inputs.size() > 2 && !n.inputs[2].empty())
      nodes.push_back(n.name);
  const auto reference = output_means(prepared, nodes, c);
  quant::BiasCorrections corrections;
  core::Progress progress("bias correction", nodes.size());
  for (const auto& name : nodes) {
    const auto got =
        output_means(quant::build_quantised_graph(prepared, plan, cal.ranges, options, corrections), {name},
                     c)
            .at(name);
    const auto& want = reference.at(name);
    auto& corr = corrections[name];
    corr.assign(want.size(), 0.0);
    for (std::size_t k = 0; k < want.size() && k < got.size(); ++k) corr[k] = want[k] - got[k];
    progress.advance(1);
  }
  return corrections;
}

/// Calibrated [lo, hi] of every tensor of the plan.
Calibration calibrate(const graph::Graph& prepared, const quant::QuantisationPlan& plan,
                      const quant::QuantizeOptions& options, const CalibrationSet& c) {
  if (c.samples < kMinCalibrationSamples)
    throw_input("--calib-samples {} is too few; calibration needs at least {} events (100-500 are usual)",
                c.samples, kMinCalibrationSamples);
  data::EventFileReader file(c.path);
  if (file.size() < c.samples)
    throw_input("calibration file '{}' has {} events, fewer than the {} asked for (--calib-samples)", c.path,
                file.size(), c.samples);
  eval::check_model_matches_data(prepared, file, c.samples);
  graph::Graph observed = prepared;
  std::vector<std::size_t> output_of(plan.tensors.size(), SIZE_MAX);
  for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
    const auto& t = plan.tensors[i];
    if (std::count(observed.inputs.begin(), observed.inputs.end(), t)) continue;
    auto it = std::find(observed.outputs.begin(), observed.outputs.end(), t);
    output_of[i] = static_cast<std::size_t>(it - observed.outputs.begin());
    if (it == observed.outputs.end()) observed.outputs.push_back(t);
  }
  const data::LoaderOptions lo = calibration_loader(prepared, c);
  runtime::Executor ex(observed, runtime::ExecutorOptions{c.threads});
  std::vector<quant::RangeObserver> obs(plan.tensors.size());
  const bool histogram = options.calibration.method != quant::CalibrationMethod::MinMax;
  for (int pass = 0; pass < (histogram ? 2 : 1); ++pass) {
    data::BatchLoader loader(file, lo);
    loader.start_epoch(0);
    data::Batch b;
    while (loader.next(b)) {
      const auto outs = ex.run({b.images});
      for (std::size_t i = 0; i < obs.size(); ++i) {
        const core::Tensor& t = output_of[i] == SIZE_MAX ? b.images : outs[output_of[i]];
        if (pass == 0) {
          obs[i].observe_range(t.span<float>());
        } else {
          obs[i].observe_histogram(t.span<float>(), options.calibration.bins);
        }
      }
    }
  }
  const std::int64_t levels = options.scheme == quant::Scheme::Int16x8 ? 65536 : 256;
  Calibration result;
  auto& ranges = result.ranges;
  // The model input keeps its full observed range (raw detector counts are exact at scale 1); histogram
  // methods apply to the activations.
  quant::CalibrationOptions input_options = options.calibration;
  input_options.method = quant::CalibrationMethod::MinMax;
  for (std::size_t i = 0; i < obs.size(); ++i)
    ranges.push_back(
        quant::choose_range(obs[i], output_of[i] == SIZE_MAX ? input_options : options.calibration, levels));
  return result;
}
}  // namespace

graph::Graph quantize_model(const graph::Graph& fp32, const quant::QuantizeOptions& options,
                            const CalibrationSet* calibration) {
  const graph::Graph prepared = prepared_copy(fp32, options);
  for (const auto& name : options.exclude) {
    bool found = false;
    for (const auto& n : prepared.nodes) found |= n.name == name;
    if (!found) throw_input("--exclude: the model has no node named '{}'", name);
  }
  const auto plan = quant::plan_quantisation(prepared, options);
  Calibration cal;
  quant::BiasCorrections corrections;
  if (quant::needs_calibration(options.scheme)) {
    if (!calibration)
      throw_input("scheme {} needs a calibration set (--calib FILE)", quant::scheme_name(options.scheme));
    cal = calibrate(prepared, plan, options, *calibration);
    if (options.bias_correction) corrections = bias_corrections(prepared, plan, cal, options, *calibration);
  }
  graph::Graph q = quant::build_quantised_graph(prepared, plan, cal.ranges, options, corrections);
  if (calibration && quant::needs_calibration(options.scheme))
    q.metadata["edgeq.calibration_samples"] = std::to_string(calibration->samples);
  return q;
}

std::vector<LayerSensitivity> layer_sensitivity(const graph::Graph& fp32,
                                                const quant::QuantizeOptions& options,
                                                const CalibrationSet& calibration,
                                                const std::string& eval_path, std::size_t eval_events,
                                                double* float_accuracy) {
  if (!quant::needs_calibration(options.scheme))
    throw_input("the sensitivity report is for int8, uint8 and int16x8");
  const graph::Graph prepared = prepared_copy(fp32, options);
  const auto full = quant::plan_quantisation(prepared, options);
  const auto cal = calibrate(prepared, full, options, calibration);
  std::map<std::string, std::pair<float, float>> range_of;
  for (std::size_t i = 0; i < full.tensors.size(); ++i) range_of[full.tensors[i]] = cal.ranges[i];
  data::EventFileReader file(eval_path);
  eval::EvalOptions eo;
  eo.threads = calibration.threads;
  eo.max_events = eval_events;
  if (float_accuracy) *float_accuracy = eval::evaluate_model(fp32, file, eo).confusion.accuracy();
  std::vector<LayerSensitivity> out;
  for (const auto& node : full.quantised_nodes) {
    quant::QuantizeOptions one = options;
    for (const auto& other : full.quantised_nodes)
      if (other != node) one.exclude.insert(other);
    const auto plan = quant::plan_quantisation(prepared, one);
    std::vector<std::pair<float, float>> r;
    for (const auto& t : plan.tensors) r.push_back(range_of.at(t));
    const graph::Graph q = quant::build_quantised_graph(prepared, plan, r, one);  // no bias correction
    out.push_back({node, eval::evaluate_model(q, file, eo).confusion.accuracy()});
    spdlog::info("sensitivity: {} -> accuracy {:.4f}", node, out.back().accuracy);
  }
  return out;
}

}  // namespace edgeq::ptq
