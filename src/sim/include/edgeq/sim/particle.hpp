// Particle species known to the simulation, by PDG code.
#pragma once

#include <string>
#include <string_view>

#include "edgeq/sim/vec3.hpp"

namespace edgeq::sim {

namespace pdg {
inline constexpr int kElectron = 11, kPositron = -11, kNuE = 12, kMuMinus = 13, kMuPlus = -13, kNuMu = 14;
inline constexpr int kGamma = 22, kPi0 = 111, kPiPlus = 211, kPiMinus = -211, kProton = 2212, kNeutron = 2112;
}  // namespace pdg

/// Mass [MeV] of a supported species; throws Error(BadInput) for an unknown code.
double particle_mass(int pdg_code);
/// Electric charge in units of e.
int particle_charge(int pdg_code);
/// Short name ("mu-", "e+", "gamma", "pi0", "p", "n", ...).
std::string particle_name(int pdg_code);
/// Parses a name or a numeric PDG code; throws Error(BadInput) naming the value if unknown.
int parse_particle(std::string_view name);

/// A particle to be transported: position [cm], unit direction, kinetic energy [MeV].
struct Particle {
  int pdg = 0;
  Vec3 pos;
  Vec3 dir{0, 0, 1};
  double kinetic_mev = 0;
  int generation = 0;  // 0 = from the neutrino vertex, >0 = secondaries
};

inline Particle make_particle(int pdg_code, const Vec3& pos, const FourVec& p4) {
  return {pdg_code, pos, p4.p.unit(), std::max(0.0, p4.e - particle_mass(pdg_code)), 0};
}

}  // namespace edgeq::sim
