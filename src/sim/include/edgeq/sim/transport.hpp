// Particle transport through liquid argon (a fast parametric alternative to Geant4). Produces energy
// deposits along straight steps. Particles leaving the TPC active volume are dropped (no cryostat).
//
// Charged particles: restricted Bethe-Bloch loss with Gaussian (Bohr) straggling below delta_ray_cut and
// explicit delta rays above it (1/T^2 spectrum), Highland multiple scattering, CSDA ranges for stopping.
// Electrons add discrete bremsstrahlung. Photons: Compton (Klein-Nishina), pair production (9/7 X0 at high
// energy), local absorption below photon_cut. Hadrons: exponential interaction lengths, simple final states.
// Decays at rest: mu+ -> Michel e+, mu- capture or decay, pi+ -> mu+, pi- capture, e+ annihilation.
#pragma once

#include <vector>

#include "edgeq/core/rng.hpp"
#include "edgeq/sim/config.hpp"
#include "edgeq/sim/medium.hpp"
#include "edgeq/sim/particle.hpp"

namespace edgeq::sim {

/// Energy deposited uniformly along the segment [start, end] (a point if start == end).
struct Deposit {
  Vec3 start, end;
  double energy_mev = 0;
  double dedx_mev_cm = 0;  ///< local stopping power, for recombination
};

class Transport {
 public:
  explicit Transport(const SimConfig& config);

  /// Transports `primaries` and all their secondaries; appends deposits inside the TPC to `out`.
  void run(const std::vector<Particle>& primaries, core::CounterRng& rng, std::vector<Deposit>& out) const;

  const Medium& medium() const { return medium_; }
  /// CSDA range table for a charged species (e, mu, pi, p); throws Error(BadInput) otherwise.
  const RangeTable& range_table(int pdg_code) const;
  bool inside(const Vec3& p) const;

  /// Michel spectrum x^2 (3 - 2x), x = E / 52.83 MeV (electron mass neglected): returns E [MeV].
  static double sample_michel_energy(core::CounterRng& rng);
  /// Compton scattering (Klein-Nishina, Butcher-Messel sampling): returns E'/E and sets cos_theta.
  static double sample_compton(double e_mev, core::CounterRng& rng, double& cos_theta);
  /// pi0 -> gamma gamma at rest-frame isotropy, boosted: fills the two photons.
  static void decay_pi0(const Particle& pi0, core::CounterRng& rng, Particle& g1, Particle& g2);

 private:
  void charged(Particle p, std::vector<Particle>& stack, core::CounterRng& rng,
               std::vector<Deposit>& out) const;
  void photon(Particle p, std::vector<Particle>& stack, core::CounterRng& rng,
              std::vector<Deposit>& out) const;
  void neutron(Particle p, std::vector<Particle>& stack, core::CounterRng& rng,
               std::vector<Deposit>& out) const;
  void stopped(const Particle& p, std::vector<Particle>& stack, core::CounterRng& rng) const;
  void hadronic(Particle& p, std::vector<Particle>& stack, core::CounterRng& rng) const;
  void deposit_point(const Vec3& at, double e, double dedx, std::vector<Deposit>& out) const;

  SimConfig config_;
  Medium medium_;
  RangeTable electron_range_, muon_range_, pion_range_, proton_range_;
};

}  // namespace edgeq::sim
