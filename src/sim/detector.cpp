#include "edgeq/sim/detector.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgeq::sim {

namespace {
constexpr double kDegToRad = 3.14159265358979323846 / 180.0;
constexpr std::size_t kNormalBits = 12;

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

Detector::Detector(const SimConfig& config) : config_(config) {
  const auto& d = config.detector;
  for (int p = 0; p < 3; ++p) {
    cos_[p] = std::cos(d.plane_angles_deg[p] * kDegToRad);
    sin_[p] = std::sin(d.plane_angles_deg[p] * kDegToRad);
  }
  pixel_us_ = d.tick_us * d.ticks_per_pixel;
  // SP smearing: fraction of a Gaussian (sigma = sp_time_sigma) centred at phase f in row 0 falling in rows
  // -1..1.
  const double s = d.sp_time_sigma_us / pixel_us_;
  for (int k = 0; k < kPhases; ++k) {
    const double f = (k + 0.5) / kPhases;
    auto cdf = [&](double edge) { return s > 0 ? normal_cdf((edge - f) / s) : (edge > f ? 1.0 : 0.0); };
    time_weights_[k] = {static_cast<float>(cdf(0.0)), static_cast<float>(cdf(1.0) - cdf(0.0)),
                        static_cast<float>(1.0 - cdf(1.0))};
  }
  // Inverse normal CDF at the midpoints of 2^12 equal-probability bins (tails to +-3.5 sigma), by bisection.
  const std::size_t n = std::size_t{1} << kNormalBits;
  normal_table_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double p = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    double lo = -10, hi = 10;
    for (int it = 0; it < 60; ++it) (normal_cdf(0.5 * (lo + hi)) < p ? lo : hi) = 0.5 * (lo + hi);
    normal_table_[i] = static_cast<float>(0.5 * (lo + hi));
  }
}

double Detector::recombination(double dedx) const {
  const auto& d = config_.detector;
  const double rho = config_.medium.density_g_cm3, e = d.electric_field_kv_cm;
  dedx = std::max(dedx, 1.0);  // below ~1 MeV/cm the fit functions are not meant to be used
  if (d.recombination == "birks") return d.birks_a / (1.0 + d.birks_k * dedx / (e * rho));
  const double xi = d.box_beta * dedx / (e * rho);
  return std::log(d.box_alpha + xi) / xi;
}

double Detector::electrons(double de, double dedx) const {
  return recombination(dedx) * de / (config_.medium.w_ion_ev * 1e-6);
}

double Detector::plane_coordinate(int plane, const Vec3& p) const {
  return p.z * cos_[plane] + p.y * sin_[plane];
}

double Detector::drift_time_us(const Vec3& p) const {
  return (p.x - config_.detector.tpc_min_cm[0]) / config_.detector.drift_velocity_cm_us;
}

double Detector::noise_sigma(int plane) const {
  const auto& d = config_.detector;
  return plane == 2 ? d.noise_enc_e : d.noise_enc_e * d.induction_noise_factor;
}

bool Detector::dead_wire(int plane, long wire) const {
  const double f = config_.detector.dead_wire_fraction;
  if (f <= 0) return false;
  const std::uint64_t h =
      splitmix64((static_cast<std::uint64_t>(plane) << 48) ^ static_cast<std::uint64_t>(wire));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < f;
}

void Detector::render(const std::vector<Deposit>& deposits, const Vec3& vertex, core::CounterRng& rng,
                      PlaneImages& out, bool add_noise) const {
  const auto& d = config_.detector;
  const auto& im = config_.image;
  out.height = im.time_pixels;
  out.width = im.wires;
  out.electrons.assign(static_cast<std::size_t>(3) * out.height * out.width, 0.0f);
  const double pitch_cm = d.wire_pitch_mm * 0.1;
  const double t_vertex = drift_time_us(vertex);
  long vertex_wire[3];
  for (int p = 0; p < 3; ++p) vertex_wire[p] = std::lround(plane_coordinate(p, vertex) / pitch_cm);
  const double lifetime_us = d.electron_lifetime_ms * 1000.0;

  for (const Deposit& dep : deposits) {
    const double q_total = electrons(dep.energy_mev, dep.dedx_mev_cm);
    const bool point = dep.start.x == dep.end.x && dep.start.y == dep.end.y && dep.start.z == dep.end.z;
    const int n = point ? 1 : d.clusters_per_step;
    for (int c = 0; c < n; ++c) {
      const Vec3 at = dep.start + (dep.end - dep.start) * ((c + rng.uniform()) / n);
      const double t_drift = drift_time_us(at);
      const double t_s = std::max(t_drift, 0.0) * 1e-6;
      const double sl = std::sqrt(2.0 * d.diffusion_long_cm2_s * t_s),
                   st = std::sqrt(2.0 * d.diffusion_trans_cm2_s * t_s);
      const double q = q_total / n * std::exp(-t_drift / lifetime_us);
      const double t = t_drift + rng.normal() * sl / d.drift_velocity_cm_us;
      const Vec3 landed{at.x, at.y + st * rng.normal(), at.z + st * rng.normal()};
      const double row_f = (t - t_vertex) / pixel_us_ + im.vertex_time_pixel + 0.5;
      const int row = static_cast<int>(std::floor(row_f));
      if (row < -1 || row > out.height) continue;
      const auto& w = time_weights_[std::min(kPhases - 1, static_cast<int>((row_f - row) * kPhases))];
      for (int p = 0; p < 3; ++p) {
        const long wire = std::lround(plane_coordinate(p, landed) / pitch_cm);
        const long col = wire - vertex_wire[p] + im.vertex_wire_pixel;
        if (col < 0 || col >= out.width || dead_wire(p, wire)) continue;
        for (int k = -1; k <= 1; ++k) {
          const int r = row + k;
          if (r >= 0 && r < out.height)
            out.at(p, r, static_cast<int>(col)) += static_cast<float>(q) * w[k + 1];
        }
      }
    }
  }
  if (add_noise) add_noise_and_suppress(out, rng);
  // Dead wires read nothing, noise included.
  if (d.dead_wire_fraction > 0)
    for (int p = 0; p < 3; ++p)
      for (int col = 0; col < out.width; ++col)
        if (dead_wire(p, col - im.vertex_wire_pixel + vertex_wire[p]))
          for (int r = 0; r < out.height; ++r) out.at(p, r, col) = 0.0f;
}

void Detector::add_noise_and_suppress(PlaneImages& out, core::CounterRng& rng) const {
  const auto& d = config_.detector;
  // Induction noise: AR(1) process along time (correlation time tau), scaled to the requested sigma.
  const double lambda = std::exp(-pixel_us_ / d.induction_noise_tau_us);
  const double innovation = std::sqrt(1.0 - lambda * lambda);
  const float* table = normal_table_.data();
  for (int p = 0; p < 3; ++p) {
    const auto sigma = static_cast<float>(noise_sigma(p));
    const auto threshold = static_cast<float>(d.zero_suppression_sigma * sigma);
    const bool correlated = p != 2;
    for (int col = 0; col < out.width; ++col) {
      float state = table[rng.next_u32() >> (32 - kNormalBits)];
      for (int r = 0; r < out.height; ++r) {
        const float z = table[rng.next_u32() >> (32 - kNormalBits)];
        float noise = z;
        if (correlated) {
          state = static_cast<float>(lambda) * state + static_cast<float>(innovation) * z;
          noise = state;
        }
        float& v = out.at(p, r, col);
        v += sigma * noise;
        if (v < threshold) v = 0.0f;
      }
    }
  }
}

namespace {
template <typename T>
void digitize_impl(const PlaneImages& images, double scale, std::span<T> out) {
  // Round half up (values are >= 0 after zero suppression; negatives clamp to 0), saturate at the dtype max.
  constexpr float kMax = static_cast<float>(std::numeric_limits<T>::max());
  const auto inv = static_cast<float>(1.0 / scale);
  const float* in = images.electrons.data();
  const std::size_t n = images.electrons.size();
  for (std::size_t i = 0; i < n; ++i) {
    const float v = std::clamp(in[i] * inv + 0.5f, 0.0f, kMax);
    out[i] = static_cast<T>(v);
  }
}
}  // namespace

void Detector::digitize(const PlaneImages& images, std::span<std::uint8_t> out) const {
  digitize_impl(images, config_.image.adc_scale_e, out);
}
void Detector::digitize(const PlaneImages& images, std::span<std::uint16_t> out) const {
  digitize_impl(images, config_.image.adc_scale_e, out);
}

}  // namespace edgeq::sim
