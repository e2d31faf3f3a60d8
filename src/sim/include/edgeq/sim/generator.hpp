// Neutrino-argon interaction generator (compact, GENIE-inspired; see docs/simulation.md for what is and is
// not modelled). The neutrino beam travels along +z. Energies in MeV unless a name says GeV.
#pragma once

#include <vector>

#include "edgeq/core/rng.hpp"
#include "edgeq/sim/config.hpp"
#include "edgeq/sim/particle.hpp"

namespace edgeq::sim {

/// Event classes (HDF5 /labels): 0 = NC, 1 = numu CC, 2 = nue CC; -1 = particle gun (no class).
enum EventClass : int { kGun = -1, kNC = 0, kNumuCC = 1, kNueCC = 2 };
inline constexpr const char* kClassNames[3] = {"NC", "numu CC", "nue CC"};

/// Interaction channel (HDF5 /truth/mode).
enum class Mode : int { Gun = -1, QE = 0, MEC = 1, RES = 2, DIS = 3, NCElastic = 4 };
const char* mode_name(Mode m);

struct Interaction {
  int nu_pdg = 0;
  bool cc = false;
  Mode mode = Mode::Gun;
  int target_pdg = 0;  ///< struck nucleon (2212 or 2112)
  double nu_energy_mev = 0;
  double q2_gev2 = 0, w_gev = 0;
  Vec3 vertex;
  int lepton_pdg = 0;  ///< outgoing lepton (the neutrino itself for NC)
  double lepton_energy_mev = 0, lepton_cos_theta = 0;
  std::vector<Particle> final_state;  ///< visible final state after FSI (neutrinos excluded)
  std::vector<int> from_fsi;          ///< 1 where the particle was created or changed by FSI
};

class Generator {
 public:
  explicit Generator(const SimConfig& config);
  /// One interaction of the given class with a vertex uniform in the fiducial volume.
  Interaction generate(EventClass cls, core::CounterRng& rng) const;
  /// Particle-gun event: one particle at a fiducial vertex.
  Interaction gun(core::CounterRng& rng) const;

  /// Relative cross section per nucleon (arbitrary units ~1e-38 cm2) of a channel at E [GeV]. Smooth
  /// parametrisations that reproduce the indicative BNB channel mix; used to pick energies and channels.
  static double channel_xsec(Mode mode, bool cc, double e_gev);
  /// Flux-weighted neutrino energy [GeV] for the current (CC/NC), by rejection on flux x total cross section.
  double sample_energy_gev(bool cc, core::CounterRng& rng) const;

 private:
  Vec3 sample_vertex(core::CounterRng& rng) const;
  bool kinematics(Interaction& ev, core::CounterRng& rng) const;
  bool quasi_elastic(Interaction& ev, core::CounterRng& rng) const;
  bool two_nucleon(Interaction& ev, core::CounterRng& rng) const;
  bool resonance(Interaction& ev, core::CounterRng& rng) const;
  bool deep_inelastic(Interaction& ev, core::CounterRng& rng) const;
  void final_state_interactions(Interaction& ev, core::CounterRng& rng) const;
  /// Sets the outgoing lepton from E_nu, energy transfer nu and Q2 (MeV, MeV2); false if unphysical.
  bool set_lepton(Interaction& ev, double nu_mev, double q2_mev2, core::CounterRng& rng, Vec3& q_out) const;
  Vec3 fermi_momentum(core::CounterRng& rng) const;

  SimConfig config_;
};

}  // namespace edgeq::sim
