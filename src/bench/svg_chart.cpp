#include "edgeq/bench/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgeq::bench {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<double> axis_ticks(double lo, double hi, bool log) {
  std::vector<double> ticks;
  if (!(hi > lo)) return {lo};
  if (log) {
    const int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    const int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    const bool fine = d1 - d0 < 3;
    for (int d = d0; d <= d1; ++d)
      for (double m : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        const double v = m * std::pow(10.0, d);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
      }
    return ticks;
  }
  const double raw = (hi - lo) / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return ticks;
}

namespace {
std::string tick_text(double v) {
  const double a = std::abs(v);
  if (a != 0 && (a >= 1e5 || a < 1e-3)) return fmt::format("{:.0e}", v);
  return fmt::format("{:g}", v);
}

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double pos(double v) const {  // 0..1
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

Axis fit_axis(std::vector<double> v, bool log) {
  Axis a;
  a.log = log;
  if (v.empty()) return a;
  const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  double lo = *mn, hi = *mx;
  if (log) {
    if (hi <= lo) {
      lo /= 2;
      hi *= 2;
    }
    a.lo = std::pow(10.0, std::floor(std::log10(lo) * 4) / 4);  // quarter-decade margins
    a.hi = std::pow(10.0, std::ceil(std::log10(hi) * 4) / 4);
    if (a.hi <= a.lo) a.hi = a.lo * 10;
    return a;
  }
  if (hi <= lo) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double pad = (hi - lo) * 0.06;
  a.lo = lo - pad;
  a.hi = hi + pad;
  return a;
}
}  // namespace

std::string render_svg(const Chart& c) {
  const double left = 64, right = 16, top = c.title.empty() ? 16 : 34, bottom = 48;
  const double legend_h = c.series.size() > 1 ? 18.0 * static_cast<double>((c.series.size() + 2) / 3) : 0;
  const double w = c.width, h = c.height + legend_h;
  const double pw = w - left - right, ph = c.height - top - bottom;
  std::vector<double> xs, ys;
  for (const auto& s : c.series)
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      const bool ok = std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!c.log_x || s.x[i] > 0) &&
                      (!c.log_y || s.y[i] > 0);
      if (!ok) continue;
      xs.push_back(s.x[i]);
      ys.push_back(s.y[i]);
    }
  std::string out = fmt::format(
      R"(<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" )"
      R"(font-family="sans-serif" font-size="11">)",
      w, h);
  out += fmt::format(R"(<rect width="{}" height="{}" fill="white"/>)", w, h);
  if (!c.title.empty())
    out +=
        fmt::format(R"(<text x="{}" y="20" text-anchor="middle" font-size="13" font-weight="bold">{}</text>)",
                    w / 2, xml_escape(c.title));
  if (xs.empty()) {
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="#888">no data</text></svg>)", w / 2,
                       top + ph / 2);
    return out;
  }
  const Axis ax = fit_axis(xs, c.log_x), ay = fit_axis(ys, c.log_y);
  auto px = [&](double v) { return left + ax.pos(v) * pw; };
  auto py = [&](double v) { return top + (1 - ay.pos(v)) * ph; };
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#444"/>)", left, top,
                     pw, ph);
  for (double t : axis_ticks(ax.lo, ax.hi, ax.log)) {
    const double x = px(t);
    out +=
        fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#ddd"/>)", x, top, top + ph);
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", x, top + ph + 14,
                       tick_text(t));
  }
  for (double t : axis_ticks(ay.lo, ay.hi, ay.log)) {
    const double y = py(t);
    out += fmt::format(R"(<line x1="{1}" y1="{0:.1f}" x2="{2}" y2="{0:.1f}" stroke="#ddd"/>)", y, left,
                       left + pw);
    out +=
        fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end">{}</text>)", left - 4, y + 4, tick_text(t));
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", left + pw / 2, top + ph + 32,
                     xml_escape(c.x_label));
  out += fmt::format(R"svg(<text transform="translate(14,{}) rotate(-90)" text-anchor="middle">{}</text>)svg",
                     top + ph / 2, xml_escape(c.y_label));
  for (std::size_t si = 0; si < c.series.size(); ++si) {
    const auto& s = c.series[si];
    std::string path;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (c.log_x && s.x[i] <= 0) ||
          (c.log_y && s.y[i] <= 0))
        continue;
      const double x = px(s.x[i]), y = py(s.y[i]);
      path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", x, y);
      if (i < s.point_labels.size())
        out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="9" fill="#333">{}</text>)", x + 6, y - 5,
                           xml_escape(s.point_labels[i]));
      const std::string title = i < s.point_titles.size() ? s.point_titles[i] : s.label;
      out += fmt::format(
          R"(<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}" stroke="{}" stroke-width="1.5"><title>{}</title></circle>)",
          x, y, s.line ? 2.5 : 4.5, s.hollow ? "white" : s.colour, s.colour, xml_escape(title));
    }
    if (s.line && !path.empty())
      out += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.8"/>)", path, s.colour);
  }
  if (c.series.size() > 1)
    for (std::size_t si = 0; si < c.series.size(); ++si) {
      const double lx = left + static_cast<double>(si % 3) * (pw / 3);
      const double ly = c.height + 4 + static_cast<double>(si / 3) * 18;
      const auto& s = c.series[si];
      out +=
          fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="4.5" fill="{}" stroke="{}" stroke-width="1.5"/>)",
                      lx + 6, ly, s.hollow ? "white" : s.colour, s.colour);
      out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)", lx + 14, ly + 4, xml_escape(s.label));
    }
  out += "</svg>";
  return out;
}

}  // namespace edgeq::bench
