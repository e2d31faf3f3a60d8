// LArTPC detector response: ionisation with recombination, drift (lifetime, diffusion), projection onto three
// wire planes, and the signal-processed, zero-suppressed wire x time image of each plane.
//
// Image layout: [plane][time][wire] (planes U, V, Y = collection), float electrons per pixel before
// digitisation. One pixel = one wire x ticks_per_pixel ticks. All planes share the time axis; the vertex sits
// at pixel (vertex_time_pixel, vertex_wire_pixel) in every plane.
//
// Raw waveforms are not simulated: the image is the output of signal processing (deconvolution of field and
// electronics response plus a Gaussian software filter, as Wire-Cell does), modelled as charge smeared by the
// SP time resolution plus post-SP noise: white on the collection plane, low-frequency correlated and larger
// on the induction planes (integrating the deconvolved bipolar response amplifies low frequencies).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "edgeq/core/rng.hpp"
#include "edgeq/sim/config.hpp"
#include "edgeq/sim/transport.hpp"

namespace edgeq::sim {

struct PlaneImages {
  int height = 0, width = 0;     ///< time pixels, wires
  std::vector<float> electrons;  ///< [3][height][width]
  float& at(int plane, int row, int col) {
    return electrons[(static_cast<std::size_t>(plane) * height + row) * width + col];
  }
};

class Detector {
 public:
  explicit Detector(const SimConfig& config);

  /// Fraction of ionisation electrons escaping recombination at stopping power dE/dx [MeV/cm].
  double recombination(double dedx_mev_cm) const;
  /// Ionisation electrons (after recombination) for energy `de` [MeV] deposited at dE/dx [MeV/cm].
  double electrons(double de_mev, double dedx_mev_cm) const;
  /// Wire-plane coordinate [cm] of a point: z cos(theta) + y sin(theta).
  double plane_coordinate(int plane, const Vec3& p) const;
  /// Drift time [us] from the point to the anode (x = tpc_min x).
  double drift_time_us(const Vec3& p) const;
  /// Noise sigma per pixel [electrons] after SP on a plane (0, 1 induction; 2 collection).
  double noise_sigma(int plane) const;
  bool dead_wire(int plane, long wire) const;

  /// Renders deposits into images around `vertex`. With add_noise false, images hold the exact SP charge
  /// (no noise, no zero suppression): used by tests of the charge scale.
  void render(const std::vector<Deposit>& deposits, const Vec3& vertex, core::CounterRng& rng,
              PlaneImages& out, bool add_noise = true) const;
  /// Digitises electrons to image units (round(e / adc_scale), clamped to the dtype range).
  void digitize(const PlaneImages& images, std::span<std::uint8_t> out) const;
  void digitize(const PlaneImages& images, std::span<std::uint16_t> out) const;

 private:
  void add_noise_and_suppress(PlaneImages& out, core::CounterRng& rng) const;

  SimConfig config_;
  std::array<double, 3> cos_, sin_;
  double pixel_us_;
  static constexpr int kPhases = 32;
  std::array<std::array<float, 3>, kPhases>
      time_weights_;                 ///< SP smearing over rows -1, 0, +1 per sub-pixel phase
  std::vector<float> normal_table_;  ///< inverse normal CDF for fast noise
};

}  // namespace edgeq::sim
