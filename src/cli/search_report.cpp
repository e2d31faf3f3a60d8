#include "search_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "edgeq/bench/svg_chart.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::cli {

namespace {
namespace fs = std::filesystem;

std::string chart(const SearchReportInput& in, bool energy) {
  const auto& r = in.result;
  const auto cost = [&](const search::TrialRecord& t) { return energy ? t.energy_pj : t.bits; };
  const auto& front = energy ? r.front_energy : r.front_bits;
  bench::Chart c;
  c.title = energy ? "Accuracy vs modelled energy" : "Accuracy vs total bits";
  c.x_label = energy ? "energy per inference (pJ, modelled)" : "parameter + activation bits";
  c.y_label = "validation accuracy";
  c.log_x = true;
  bench::ChartSeries all{"trials", "#9e9e9e", {}, {}, false, true, {}, {}};
  for (auto i : r.final_trials) {
    all.x.push_back(cost(r.trials[i]));
    all.y.push_back(r.trials[i].accuracy);
    all.point_titles.push_back(fmt::format("trial {}: {}", r.trials[i].id, r.trials[i].description));
  }
  bench::ChartSeries f{"Pareto front", "#1f77b4", {}, {}, true, false, {}, {}};
  for (auto i : front) {
    f.x.push_back(cost(r.trials[i]));
    f.y.push_back(r.trials[i].accuracy);
    f.point_titles.push_back(fmt::format("trial {}: {}", r.trials[i].id, r.trials[i].description));
  }
  bench::ChartSeries ref{"reference (" + in.reference + ")",
                         "#d62728",
                         {cost(r.reference)},
                         {r.reference.accuracy},
                         false,
                         false,
                         {},
                         {}};
  bench::ChartSeries best{
      "best score", "#2ca02c", {cost(r.trials[r.best])}, {r.trials[r.best].accuracy}, false, false, {}, {}};
  c.series = {all, f, ref, best};
  return bench::render_svg(c);
}

std::string row(const search::TrialRecord& t, const search::TrialRecord& ref) {
  return fmt::format("| {} | {} | {:.4f} | {:.4g} | {:.2f}x | {:.0f} | {:.2f}x | {:.4f} | `{}` |\n", t.id,
                     t.epochs, t.accuracy, t.energy_pj, ref.energy_pj / t.energy_pj, t.bits,
                     ref.bits / t.bits, t.score, t.description);
}
}  // namespace

void write_search_outputs(const fs::path& dir, const SearchReportInput& in) {
  const auto& r = in.result;
  const auto& best = r.trials.at(r.best);
  nlohmann::ordered_json j{{"schema", "edgeq.search/1"},
                           {"model", in.model},
                           {"space", in.space_file},
                           {"goal", in.goal},
                           {"mode", in.mode},
                           {"profile", in.profile},
                           {"settings", in.options.fingerprint(in.space, r.reference.config_yaml)},
                           {"seconds", r.seconds},
                           {"reference", r.reference.to_json()},
                           {"best", best.to_json()},
                           {"trials", nlohmann::ordered_json::array()},
                           {"front_energy", nlohmann::ordered_json::array()},
                           {"front_bits", nlohmann::ordered_json::array()}};
  j["settings"].erase("reference");
  for (const auto& t : r.trials) j["trials"].push_back(t.to_json());
  for (auto i : r.front_energy) j["front_energy"].push_back(r.trials[i].id);
  for (auto i : r.front_bits) j["front_bits"].push_back(r.trials[i].id);
  if (!in.sensitivity.is_null()) j["sensitivity"] = in.sensitivity;
  core::write_file_atomic(dir / "search.json", j.dump(2) + "\n");

  const std::set<std::size_t> fe(r.front_energy.begin(), r.front_energy.end()),
      fb(r.front_bits.begin(), r.front_bits.end()), finals(r.final_trials.begin(), r.final_trials.end());
  std::string csv =
      "trial,config,epochs,final,accuracy,energy_pj,bits,score,front_energy,front_bits,description\n";
  csv += fmt::format("0,0,{},1,{},{},{},{},0,0,reference\n", r.reference.epochs, r.reference.accuracy,
                     r.reference.energy_pj, r.reference.bits, r.reference.score);
  for (std::size_t i = 0; i < r.trials.size(); ++i) {
    const auto& t = r.trials[i];
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},\"{}\"\n", t.id, t.config_id, t.epochs, finals.count(i),
                       t.accuracy, t.energy_pj, t.bits, t.score, fe.count(i), fb.count(i), t.description);
  }
  core::write_file_atomic(dir / "trials.csv", csv);
  core::write_file_atomic(dir / "pareto_energy.svg", chart(in, true));
  core::write_file_atomic(dir / "pareto_bits.svg", chart(in, false));

  core::write_file_atomic(
      dir / "best.yaml",
      fmt::format("# edgeq search: best score (trial {}, accuracy {:.4f}, {:.4g} pJ, {:.0f} bits)\n"
                  "# train with: edgeq train --init {} --qat best.yaml ...\n{}",
                  best.id, best.accuracy, best.energy_pj, best.bits, in.model, best.config_yaml));
  const fs::path trained = dir / "trials" / fmt::format("c{:03d}", best.config_id) / "model.onnx";
  std::error_code ec;
  if (fs::exists(trained, ec)) {
    std::ifstream f(trained, std::ios::binary);
    std::stringstream bytes;
    bytes << f.rdbuf();
    core::write_file_atomic(dir / "best.onnx", bytes.str());
  }

  std::string md = fmt::format("# Mixed-precision search: {}\n\n", in.model);
  md += fmt::format(
      "Goal **{}**, mode **{}**, {} candidates of {} epoch(s) each, forgiving factor d_p = {}, d_n = "
      "{}, rate = {}; reference `{}`; energy profile `{}` (modelled). Wall time {:.0f} s.\n\n",
      in.goal, in.mode, r.final_trials.size(), in.options.epochs, in.options.forgiving.delta_p,
      in.options.forgiving.delta_n, in.options.forgiving.rate, in.reference, in.profile, r.seconds);
  const std::string head =
      "| trial | epochs | accuracy | energy (pJ) | vs ref | bits | vs ref | score | "
      "configuration |\n|---|---|---|---|---|---|---|---|---|\n";
  md += "## Reference and best\n\n" + head + row(r.reference, r.reference) + row(best, r.reference);
  md += "\n## Pareto front: accuracy vs energy\n\n![front](pareto_energy.svg)\n\n" + head;
  for (auto i : r.front_energy) md += row(r.trials[i], r.reference);
  md += "\n## Pareto front: accuracy vs bits\n\n![front](pareto_bits.svg)\n\n" + head;
  for (auto i : r.front_bits) md += row(r.trials[i], r.reference);
  md += "\n## All trials\n\n" + head;
  for (const auto& t : r.trials) md += row(t, r.reference);
  if (!in.sensitivity.is_null()) {
    md += fmt::format(
        "\n## Sensitivity pass\n\nFloat accuracy {:.4f}; a bit width is dropped when it alone loses "
        "more than {:.1f} points.\n\n| layer | variable | probes (bits: accuracy) | kept "
        "|\n|---|---|---|---|\n",
        in.sensitivity.at("float_accuracy").get<double>(), 100 * in.sensitivity.at("max_drop").get<double>());
    for (const auto& s : in.sensitivity.at("slots")) {
      std::string probes;
      for (const auto& p : s.at("probes"))
        probes += fmt::format("{}{}: {:.3f}", probes.empty() ? "" : ", ", p.at("bits").get<int>(),
                              p.at("accuracy").get<double>());
      md += fmt::format("| {} | {} | {} | {} |\n", s.at("layer").get<std::string>(),
                        s.at("variable").get<std::string>(), probes.empty() ? "-" : probes,
                        s.at("kept").size());
    }
  }
  core::write_file_atomic(dir / "report.md", md);
}

}  // namespace edgeq::cli
