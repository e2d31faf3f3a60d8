// Energy-loss and interaction physics of liquid argon. Units: MeV, cm, MeV/cm.
// Formulas and check values: ../shared/reference/lartpc-physics.md (Bethe-Bloch as LArSoft
// DetectorPropertiesStandard::Eloss, PDG "Passage of particles through matter").
#pragma once

#include <vector>

#include "edgeq/sim/config.hpp"

namespace edgeq::sim {

/// CSDA range table for one particle mass: log-spaced in kinetic energy, linear interpolation in log-log.
class RangeTable {
 public:
  RangeTable() = default;
  RangeTable(const class Medium& medium, double mass_mev, bool is_electron);
  /// CSDA range [cm] of a particle with kinetic energy T [MeV].
  double range_cm(double kinetic_mev) const;
  /// Kinetic energy [MeV] whose CSDA range is r [cm] (inverse of range_cm).
  double kinetic_for_range(double range_cm) const;

 private:
  std::vector<double> log_t_, log_r_;
};

class Medium {
 public:
  explicit Medium(const MediumConfig& config);

  /// Maximum energy transfer to a free electron [MeV] (PDG eq. 34.4); for electrons (Moller) T/2.
  double t_max(double kinetic_mev, double mass_mev, bool is_electron) const;
  /// Mean energy loss [MeV/cm] with the Bethe formula restricted to transfers below t_cut (t_cut <= 0: full
  /// Bethe, i.e. t_cut = t_max), with the Sternheimer density correction. Below beta*gamma = 0.05 the loss
  /// continues as 1/beta (smooth low-energy extrapolation; Bethe itself fails there).
  double dedx(double kinetic_mev, double mass_mev, bool is_electron, double t_cut = 0.0) const;
  /// Sternheimer density-effect correction delta(beta*gamma) with LArSoft's argon parameters.
  static double density_effect(double beta_gamma);
  /// xi = (K/2)(Z/A) rho x / beta^2 [MeV] for a step of x cm.
  double xi(double beta2, double step_cm) const;

  /// Highland multiple-scattering angle theta0 [rad] for momentum p [MeV/c] and velocity beta over x [cm],
  /// PDG eq. 34.15 (as LArSoft uses it).
  double highland_theta0(double p_mev, double beta, double step_cm) const;

  /// Klein-Nishina total cross section per electron [cm2] for photon energy E [MeV] (closed form).
  static double klein_nishina_cm2(double e_mev);
  /// Compton attenuation coefficient [1/cm].
  double compton_mu(double e_mev) const;
  /// Pair-production attenuation coefficient [1/cm]: 7/(9 X0) at high energy times a suppression factor
  /// interpolated from NIST XCOM argon values (approximate, ~10%).
  double pair_mu(double e_mev) const;
  /// Number of bremsstrahlung photons above k_cut per cm for an electron of total energy E (complete
  /// screening, Tsai / PDG eq. 34.29): (1/X0) int (4/3 - 4/3 y + y^2) dk/k.
  double brems_rate(double e_total_mev, double k_cut_mev) const;

  double x0_cm() const { return x0_; }
  double density() const { return rho_; }
  double electron_density_cm3() const { return n_e_; }

 private:
  double rho_, i_mev_, x0_, n_e_;
};

}  // namespace edgeq::sim
