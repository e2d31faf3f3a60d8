#include "edgeq/sim/transport.hpp"

#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/sim/constants.hpp"

namespace edgeq::sim {

using namespace phys;
namespace {
constexpr double kTwoPi = 2.0 * 3.14159265358979323846;
double momentum(double t, double m) {
  return std::sqrt(t * (t + 2.0 * m));
}
}  // namespace

Transport::Transport(const SimConfig& config)
    : config_(config),
      medium_(config.medium),
      electron_range_(medium_, kElectronMass, true),
      muon_range_(medium_, kMuonMass, false),
      pion_range_(medium_, kChargedPionMass, false),
      proton_range_(medium_, kProtonMass, false) {}

const RangeTable& Transport::range_table(int code) const {
  switch (std::abs(code)) {
    case pdg::kElectron:
      return electron_range_;
    case pdg::kMuMinus:
      return muon_range_;
    case pdg::kPiPlus:
      return pion_range_;
    case pdg::kProton:
      return proton_range_;
    default:
      throw_input("no range table for particle {}", particle_name(code));
  }
}

bool Transport::inside(const Vec3& p) const {
  const auto& d = config_.detector;
  return p.x >= d.tpc_min_cm[0] && p.x <= d.tpc_max_cm[0] && p.y >= d.tpc_min_cm[1] &&
         p.y <= d.tpc_max_cm[1] && p.z >= d.tpc_min_cm[2] && p.z <= d.tpc_max_cm[2];
}

void Transport::deposit_point(const Vec3& at, double e, double dedx, std::vector<Deposit>& out) const {
  if (e > 0 && inside(at)) out.push_back(Deposit{at, at, e, dedx});
}

void Transport::run(const std::vector<Particle>& primaries, core::CounterRng& rng,
                    std::vector<Deposit>& out) const {
  std::vector<Particle> stack(primaries.rbegin(), primaries.rend());
  while (!stack.empty()) {
    Particle p = stack.back();
    stack.pop_back();
    if (!inside(p.pos)) continue;
    switch (p.pdg) {
      case pdg::kGamma:
        photon(p, stack, rng, out);
        break;
      case pdg::kNeutron:
        neutron(p, stack, rng, out);
        break;
      case pdg::kPi0: {
        Particle g1, g2;
        decay_pi0(p, rng, g1, g2);
        stack.push_back(g1);
        stack.push_back(g2);
        break;
      }
      case pdg::kNuE:
      case pdg::kNuMu:
        break;
      default:
        charged(p, stack, rng, out);
        break;
    }
  }
}

void Transport::charged(Particle p, std::vector<Particle>& stack, core::CounterRng& rng,
                        std::vector<Deposit>& out) const {
  const auto& tc = config_.transport;
  const int abs_code = std::abs(p.pdg);
  const bool is_e = abs_code == pdg::kElectron;
  const double m = particle_mass(p.pdg);
  const RangeTable& table = range_table(p.pdg);
  const double max_step = is_e ? tc.max_step_electron_cm : tc.max_step_cm;
  double lambda = 0;
  if (abs_code == pdg::kPiPlus) lambda = tc.pion_interaction_length_cm;
  if (abs_code == pdg::kProton) lambda = tc.proton_interaction_length_cm;
  double to_interaction = lambda > 0 ? rng.exponential(lambda) : 1e30;
  const double cut = is_e ? tc.electron_cut_mev : 0.05;

  for (int guard = 0; guard < 200000; ++guard) {
    if (p.kinetic_mev <= cut) {
      deposit_point(p.pos, p.kinetic_mev, medium_.dedx(std::max(p.kinetic_mev, 1e-3), m, is_e), out);
      p.kinetic_mev = 0;
      break;
    }
    const double range = table.range_cm(p.kinetic_mev);
    double step = std::min(max_step, std::max(0.02, 0.2 * range));
    if (range <= step) {  // last step: the particle stops within it (Bragg peak resolved by shrinking steps)
      const Vec3 end = p.pos + p.dir * range;
      if (inside(end))
        out.push_back(Deposit{p.pos, end, p.kinetic_mev, p.kinetic_mev / std::max(range, 1e-3)});
      p.pos = end;
      p.kinetic_mev = 0;
      break;
    }
    const bool interacts = to_interaction < step;
    if (interacts) step = std::max(to_interaction, 1e-4);
    to_interaction -= step;

    const double t = p.kinetic_mev;
    const double gamma = 1.0 + t / m, beta2 = 1.0 - 1.0 / (gamma * gamma);
    const double tmax = medium_.t_max(t, m, is_e);
    const double tcut = std::min(tc.delta_ray_cut_mev, tmax);
    const double xi = medium_.xi(beta2, step);
    double de = medium_.dedx(t, m, is_e, tcut) * step;
    de +=
        std::sqrt(xi * tcut * (1.0 - 0.5 * beta2)) * rng.normal();  // Bohr straggling of the restricted loss
    de = std::clamp(de, 0.0, t);
    double remaining = t - de;
    // Delta rays above the cut, dN/dT = xi / T^2 (spin terms neglected).
    if (tmax > tc.delta_ray_cut_mev) {
      const unsigned n = rng.poisson(xi * (1.0 / tc.delta_ray_cut_mev - 1.0 / tmax));
      for (unsigned k = 0; k < n; ++k) {
        const double td =
            1.0 / (1.0 / tc.delta_ray_cut_mev - rng.uniform() * (1.0 / tc.delta_ray_cut_mev - 1.0 / tmax));
        if (td >= remaining) continue;
        remaining -= td;
        const double cos_t =
            std::min(1.0, (td / momentum(td, kElectronMass)) * (momentum(tmax, kElectronMass) / tmax));
        const Vec3 at = p.pos + p.dir * (rng.uniform() * step);
        stack.push_back(Particle{pdg::kElectron, at, deflect(p.dir, cos_t, kTwoPi * rng.uniform()), td,
                                 p.generation + 1});
      }
    }
    // Bremsstrahlung (electrons): discrete photons above brems_cut, complete-screening spectrum.
    if (is_e && remaining > tc.brems_cut_mev) {
      const double e_tot = remaining + kElectronMass;
      if (rng.uniform() < medium_.brems_rate(e_tot, tc.brems_cut_mev) * step) {
        double k = 0;
        for (;;) {
          k = tc.brems_cut_mev * std::pow(remaining / tc.brems_cut_mev, rng.uniform());
          const double y = k / e_tot;
          if (rng.uniform() * (4.0 / 3.0) < 4.0 / 3.0 - 4.0 / 3.0 * y + y * y) break;
        }
        remaining -= k;
        stack.push_back(
            Particle{pdg::kGamma, p.pos + p.dir * (rng.uniform() * step), p.dir, k, p.generation + 1});
      }
    }
    const Vec3 end = p.pos + p.dir * step;
    if (inside(end) && de > 0) out.push_back(Deposit{p.pos, end, de, de / step});
    p.pos = end;
    p.kinetic_mev = remaining;
    if (!inside(p.pos)) return;
    // Multiple scattering: two independent projected angles with width theta0 (Highland).
    const double theta0 = medium_.highland_theta0(momentum(t, m), std::sqrt(beta2), step);
    const double tx = theta0 * rng.normal(), ty = theta0 * rng.normal();
    const double theta = std::sqrt(tx * tx + ty * ty);
    p.dir = deflect(p.dir, std::cos(theta), std::atan2(ty, tx));
    if (interacts && p.kinetic_mev > 0) {
      hadronic(p, stack, rng);
      return;
    }
  }
  if (p.kinetic_mev <= 0) stopped(p, stack, rng);
}

}  // namespace edgeq::sim
