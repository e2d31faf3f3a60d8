// Photons, neutrons, pi0 decay, decays and captures at rest, and hadronic interactions in flight.
#include <cmath>

#include "edgeq/sim/constants.hpp"
#include "edgeq/sim/transport.hpp"

namespace edgeq::sim {

using namespace phys;
namespace {
constexpr double kTwoPi = 2.0 * 3.14159265358979323846;
/// Kinetic energy of the mu+ from pi+ -> mu+ nu at rest: (m_pi - m_mu)^2 / (2 m_pi) = 4.12 MeV.
constexpr double kPiMuKinetic =
    (kChargedPionMass - kMuonMass) * (kChargedPionMass - kMuonMass) / (2.0 * kChargedPionMass);
}  // namespace

double Transport::sample_michel_energy(core::CounterRng& rng) {
  for (;;) {
    const double x = rng.uniform();
    if (rng.uniform() < x * x * (3.0 - 2.0 * x)) return x * kMichelEndpoint;
  }
}

double Transport::sample_compton(double e, core::CounterRng& rng, double& cos_theta) {
  const double k = e / kElectronMass;
  const double eps0 = 1.0 / (1.0 + 2.0 * k), eps0sq = eps0 * eps0;
  const double a1 = -std::log(eps0), a2 = a1 + 0.5 * (1.0 - eps0sq);
  double eps, onecost;
  for (;;) {
    double epssq;
    if (a1 / a2 > rng.uniform()) {
      eps = std::exp(-a1 * rng.uniform());
      epssq = eps * eps;
    } else {
      epssq = eps0sq + (1.0 - eps0sq) * rng.uniform();
      eps = std::sqrt(epssq);
    }
    onecost = (1.0 - eps) / (eps * k);
    const double sint2 = onecost * (2.0 - onecost);
    if (1.0 - eps * sint2 / (1.0 + epssq) >= rng.uniform()) break;
  }
  cos_theta = 1.0 - onecost;
  return eps;
}

void Transport::decay_pi0(const Particle& pi0, core::CounterRng& rng, Particle& g1, Particle& g2) {
  const double m = kNeutralPionMass, e = pi0.kinetic_mev + m;
  FourVec a, b;
  two_body_decay(FourVec{e, pi0.dir * std::sqrt(e * e - m * m)}, 0.0, 0.0, rng, a, b);
  g1 = Particle{pdg::kGamma, pi0.pos, a.p.unit(), a.e, pi0.generation + 1};
  g2 = Particle{pdg::kGamma, pi0.pos, b.p.unit(), b.e, pi0.generation + 1};
}

void Transport::photon(Particle p, std::vector<Particle>& stack, core::CounterRng& rng,
                       std::vector<Deposit>& out) const {
  for (;;) {
    const double e = p.kinetic_mev;
    if (e < config_.transport.photon_cut_mev) {
      deposit_point(p.pos, e, 10.0, out);  // photoelectric absorption: a short, dense electron
      return;
    }
    const double mu_c = medium_.compton_mu(e), mu_p = medium_.pair_mu(e);
    p.pos += p.dir * rng.exponential(1.0 / (mu_c + mu_p));
    if (!inside(p.pos)) return;
    if (rng.uniform() * (mu_c + mu_p) < mu_p) {
      // Pair production, Bethe-Heitler energy sharing dN/d eps ~ 1 - 4/3 eps (1 - eps).
      const double eps_min = kElectronMass / e;
      double eps;
      do eps = rng.uniform(eps_min, 1.0 - eps_min);
      while (rng.uniform() > 1.0 - (4.0 / 3.0) * eps * (1.0 - eps));
      const double e1 = eps * e, e2 = e - e1;
      const double phi = kTwoPi * rng.uniform();
      const double th1 = kElectronMass / e1 * std::abs(rng.normal()),
                   th2 = kElectronMass / e2 * std::abs(rng.normal());
      stack.push_back(Particle{pdg::kElectron, p.pos, deflect(p.dir, std::cos(th1), phi), e1 - kElectronMass,
                               p.generation + 1});
      stack.push_back(Particle{pdg::kPositron, p.pos, deflect(p.dir, std::cos(th2), phi + kTwoPi / 2),
                               e2 - kElectronMass, p.generation + 1});
      return;
    }
    double cos_t;
    const double eps = sample_compton(e, rng, cos_t);
    const Vec3 new_dir = deflect(p.dir, cos_t, kTwoPi * rng.uniform());
    const Vec3 pe = p.dir * e - new_dir * (eps * e);  // electron momentum from conservation
    stack.push_back(Particle{pdg::kElectron, p.pos, pe.unit(), e * (1.0 - eps), p.generation + 1});
    p.dir = new_dir;
    p.kinetic_mev = eps * e;
  }
}

void Transport::neutron(Particle p, std::vector<Particle>& stack, core::CounterRng& rng,
                        std::vector<Deposit>&) const {
  const auto& tc = config_.transport;
  while (p.kinetic_mev > tc.neutron_cut_mev) {
    p.pos += p.dir * rng.exponential(tc.neutron_interaction_length_cm);
    if (!inside(p.pos)) return;
    if (rng.uniform() < 0.5) {  // quasi-elastic knock-out of a proton (visible recoil)
      const double t_p = p.kinetic_mev * rng.uniform(0.05, 0.5);
      stack.push_back(Particle{pdg::kProton, p.pos,
                               deflect(p.dir, rng.uniform(0.0, 1.0), kTwoPi * rng.uniform()), t_p,
                               p.generation + 1});
      p.kinetic_mev -= t_p + config_.generator.binding_energy_mev * 0.3;
    } else {  // inelastic: nuclear de-excitation photon(s), e.g. 1.46 MeV lines
      const double eg = rng.uniform(1.0, 4.0);
      stack.push_back(Particle{pdg::kGamma, p.pos, random_direction(rng), eg, p.generation + 1});
      p.kinetic_mev -= eg + p.kinetic_mev * rng.uniform(0.05, 0.3);
    }
    p.dir = deflect(p.dir, rng.uniform(0.0, 1.0), kTwoPi * rng.uniform());
  }
}

void Transport::stopped(const Particle& p, std::vector<Particle>& stack, core::CounterRng& rng) const {
  const int g = p.generation + 1;
  switch (p.pdg) {
    case pdg::kMuPlus:
      stack.push_back(Particle{pdg::kPositron, p.pos, random_direction(rng), sample_michel_energy(rng), g});
      break;
    case pdg::kMuMinus:
      if (rng.uniform() < config_.transport.mu_minus_capture_fraction) {
        // Nuclear capture: neutrons (not shown) and de-excitation photons of a few MeV.
        const unsigned n = 1 + rng.below(2);
        for (unsigned k = 0; k < n; ++k)
          stack.push_back(Particle{pdg::kGamma, p.pos, random_direction(rng), rng.uniform(0.5, 5.0), g});
        stack.push_back(Particle{pdg::kNeutron, p.pos, random_direction(rng), rng.exponential(8.0), g});
      } else {
        stack.push_back(Particle{pdg::kElectron, p.pos, random_direction(rng), sample_michel_energy(rng), g});
      }
      break;
    case pdg::kPiPlus:
      stack.push_back(Particle{pdg::kMuPlus, p.pos, random_direction(rng), kPiMuKinetic, g});
      break;
    case pdg::kPiMinus: {  // nuclear capture star: a few low-energy protons and neutrons
      const unsigned np = rng.poisson(0.8), nn = 1 + rng.poisson(1.5);
      for (unsigned k = 0; k < np; ++k)
        stack.push_back(Particle{pdg::kProton, p.pos, random_direction(rng), 5.0 + rng.exponential(20.0), g});
      for (unsigned k = 0; k < nn; ++k)
        stack.push_back(Particle{pdg::kNeutron, p.pos, random_direction(rng), rng.exponential(15.0), g});
      break;
    }
    case pdg::kPositron: {
      const Vec3 d = random_direction(rng);
      stack.push_back(Particle{pdg::kGamma, p.pos, d, kElectronMass, g});
      stack.push_back(Particle{pdg::kGamma, p.pos, d * -1.0, kElectronMass, g});
      break;
    }
    default:
      break;
  }
}

void Transport::hadronic(Particle& p, std::vector<Particle>& stack, core::CounterRng& rng) const {
  const int g = p.generation + 1;
  const double eb = config_.generator.binding_energy_mev;
  const bool pion = std::abs(p.pdg) == pdg::kPiPlus;
  const double r = rng.uniform();
  if (pion && r < 0.35) {  // absorption: the pion energy goes to nucleons
    const double avail = p.kinetic_mev + kChargedPionMass - 2.0 * eb;
    const double f = rng.uniform(0.2, 0.8);
    stack.push_back(Particle{pdg::kProton, p.pos,
                             deflect(p.dir, rng.uniform(-0.3, 1.0), kTwoPi * rng.uniform()), f * avail, g});
    stack.push_back(Particle{pdg::kNeutron, p.pos, random_direction(rng), (1.0 - f) * avail, g});
    return;
  }
  if (pion && r < 0.45) {  // charge exchange
    stack.push_back(Particle{pdg::kPi0, p.pos, p.dir, p.kinetic_mev, g});
    return;
  }
  // Inelastic scattering: the particle continues deflected, a nucleon is knocked out.
  const double lost = p.kinetic_mev * rng.uniform(0.2, 0.7);
  p.kinetic_mev -= lost;
  p.dir = deflect(p.dir, rng.uniform(pion ? -0.2 : 0.3, 1.0), kTwoPi * rng.uniform());
  const int knocked = rng.uniform() < 0.5 ? pdg::kProton : pdg::kNeutron;
  if (lost > eb)
    stack.push_back(Particle{knocked, p.pos, deflect(p.dir, rng.uniform(0.0, 1.0), kTwoPi * rng.uniform()),
                             lost - eb, g});
  stack.push_back(p);
}

}  // namespace edgeq::sim
