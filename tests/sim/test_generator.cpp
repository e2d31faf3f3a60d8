// Neutrino interaction generator: class/truth consistency, kinematics, channel mix, flux.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "edgeq/sim/constants.hpp"
#include "edgeq/sim/simulator.hpp"

using namespace edgeq::sim;
using edgeq::core::CounterRng;

namespace {
int count_pdg(const Interaction& ev, int code) {
  int n = 0;
  for (const auto& p : ev.final_state) n += p.pdg == code;
  return n;
}
}  // namespace

// Labels are consistent with truth: CC events contain their charged lepton, NC events contain none.
TEST(Generator, ClassesContainTheirLepton) {
  const Generator gen{SimConfig{}};
  for (int i = 0; i < 600; ++i) {
    CounterRng rng(1, 0, i);
    const auto cls = static_cast<EventClass>(i % 3);
    const Interaction ev = gen.generate(cls, rng);
    const int mu = count_pdg(ev, pdg::kMuMinus), e = count_pdg(ev, pdg::kElectron);
    switch (cls) {
      case kNumuCC:
        EXPECT_TRUE(ev.cc);
        EXPECT_EQ(ev.nu_pdg, pdg::kNuMu);
        EXPECT_EQ(mu, 1);
        EXPECT_EQ(e, 0);
        break;
      case kNueCC:
        EXPECT_TRUE(ev.cc);
        EXPECT_EQ(ev.nu_pdg, pdg::kNuE);
        EXPECT_EQ(e, 1);
        EXPECT_EQ(mu, 0);
        break;
      default:
        EXPECT_FALSE(ev.cc);
        EXPECT_EQ(mu + e, 0);
        break;
    }
  }
}

// Kinematics: the lepton never carries more than the neutrino energy; Q2 >= 0; W above the nucleon mass.
TEST(Generator, KinematicLimits) {
  const Generator gen{SimConfig{}};
  for (int i = 0; i < 900; ++i) {
    CounterRng rng(2, 0, i);
    const Interaction ev = gen.generate(static_cast<EventClass>(i % 3), rng);
    EXPECT_LT(ev.lepton_energy_mev, ev.nu_energy_mev);
    EXPECT_GE(ev.q2_gev2, 0.0);
    EXPECT_GE(ev.w_gev, 0.93);
    EXPECT_LE(std::abs(ev.lepton_cos_theta), 1.0);
    for (const auto& p : ev.final_state) {
      EXPECT_GE(p.kinetic_mev, 0.0);
      EXPECT_NEAR(p.dir.norm(), 1.0, 1e-9);
    }
  }
}

// CC QE on a free neutron: nu_mu n -> mu- p. Without binding and Fermi motion, energy-momentum balance gives
// E_nu = (2 M E_mu - m_mu^2) / (2 (M - E_mu + p_mu cos)) (the standard CCQE energy formula, MicroBooNE/T2K).
TEST(Generator, QuasiElasticEnergyReconstruction) {
  SimConfig c;
  c.generator.binding_energy_mev = 0;
  c.generator.fermi_momentum_mev = 0;
  c.generator.nucleon_knockout = 0;
  const Generator gen(c);
  int checked = 0;
  for (int i = 0; i < 3000 && checked < 100; ++i) {
    CounterRng rng(3, 0, i);
    const Interaction ev = gen.generate(kNumuCC, rng);
    if (ev.mode != Mode::QE) continue;
    const double m = phys::kProtonMass;  // formula with equal nucleon masses; correct for the n-p difference
    const double el = ev.lepton_energy_mev, ml = phys::kMuonMass;
    const double pl = std::sqrt(el * el - ml * ml);
    const double mn = phys::kNeutronMass;
    const double e_rec =
        (2 * mn * el - (mn * mn + ml * ml - m * m)) / (2 * (mn - el + pl * ev.lepton_cos_theta));
    EXPECT_NEAR(e_rec, ev.nu_energy_mev, 1e-6 * ev.nu_energy_mev);
    ++checked;
  }
  EXPECT_EQ(checked, 100);
}

// Channel mix of numu CC at the default BNB-like flux, against the indicative mix in the reference document
// (QE ~40%, MEC ~15-20%, RES ~30-35%, DIS ~5-10%), with generous bands since those numbers are indicative.
TEST(Generator, BnbChannelMix) {
  const Generator gen{SimConfig{}};
  std::map<Mode, int> counts;
  double energy = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    CounterRng rng(4, 0, i);
    const Interaction ev = gen.generate(kNumuCC, rng);
    ++counts[ev.mode];
    energy += ev.nu_energy_mev;
  }
  auto frac = [&](Mode m) { return static_cast<double>(counts[m]) / n; };
  EXPECT_NEAR(frac(Mode::QE), 0.42, 0.10);
  EXPECT_NEAR(frac(Mode::MEC), 0.17, 0.07);
  EXPECT_NEAR(frac(Mode::RES), 0.32, 0.08);
  EXPECT_NEAR(frac(Mode::DIS), 0.08, 0.05);
  // Interacting-neutrino spectrum (flux x cross section) of a beam with a 0.8 GeV mean flux.
  EXPECT_GT(energy / n, 800.0);
  EXPECT_LT(energy / n, 1300.0);
}

TEST(Generator, DuneFluxIsHarder) {
  SimConfig c;
  apply_flux_preset(c, "dune");
  const Generator gen(c);
  CounterRng rng(5, 0, 0);
  double sum = 0;
  for (int i = 0; i < 2000; ++i) sum += gen.sample_energy_gev(true, rng);
  EXPECT_GT(sum / 2000, 2.5);
}

// NC resonant production makes pi0s (the nue background): Delta+ -> p pi0 2/3 (isospin).
TEST(Generator, NeutralCurrentMakesPi0) {
  const Generator gen{SimConfig{}};
  int with_pi0 = 0, n = 0;
  for (int i = 0; i < 3000; ++i) {
    CounterRng rng(6, 0, i);
    const Interaction ev = gen.generate(kNC, rng);
    if (ev.mode != Mode::RES) continue;
    ++n;
    with_pi0 += count_pdg(ev, pdg::kPi0) > 0;
  }
  ASSERT_GT(n, 100);
  EXPECT_GT(static_cast<double>(with_pi0) / n, 0.4);
}

TEST(Generator, VertexInsideFiducialVolume) {
  const SimConfig c;
  const Generator gen(c);
  for (int i = 0; i < 200; ++i) {
    CounterRng rng(7, 0, i);
    const Vec3 v = gen.generate(kNC, rng).vertex;
    EXPECT_GE(v.x, c.detector.tpc_min_cm[0] + c.generator.fiducial_margin_cm);
    EXPECT_LE(v.z, c.detector.tpc_max_cm[2] - c.generator.fiducial_margin_cm);
  }
}

TEST(ClassSequence, BalancedExactCountsAndSeeded) {
  const SimConfig c;
  const auto a = class_sequence(c, 1000, 1, 0);
  int counts[3] = {0, 0, 0};
  for (auto l : a) ++counts[l];
  EXPECT_EQ(counts[0], 334);
  EXPECT_EQ(counts[1], 333);
  EXPECT_EQ(counts[2], 333);
  EXPECT_EQ(a, class_sequence(c, 1000, 1, 0));
  EXPECT_NE(a, class_sequence(c, 1000, 1, 1));  // another stream, another order
}

TEST(ClassSequence, GunHasNoClass) {
  SimConfig c;
  c.generator.mode = "gun";
  for (auto l : class_sequence(c, 10, 1, 0)) EXPECT_EQ(l, kGun);
}
