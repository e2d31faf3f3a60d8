// edgeq report: results.json -> report.md + report.html.
#include <fmt/format.h>

#include <memory>

#include "edgeq/bench/report.hpp"
#include "edgeq/bench/results.hpp"
#include "edgeq/cli/commands.hpp"

namespace edgeq::cli {

void add_report_command(CLI::App& app, Action& action) {
  struct Options {
    std::string results, out;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("report", "Render results.json as report.md and report.html");
  cmd->add_option("--results", o->results, "Folder holding results.json (e.g. the out folder of edgeq run)")
      ->required();
  cmd->add_option("--out", o->out, "Folder for report.md and report.html")->required();
  cmd->callback([o, &action] {
    action = [o] {
      const auto results = bench::load_results(o->results);
      std::filesystem::path dir = o->results;
      if (!std::filesystem::is_directory(dir)) dir = dir.parent_path();
      bench::write_report(results, dir, o->out);
      fmt::print("wrote {}/report.md and {}/report.html\n", o->out, o->out);
      return 0;
    };
  });
}

}  // namespace edgeq::cli
