#include "edgeq/sim/particle.hpp"

#include <array>
#include <charconv>

#include "edgeq/core/error.hpp"
#include "edgeq/sim/constants.hpp"

namespace edgeq::sim {

namespace {
struct Species {
  int code;
  const char* name;
  double mass;
  int charge;
};
constexpr std::array<Species, 12> kSpecies{{
    {pdg::kElectron, "e-", phys::kElectronMass, -1},
    {pdg::kPositron, "e+", phys::kElectronMass, 1},
    {pdg::kMuMinus, "mu-", phys::kMuonMass, -1},
    {pdg::kMuPlus, "mu+", phys::kMuonMass, 1},
    {pdg::kGamma, "gamma", 0.0, 0},
    {pdg::kPi0, "pi0", phys::kNeutralPionMass, 0},
    {pdg::kPiPlus, "pi+", phys::kChargedPionMass, 1},
    {pdg::kPiMinus, "pi-", phys::kChargedPionMass, -1},
    {pdg::kProton, "p", phys::kProtonMass, 1},
    {pdg::kNeutron, "n", phys::kNeutronMass, 0},
    {pdg::kNuE, "nu_e", 0.0, 0},
    {pdg::kNuMu, "nu_mu", 0.0, 0},
}};

const Species* find(int code) {
  for (const auto& s : kSpecies)
    if (s.code == code) return &s;
  return nullptr;
}
}  // namespace

double particle_mass(int code) {
  if (const auto* s = find(code)) return s->mass;
  throw_input("unknown particle PDG code {}", code);
}

int particle_charge(int code) {
  if (const auto* s = find(code)) return s->charge;
  throw_input("unknown particle PDG code {}", code);
}

std::string particle_name(int code) {
  if (const auto* s = find(code)) return s->name;
  return std::to_string(code);
}

int parse_particle(std::string_view name) {
  for (const auto& s : kSpecies)
    if (name == s.name) return s.code;
  if (name == "proton") return pdg::kProton;
  if (name == "neutron") return pdg::kNeutron;
  if (name == "photon") return pdg::kGamma;
  int code = 0;
  const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), code);
  if (ec == std::errc() && ptr == name.data() + name.size() && find(code)) return code;
  throw_input("unknown particle '{}' (known: e-, e+, mu-, mu+, gamma, pi0, pi+, pi-, p, n or a PDG code)",
              name);
}

}  // namespace edgeq::sim
