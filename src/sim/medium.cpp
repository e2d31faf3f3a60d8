#include "edgeq/sim/medium.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "edgeq/sim/constants.hpp"

namespace edgeq::sim {

using namespace phys;

Medium::Medium(const MediumConfig& c)
    : rho_(c.density_g_cm3),
      i_mev_(c.mean_excitation_ev * 1e-6),
      x0_(c.radiation_length_cm),
      n_e_(c.density_g_cm3 * kAvogadro * kArgonZ / kArgonA) {}

double Medium::density_effect(double beta_gamma) {
  const double x = std::log10(beta_gamma);
  const double two_ln10 = 2.0 * std::log(10.0);
  if (x >= kSternheimerX1) return two_ln10 * x - kSternheimerCbar;
  if (x >= kSternheimerX0)
    return two_ln10 * x - kSternheimerCbar + kSternheimerA * std::pow(kSternheimerX1 - x, kSternheimerK);
  return 0.0;
}

double Medium::t_max(double t, double m, bool is_electron) const {
  if (is_electron) return 0.5 * t;
  const double gamma = 1.0 + t / m;
  const double bg2 = gamma * gamma - 1.0;
  const double r = kElectronMass / m;
  return 2.0 * kElectronMass * bg2 / (1.0 + 2.0 * gamma * r + r * r);
}

double Medium::xi(double beta2, double step_cm) const {
  return 0.5 * kBetheK * (kArgonZ / kArgonA) * rho_ * step_cm / beta2;
}

double Medium::dedx(double t, double m, bool is_electron, double t_cut) const {
  // Below beta*gamma = 0.05 the Bethe formula is invalid: continue from that point as 1/beta.
  constexpr double kMinBetaGamma = 0.05;
  const double t_low = m * (std::sqrt(1.0 + kMinBetaGamma * kMinBetaGamma) - 1.0);
  if (t < t_low) {
    const double at_low = dedx(t_low, m, is_electron, t_cut);
    const double g = 1.0 + t / m, gl = 1.0 + t_low / m;
    const double beta = std::sqrt(std::max(1e-12, 1.0 - 1.0 / (g * g)));
    const double beta_low = std::sqrt(1.0 - 1.0 / (gl * gl));
    return at_low * beta_low / beta;
  }
  const double gamma = 1.0 + t / m;
  const double beta2 = 1.0 - 1.0 / (gamma * gamma);
  const double bg2 = gamma * gamma - 1.0;
  const double tmax = t_max(t, m, is_electron);
  const double tcut = (t_cut <= 0.0) ? tmax : std::min(t_cut, tmax);
  const double b = 0.5 * std::log(2.0 * kElectronMass * bg2 * tcut / (i_mev_ * i_mev_)) -
                   0.5 * beta2 * (1.0 + tcut / tmax) - 0.5 * density_effect(std::sqrt(bg2));
  return std::max(0.0, 2.0 * xi(beta2, 1.0) * b);  // rho K (Z/A) B / beta^2
}

double Medium::highland_theta0(double p, double beta, double step_cm) const {
  const double x = step_cm / x0_;
  if (x <= 0) return 0.0;
  return 13.6 / (beta * p) * std::sqrt(x) * std::max(0.0, 1.0 + 0.038 * std::log(x));
}

double Medium::klein_nishina_cm2(double e) {
  const double k = e / kElectronMass;
  const double pi_re2 = 3.14159265358979323846 * kElectronRadiusCm * kElectronRadiusCm;
  if (k < 1e-3) return (8.0 / 3.0) * pi_re2 * (1.0 - 2.0 * k);  // Thomson limit
  const double a = 1.0 + 2.0 * k;
  const double l = std::log(a);
  return 2.0 * pi_re2 *
         ((1.0 + k) / (k * k) * (2.0 * (1.0 + k) / a - l / k) + l / (2.0 * k) - (1.0 + 3.0 * k) / (a * a));
}

double Medium::compton_mu(double e) const {
  return n_e_ * klein_nishina_cm2(e);
}

double Medium::pair_mu(double e) const {
  if (e <= 2.0 * kElectronMass) return 0.0;
  // sigma_pair(E) / sigma_pair(inf) for argon, read from NIST XCOM (nuclear + electron field), ~10% accuracy.
  static constexpr std::array<std::array<double, 2>, 10> kRatio{{{1.022, 0.0},
                                                                 {2.0, 0.012},
                                                                 {5.0, 0.115},
                                                                 {10.0, 0.27},
                                                                 {20.0, 0.42},
                                                                 {50.0, 0.60},
                                                                 {100.0, 0.71},
                                                                 {1000.0, 0.90},
                                                                 {10000.0, 0.97},
                                                                 {100000.0, 1.0}}};
  double ratio = 1.0;
  if (e < kRatio.back()[0]) {
    std::size_t i = 1;
    while (kRatio[i][0] < e) ++i;
    const double f = std::log(e / kRatio[i - 1][0]) / std::log(kRatio[i][0] / kRatio[i - 1][0]);
    ratio = kRatio[i - 1][1] + f * (kRatio[i][1] - kRatio[i - 1][1]);
  }
  return ratio * 7.0 / (9.0 * x0_);
}

double Medium::brems_rate(double e, double k_cut) const {
  if (e <= k_cut) return 0.0;
  const double r = k_cut / e;
  return ((4.0 / 3.0) * (-std::log(r)) - (4.0 / 3.0) * (1.0 - r) + 0.5 * (1.0 - r * r)) / x0_;
}

RangeTable::RangeTable(const Medium& medium, double mass, bool is_electron) {
  constexpr int kPoints = 600;
  const double t_lo = 1e-3, t_hi = 1e5;
  const double step = std::log(t_hi / t_lo) / (kPoints - 1);
  double range = 0.0, prev_t = 0.0;
  // Below t_lo the residual range is negligible (< 1 um for all species here).
  for (int i = 0; i < kPoints; ++i) {
    const double t = t_lo * std::exp(step * i);
    // Simpson integration of dT / (dE/dx) on [prev_t, t].
    const double a = prev_t, b = t, mid = 0.5 * (a + b);
    auto inv = [&](double tt) {
      return 1.0 / std::max(medium.dedx(std::max(tt, 1e-6), mass, is_electron), 1e-6);
    };
    if (i > 0) range += (b - a) / 6.0 * (inv(a) + 4.0 * inv(mid) + inv(b));
    prev_t = t;
    log_t_.push_back(std::log(t));
    log_r_.push_back(std::log(std::max(range, 1e-9)));
  }
}

namespace {
double interp(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  const auto it = std::upper_bound(xs.begin(), xs.end(), x);
  const std::size_t i = static_cast<std::size_t>(it - xs.begin());
  const double f = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  return ys[i - 1] + f * (ys[i] - ys[i - 1]);
}
}  // namespace

double RangeTable::range_cm(double t) const {
  if (t <= 0) return 0.0;
  return std::exp(interp(log_t_, log_r_, std::log(t)));
}

double RangeTable::kinetic_for_range(double r) const {
  if (r <= 0) return 0.0;
  return std::exp(interp(log_r_, log_t_, std::log(r)));
}

}  // namespace edgeq::sim
