#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/sim/config.hpp"
#include "edgeq/sim/particle.hpp"

namespace edgeq::sim {

namespace {
void positive(double v, const char* key) {
  if (!(v > 0) || !std::isfinite(v)) throw_input("config: '{}' must be positive (got {})", key, v);
}
void non_negative(double v, const char* key) {
  if (!(v >= 0) || !std::isfinite(v)) throw_input("config: '{}' must be >= 0 (got {})", key, v);
}
void probability(double v, const char* key) {
  if (!(v >= 0 && v <= 1)) throw_input("config: '{}' must be in [0, 1] (got {})", key, v);
}
}  // namespace

void validate(const SimConfig& c) {
  const auto& g = c.generator;
  if (g.mode != "neutrino" && g.mode != "gun")
    throw_input("config: 'generator.mode' must be neutrino or gun (got '{}')", g.mode);
  if (g.flux.spectrum != "bnb" && g.flux.spectrum != "dune" && g.flux.spectrum != "gamma")
    throw_input("config: 'generator.flux.spectrum' must be bnb, dune or gamma (got '{}')", g.flux.spectrum);
  positive(g.flux.mean_gev, "generator.flux.mean_gev");
  positive(g.flux.shape, "generator.flux.shape");
  positive(g.flux.min_gev, "generator.flux.min_gev");
  if (!(g.flux.max_gev > g.flux.min_gev)) throw_input("config: 'generator.flux.max_gev' must exceed min_gev");
  double sum = 0;
  for (double f : g.class_fractions) {
    non_negative(f, "generator.class_fractions");
    sum += f;
  }
  positive(sum, "generator.class_fractions (sum)");
  non_negative(g.fiducial_margin_cm, "generator.fiducial_margin_cm");
  non_negative(g.fermi_momentum_mev, "generator.fermi_momentum_mev");
  non_negative(g.binding_energy_mev, "generator.binding_energy_mev");
  positive(g.qe_axial_mass_gev, "generator.qe_axial_mass_gev");
  positive(g.res_axial_mass_gev, "generator.res_axial_mass_gev");
  if (!(g.dis_w_min_gev > 1.2)) throw_input("config: 'generator.dis_w_min_gev' must exceed 1.2 GeV");
  probability(g.pion_absorption, "generator.pion_absorption");
  probability(g.pion_charge_exchange, "generator.pion_charge_exchange");
  probability(g.pion_inelastic, "generator.pion_inelastic");
  probability(g.nucleon_knockout, "generator.nucleon_knockout");
  if (g.pion_absorption + g.pion_charge_exchange + g.pion_inelastic > 1.0)
    throw_input("config: pion absorption + charge exchange + inelastic probabilities exceed 1");
  const int gun = parse_particle(g.gun_particle);  // throws for an unknown particle
  if (gun == pdg::kNuE || gun == pdg::kNuMu)
    throw_input("config: gun particle '{}' would leave no trace", g.gun_particle);
  positive(g.gun_kinetic_mev, "generator.gun_kinetic_mev");
  const auto& dir = g.gun_direction;
  if (!(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2] > 0))
    throw_input("config: 'generator.gun_direction' must be a non-zero vector");

  const auto& m = c.medium;
  positive(m.density_g_cm3, "medium.density_g_cm3");
  positive(m.mean_excitation_ev, "medium.mean_excitation_ev");
  positive(m.radiation_length_cm, "medium.radiation_length_cm");
  positive(m.w_ion_ev, "medium.w_ion_ev");

  const auto& t = c.transport;
  positive(t.max_step_cm, "transport.max_step_cm");
  positive(t.max_step_electron_cm, "transport.max_step_electron_cm");
  positive(t.delta_ray_cut_mev, "transport.delta_ray_cut_mev");
  positive(t.brems_cut_mev, "transport.brems_cut_mev");
  positive(t.electron_cut_mev, "transport.electron_cut_mev");
  positive(t.photon_cut_mev, "transport.photon_cut_mev");
  positive(t.pion_interaction_length_cm, "transport.pion_interaction_length_cm");
  positive(t.proton_interaction_length_cm, "transport.proton_interaction_length_cm");
  positive(t.neutron_interaction_length_cm, "transport.neutron_interaction_length_cm");
  positive(t.neutron_cut_mev, "transport.neutron_cut_mev");
  probability(t.mu_minus_capture_fraction, "transport.mu_minus_capture_fraction");

  const auto& d = c.detector;
  for (int k = 0; k < 3; ++k)
    if (!(d.tpc_max_cm[k] > d.tpc_min_cm[k]))
      throw_input("config: 'detector.tpc_max_cm' must exceed tpc_min_cm");
  positive(d.electric_field_kv_cm, "detector.electric_field_kv_cm");
  positive(d.drift_velocity_cm_us, "detector.drift_velocity_cm_us");
  positive(d.electron_lifetime_ms, "detector.electron_lifetime_ms");
  non_negative(d.diffusion_long_cm2_s, "detector.diffusion_long_cm2_s");
  non_negative(d.diffusion_trans_cm2_s, "detector.diffusion_trans_cm2_s");
  if (d.recombination != "modified_box" && d.recombination != "birks")
    throw_input("config: 'detector.recombination' must be modified_box or birks (got '{}')", d.recombination);
  positive(d.box_alpha, "detector.box_alpha");
  positive(d.box_beta, "detector.box_beta");
  positive(d.birks_a, "detector.birks_a");
  non_negative(d.birks_k, "detector.birks_k");
  positive(d.wire_pitch_mm, "detector.wire_pitch_mm");
  for (double a : d.plane_angles_deg)
    if (!(a > -90 && a <= 90))
      throw_input("config: 'detector.plane_angles_deg' must be in (-90, 90] (got {})", a);
  positive(d.tick_us, "detector.tick_us");
  if (d.ticks_per_pixel < 1 || d.ticks_per_pixel > 64)
    throw_input("config: 'detector.ticks_per_pixel' must be in [1, 64] (got {})", d.ticks_per_pixel);
  non_negative(d.sp_time_sigma_us, "detector.sp_time_sigma_us");
  non_negative(d.noise_enc_e, "detector.noise_enc_e");
  non_negative(d.induction_noise_factor, "detector.induction_noise_factor");
  positive(d.induction_noise_tau_us, "detector.induction_noise_tau_us");
  non_negative(d.zero_suppression_sigma, "detector.zero_suppression_sigma");
  probability(d.dead_wire_fraction, "detector.dead_wire_fraction");
  if (d.clusters_per_step < 1 || d.clusters_per_step > 16)
    throw_input("config: 'detector.clusters_per_step' must be in [1, 16] (got {})", d.clusters_per_step);

  const auto& i = c.image;
  if (i.wires < 8 || i.wires > 4096 || i.time_pixels < 8 || i.time_pixels > 4096)
    throw_input("config: image size {}x{} out of range [8, 4096]", i.wires, i.time_pixels);
  if (i.vertex_wire_pixel < 0 || i.vertex_wire_pixel >= i.wires || i.vertex_time_pixel < 0 ||
      i.vertex_time_pixel >= i.time_pixels)
    throw_input("config: image vertex pixel ({}, {}) outside the {}x{} image", i.vertex_wire_pixel,
                i.vertex_time_pixel, i.wires, i.time_pixels);
  if (i.dtype != "uint8" && i.dtype != "uint16")
    throw_input("config: 'image.dtype' must be uint8 or uint16 (got '{}')", i.dtype);
  positive(i.adc_scale_e, "image.adc_scale_e");
  if (i.compression_level < 0 || i.compression_level > 9)
    throw_input("config: 'image.compression_level' must be in [0, 9] (got {})", i.compression_level);
}

}  // namespace edgeq::sim
