// Files edgeq search writes next to its trial log: search.json, trials.csv, pareto_energy.svg,
// pareto_bits.svg, report.md, best.yaml (loadable by `edgeq train --qat`) and best.onnx (the best trial's
// QONNX model). Each is written atomically.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "edgeq/search/search.hpp"

namespace edgeq::cli {

struct SearchReportInput {
  std::string model, space_file, goal, mode, reference, profile;
  search::SearchOptions options;
  const search::SearchSpace& space;
  const search::SearchResult& result;
  nlohmann::ordered_json sensitivity;  ///< null when the pass was off
};

void write_search_outputs(const std::filesystem::path& dir, const SearchReportInput& in);

}  // namespace edgeq::cli
