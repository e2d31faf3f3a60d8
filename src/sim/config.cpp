#include "edgeq/sim/config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>

#include "edgeq/core/error.hpp"
#include "edgeq/sim/particle.hpp"

namespace edgeq::sim {

namespace {

using FieldRef = std::variant<double*, int*, bool*, std::string*, std::array<double, 3>*>;

/// Single list of every configurable field: drives YAML parsing, JSON output and unknown-key detection.
std::map<std::string, FieldRef> fields(SimConfig& c) {
  auto& g = c.generator;
  auto& m = c.medium;
  auto& t = c.transport;
  auto& d = c.detector;
  auto& i = c.image;
  return {
      {"generator.mode", &g.mode},
      {"generator.flux.spectrum", &g.flux.spectrum},
      {"generator.flux.mean_gev", &g.flux.mean_gev},
      {"generator.flux.shape", &g.flux.shape},
      {"generator.flux.min_gev", &g.flux.min_gev},
      {"generator.flux.max_gev", &g.flux.max_gev},
      {"generator.class_fractions", &g.class_fractions},
      {"generator.fiducial_margin_cm", &g.fiducial_margin_cm},
      {"generator.fermi_momentum_mev", &g.fermi_momentum_mev},
      {"generator.binding_energy_mev", &g.binding_energy_mev},
      {"generator.qe_axial_mass_gev", &g.qe_axial_mass_gev},
      {"generator.res_axial_mass_gev", &g.res_axial_mass_gev},
      {"generator.dis_w_min_gev", &g.dis_w_min_gev},
      {"generator.pion_absorption", &g.pion_absorption},
      {"generator.pion_charge_exchange", &g.pion_charge_exchange},
      {"generator.pion_inelastic", &g.pion_inelastic},
      {"generator.nucleon_knockout", &g.nucleon_knockout},
      {"generator.gun_particle", &g.gun_particle},
      {"generator.gun_kinetic_mev", &g.gun_kinetic_mev},
      {"generator.gun_direction", &g.gun_direction},
      {"generator.gun_isotropic", &g.gun_isotropic},
      {"medium.density_g_cm3", &m.density_g_cm3},
      {"medium.mean_excitation_ev", &m.mean_excitation_ev},
      {"medium.radiation_length_cm", &m.radiation_length_cm},
      {"medium.w_ion_ev", &m.w_ion_ev},
      {"transport.max_step_cm", &t.max_step_cm},
      {"transport.max_step_electron_cm", &t.max_step_electron_cm},
      {"transport.delta_ray_cut_mev", &t.delta_ray_cut_mev},
      {"transport.brems_cut_mev", &t.brems_cut_mev},
      {"transport.electron_cut_mev", &t.electron_cut_mev},
      {"transport.photon_cut_mev", &t.photon_cut_mev},
      {"transport.pion_interaction_length_cm", &t.pion_interaction_length_cm},
      {"transport.proton_interaction_length_cm", &t.proton_interaction_length_cm},
      {"transport.neutron_interaction_length_cm", &t.neutron_interaction_length_cm},
      {"transport.neutron_cut_mev", &t.neutron_cut_mev},
      {"transport.mu_minus_capture_fraction", &t.mu_minus_capture_fraction},
      {"detector.tpc_min_cm", &d.tpc_min_cm},
      {"detector.tpc_max_cm", &d.tpc_max_cm},
      {"detector.electric_field_kv_cm", &d.electric_field_kv_cm},
      {"detector.drift_velocity_cm_us", &d.drift_velocity_cm_us},
      {"detector.electron_lifetime_ms", &d.electron_lifetime_ms},
      {"detector.diffusion_long_cm2_s", &d.diffusion_long_cm2_s},
      {"detector.diffusion_trans_cm2_s", &d.diffusion_trans_cm2_s},
      {"detector.recombination", &d.recombination},
      {"detector.box_alpha", &d.box_alpha},
      {"detector.box_beta", &d.box_beta},
      {"detector.birks_a", &d.birks_a},
      {"detector.birks_k", &d.birks_k},
      {"detector.wire_pitch_mm", &d.wire_pitch_mm},
      {"detector.plane_angles_deg", &d.plane_angles_deg},
      {"detector.tick_us", &d.tick_us},
      {"detector.ticks_per_pixel", &d.ticks_per_pixel},
      {"detector.sp_time_sigma_us", &d.sp_time_sigma_us},
      {"detector.noise_enc_e", &d.noise_enc_e},
      {"detector.induction_noise_factor", &d.induction_noise_factor},
      {"detector.induction_noise_tau_us", &d.induction_noise_tau_us},
      {"detector.zero_suppression_sigma", &d.zero_suppression_sigma},
      {"detector.dead_wire_fraction", &d.dead_wire_fraction},
      {"detector.clusters_per_step", &d.clusters_per_step},
      {"image.wires", &i.wires},
      {"image.time_pixels", &i.time_pixels},
      {"image.vertex_wire_pixel", &i.vertex_wire_pixel},
      {"image.vertex_time_pixel", &i.vertex_time_pixel},
      {"image.dtype", &i.dtype},
      {"image.adc_scale_e", &i.adc_scale_e},
      {"image.compression_level", &i.compression_level},
  };
}

void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, YAML::Node>& out,
             const std::string& origin) {
  if (!node.IsMap()) throw_input("{}: '{}' must be a mapping", origin, prefix.empty() ? "<root>" : prefix);
  for (const auto& kv : node) {
    const std::string key =
        prefix.empty() ? kv.first.as<std::string>() : prefix + "." + kv.first.as<std::string>();
    if (kv.second.IsMap())
      flatten(kv.second, key, out, origin);
    else
      out[key] = kv.second;
  }
}

struct Assign {
  const YAML::Node& node;
  const std::string& key;
  const std::string& origin;
  template <typename T>
  void operator()(T* field) const {
    try {
      if constexpr (std::is_same_v<T, std::array<double, 3>>) {
        if (!node.IsSequence() || node.size() != 3)
          throw_input("{}: '{}' must be a list of 3 numbers", origin, key);
        for (std::size_t k = 0; k < 3; ++k) (*field)[k] = node[k].as<double>();
      } else {
        *field = node.as<T>();
      }
    } catch (const YAML::Exception&) {
      throw_input("{}: '{}' has the wrong type (value '{}')", origin, key, YAML::Dump(node));
    }
  }
};

}  // namespace

void apply_flux_preset(SimConfig& c, const std::string& name) {
  auto& f = c.generator.flux;
  if (name == "bnb") {
    f = FluxConfig{};  // Gamma(shape 3.5, mean 0.8 GeV): mode 0.57 GeV
  } else if (name == "dune") {
    f.spectrum = "dune";
    f.shape = 4.0;
    f.mean_gev = 3.33;  // mode (shape-1)*mean/shape = 2.5 GeV
    f.min_gev = 0.3;
    f.max_gev = 20.0;
  } else {
    throw_input("unknown flux '{}' (expected bnb or dune)", name);
  }
}

void load_config_yaml_text(SimConfig& config, const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw_input("{}: invalid YAML: {}", origin, e.what());
  }
  if (root.IsNull()) return;
  std::map<std::string, YAML::Node> flat;
  flatten(root, "", flat, origin);
  auto table = fields(config);
  // A preset first, so explicit flux values in the same file override it.
  if (auto it = flat.find("generator.flux.spectrum"); it != flat.end()) {
    const auto name = it->second.as<std::string>();
    if (name != "gamma") apply_flux_preset(config, name);
  }
  for (const auto& [key, node] : flat) {
    auto it = table.find(key);
    if (it == table.end()) {
      for (const auto& [known, ref] : table)
        if (known.rfind(key + ".", 0) == 0) throw_input("{}: '{}' must be a mapping", origin, key);
      throw_input("{}: unknown configuration key '{}'", origin, key);
    }
    std::visit(Assign{node, key, origin}, it->second);
  }
}

void load_config_yaml(SimConfig& config, const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw_input("config file '{}' not found", path.string());
  std::ifstream in(path);
  if (!in) throw_input("cannot read config file '{}'", path.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  load_config_yaml_text(config, text, path.string());
}

std::string to_json(const SimConfig& config) {
  nlohmann::ordered_json j;
  SimConfig copy = config;
  for (const auto& [key, ref] : fields(copy)) {
    nlohmann::ordered_json* node = &j;
    std::size_t start = 0, dot;
    while ((dot = key.find('.', start)) != std::string::npos) {
      node = &(*node)[key.substr(start, dot - start)];
      start = dot + 1;
    }
    std::visit([&](auto* f) { (*node)[key.substr(start)] = *f; }, ref);
  }
  return j.dump();
}

}  // namespace edgeq::sim
