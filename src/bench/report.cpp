#include "edgeq/bench/report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "edgeq/bench/results.hpp"
#include "edgeq/bench/svg_chart.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::bench {

namespace {
using json = nlohmann::json;

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

Chart make_chart(std::string title, std::string x_label, std::string y_label, bool log_x = false,
                 bool log_y = false, int width = 560, int height = 360) {
  Chart c;
  c.title = std::move(title);
  c.x_label = std::move(x_label);
  c.y_label = std::move(y_label);
  c.log_x = log_x;
  c.log_y = log_y;
  c.width = width;
  c.height = height;
  return c;
}

ChartSeries make_series(std::string label, const char* colour, bool line = false) {
  ChartSeries s;
  s.label = std::move(label);
  s.colour = colour;
  s.line = line;
  return s;
}

std::string fmt_num(const json& v, const char* spec = "{:.3g}") {
  return v.is_number() ? fmt::format(fmt::runtime(spec), v.get<double>()) : "n/a";
}

/// Targets in order of first appearance over all variants.
std::vector<std::string> target_names(const json& model) {
  std::vector<std::string> names;
  for (const auto& v : model["variants"])
    for (const auto& b : v["benchmarks"]) {
      const auto t = b["target"].get<std::string>();
      if (std::find(names.begin(), names.end(), t) == names.end()) names.push_back(t);
    }
  return names;
}

const json* bench_for(const json& variant, const std::string& target) {
  for (const auto& b : variant["benchmarks"])
    if (b["target"] == target) return &b;
  return nullptr;
}

std::string latency_cell(const json* b) {
  if (!b || b->at("method") == "unavailable") return "n/a";
  const std::string mark = b->at("method") == "modelled" ? " (modelled)" : "";
  return fmt_num((*b)["latency_ms"]["p50"], "{:.3f}") + mark;
}

std::string k_cell(const json* b) {
  if (!b || b->at("method") == "unavailable") return "n/a";
  const std::string mark = b->at("method") == "modelled" ? " (modelled)" : "";
  return fmt_num((*b)["energy"]["k_w_ms"], "{:.1f}") + mark;
}

std::string accuracy_cell(const json& v) {
  const auto& a = v["accuracy"]["value"];
  return a.is_number() ? fmt::format("{:.2f} %", 100 * a.get<double>()) : "n/a";
}

std::string base64(const std::string& bytes) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += t[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// Footnotes: the reason of every unavailable target and the energy methods, once each.
std::vector<std::string> method_notes(const json& model) {
  std::set<std::string> seen;
  std::vector<std::string> notes;
  for (const auto& v : model["variants"])
    for (const auto& b : v["benchmarks"]) {
      std::string n;
      if (b["method"] == "unavailable")
        n = fmt::format("{}: unavailable: {}", b["target"].get<std::string>(),
                        b["reason"].get<std::string>());
      else
        n = fmt::format("{}: latency {} on {} ({}); K: {}; measured energy: {}",
                        b["target"].get<std::string>(), b["method"].get<std::string>(),
                        b["device"].get<std::string>(), b.value("pinning", ""),
                        b["energy"].value("k_method", ""), b["energy"].value("measured_method", ""));
      if (seen.insert(n).second) notes.push_back(n);
    }
  return notes;
}

/// Latency percentiles, throughput at every batch size and peak memory of the measured or modelled targets.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Table throughput_table(const json& model) {
  std::vector<long long> batches;
  for (const auto& v : model["variants"])
    for (const auto& b : v["benchmarks"])
      if (b.contains("throughput"))
        for (const auto& t : b["throughput"]) {
          const auto n = t["batch"].get<long long>();
          if (std::find(batches.begin(), batches.end(), n) == batches.end()) batches.push_back(n);
        }
  std::sort(batches.begin(), batches.end());
  Table t;
  t.header = {"scheme", "target", "p50 (ms)", "p90 (ms)", "p99 (ms)"};
  for (auto n : batches) t.header.push_back(fmt::format("batch {} (/s)", n));
  t.header.push_back("peak RSS (MiB)");
  t.header.push_back("of which this model (MiB)");
  for (const auto& v : model["variants"])
    for (const auto& b : v["benchmarks"]) {
      if (b["method"] == "unavailable") continue;
      const std::string mark = b["method"] == "modelled" ? " (modelled)" : "";
      std::vector<std::string> row{v["scheme"].get<std::string>(), b["target"].get<std::string>() + mark,
                                   fmt_num(b["latency_ms"]["p50"], "{:.3f}"),
                                   fmt_num(b["latency_ms"]["p90"], "{:.3f}"),
                                   fmt_num(b["latency_ms"]["p99"], "{:.3f}")};
      for (auto n : batches) {
        std::string cell = "";
        for (const auto& tp : b.value("throughput", json::array()))
          if (tp["batch"].get<long long>() == n) cell = fmt_num(tp["per_s"], "{:.1f}");
        row.push_back(cell);
      }
      row.push_back(fmt_num(b.value("peak_rss_mib", json()), "{:.0f}"));
      const json peak = b.value("peak_rss_mib", json()), start = b.value("start_rss_mib", json());
      row.push_back(peak.is_number() && start.is_number()
                        ? fmt::format("{:.0f}", peak.get<double>() - start.get<double>())
                        : "n/a");
      t.rows.push_back(row);
    }
  return t;
}

std::string table_markdown(const Table& t) {
  std::string out = "|";
  for (const auto& h : t.header) out += " " + h + " |";
  out += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& r : t.rows) {
    out += "|";
    for (const auto& c : r) out += " " + c + " |";
    out += "\n";
  }
  return out;
}

std::string table_html(const Table& t) {
  std::string out = "<table><tr>";
  for (const auto& h : t.header) out += "<th>" + xml_escape(h) + "</th>";
  out += "</tr>";
  for (const auto& r : t.rows) {
    out += "<tr>";
    for (const auto& c : r) out += "<td>" + xml_escape(c) + "</td>";
    out += "</tr>";
  }
  return out + "</table>\n";
}

std::string confusion_html(const json& cm, const json& names) {
  std::string out = "<table class=\"cm\"><tr><th>true \\ predicted</th>";
  for (const auto& n : names) out += "<th>" + xml_escape(n.get<std::string>()) + "</th>";
  out += "</tr>";
  for (std::size_t r = 0; r < cm.size(); ++r) {
    double total = 0;
    for (const auto& v : cm[r]) total += v.get<double>();
    out += "<tr><th>" + xml_escape(names[r].get<std::string>()) + "</th>";
    for (std::size_t c = 0; c < cm[r].size(); ++c) {
      const double f = total > 0 ? cm[r][c].get<double>() / total : 0;
      out += fmt::format("<td style=\"background:rgba(31,119,180,{:.2f})\">{} <small>({:.0f} %)</small></td>",
                         0.08 + 0.8 * f, cm[r][c].get<long long>(), 100 * f);
    }
    out += "</tr>";
  }
  return out + "</table>";
}
}  // namespace

std::string render_markdown(const json& r) {
  std::ostringstream md;
  md << fmt::format("# edgeq report: {}\n\n", r["experiment"].value("name", "experiment"));
  md << fmt::format("Created {} on {} ({} logical CPUs; fast kernels: {}).\n\n",
                    r["created_utc"].get<std::string>(), r["host"].value("cpu_model", "?"),
                    r["host"].value("logical_cpus", 0), r["host"].value("fast_kernels", "?"));
  const auto& splits = r["dataset"].value("splits", json::object());
  if (!splits.empty()) {
    md << "Data:";
    for (const auto& [split, s] : splits.items())
      md << fmt::format(" {} {} events;", split, s.value("events", 0));
    md << fmt::format(" classes {}.\n\n", r["dataset"]["class_names"].dump());
  }
  for (const auto& model : r["models"]) {
    const auto targets = target_names(model);
    md << fmt::format("## {}\n\n| scheme | kind | size (MB) | accuracy |", model["name"].get<std::string>());
    for (const auto& t : targets) md << fmt::format(" {} p50 (ms) |", t);
    for (const auto& t : targets) md << fmt::format(" K {} (W ms) |", t);
    md << "\n|---|---|---|---|";
    for (std::size_t i = 0; i < 2 * targets.size(); ++i) md << "---|";
    md << "\n";
    for (const auto& v : model["variants"]) {
      md << fmt::format("| {} | {} | {:.3f} | {} |", v["scheme"].get<std::string>(),
                        v["kind"].get<std::string>(), v["size_mb"].get<double>(), accuracy_cell(v));
      for (const auto& t : targets) md << " " << latency_cell(bench_for(v, t)) << " |";
      for (const auto& t : targets) md << " " << k_cell(bench_for(v, t)) << " |";
      md << "\n";
    }
    md << "\n";
    for (const auto& n : method_notes(model)) md << "- " << n << "\n";
    if (const auto t = throughput_table(model); !t.rows.empty())
      md << "\nLatency percentiles, throughput and peak memory:\n\n" << table_markdown(t);
    md << "\n";
  }
  md << "Accuracy: measured by edgeq eval on the split named in results.json. K = TDP x latency (the figure "
        "of "
        "merit of the LArTPC Edge TPU study); n/a = not available, with the reason above. Plots, confusion "
        "matrices and event displays: report.html.\n";
  return md.str();
}

std::string render_html(const json& r, const std::filesystem::path& results_dir) {
  std::ostringstream h;
  const std::string name = r["experiment"].value("name", "experiment");
  h << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>edgeq report: "
    << xml_escape(name)
    << "</title><style>body{font-family:sans-serif;margin:24px;max-width:1250px;color:#222}"
       "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #bbb;padding:3px 8px;"
       "text-align:right}th{background:#f0f0f0}td:first-child{text-align:left}.cm td{text-align:center}"
       ".grid{display:flex;flex-wrap:wrap;gap:16px}.note{color:#555;font-size:90%}figure{margin:0}"
       "figure img{max-width:600px;border:1px solid #ccc}figcaption{font-size:90%}</style></head><body>\n";
  h << "<h1>edgeq report: " << xml_escape(name) << "</h1>\n";
  h << "<p class=\"note\">Created " << xml_escape(r["created_utc"].get<std::string>()) << " on "
    << xml_escape(r["host"].value("cpu_model", "?")) << ", " << r["host"].value("logical_cpus", 0)
    << " logical CPUs, fast kernels " << xml_escape(r["host"].value("fast_kernels", "?")) << ".</p>\n";
  Chart size_chart = make_chart("Accuracy vs model size", "model file size (MB)", "accuracy (%)", true);
  Chart plane = make_chart("Energy-latency plane (one point per model x scheme x target; open = modelled)",
                           "latency p50 at batch 1 (ms)", "K = TDP x latency (W ms)", true, true, 760, 420);
  std::map<std::string, std::size_t> plane_series;
  std::size_t mi = 0;
  for (const auto& model : r["models"]) {
    const std::string mname = model["name"].get<std::string>();
    const auto targets = target_names(model);
    h << "<h2>" << xml_escape(mname) << "</h2>\n<table><tr><th>scheme</th><th>kind</th><th>size (MB)</th>"
      << "<th>accuracy</th>";
    for (const auto& t : targets) h << "<th>" << xml_escape(t) << " p50 (ms)</th>";
    for (const auto& t : targets) h << "<th>K " << xml_escape(t) << " (W ms)</th>";
    h << "</tr>\n";
    ChartSeries sizes = make_series(mname, kPalette[mi % 10]);
    for (const auto& v : model["variants"]) {
      const std::string scheme = v["scheme"].get<std::string>();
      h << "<tr><td>" << xml_escape(scheme) << "</td><td>" << xml_escape(v["kind"].get<std::string>())
        << "</td><td>" << fmt::format("{:.3f}", v["size_mb"].get<double>()) << "</td><td>" << accuracy_cell(v)
        << "</td>";
      for (const auto& t : targets) h << "<td>" << latency_cell(bench_for(v, t)) << "</td>";
      for (const auto& t : targets) h << "<td>" << k_cell(bench_for(v, t)) << "</td>";
      h << "</tr>\n";
      if (v["accuracy"]["value"].is_number()) {
        sizes.x.push_back(v["size_mb"].get<double>());
        sizes.y.push_back(100 * v["accuracy"]["value"].get<double>());
        sizes.point_labels.push_back(scheme);
        sizes.point_titles.push_back(
            fmt::format("{} {}: {:.3f} MB, {}", mname, scheme, v["size_mb"].get<double>(), accuracy_cell(v)));
      }
      for (const auto& b : v["benchmarks"]) {
        if (b["method"] == "unavailable" || !b["energy"]["k_w_ms"].is_number()) continue;
        const std::string key =
            b["target"].get<std::string>() + (b["method"] == "modelled" ? " (modelled)" : "");
        if (!plane_series.count(key)) {
          plane_series[key] = plane.series.size();
          ChartSeries s = make_series(key, kPalette[plane.series.size() % 10]);
          s.hollow = b["method"] == "modelled";
          plane.series.push_back(s);
        }
        auto& s = plane.series[plane_series[key]];
        s.x.push_back(b["latency_ms"]["p50"].get<double>());
        s.y.push_back(b["energy"]["k_w_ms"].get<double>());
        s.point_labels.push_back(r["models"].size() > 1 ? mname + " " + scheme : scheme);
        s.point_titles.push_back(
            fmt::format("{} {} on {}: {:.3f} ms, {:.1f} W ms", mname, scheme, key, s.x.back(), s.y.back()));
      }
    }
    h << "</table>\n<ul class=\"note\">";
    for (const auto& n : method_notes(model)) h << "<li>" << xml_escape(n) << "</li>";
    h << "</ul>\n";
    if (const auto t = throughput_table(model); !t.rows.empty())
      h << "<h3>Latency percentiles, throughput and peak memory</h3>" << table_html(t);
    size_chart.series.push_back(sizes);
    if (model.contains("training")) {
      Chart loss = make_chart(mname + ": training curves (loss)", "epoch", "cross-entropy");
      Chart acc = make_chart(mname + ": training curves (accuracy)", "epoch", "accuracy (%)");
      ChartSeries tl = make_series("train", kPalette[0], true),
                  vl = make_series("validation", kPalette[1], true);
      ChartSeries ta = make_series("train", kPalette[0], true),
                  va = make_series("validation", kPalette[1], true);
      for (const auto& e : model["training"]["epochs"]) {
        const double ep = e["epoch"].get<double>();
        tl.x.push_back(ep), tl.y.push_back(e["train_loss"].get<double>());
        vl.x.push_back(ep), vl.y.push_back(e["val_loss"].get<double>());
        ta.x.push_back(ep), ta.y.push_back(100 * e.value("train_accuracy", 0.0));
        va.x.push_back(ep), va.y.push_back(100 * e["val_accuracy"].get<double>());
      }
      loss.series = {tl, vl};
      acc.series = {ta, va};
      h << "<h3>Training</h3><div class=\"grid\">" << render_svg(loss) << render_svg(acc) << "</div>\n";
    }
    h << "<h3>Confusion matrices (" << xml_escape(r["dataset"].value("eval_split", std::string("test")))
      << " split)</h3><div class=\"grid\">";
    for (const auto& v : model["variants"])
      if (v.contains("confusion"))
        h << "<div><b>" << xml_escape(v["scheme"].get<std::string>()) << "</b> (" << accuracy_cell(v) << ")"
          << confusion_html(v["confusion"], r["dataset"]["class_names"]) << "</div>";
    h << "</div>\n";
    ++mi;
  }
  h << "<h2>Accuracy, size, latency and energy</h2><div class=\"grid\">" << render_svg(size_chart)
    << render_svg(plane) << "</div>\n";
  if (r.contains("events") && !r["events"].empty()) {
    h << "<h2>Event displays</h2><div class=\"grid\">";
    const auto& names = r["dataset"]["class_names"];
    auto class_name = [&](const json& v) {
      const auto i = v.get<int>();
      return i >= 0 && static_cast<std::size_t>(i) < names.size()
                 ? names[static_cast<std::size_t>(i)].get<std::string>()
                 : std::to_string(i);
    };
    for (const auto& e : r["events"]) {
      const auto file = results_dir / e["image"].get<std::string>();
      std::ifstream in(file, std::ios::binary);
      if (!in) throw_input("event display {} named in results.json is missing", file.string());
      std::stringstream bytes;
      bytes << in.rdbuf();
      const bool right = e["label"] == e["predicted"];
      h << "<figure><img alt=\"event " << e.value("index", 0) << "\" src=\"data:image/png;base64,"
        << base64(bytes.str()) << "\"><figcaption>event " << e.value("index", 0) << ": true "
        << xml_escape(class_name(e["label"])) << ", " << xml_escape(e["model"].get<std::string>()) << " "
        << xml_escape(e.value("scheme", "")) << " predicted " << xml_escape(class_name(e["predicted"]))
        << (right ? " (correct)" : " (wrong)") << "</figcaption></figure>";
    }
    h << "</div>\n";
  }
  // A self-check the headless-browser test reads: every image decoded and every chart drawn.
  h << "<script>window.addEventListener('load',function(){var bad=[];"
       "document.querySelectorAll('img').forEach(function(i){if(!i.complete||i.naturalWidth===0)bad.push(i."
       "alt);});"
       "document.querySelectorAll('svg.chart').forEach(function(s,k){if(s.getBBox().width<=0)bad.push('chart "
       "'+k);});"
       "document.body.setAttribute('data-render',bad.length?'failed: '+bad.join(', '):'ok');"
       "document.body.setAttribute('data-charts',document.querySelectorAll('svg.chart').length);"
       "document.body.setAttribute('data-images',document.querySelectorAll('img').length);});</script>\n";
  h << "</body></html>\n";
  return h.str();
}

void write_report(const json& results, const std::filesystem::path& results_dir,
                  const std::filesystem::path& out_dir) {
  validate_results(results, (results_dir / "results.json").string());
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw_input("cannot create report folder {}: {}", out_dir.string(), ec.message());
  const std::string md = render_markdown(results);
  const std::string html = render_html(results, results_dir);
  core::write_file_atomic(out_dir / "report.md", md);
  core::write_file_atomic(out_dir / "report.html", html);
}

}  // namespace edgeq::bench
