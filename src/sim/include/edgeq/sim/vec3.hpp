// Small 3-vector and Lorentz-vector helpers for event generation and transport (units: cm or MeV).
#pragma once

#include <cmath>

#include "edgeq/core/rng.hpp"

namespace edgeq::sim {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  Vec3& operator+=(const Vec3& o) {
    x += o.x, y += o.y, z += o.z;
    return *this;
  }
  double dot(const Vec3& o) const { return x * o.x + y * o.y + z * o.z; }
  Vec3 cross(const Vec3& o) const { return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x}; }
  double norm() const { return std::sqrt(dot(*this)); }
  Vec3 unit() const {
    const double n = norm();
    return n > 0 ? *this * (1.0 / n) : Vec3{0, 0, 1};
  }
};

/// Four-momentum (E, p) in MeV.
struct FourVec {
  double e = 0;
  Vec3 p;
  double mass() const {
    const double m2 = e * e - p.dot(p);
    return m2 > 0 ? std::sqrt(m2) : 0.0;
  }
  FourVec operator+(const FourVec& o) const { return {e + o.e, p + o.p}; }
};

/// Isotropic unit vector.
inline Vec3 random_direction(core::CounterRng& rng) {
  const double c = rng.uniform(-1.0, 1.0);
  const double s = std::sqrt(std::max(0.0, 1.0 - c * c));
  const double phi = 2.0 * 3.14159265358979323846 * rng.uniform();
  return {s * std::cos(phi), s * std::sin(phi), c};
}

/// Rotates unit vector `d` by polar angle theta (cos_theta given) and azimuth phi around itself.
inline Vec3 deflect(const Vec3& d, double cos_theta, double phi) {
  const double sin_theta = std::sqrt(std::max(0.0, 1.0 - cos_theta * cos_theta));
  const Vec3 a = std::abs(d.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
  const Vec3 u = d.cross(a).unit();
  const Vec3 v = d.cross(u);
  return (d * cos_theta + u * (sin_theta * std::cos(phi)) + v * (sin_theta * std::sin(phi))).unit();
}

/// Boosts `v` by velocity beta (|beta| < 1).
inline FourVec boost(const FourVec& v, const Vec3& beta) {
  const double b2 = beta.dot(beta);
  if (b2 <= 0) return v;
  const double gamma = 1.0 / std::sqrt(1.0 - b2);
  const double bp = beta.dot(v.p);
  const double g2 = (gamma - 1.0) / b2;
  return {gamma * (v.e + bp), v.p + beta * (g2 * bp + gamma * v.e)};
}

/// Two-body decay of a system with four-momentum `parent` into masses m1, m2, isotropic in its rest frame.
inline void two_body_decay(const FourVec& parent, double m1, double m2, core::CounterRng& rng, FourVec& out1,
                           FourVec& out2) {
  const double M = parent.mass();
  const double pstar =
      std::sqrt(std::max(0.0, (M * M - (m1 + m2) * (m1 + m2)) * (M * M - (m1 - m2) * (m1 - m2)))) / (2 * M);
  const Vec3 dir = random_direction(rng);
  FourVec a{std::sqrt(pstar * pstar + m1 * m1), dir * pstar};
  FourVec b{std::sqrt(pstar * pstar + m2 * m2), dir * -pstar};
  const Vec3 beta = parent.p * (1.0 / parent.e);
  out1 = boost(a, beta);
  out2 = boost(b, beta);
}

}  // namespace edgeq::sim
