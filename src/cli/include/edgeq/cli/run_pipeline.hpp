// The end-to-end study of `edgeq run` (needs LibTorch: it trains). Outputs under OUT:
//   data/{train,val,test}.h5, models/<model>.<scheme>.onnx (+ .train run folders), events/*.png,
//   stages/*.json (bookkeeping, stage_book.hpp), results.json, report.md, report.html.
#pragma once

#include <filesystem>

#include "edgeq/cli/experiment.hpp"

namespace edgeq::cli {

/// Runs (or continues) the experiment; `progress`: one line per stage on stderr.
int run_experiment(const ExperimentConfig& config, const std::filesystem::path& out, bool progress);

}  // namespace edgeq::cli
