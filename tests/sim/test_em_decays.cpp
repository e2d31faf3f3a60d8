// Electromagnetic processes and decays: conversion distance, pi0 opening angle, Michel spectrum, Compton
// kinematics, energy conservation of showers, Bragg peak.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "edgeq/sim/constants.hpp"
#include "edgeq/sim/transport.hpp"

using namespace edgeq::sim;
using edgeq::core::CounterRng;

namespace {
/// A 20 m liquid-argon cube, so nothing escapes.
SimConfig big_volume() {
  SimConfig c;
  c.detector.tpc_min_cm = {-1000, -1000, -1000};
  c.detector.tpc_max_cm = {1000, 1000, 1000};
  return c;
}
constexpr double kRadToDeg = 180.0 / 3.14159265358979323846;
}  // namespace

// Photon conversion: mean distance to the first interaction of a 10 GeV photon is the pair mean free path,
// 9/7 X0 = 18 cm (PDG eq. 34.31), within 1 cm (issue requirement). It must also agree with the model's own
// attenuation at 10 GeV (pair suppression factor 0.97 from XCOM, Compton negligible) within 4 standard
// errors.
TEST(Photon, ConversionDistanceMean18cm) {
  SimConfig c = big_volume();
  c.transport.electron_cut_mev = 1e6;  // pair electrons deposit at the conversion point: no shower needed
  const Transport transport(c);
  double sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    CounterRng rng(7, 0, i);
    std::vector<Deposit> deps;
    transport.run({Particle{pdg::kGamma, {0, 0, 0}, {0, 0, 1}, 10000.0, 0}}, rng, deps);
    ASSERT_FALSE(deps.empty());
    sum += deps.front().start.norm();
  }
  const double mean = sum / n;
  const double model = 1.0 / (transport.medium().pair_mu(1e4) + transport.medium().compton_mu(1e4));
  EXPECT_NEAR(mean, 18.0, 1.0);
  EXPECT_NEAR(mean, model, 4.0 * model / std::sqrt(n));
}

// pi0 -> gamma gamma: the opening angle is never below 2 asin(m/E) and piles up just above it
// (reference: 54 deg at E = 300 MeV, 15.5 deg at 1 GeV).
TEST(Pi0, OpeningAngleMinimum) {
  for (double e : {300.0, 1000.0}) {
    const double expected_min = 2.0 * std::asin(phys::kNeutralPionMass / e) * kRadToDeg;
    std::vector<double> angles;
    for (int i = 0; i < 20000; ++i) {
      CounterRng rng(3, 0, i);
      Particle pi0{pdg::kPi0, {0, 0, 0}, {0, 0, 1}, e - phys::kNeutralPionMass, 0};
      Particle g1, g2;
      Transport::decay_pi0(pi0, rng, g1, g2);
      EXPECT_NEAR(g1.kinetic_mev + g2.kinetic_mev, e, 1e-6 * e);
      angles.push_back(std::acos(std::clamp(g1.dir.dot(g2.dir), -1.0, 1.0)) * kRadToDeg);
    }
    std::sort(angles.begin(), angles.end());
    EXPECT_GE(angles.front(), expected_min - 0.05) << "E = " << e;
    EXPECT_LT(angles[angles.size() / 10], expected_min * 1.10)
        << "E = " << e;  // Jacobian peak at the minimum
  }
  EXPECT_NEAR(2.0 * std::asin(phys::kNeutralPionMass / 300.0) * kRadToDeg, 53.6, 0.5);
  EXPECT_NEAR(2.0 * std::asin(phys::kNeutralPionMass / 1000.0) * kRadToDeg, 15.5, 0.1);
}

// Michel spectrum x^2 (3 - 2x): endpoint 52.83 MeV; mean x = int x^3(3-2x) / int x^2(3-2x) = 0.35/0.5 = 0.7.
TEST(Michel, EndpointAndMean) {
  double sum = 0, max = 0;
  const int n = 100000;
  CounterRng rng(11, 0, 0);
  for (int i = 0; i < n; ++i) {
    const double e = Transport::sample_michel_energy(rng);
    sum += e;
    max = std::max(max, e);
  }
  EXPECT_NEAR(phys::kMichelEndpoint, 52.83, 0.01);
  EXPECT_LE(max, phys::kMichelEndpoint);
  EXPECT_GT(max, 52.0);
  EXPECT_NEAR(sum / n, 0.7 * phys::kMichelEndpoint, 0.2);
}

// Compton sampling reproduces the Klein-Nishina mean of eps = E'/E, computed here by numerical integration of
// d sigma / d eps ~ (1/eps + eps)(1 - eps sin^2(theta) / (1 + eps^2)) (Butcher & Messel; Geant4 PRM).
TEST(Compton, MeanEnergyFractionMatchesKleinNishina) {
  for (double e : {0.5, 2.0, 10.0}) {
    const double k = e / phys::kElectronMass, eps0 = 1.0 / (1.0 + 2.0 * k);
    double num = 0, den = 0;
    const int steps = 200000;
    for (int i = 0; i < steps; ++i) {
      const double eps = eps0 + (1.0 - eps0) * (i + 0.5) / steps;
      const double onecost = (1.0 - eps) / (eps * k), sin2 = onecost * (2.0 - onecost);
      const double w = (1.0 / eps + eps) * (1.0 - eps * sin2 / (1.0 + eps * eps));
      num += eps * w;
      den += w;
    }
    CounterRng rng(5, 0, 0);
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      double cos_t;
      const double eps = Transport::sample_compton(e, rng, cos_t);
      ASSERT_GE(cos_t, -1.0 - 1e-12);
      ASSERT_LE(cos_t, 1.0 + 1e-12);
      EXPECT_NEAR(1.0 / eps - 1.0, k * (1.0 - cos_t), 1e-9 * k);  // Compton formula
      sum += eps;
    }
    EXPECT_NEAR(sum / n, num / den, 0.003) << "E = " << e;
  }
}

// Energy conservation: an electron shower fully contained in argon deposits all its kinetic energy, except
// what leaves as sub-cut particles already deposited locally (exact) and positron annihilation (adds 2 m_e).
TEST(Shower, ContainedElectronDepositsItsEnergy) {
  const Transport transport(big_volume());
  for (double t : {50.0, 500.0}) {
    double total = 0;
    const int n = 20;
    for (int i = 0; i < n; ++i) {
      CounterRng rng(9, 0, i);
      std::vector<Deposit> deps;
      transport.run({Particle{pdg::kElectron, {0, 0, 0}, {0, 0, 1}, t, 0}}, rng, deps);
      for (const auto& d : deps) total += d.energy_mev;
    }
    // Annihilation photons add ~1 MeV per positron; allow 2%.
    EXPECT_NEAR(total / n, t, 0.02 * t + 1.0) << "T = " << t;
  }
}

// A stopping proton shows a Bragg peak: dE/dx in its last centimetre is several times that at its start.
TEST(Proton, BraggPeak) {
  SimConfig c = big_volume();
  c.transport.proton_interaction_length_cm = 1e9;  // no nuclear interactions for this test
  const Transport transport(c);
  CounterRng rng(13, 0, 0);
  std::vector<Deposit> deps;
  transport.run({Particle{pdg::kProton, {0, 0, 0}, {0, 0, 1}, 200.0, 0}}, rng, deps);
  // The primary's deposits come first and are contiguous along z until it stops.
  std::vector<Deposit> track;
  for (const auto& d : deps) {
    if (!track.empty() && (d.start - track.back().end).norm() > 1e-6) break;
    track.push_back(d);
  }
  double length = 0;
  for (const auto& d : track) length += (d.end - d.start).norm();
  EXPECT_NEAR(length, 25.9, 0.05 * 25.9);  // CSDA range at 200 MeV (PSTAR), minus small scattering detour
  double start_e = 0, start_l = 0, end_e = 0, end_l = 0;
  double s = 0;
  for (const auto& d : track) {
    const double l = (d.end - d.start).norm();
    if (s < 2.0) start_e += d.energy_mev, start_l += l;
    if (s > length - 1.0) end_e += d.energy_mev, end_l += l;
    s += l;
  }
  EXPECT_NEAR(start_e / start_l, 4.54,
              0.6);  // ~dE/dx at 200 MeV (reference check value), restricted + straggling
  EXPECT_GT(end_e / end_l, 3.0 * start_e / start_l);
}
