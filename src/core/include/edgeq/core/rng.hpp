// Counter-based random numbers (Philox4x32-10 from Random123, Salmon et al., SC'11).
// A stream is identified by (seed, stream, index): e.g. seed = user seed, stream = dataset split,
// index = event number. Draws depend only on these three values and the draw count, never on threads.
// The samplers below are written out (not <random> distributions) so results are identical across
// standard libraries.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace edgeq::core {

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint32_t stream, std::uint64_t index)
      : key_{static_cast<std::uint32_t>(seed),
             static_cast<std::uint32_t>(seed >> 32) ^ (stream * 0x9E3779B9u)},
        index_(index) {}

  /// A new independent generator for a sub-stream (e.g. one per particle), keyed off this one.
  CounterRng fork(std::uint64_t sub) const {
    CounterRng r = *this;
    r.index_ = index_ ^ (sub * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull);
    r.key_[1] ^= 0x5bd1e995u;
    r.draw_ = 0;
    r.pos_ = 4;
    return r;
  }

  std::uint32_t next_u32() {
    if (pos_ == 4) refill();
    return out_[pos_++];
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() {
    const std::uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;
    return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;
  }
  /// Uniform in (0, 1]: safe for log().
  double uniform_pos() { return 1.0 - uniform(); }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  /// Integer uniform in [0, n) (n > 0), Lemire's multiply-shift with rejection.
  std::uint32_t below(std::uint32_t n);
  /// Standard normal (Box-Muller; the second value is cached).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_pos()));
    const double phi = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(phi);
    has_spare_ = true;
    return r * std::cos(phi);
  }
  double normal(double mean, double sigma) { return mean + sigma * normal(); }
  double exponential(double mean) { return -mean * std::log(uniform_pos()); }
  /// Poisson: exact (Knuth) for mean < 30, otherwise rounded normal approximation (relative error < 1%).
  std::uint32_t poisson(double mean);

 private:
  void refill() {
    using Philox = r123::Philox4x32;
    Philox::ctr_type c{{static_cast<std::uint32_t>(index_), static_cast<std::uint32_t>(index_ >> 32),
                        static_cast<std::uint32_t>(draw_), static_cast<std::uint32_t>(draw_ >> 32)}};
    Philox::key_type k{{key_[0], key_[1]}};
    const auto r = Philox()(c, k);
    for (int i = 0; i < 4; ++i) out_[i] = r[i];
    ++draw_;
    pos_ = 0;
  }

  std::uint32_t key_[2];
  std::uint64_t index_;
  std::uint64_t draw_ = 0;
  std::uint32_t out_[4] = {0, 0, 0, 0};
  int pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

inline std::uint32_t CounterRng::below(std::uint32_t n) {
  std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
  auto low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = static_cast<std::uint64_t>(next_u32()) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

inline std::uint32_t CounterRng::poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean < 30.0) {
    const double limit = std::exp(-mean);
    double p = uniform_pos();
    std::uint32_t k = 0;
    while (p > limit) {
      p *= uniform_pos();
      ++k;
    }
    return k;
  }
  const double x = std::round(normal(mean, std::sqrt(mean)));
  return x < 0 ? 0u : static_cast<std::uint32_t>(x);
}

}  // namespace edgeq::core
