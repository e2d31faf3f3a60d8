// Event display: the wire planes of one event side by side (wire on x, time on y, time increasing upward),
// a shared linear colour scale with a colour bar in image units and electrons, axes in wire and tick units,
// and a title with the label and truth summary. Rendered with Cairo, written atomically as PNG.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace edgeq::data {

struct EventDisplay {
  int planes = 3, height = 0, width = 0;  ///< height = time pixels, width = wires
  std::vector<std::uint16_t> image;       ///< [planes][height][width]
  std::vector<std::string> plane_names{"U (induction)", "V (induction)", "Y (collection)"};
  double adc_scale_e = 0;  ///< electrons per image unit (0: unknown)
  int ticks_per_pixel = 1;
  std::string title;
  std::string subtitle;
  int pixel_scale = 3;  ///< screen pixels per image pixel
};

/// Renders and writes the PNG. Throws Error(BadInput) for an inconsistent image or an unwritable path.
void write_event_display_png(const EventDisplay& display, const std::filesystem::path& path);

}  // namespace edgeq::data
