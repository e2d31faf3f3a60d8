// Report writers: results.json -> report.md (tables in the layout of the LArTPC Edge TPU study: per model,
// rows = quantisation schemes, columns = size, accuracy, latency per target, energy K per target) and
// report.html (one self-contained page: the tables, confusion matrices, training curves, accuracy vs model
// size, the energy-latency plane with one point per model x scheme x target, and event displays of correctly
// and wrongly classified events embedded as PNG data). Modelled numbers are marked, unavailable targets
// carry their reason.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace edgeq::bench {

std::string render_markdown(const nlohmann::json& results);
/// `results_dir` resolves the event display images named in results.json (embedded as data URIs).
std::string render_html(const nlohmann::json& results, const std::filesystem::path& results_dir);

/// Writes OUT/report.md and OUT/report.html (atomically; OUT is created). Validates the results first.
void write_report(const nlohmann::json& results, const std::filesystem::path& results_dir,
                  const std::filesystem::path& out_dir);

}  // namespace edgeq::bench
