#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <memory>

#include "edgeq/cli/commands.hpp"
#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_display.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/sim/particle.hpp"

namespace edgeq::cli {

namespace {
struct DisplayOptions {
  std::string file, out;
  std::size_t index = 0;
  int scale = 3;
  bool force = false;
};

template <typename T>
T at_or(const data::EventFileReader& r, const std::string& name, std::size_t i, T fallback) {
  if (!r.has_truth(name)) return fallback;
  if constexpr (std::is_same_v<T, float>) {
    const auto v = r.truth_f32(name);
    return i < v.size() ? v[i] : fallback;
  } else {
    const auto v = r.truth_i32(name);
    return i < v.size() ? v[i] : fallback;
  }
}

}  // namespace

data::EventDisplay event_display_of(const data::EventFileReader& reader, const std::string& file,
                                    std::size_t index, int scale) {
  const auto& l = reader.layout();
  data::EventDisplay d;
  d.planes = l.planes;
  d.height = l.height;
  d.width = l.width;
  d.image = reader.read_image(index);
  d.pixel_scale = scale;
  try {
    d.adc_scale_e = reader.attribute_double("adc_scale_e");
    d.ticks_per_pixel = static_cast<int>(reader.attribute_int("ticks_per_pixel"));
  } catch (const Error&) {
    // files from other tools may lack these attributes
  }
  const auto labels = reader.labels();
  const int label = index < labels.size() ? labels[index] : -1;
  std::vector<std::string> names{"NC", "numu CC", "nue CC"};
  try {
    names = reader.attribute_strings("class_names");
  } catch (const Error&) {
  }
  const std::string label_name =
      label >= 0 && label < static_cast<int>(names.size()) ? names[label] : "no class";
  d.title = fmt::format("{}  event {}  label: {}", std::filesystem::path(file).filename().string(), index,
                        label_name);
  const auto i = index;
  const int mode = at_or<std::int32_t>(reader, "mode", i, -1);
  static const char* kModes[] = {"QE", "MEC", "RES", "DIS", "NC elastic"};
  const std::string mode_name = mode >= 0 && mode < 5 ? kModes[mode] : "gun";
  const int lepton = at_or<std::int32_t>(reader, "lepton_pdg", i, 0);
  d.subtitle = fmt::format(
      "E_nu {:.2f} GeV, {}, lepton {} {:.2f} GeV (cos {:.2f}); {} p (>40 MeV), {} pi+-, {} pi0, {} n; "
      "visible {:.0f} MeV",
      at_or<float>(reader, "nu_energy_gev", i, 0.f), mode_name, lepton ? sim::particle_name(lepton) : "-",
      at_or<float>(reader, "lepton_energy_gev", i, 0.f), at_or<float>(reader, "lepton_cos_theta", i, 0.f),
      at_or<std::int32_t>(reader, "n_protons_visible", i, 0),
      at_or<std::int32_t>(reader, "n_charged_pions", i, 0), at_or<std::int32_t>(reader, "n_pi0", i, 0),
      at_or<std::int32_t>(reader, "n_neutrons", i, 0), at_or<float>(reader, "visible_energy_mev", i, 0.f));
  return d;
}

namespace {
int run_display(const DisplayOptions& o) {
  core::check_output_path(o.out, o.force);
  const data::EventFileReader reader(o.file);
  data::write_event_display_png(event_display_of(reader, o.file, o.index, o.scale), o.out);
  spdlog::info("wrote {}", o.out);
  return 0;
}
}  // namespace

void add_display_command(CLI::App& app, Action& action) {
  auto opts = std::make_shared<DisplayOptions>();
  auto* cmd = app.add_subcommand("display", "Draw one event's wire planes as a PNG event display");
  cmd->add_option("file", opts->file, "HDF5 event file")->required();
  cmd->add_option("--index", opts->index, "Event index")->capture_default_str();
  cmd->add_option("--out", opts->out, "Output PNG")->required();
  cmd->add_option("--scale", opts->scale, "Screen pixels per image pixel")
      ->check(CLI::Range(1, 8))
      ->capture_default_str();
  cmd->add_flag("--force", opts->force, "Overwrite an existing PNG");
  cmd->callback([opts, &action] { action = [opts] { return run_display(*opts); }; });
}

}  // namespace edgeq::cli
