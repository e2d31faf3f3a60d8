#include "edgeq/sim/generator.hpp"

#include <cmath>
#include <span>

#include "edgeq/core/error.hpp"
#include "edgeq/sim/constants.hpp"

namespace edgeq::sim {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::QE:
      return "QE";
    case Mode::MEC:
      return "MEC";
    case Mode::RES:
      return "RES";
    case Mode::DIS:
      return "DIS";
    case Mode::NCElastic:
      return "NC elastic";
    case Mode::Gun:
      break;
  }
  return "gun";
}

Generator::Generator(const SimConfig& config) : config_(config) {}

double Generator::channel_xsec(Mode mode, bool cc, double e) {
  auto rise = [e](double threshold, double scale) {
    return e > threshold ? 1.0 - std::exp(-(e - threshold) / scale) : 0.0;
  };
  const double qe = rise(0.12, 0.25);
  const double res = rise(0.35, 0.8);
  const double dis = e > 0.75 ? (e - 0.75) * rise(0.75, 0.8) : 0.0;
  // Tuned so that the BNB-like flux gives QE 42%, MEC 16%, RES 33%, DIS 8.5% of numu CC (reference mix).
  switch (mode) {
    case Mode::QE:
      return cc ? 0.60 * qe : 0.0;
    case Mode::MEC:
      return cc ? 0.32 * rise(0.2, 0.5) : 0.0;
    case Mode::RES:
      return cc ? 1.05 * res : 0.32 * res;
    case Mode::DIS:
      return cc ? dis : 0.30 * dis;
    case Mode::NCElastic:
      return cc ? 0.0 : 0.25 * qe;
    case Mode::Gun:
      break;
  }
  return 0.0;
}

namespace {
constexpr Mode kCCModes[] = {Mode::QE, Mode::MEC, Mode::RES, Mode::DIS};
constexpr Mode kNCModes[] = {Mode::NCElastic, Mode::RES, Mode::DIS};

double total_xsec(bool cc, double e) {
  double s = 0;
  if (cc)
    for (Mode m : kCCModes) s += Generator::channel_xsec(m, true, e);
  else
    for (Mode m : kNCModes) s += Generator::channel_xsec(m, false, e);
  return s;
}

/// Gamma(shape k, scale theta) by Marsaglia-Tsang (ACM TOMS 26 (2000) 363), k >= 1.
double sample_gamma(double k, double theta, core::CounterRng& rng) {
  const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = rng.normal();
    double v = 1.0 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const double u = rng.uniform_pos();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * theta;
  }
}
}  // namespace

double Generator::sample_energy_gev(bool cc, core::CounterRng& rng) const {
  const auto& f = config_.generator.flux;
  const double k = std::max(1.0, f.shape);
  const double sigma_max = total_xsec(cc, f.max_gev) * 1.0001;
  for (int tries = 0; tries < 100000; ++tries) {
    const double e = sample_gamma(k, f.mean_gev / k, rng);
    if (e < f.min_gev || e > f.max_gev) continue;
    if (rng.uniform() * sigma_max < total_xsec(cc, e)) return e;
  }
  throw_input("flux [{}, {}] GeV gives no interactions (check generator.flux)", f.min_gev, f.max_gev);
}

Vec3 Generator::sample_vertex(core::CounterRng& rng) const {
  const auto& d = config_.detector;
  const double m = config_.generator.fiducial_margin_cm;
  double c[3];
  for (int k = 0; k < 3; ++k) {
    const double lo = d.tpc_min_cm[k] + m, hi = d.tpc_max_cm[k] - m;
    c[k] = hi > lo ? rng.uniform(lo, hi) : 0.5 * (d.tpc_min_cm[k] + d.tpc_max_cm[k]);
  }
  return {c[0], c[1], c[2]};
}

Interaction Generator::gun(core::CounterRng& rng) const {
  const auto& g = config_.generator;
  Interaction ev;
  ev.vertex = sample_vertex(rng);
  Particle p;
  p.pdg = parse_particle(g.gun_particle);
  p.pos = ev.vertex;
  p.kinetic_mev = g.gun_kinetic_mev;
  p.dir = g.gun_isotropic ? random_direction(rng)
                          : Vec3{g.gun_direction[0], g.gun_direction[1], g.gun_direction[2]}.unit();
  ev.final_state.push_back(p);
  ev.from_fsi.push_back(0);
  return ev;
}

Interaction Generator::generate(EventClass cls, core::CounterRng& rng) const {
  if (cls == kGun) return gun(rng);
  for (int attempt = 0; attempt < 10000; ++attempt) {
    Interaction ev;
    ev.cc = cls != kNC;
    ev.nu_pdg = cls == kNueCC ? pdg::kNuE : pdg::kNuMu;
    ev.lepton_pdg = cls == kNueCC ? pdg::kElectron : (cls == kNumuCC ? pdg::kMuMinus : ev.nu_pdg);
    const double e = sample_energy_gev(ev.cc, rng);
    ev.nu_energy_mev = e * 1000.0;
    // Channel by relative cross section at this energy.
    double total = total_xsec(ev.cc, e), pick = rng.uniform() * total;
    ev.mode = Mode::DIS;
    for (Mode m : (ev.cc ? std::span<const Mode>(kCCModes) : std::span<const Mode>(kNCModes))) {
      pick -= channel_xsec(m, ev.cc, e);
      if (pick <= 0) {
        ev.mode = m;
        break;
      }
    }
    ev.vertex = sample_vertex(rng);
    // Retry the kinematics of this channel and energy before drawing a new energy, so that kinematic
    // rejections (Pauli blocking, W thresholds) do not shift the channel mix away from the cross sections.
    bool ok = false;
    for (int k = 0; k < 200 && !ok; ++k) {
      ev.final_state.clear();
      ok = kinematics(ev, rng);
    }
    if (!ok) continue;
    for (auto& p : ev.final_state) p.pos = ev.vertex;
    ev.from_fsi.assign(ev.final_state.size(), 0);
    final_state_interactions(ev, rng);
    return ev;
  }
  throw_internal("event generation failed 10000 times in a row (class {})", static_cast<int>(cls));
}

bool Generator::kinematics(Interaction& ev, core::CounterRng& rng) const {
  switch (ev.mode) {
    case Mode::QE:
    case Mode::NCElastic:
      return quasi_elastic(ev, rng);
    case Mode::MEC:
      return two_nucleon(ev, rng);
    case Mode::RES:
      return resonance(ev, rng);
    case Mode::DIS:
      return deep_inelastic(ev, rng);
    case Mode::Gun:
      break;
  }
  return false;
}

}  // namespace edgeq::sim
