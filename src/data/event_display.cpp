#include "edgeq/data/event_display.hpp"

#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "cairo_util.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::data {

using cairo_util::Context;
using cairo_util::Surface;
using cairo_util::text;

namespace {
/// Viridis anchor colours (matplotlib's colormap at 0, 0.25, 0.5, 0.75, 1), linearly interpolated.
std::array<double, 3> viridis(double t) {
  static constexpr std::array<std::array<double, 3>, 5> kAnchors{
      {{0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25}}};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const auto i = std::min<std::size_t>(3, static_cast<std::size_t>(t));
  const double f = t - static_cast<double>(i);
  std::array<double, 3> c{};
  for (int k = 0; k < 3; ++k) c[k] = (kAnchors[i][k] + f * (kAnchors[i + 1][k] - kAnchors[i][k])) / 255.0;
  return c;
}

}  // namespace

void write_event_display_png(const EventDisplay& d, const std::filesystem::path& path) {
  if (d.planes < 1 || d.height < 1 || d.width < 1 ||
      d.image.size() != static_cast<std::size_t>(d.planes) * d.height * d.width)
    throw_input("event display: image size does not match {}x{}x{}", d.planes, d.height, d.width);
  const int s = std::max(1, d.pixel_scale);
  const int panel_w = d.width * s, panel_h = d.height * s;
  const int left = 70, top = 90, gap = 60, bottom = 60, bar_w = 20, right = 130;
  const int total_w = left + d.planes * panel_w + (d.planes - 1) * gap + 40 + bar_w + right;
  const int total_h = top + panel_h + bottom;

  // Colour scale: linear from 0 to the 99th percentile of non-zero pixels (at least 1 unit).
  std::vector<std::uint16_t> nonzero;
  for (auto v : d.image)
    if (v) nonzero.push_back(v);
  double vmax = 1.0;
  if (!nonzero.empty()) {
    const auto k = static_cast<std::size_t>(0.99 * static_cast<double>(nonzero.size() - 1));
    std::nth_element(nonzero.begin(), nonzero.begin() + static_cast<std::ptrdiff_t>(k), nonzero.end());
    vmax = std::max(1.0, static_cast<double>(nonzero[k]));
  }

  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, total_w, total_h), cairo_surface_destroy);
  Context cr(cairo_create(surface.get()), cairo_destroy);
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());

  // Panels: write pixels directly into the surface buffer.
  cairo_surface_flush(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  for (int p = 0; p < d.planes; ++p) {
    const int x0 = left + p * (panel_w + gap);
    for (int r = 0; r < d.height; ++r)
      for (int c = 0; c < d.width; ++c) {
        const auto v = d.image[(static_cast<std::size_t>(p) * d.height + r) * d.width + c];
        std::array<double, 3> rgb{1.0, 1.0, 1.0};
        if (v) rgb = viridis(static_cast<double>(v) / vmax);
        const int y0 = top + (d.height - 1 - r) * s;  // time increases upward
        for (int dy = 0; dy < s; ++dy)
          for (int dx = 0; dx < s; ++dx) {
            auto* px =
                reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y0 + dy) * stride) + x0 +
                c * s + dx;
            *px = (static_cast<std::uint32_t>(rgb[0] * 255) << 16) |
                  (static_cast<std::uint32_t>(rgb[1] * 255) << 8) | static_cast<std::uint32_t>(rgb[2] * 255);
          }
      }
  }
  cairo_surface_mark_dirty(surface.get());

  cairo_t* c = cr.get();
  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_set_line_width(c, 1.0);
  for (int p = 0; p < d.planes; ++p) {
    const double x0 = left + p * (panel_w + gap);
    cairo_rectangle(c, x0 - 0.5, top - 0.5, panel_w + 1, panel_h + 1);
    cairo_stroke(c);
    text(c, x0 + panel_w / 2.0, top - 10, p < static_cast<int>(d.plane_names.size()) ? d.plane_names[p] : "",
         15, 0.5, true);
    const int step = d.width >= 100 ? 50 : 10;
    for (int w = 0; w <= d.width; w += step) {
      const double x = x0 + w * s;
      cairo_move_to(c, x, top + panel_h);
      cairo_line_to(c, x, top + panel_h + 5);
      cairo_stroke(c);
      text(c, x, top + panel_h + 19, std::to_string(w), 11, 0.5);
    }
    text(c, x0 + panel_w / 2.0, top + panel_h + 40, "wire (relative)", 13, 0.5);
    for (int r = 0; r <= d.height; r += (d.height >= 100 ? 50 : 10)) {
      const double y = top + panel_h - r * s;
      cairo_move_to(c, x0 - 5, y);
      cairo_line_to(c, x0, y);
      cairo_stroke(c);
      text(c, x0 - 8, y + 4, std::to_string(r * d.ticks_per_pixel), 11, 1.0);
    }
  }
  cairo_save(c);
  cairo_move_to(c, 18, top + panel_h / 2.0);
  cairo_rotate(c, -3.14159265358979 / 2);
  text(c, 0, 0, fmt::format("time tick ({} ticks / pixel)", d.ticks_per_pixel), 13, 0.5);
  cairo_restore(c);
  text(c, left, 30, d.title, 18, 0.0, true);
  text(c, left, 56, d.subtitle, 13);

  // Colour bar.
  const double bx = left + d.planes * panel_w + (d.planes - 1) * gap + 40;
  for (int i = 0; i < panel_h; ++i) {
    const auto rgb = viridis(1.0 - static_cast<double>(i) / panel_h);
    cairo_set_source_rgb(c, rgb[0], rgb[1], rgb[2]);
    cairo_rectangle(c, bx, top + i, bar_w, 1);
    cairo_fill(c);
  }
  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_rectangle(c, bx - 0.5, top - 0.5, bar_w + 1, panel_h + 1);
  cairo_stroke(c);
  for (int k = 0; k <= 4; ++k) {
    const double v = vmax * k / 4.0;
    const double y = top + panel_h - panel_h * k / 4.0;
    std::string label = fmt::format("{:.0f}", v);
    if (d.adc_scale_e > 0) label += fmt::format(" ({:.0f}k e-)", v * d.adc_scale_e / 1000.0);
    text(c, bx + bar_w + 5, y + 4, label, 11);
  }
  text(c, bx, top + panel_h + 22, "charge [image units]", 11);
  text(c, bx, top + panel_h + 38, "white = zero-suppressed", 11);

  cairo_util::write_png(surface.get(), path);
}

}  // namespace edgeq::data
