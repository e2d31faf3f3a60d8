// Channel kinematics for Generator: QE, MEC (2p2h), RES (Delta -> N pi) and DIS (AGKY-like multiplicities).
// Struck nucleons carry Fermi momentum (uniform in the Fermi sphere) and are bound by E_b; outgoing nucleons
// below the Fermi momentum are Pauli blocked.
#include <algorithm>
#include <cmath>

#include "edgeq/sim/constants.hpp"
#include "edgeq/sim/generator.hpp"

namespace edgeq::sim {

using namespace phys;

namespace {
constexpr double kDeltaMass = 1232.0, kDeltaWidth = 117.0;  // PDG

double nucleon_mass(int code) {
  return code == pdg::kProton ? kProtonMass : kNeutronMass;
}

/// Q2 [MeV2] from the dipole-like density (1 + Q2/MA2)^-4 on [0, q2_max] (closed-form inverse CDF).
double sample_dipole_q2(double ma_mev, double q2_max, core::CounterRng& rng) {
  const double a = ma_mev * ma_mev;
  const double tail = std::pow(1.0 + q2_max / a, -3.0);
  const double u = rng.uniform();
  return a * (std::pow(1.0 - u * (1.0 - tail), -1.0 / 3.0) - 1.0);
}

Particle hadron(int code, const FourVec& p4) {
  return make_particle(code, Vec3{}, p4);
}
}  // namespace

Vec3 Generator::fermi_momentum(core::CounterRng& rng) const {
  const double kf = config_.generator.fermi_momentum_mev;
  return random_direction(rng) * (kf * std::cbrt(rng.uniform()));
}

bool Generator::set_lepton(Interaction& ev, double nu, double q2, core::CounterRng& rng, Vec3& q) const {
  const double e = ev.nu_energy_mev;
  const double m = ev.cc ? particle_mass(ev.lepton_pdg) : 0.0;
  const double el = e - nu;
  if (el <= m) return false;
  const double pl = std::sqrt(el * el - m * m);
  const double cos_t = (2.0 * e * el - m * m - q2) / (2.0 * e * pl);
  if (cos_t < -1.0 || cos_t > 1.0) return false;
  const Vec3 dir = deflect({0, 0, 1}, cos_t, 2.0 * 3.14159265358979323846 * rng.uniform());
  q = Vec3{0, 0, e} - dir * pl;  // three-momentum transfer
  ev.q2_gev2 = q2 * 1e-6;
  ev.lepton_energy_mev = el;
  ev.lepton_cos_theta = cos_t;
  if (ev.cc) ev.final_state.push_back(make_particle(ev.lepton_pdg, {}, FourVec{el, dir * pl}));
  return true;
}

bool Generator::quasi_elastic(Interaction& ev, core::CounterRng& rng) const {
  const auto& g = config_.generator;
  // CC nu: n -> p. NC elastic: p or n by nucleon count (18 p, 22 n).
  ev.target_pdg = ev.cc ? pdg::kNeutron : (rng.uniform() < 18.0 / 40.0 ? pdg::kProton : pdg::kNeutron);
  const int out = ev.cc ? pdg::kProton : ev.target_pdg;
  const double m = nucleon_mass(out), m_target = nucleon_mass(ev.target_pdg);
  const double q2 =
      sample_dipole_q2(g.qe_axial_mass_gev * 1000.0, 4.0 * ev.nu_energy_mev * ev.nu_energy_mev, rng);
  // Elastic on the struck nucleon at rest: W = m_out, so nu = (Q2 + m_out^2 - m_target^2) / (2 m_target).
  const double nu = (q2 + m * m - m_target * m_target) / (2.0 * m_target) + g.binding_energy_mev;
  Vec3 q;
  if (!set_lepton(ev, nu, q2, rng, q)) return false;
  const Vec3 p = q + fermi_momentum(rng);
  if (p.norm() < g.fermi_momentum_mev) return false;  // Pauli blocking
  ev.w_gev = m * 1e-3;
  ev.final_state.push_back(hadron(out, FourVec{std::sqrt(p.dot(p) + m * m), p}));
  return true;
}

bool Generator::two_nucleon(Interaction& ev, core::CounterRng& rng) const {
  const auto& g = config_.generator;
  ev.target_pdg = pdg::kNeutron;  // nu (n p) -> l- p p dominates
  const double q2 = sample_dipole_q2(1000.0, 4.0 * ev.nu_energy_mev * ev.nu_energy_mev, rng);
  // Energy transfer between the QE peak and the Delta: the 2p2h "dip" region.
  const double nu = q2 / (2.0 * kProtonMass) + 2.0 * g.binding_energy_mev + rng.uniform(20.0, 250.0);
  Vec3 q;
  if (!set_lepton(ev, nu, q2, rng, q)) return false;
  const Vec3 p_tot = q + fermi_momentum(rng) + fermi_momentum(rng);
  const double e_tot = nu + 2.0 * kProtonMass - 2.0 * g.binding_energy_mev;
  const double w2 = e_tot * e_tot - p_tot.dot(p_tot);
  if (w2 <= 4.0 * kProtonMass * kProtonMass * 1.0001) return false;
  FourVec n1, n2;
  two_body_decay(FourVec{e_tot, p_tot}, kProtonMass, kProtonMass, rng, n1, n2);
  if (n1.p.norm() < g.fermi_momentum_mev || n2.p.norm() < g.fermi_momentum_mev) return false;
  ev.w_gev = std::sqrt(w2) * 1e-3;
  ev.final_state.push_back(hadron(pdg::kProton, n1));
  ev.final_state.push_back(hadron(pdg::kProton, n2));
  return true;
}

bool Generator::resonance(Interaction& ev, core::CounterRng& rng) const {
  const auto& g = config_.generator;
  const bool on_proton =
      ev.cc ? rng.uniform() < (3.0 * 18.0) / (3.0 * 18.0 + 22.0) : rng.uniform() < 18.0 / 40.0;
  ev.target_pdg = on_proton ? pdg::kProton : pdg::kNeutron;
  const double m_n = nucleon_mass(ev.target_pdg);
  // W from a Breit-Wigner truncated to [N pi threshold, DIS boundary].
  const double w_lo = kProtonMass + kChargedPionMass + 5.0, w_hi = g.dis_w_min_gev * 1000.0;
  double w = 0;
  for (int i = 0; i < 1000 && !(w > w_lo && w < w_hi); ++i)
    w = kDeltaMass + 0.5 * kDeltaWidth * std::tan(3.14159265358979323846 * (rng.uniform() - 0.5));
  if (!(w > w_lo && w < w_hi)) return false;
  const double q2 =
      sample_dipole_q2(g.res_axial_mass_gev * 1000.0, 4.0 * ev.nu_energy_mev * ev.nu_energy_mev, rng);
  const double nu = (w * w - m_n * m_n + q2) / (2.0 * m_n);
  Vec3 q;
  if (!set_lepton(ev, nu, q2, rng, q)) return false;
  const Vec3 p_had = q + fermi_momentum(rng);
  const FourVec delta{std::sqrt(w * w + p_had.dot(p_had)), p_had};
  // Isospin (Clebsch-Gordan): Delta++ -> p pi+; Delta+ -> p pi0 (2/3), n pi+ (1/3); Delta0 -> n pi0 (2/3), p
  // pi- (1/3).
  int nucleon = pdg::kProton, pion = pdg::kPiPlus;
  const bool two_thirds = rng.uniform() < 2.0 / 3.0;
  if (ev.cc && on_proton) {
    nucleon = pdg::kProton, pion = pdg::kPiPlus;
  } else if (ev.cc || on_proton) {  // Delta+
    nucleon = two_thirds ? pdg::kProton : pdg::kNeutron;
    pion = two_thirds ? pdg::kPi0 : pdg::kPiPlus;
  } else {  // NC on neutron: Delta0
    nucleon = two_thirds ? pdg::kNeutron : pdg::kProton;
    pion = two_thirds ? pdg::kPi0 : pdg::kPiMinus;
  }
  FourVec a, b;
  two_body_decay(delta, nucleon_mass(nucleon), particle_mass(pion), rng, a, b);
  ev.w_gev = w * 1e-3;
  ev.final_state.push_back(hadron(nucleon, a));
  ev.final_state.push_back(hadron(pion, b));
  return true;
}

bool Generator::deep_inelastic(Interaction& ev, core::CounterRng& rng) const {
  const auto& g = config_.generator;
  const bool on_proton = rng.uniform() < 18.0 / 40.0;
  ev.target_pdg = on_proton ? pdg::kProton : pdg::kNeutron;
  const double m_n = nucleon_mass(ev.target_pdg), e = ev.nu_energy_mev;
  // x from a valence-like density x^-1/2 (1-x)^3: x = u^2 has density x^-1/2, accept with (1-x)^3.
  double x = 0;
  do {
    const double u = rng.uniform();
    x = std::max(1e-4, u * u);
  } while (rng.uniform() > std::pow(1.0 - x, 3.0));
  const double y = rng.uniform();
  const double nu = y * e, q2 = 2.0 * m_n * e * x * y;
  const double w2 = m_n * m_n + 2.0 * m_n * nu - q2;
  const double w_min = g.dis_w_min_gev * 1000.0;
  if (w2 < w_min * w_min) return false;
  const double w = std::sqrt(w2);
  Vec3 q;
  if (!set_lepton(ev, nu, q2, rng, q)) return false;
  ev.w_gev = w * 1e-3;

  // Multiplicity: <n_ch> = a + b ln W^2 (GENIE AGKY, W in GeV): nu p a = 0.40, nu n a = -0.20, b = 1.42.
  const double mean_ch = (on_proton ? 0.40 : -0.20) + 1.42 * std::log(w2 * 1e-6);
  int n_ch = std::max(1, static_cast<int>(rng.poisson(std::max(0.5, mean_ch))));
  int n_pi0 = static_cast<int>(rng.poisson(0.5 * std::max(0.5, mean_ch)));  // about a third of pions are pi0
  const int charge = (on_proton ? 1 : 0) + (ev.cc ? 1 : 0);
  const bool proton_out = rng.uniform() < 0.5 + 0.25 * (charge - 1);
  int n_cpi = n_ch - (proton_out ? 1 : 0);
  const int need = charge - (proton_out ? 1 : 0);  // n(pi+) - n(pi-)
  if (n_cpi < std::abs(need)) n_cpi = std::abs(need);
  if ((n_cpi - need) % 2 != 0) ++n_cpi;
  const int n_plus = (n_cpi + need) / 2, n_minus = (n_cpi - need) / 2;

  std::vector<int> codes{proton_out ? pdg::kProton : pdg::kNeutron};
  for (int i = 0; i < n_plus; ++i) codes.push_back(pdg::kPiPlus);
  for (int i = 0; i < n_minus; ++i) codes.push_back(pdg::kPiMinus);
  for (int i = 0; i < n_pi0; ++i) codes.push_back(pdg::kPi0);
  // Drop neutral pions, then charged pairs, until the masses fit in W.
  auto mass_sum = [&] {
    double s = 0;
    for (int c : codes) s += particle_mass(c);
    return s;
  };
  while (mass_sum() > 0.95 * w && codes.size() > 2) {
    auto it = std::find(codes.begin(), codes.end(), pdg::kPi0);
    if (it == codes.end()) it = codes.end() - 1;
    codes.erase(it);
  }
  if (mass_sum() >= w) return false;

  // Phase-space-like momenta in the hadronic rest frame: isotropic, exponential magnitudes, momentum
  // balanced, then scaled so the energies add up to W (no leading-particle effect).
  std::vector<Vec3> p(codes.size());
  Vec3 sum;
  for (auto& v : p) {
    v = random_direction(rng) * rng.exponential(300.0);
    sum += v;
  }
  for (auto& v : p) v = v - sum * (1.0 / static_cast<double>(p.size()));
  auto energy = [&](double s) {
    double t = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double mm = particle_mass(codes[i]);
      t += std::sqrt(mm * mm + s * s * p[i].dot(p[i]));
    }
    return t;
  };
  double lo = 0, hi = 1;
  while (energy(hi) < w) hi *= 2;
  for (int it = 0; it < 60; ++it) (energy(0.5 * (lo + hi)) < w ? lo : hi) = 0.5 * (lo + hi);
  const Vec3 p_had = q + fermi_momentum(rng);
  const double e_had = std::sqrt(w2 + p_had.dot(p_had));
  const Vec3 beta = p_had * (1.0 / e_had);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double mm = particle_mass(codes[i]);
    const Vec3 pi = p[i] * lo;
    ev.final_state.push_back(hadron(codes[i], boost(FourVec{std::sqrt(mm * mm + pi.dot(pi)), pi}, beta)));
  }
  return true;
}

}  // namespace edgeq::sim
