#include "edgeq/data/line_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "cairo_util.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::data {

namespace cairo_util {
void write_png(cairo_surface_t* surface, const std::filesystem::path& path) {
  std::vector<unsigned char> png;
  if (cairo_surface_write_to_png_stream(surface, append_bytes, &png) != CAIRO_STATUS_SUCCESS)
    throw_internal("PNG encoding failed");
  core::check_output_path(path, true);
  core::write_file_atomic(path, png);
}
}  // namespace cairo_util

namespace {
constexpr std::array<std::array<double, 3>, 4> kColours{
    {{0.12, 0.47, 0.71}, {1.0, 0.5, 0.05}, {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16}}};

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void finish() {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
    const double pad = 0.05 * (hi - lo);
    lo -= pad;
    hi += pad;
  }
};
/// Tick positions at a "nice" step (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi) {
  const double raw = (hi - lo) / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step =
      raw / mag < 1.5 ? mag : (raw / mag < 3.5 ? 2 * mag : (raw / mag < 7.5 ? 5 * mag : 10 * mag));
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step)
    t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}
}  // namespace

void write_line_plot_png(const std::filesystem::path& path, const std::string& title,
                         const std::string& x_label, const std::vector<PlotPanel>& panels) {
  Range xr;
  for (const auto& p : panels)
    for (const auto& s : p.series) {
      if (s.x.size() != s.y.size())
        throw_input("plot series '{}' has {} x and {} y values", s.label, s.x.size(), s.y.size());
      for (double v : s.x) xr.add(v);
    }
  xr.finish();
  const int width = 800, panel_h = 260, top = 50, left = 80, right = 30, gap = 60;
  const int height = top + static_cast<int>(panels.size()) * (panel_h + gap) + 10;
  cairo_util::Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
                              cairo_surface_destroy);
  cairo_util::Context cr(cairo_create(surface.get()), cairo_destroy);
  cairo_t* c = cr.get();
  cairo_set_source_rgb(c, 1, 1, 1);
  cairo_paint(c);
  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_util::text(c, left, 30, title, 16, 0.0, true);
  const double plot_w = width - left - right;
  for (std::size_t pi = 0; pi < panels.size(); ++pi) {
    const auto& p = panels[pi];
    const double y0 = top + static_cast<double>(pi) * (panel_h + gap) + 20;
    Range yr;
    for (const auto& s : p.series)
      for (double v : s.y) yr.add(v);
    yr.finish();
    auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * plot_w; };
    auto py = [&](double y) { return y0 + panel_h - (y - yr.lo) / (yr.hi - yr.lo) * panel_h; };
    cairo_set_line_width(c, 1.0);
    cairo_set_source_rgb(c, 0, 0, 0);
    cairo_rectangle(c, left, y0, plot_w, panel_h);
    cairo_stroke(c);
    for (double yv : nice_ticks(yr.lo, yr.hi)) {
      cairo_util::text(c, left - 6, py(yv) + 4, fmt::format("{:g}", yv), 11, 1.0);
      cairo_set_source_rgb(c, 0.9, 0.9, 0.9);
      cairo_move_to(c, left + 1, py(yv));
      cairo_line_to(c, left + plot_w - 1, py(yv));
      cairo_stroke(c);
      cairo_set_source_rgb(c, 0, 0, 0);
    }
    for (double xv : nice_ticks(xr.lo, xr.hi))
      cairo_util::text(c, px(xv), y0 + panel_h + 16, fmt::format("{:g}", xv), 11, 0.5);
    cairo_util::text(c, left, y0 - 6, p.title, 13, 0.0, true);
    cairo_util::text(c, left + plot_w / 2, y0 + panel_h + 34, x_label, 12, 0.5);
    cairo_save(c);
    cairo_move_to(c, 18, y0 + panel_h / 2.0);
    cairo_rotate(c, -M_PI / 2);
    cairo_util::text(c, 0, 0, p.y_label, 12, 0.5);
    cairo_restore(c);
    for (std::size_t si = 0; si < p.series.size(); ++si) {
      const auto& s = p.series[si];
      const auto& col = kColours[si % kColours.size()];
      cairo_set_source_rgb(c, col[0], col[1], col[2]);
      cairo_set_line_width(c, 2.0);
      bool pen = false;
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) {
          pen = false;
          continue;
        }
        if (pen)
          cairo_line_to(c, px(s.x[i]), py(s.y[i]));
        else
          cairo_move_to(c, px(s.x[i]), py(s.y[i]));
        pen = true;
      }
      cairo_stroke(c);
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.y[i]) && std::isfinite(s.x[i])) {
          cairo_arc(c, px(s.x[i]), py(s.y[i]), 3.0, 0, 2 * M_PI);
          cairo_fill(c);
        }
      // Legend above the panel, right-aligned, one entry per series.
      const double lx = left + plot_w - 110.0 * static_cast<double>(p.series.size() - si);
      cairo_rectangle(c, lx, y0 - 12, 14, 4);
      cairo_fill(c);
      cairo_set_source_rgb(c, 0, 0, 0);
      cairo_util::text(c, lx + 18, y0 - 6, s.label, 11);
    }
  }
  cairo_util::write_png(surface.get(), path);
}

}  // namespace edgeq::data
