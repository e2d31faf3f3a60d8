// Energy counters read around a measurement. CPU: RAPL through the Linux powercap interface
// (/sys/class/powercap/intel-rapl:N/energy_uj, package domains, microjoules; counter wrap-around handled with
// max_energy_range_uj; AMD Zen exposes the same files). NVIDIA GPU: NVML's total energy counter (millijoules,
// Volta and newer), libnvidia-ml loaded at run time. When a counter cannot be read, the meter says why and
// no energy is reported as measured.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace edgeq::targets {

class EnergyMeter {
 public:
  /// All RAPL package domains of the machine (whole sockets: includes other processes' work).
  static EnergyMeter rapl(const std::string& powercap_root = "/sys/class/powercap");
  /// NVML device `index`.
  static EnergyMeter nvml(unsigned index = 0);
  /// No counter, for the reason given (e.g. a device without one).
  static EnergyMeter none(std::string reason);

  EnergyMeter(EnergyMeter&&) noexcept;
  EnergyMeter& operator=(EnergyMeter&&) noexcept;
  ~EnergyMeter();

  bool available() const { return reason_.empty(); }
  /// Why the counter cannot be read (empty when available).
  const std::string& unavailable_reason() const { return reason_; }
  /// What is read, e.g. "RAPL package-0 (powercap)".
  const std::string& source() const { return source_; }
  /// Counter value in joules (monotonic across wrap-arounds between consecutive reads).
  double read_joules();

 private:
  EnergyMeter() = default;
  struct Domain {
    std::string energy_file;
    double range_uj = 0;
    double last_uj = 0, total_j = 0;
    bool started = false;
  };
  struct Nvml;
  std::vector<Domain> domains_;
  std::unique_ptr<Nvml> nvml_;
  std::string reason_, source_;
};

}  // namespace edgeq::targets
