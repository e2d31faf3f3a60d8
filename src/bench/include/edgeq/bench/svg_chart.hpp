// Small SVG charts for the HTML report (self-contained: no script, no external resources): scatter and
// line series on linear or log10 axes with ticks, axis labels, a legend and per-point tooltips.
#pragma once

#include <string>
#include <vector>

namespace edgeq::bench {

struct ChartSeries {
  std::string label;
  std::string colour = "#1f77b4";
  std::vector<double> x, y;
  bool line = false;                      ///< connect the points in order
  bool hollow = false;                    ///< open markers (e.g. modelled values)
  std::vector<std::string> point_titles;  ///< tooltip per point (optional)
  std::vector<std::string> point_labels;  ///< short text drawn next to each point (optional)
};

struct Chart {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;  ///< log axes drop non-positive values
  int width = 560, height = 360;
  std::vector<ChartSeries> series;
};

/// The chart as an <svg> element. A chart without finite points shows "no data".
std::string render_svg(const Chart& chart);

/// Tick positions for [lo, hi]: 1-2-5 steps (linear) or decades (log, with 2 and 5 when under 3 decades).
std::vector<double> axis_ticks(double lo, double hi, bool log);

/// Escapes &, <, >, " for HTML/SVG text.
std::string xml_escape(const std::string& text);

}  // namespace edgeq::bench
