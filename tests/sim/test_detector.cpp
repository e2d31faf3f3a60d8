// Detector response: recombination, charge scale, drift, images, determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/sim/constants.hpp"
#include "edgeq/sim/simulator.hpp"

using namespace edgeq::sim;
using edgeq::core::CounterRng;

// Modified Box (ArgoNeuT, JINST 8 P08005) at 0.5 kV/cm for a MIP (2.104 MeV/cm): R ~ 0.70 and
// ~62.7k electrons/cm (reference document, with W = 23.6 eV).
TEST(Recombination, MipChargeAtHalfKilovolt) {
  SimConfig c;
  c.detector.electric_field_kv_cm = 0.5;
  const Detector det(c);
  EXPECT_NEAR(det.recombination(2.104), 0.70, 0.01);
  EXPECT_NEAR(det.electrons(2.104, 2.104), 62.7e3, 0.02 * 62.7e3);
}

// Birks (ICARUS, NIM A523 (2004) 275) at 0.5 kV/cm: R = 0.8 / (1 + 0.0486 * 2.104 / (0.5 * 1.396)) = 0.7446.
TEST(Recombination, BirksClosedForm) {
  SimConfig c;
  c.detector.electric_field_kv_cm = 0.5;
  c.detector.recombination = "birks";
  EXPECT_NEAR(Detector(c).recombination(2.104), 0.8 / (1.0 + 0.0486 * 2.104 / (0.5 * 1.396)), 1e-9);
}

TEST(Recombination, HeavierIonisationRecombinesMore) {
  const Detector det{SimConfig{}};
  EXPECT_GT(det.recombination(2.1), det.recombination(20.0));
}

// End to end: a 1 GeV muon crossing collection wires at the default field (273 V/cm) gives ~60k e-/cm
// (issue requirement; reference: ~62.7k at 500 V/cm, slightly less at 273 V/cm). Lifetime off, no noise.
TEST(ChargeScale, MuonCollectionChargePerCm) {
  SimConfig c;
  c.detector.electron_lifetime_ms = 1e9;
  c.generator.mode = "gun";
  const EventSimulator sim(c);
  double sum_per_cm = 0;
  const int n = 20;
  for (int i = 0; i < n; ++i) {
    CounterRng rng(21, 0, i);
    std::vector<Particle> mu{Particle{pdg::kMuMinus, {128, 0, 500}, {0, 0, 1}, 1000.0, 0}};
    std::vector<Deposit> deps;
    sim.transport().run(mu, rng, deps);
    PlaneImages img;
    sim.detector().render(deps, mu[0].pos, rng, img, false);
    double q = 0;
    for (int r = 0; r < img.height; ++r)
      for (int w = 60; w < 190; ++w) q += img.at(2, r, w);
    sum_per_cm += q / (130 * 0.3);
  }
  const double per_cm = sum_per_cm / n;
  EXPECT_NEAR(per_cm, 60e3, 0.10 * 60e3);
  const double dedx = Medium(c.medium).dedx(1000.0, phys::kMuonMass, false);
  EXPECT_NEAR(per_cm, sim.detector().electrons(dedx, dedx), 0.08 * per_cm);
}

// Electron lifetime: charge from the far side of the TPC is attenuated by exp(-t_drift / tau).
TEST(Drift, LifetimeAttenuation) {
  SimConfig c;
  c.detector.electron_lifetime_ms = 1.0;
  c.detector.diffusion_long_cm2_s = 0;
  c.detector.diffusion_trans_cm2_s = 0;
  const Detector det(c);
  auto charge_at = [&](double x) {
    const Vec3 p{x, 0, 500};
    std::vector<Deposit> deps{Deposit{p, p, 1.0, 2.1}};
    PlaneImages img;
    CounterRng rng(1, 0, 0);
    det.render(deps, p, rng, img, false);
    double q = 0;
    for (float v : img.electrons) q += v;
    return q / 3.0;
  };
  const double t_us = 200.0 / c.detector.drift_velocity_cm_us;
  EXPECT_NEAR(charge_at(200.0) / charge_at(0.0), std::exp(-t_us / 1000.0), 1e-4);
}

// Noise-only images: the zero-suppressed pixel fraction matches the Gaussian tail above 3 sigma (0.135%).
TEST(Noise, ZeroSuppressionTail) {
  const Detector det{SimConfig{}};
  PlaneImages img;
  CounterRng rng(4, 0, 0);
  det.render({}, Vec3{128, 0, 500}, rng, img, true);
  std::size_t nonzero = 0;
  const std::size_t per_plane = img.electrons.size() / 3;
  for (std::size_t i = 2 * per_plane; i < img.electrons.size(); ++i) nonzero += img.electrons[i] > 0;
  EXPECT_NEAR(static_cast<double>(nonzero) / static_cast<double>(per_plane), 0.00135, 0.0006);
}

TEST(Images, SameEventSameImageRegardlessOfOrder) {
  const EventSimulator sim{SimConfig{}};
  SimulatedEvent a, b, other;
  sim.simulate(42, 0, 7, kNueCC, a);
  sim.simulate(42, 0, 3, kNC, other);  // a different event in between must not matter
  sim.simulate(42, 0, 7, kNueCC, b);
  EXPECT_EQ(a.images.electrons, b.images.electrons);
  EXPECT_NE(a.images.electrons, other.images.electrons);
}

TEST(Images, DigitisationScaleAndSaturation) {
  SimConfig c;
  c.image.adc_scale_e = 100;
  const Detector det(c);
  PlaneImages img;
  img.height = 1;
  img.width = 4;
  img.electrons = {0, 149, 151, 1e6, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<std::uint8_t> u8(12);
  det.digitize(img, u8);
  EXPECT_EQ(u8[1], 1);
  EXPECT_EQ(u8[2], 2);
  EXPECT_EQ(u8[3], 255);
  std::vector<std::uint16_t> u16(12);
  det.digitize(img, u16);
  EXPECT_EQ(u16[3], 10000);
}
