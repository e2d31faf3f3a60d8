// Simulation configuration. Defaults describe a MicroBooNE-like detector and a BNB-like beam; every value can
// be overridden from YAML (`edgeq simulate --config sim.yaml`) and the effective configuration is recorded as
// JSON in each output file. Units are in the names. Sources of defaults:
// ../shared/reference/lartpc-physics.md and docs/simulation.md.
#pragma once

#include <array>
#include <filesystem>
#include <string>

namespace edgeq::sim {

struct FluxConfig {
  /// "bnb" (Gamma shape, mean 0.8 GeV), "dune" (Gamma shape, peak 2.5 GeV) or "gamma" (mean/shape below).
  std::string spectrum = "bnb";
  double mean_gev = 0.8;
  double shape = 3.5;
  double min_gev = 0.15;
  double max_gev = 10.0;
};

struct GeneratorConfig {
  std::string mode = "neutrino";  ///< "neutrino" or "gun" (single particles, label -1)
  FluxConfig flux;
  /// Relative class frequencies NC, numu CC, nue CC. Equal = balanced classes (exact counts per file).
  std::array<double, 3> class_fractions{1.0, 1.0, 1.0};
  double fiducial_margin_cm = 20.0;
  // Nuclear model (GENIE defaults, GENIE-MC/Generator config/).
  double fermi_momentum_mev = 250.0;
  double binding_energy_mev = 29.5;
  double qe_axial_mass_gev = 0.99;
  double res_axial_mass_gev = 1.065;
  double dis_w_min_gev = 1.7;
  // Final-state interactions: probabilities per hadron leaving the vertex (indicative, see docs).
  double pion_absorption = 0.20;
  double pion_charge_exchange = 0.08;
  double pion_inelastic = 0.15;
  double nucleon_knockout = 0.20;
  // Particle gun.
  std::string gun_particle = "mu-";
  double gun_kinetic_mev = 500.0;
  std::array<double, 3> gun_direction{0.0, 0.0, 1.0};
  bool gun_isotropic = false;
};

struct MediumConfig {
  double density_g_cm3 = 1.396;       ///< LArSoft larproperties.fcl
  double mean_excitation_ev = 188.0;  ///< LArSoft / Geant4
  double radiation_length_cm = 14.0;  ///< PDG: 19.55 g/cm2
  double w_ion_ev = 23.6;             ///< energy per electron-ion pair, Phys.Rev.A 10, 1452
};

struct TransportConfig {
  double max_step_cm = 0.3;
  double max_step_electron_cm = 0.15;
  double delta_ray_cut_mev = 1.0;  ///< delta rays above this are produced explicitly
  double brems_cut_mev = 1.0;      ///< bremsstrahlung photons above this are produced explicitly
  double electron_cut_mev = 0.1;   ///< electrons below this deposit locally
  double photon_cut_mev = 0.05;    ///< photons below this are absorbed locally (photoelectric)
  double pion_interaction_length_cm = 60.0;
  double proton_interaction_length_cm = 85.7;
  double neutron_interaction_length_cm = 47.5;  ///< ~1 b n-Ar cross section
  double neutron_cut_mev = 10.0;
  double mu_minus_capture_fraction = 0.75;  ///< mu- stopped in argon: nuclear capture instead of decay
};

struct DetectorConfig {
  std::array<double, 3> tpc_min_cm{0.0, -116.5,
                                   0.0};  ///< MicroBooNE active volume, x = drift (anode at x min)
  std::array<double, 3> tpc_max_cm{256.35, 116.5, 1036.8};
  double electric_field_kv_cm = 0.273;
  double drift_velocity_cm_us = 0.1098;
  double electron_lifetime_ms = 10.0;
  double diffusion_long_cm2_s = 4.0;
  double diffusion_trans_cm2_s = 8.8;
  std::string recombination = "modified_box";  ///< or "birks"
  double box_alpha = 0.930;                    ///< ArgoNeuT, JINST 8 P08005
  double box_beta = 0.212;                     ///< (kV/cm)(g/cm2)/MeV
  double birks_a = 0.800;                      ///< ICARUS, NIM A523 (2004) 275
  double birks_k = 0.0486;
  double wire_pitch_mm = 3.0;
  std::array<double, 3> plane_angles_deg{60.0, -60.0, 0.0};  ///< U, V, Y (collection)
  double tick_us = 0.5;
  int ticks_per_pixel = 6;
  /// Time resolution of the signal-processed (deconvolved, filtered) waveform: Gaussian sigma.
  double sp_time_sigma_us = 1.0;
  double noise_enc_e = 400.0;           ///< collection-plane noise per pixel after SP [electrons]
  double induction_noise_factor = 1.6;  ///< induction-plane noise relative to collection after SP
  /// Correlation time of induction-plane noise after deconvolving the bipolar response (low-frequency noise).
  double induction_noise_tau_us = 10.0;
  double zero_suppression_sigma = 3.0;
  double dead_wire_fraction = 0.0;
  int clusters_per_step = 2;
};

struct ImageConfig {
  int wires = 200;
  int time_pixels = 200;
  int vertex_wire_pixel = 50;
  int vertex_time_pixel = 100;
  std::string dtype = "uint8";  ///< or "uint16"
  double adc_scale_e = 500.0;   ///< electrons per image unit
  int compression_level = 4;    ///< deflate 0-9
};

struct SimConfig {
  GeneratorConfig generator;
  MediumConfig medium;
  TransportConfig transport;
  DetectorConfig detector;
  ImageConfig image;
};

/// Defaults with a flux preset applied ("bnb", "dune").
void apply_flux_preset(SimConfig& config, const std::string& name);
/// Overrides `config` from a YAML file. Unknown keys, wrong types and unreadable files throw Error(BadInput).
void load_config_yaml(SimConfig& config, const std::filesystem::path& path);
void load_config_yaml_text(SimConfig& config, const std::string& yaml_text, const std::string& origin);
/// Throws Error(BadInput) naming the first invalid value.
void validate(const SimConfig& config);
/// The full effective configuration as JSON (recorded in output files).
std::string to_json(const SimConfig& config);

}  // namespace edgeq::sim
