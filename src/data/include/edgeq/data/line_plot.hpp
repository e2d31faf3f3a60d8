// Line plots as PNG (Cairo): stacked panels sharing the x axis, e.g. training curves (loss and accuracy per
// epoch for the training and validation sets).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace edgeq::data {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;  ///< equal lengths; non-finite points are skipped
};

struct PlotPanel {
  std::string title, y_label;
  std::vector<PlotSeries> series;
};

/// Draws the panels one above the other and writes the PNG atomically. Throws Error(BadInput) for series of
/// unequal lengths.
void write_line_plot_png(const std::filesystem::path& path, const std::string& title,
                         const std::string& x_label, const std::vector<PlotPanel>& panels);

}  // namespace edgeq::data
