// Simple final-state interactions (hA-like, one step per hadron): pion absorption, charge exchange and
// inelastic scattering with nucleon knock-out; nucleon knock-out. Probabilities come from the configuration.
#include <cmath>

#include "edgeq/sim/constants.hpp"
#include "edgeq/sim/generator.hpp"

namespace edgeq::sim {

namespace {
bool is_pion(int c) {
  return c == pdg::kPiPlus || c == pdg::kPiMinus || c == pdg::kPi0;
}
bool is_nucleon(int c) {
  return c == pdg::kProton || c == pdg::kNeutron;
}
constexpr double kTwoPi = 2.0 * 3.14159265358979323846;
}  // namespace

void Generator::final_state_interactions(Interaction& ev, core::CounterRng& rng) const {
  const auto& g = config_.generator;
  const double eb = g.binding_energy_mev;
  std::vector<Particle> out;
  std::vector<int> changed;
  auto emit = [&](int code, double t, const Vec3& dir) {
    if (t <= 0) return;
    out.push_back(Particle{code, ev.vertex, dir, t, 0});
    changed.push_back(1);
  };
  // Inelastic scattering: the hadron loses 20%..max_loss of its energy, is deflected (cos theta >= min_cos)
  // and knocks out a nucleon that carries the lost energy minus the binding energy.
  auto scatter = [&](Particle p, double max_loss, double min_cos) {
    const double lost = p.kinetic_mev * rng.uniform(0.2, max_loss);
    p.kinetic_mev -= lost;
    p.dir = deflect(p.dir, rng.uniform(min_cos, 1.0), kTwoPi * rng.uniform());
    out.push_back(p);
    changed.push_back(1);
    const int knocked = rng.uniform() < 0.5 ? pdg::kProton : pdg::kNeutron;
    emit(knocked, lost - eb, deflect(p.dir, rng.uniform(0.0, 1.0), kTwoPi * rng.uniform()));
  };

  for (std::size_t i = 0; i < ev.final_state.size(); ++i) {
    Particle p = ev.final_state[i];
    const int code = p.pdg;
    if (is_pion(code) && p.kinetic_mev > 10.0) {
      const double r = rng.uniform();
      if (r < g.pion_absorption) {
        // Absorbed on a nucleon pair: its total energy goes to two nucleons (p n or p p).
        const double avail = p.kinetic_mev + particle_mass(code) - 2.0 * eb;
        const double f = rng.uniform(0.2, 0.8);
        emit(pdg::kProton, f * avail, deflect(p.dir, rng.uniform(-0.5, 1.0), kTwoPi * rng.uniform()));
        emit(rng.uniform() < 0.5 ? pdg::kProton : pdg::kNeutron, (1.0 - f) * avail,
             deflect(p.dir, rng.uniform(-0.5, 1.0), kTwoPi * rng.uniform()));
        continue;
      }
      if (r < g.pion_absorption + g.pion_charge_exchange) {
        const int new_code =
            code == pdg::kPi0 ? (rng.uniform() < 0.5 ? pdg::kPiPlus : pdg::kPiMinus) : pdg::kPi0;
        p.kinetic_mev = std::max(1.0, p.kinetic_mev + particle_mass(code) - particle_mass(new_code));
        p.pdg = new_code;
        out.push_back(p);
        changed.push_back(1);
        continue;
      }
      if (r < g.pion_absorption + g.pion_charge_exchange + g.pion_inelastic) {
        scatter(p, 0.7, 0.0);
        continue;
      }
    } else if (is_nucleon(code) && p.kinetic_mev > 30.0 && rng.uniform() < g.nucleon_knockout) {
      scatter(p, 0.6, 0.5);
      continue;
    }
    out.push_back(p);
    changed.push_back(ev.from_fsi[i]);
  }
  ev.final_state = std::move(out);
  ev.from_fsi = std::move(changed);
}

}  // namespace edgeq::sim
