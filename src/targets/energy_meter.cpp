#include "edgeq/targets/energy_meter.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace edgeq::targets {

namespace {
bool read_number(const std::string& file, double& out) {
  std::ifstream in(file);
  unsigned long long v = 0;
  if (!(in >> v)) return false;
  out = static_cast<double>(v);
  return true;
}
}  // namespace

// NVML entry points used (nvml.h): opaque device handle, return 0 = NVML_SUCCESS.
struct EnergyMeter::Nvml {
  void* lib = nullptr;
  void* device = nullptr;
  int (*shutdown)() = nullptr;
  int (*total_energy_mj)(void*, unsigned long long*) = nullptr;
  ~Nvml() {
    if (shutdown) shutdown();
    if (lib) dlclose(lib);
  }
};

EnergyMeter::EnergyMeter(EnergyMeter&&) noexcept = default;
EnergyMeter& EnergyMeter::operator=(EnergyMeter&&) noexcept = default;
EnergyMeter::~EnergyMeter() = default;

EnergyMeter EnergyMeter::rapl(const std::string& powercap_root) {
  namespace fs = std::filesystem;
  EnergyMeter m;
  std::error_code ec;
  std::vector<std::string> names;
  if (fs::is_directory(powercap_root, ec))
    for (const auto& entry : fs::directory_iterator(powercap_root, ec)) {
      const std::string dir = entry.path().filename().string();
      // Package domains are intel-rapl:N; their subdomains (core, dram) are intel-rapl:N:M.
      if (dir.rfind("intel-rapl:", 0) != 0 || dir.find(':', 11) != std::string::npos) continue;
      Domain d;
      d.energy_file = (entry.path() / "energy_uj").string();
      if (!read_number((entry.path() / "max_energy_range_uj").string(), d.range_uj)) d.range_uj = 0;
      double probe = 0;
      if (!read_number(d.energy_file, probe)) {
        m.reason_ = fmt::format(
            "{} is not readable (RAPL needs read permission: root, or chmod by the admin)", d.energy_file);
        return m;
      }
      std::ifstream name_file(entry.path() / "name");
      std::string name = dir;
      name_file >> name;
      names.push_back(name);
      m.domains_.push_back(d);
    }
  if (m.domains_.empty()) {
    m.reason_ = fmt::format("no RAPL package domain under {} (no powercap driver, or a virtual machine)",
                            powercap_root);
    return m;
  }
  m.source_ = "RAPL ";
  for (std::size_t i = 0; i < names.size(); ++i) m.source_ += (i ? "+" : "") + names[i];
  m.source_ += " (powercap; whole package, other processes included)";
  return m;
}

EnergyMeter EnergyMeter::nvml(unsigned index) {
  EnergyMeter m;
  auto n = std::make_unique<Nvml>();
  n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!n->lib) {
    m.reason_ = "libnvidia-ml.so.1 not found (no NVIDIA driver)";
    return m;
  }
  auto sym = [&](const char* name) { return dlsym(n->lib, name); };
  auto init = reinterpret_cast<int (*)()>(sym("nvmlInit_v2"));
  auto handle = reinterpret_cast<int (*)(unsigned, void**)>(sym("nvmlDeviceGetHandleByIndex_v2"));
  n->total_energy_mj =
      reinterpret_cast<int (*)(void*, unsigned long long*)>(sym("nvmlDeviceGetTotalEnergyConsumption"));
  auto shutdown = reinterpret_cast<int (*)()>(sym("nvmlShutdown"));
  if (!init || !handle || !n->total_energy_mj || !shutdown) {
    m.reason_ = "libnvidia-ml.so.1 lacks the energy counter API";
    return m;
  }
  if (init() != 0) {
    m.reason_ = "nvmlInit failed (driver not loaded)";
    return m;
  }
  n->shutdown = shutdown;
  unsigned long long probe = 0;
  if (handle(index, &n->device) != 0 || n->total_energy_mj(n->device, &probe) != 0) {
    m.reason_ = fmt::format("NVML device {} has no readable energy counter", index);
    return m;
  }
  m.nvml_ = std::move(n);
  m.source_ = fmt::format("NVML total energy, GPU {}", index);
  return m;
}

double EnergyMeter::read_joules() {
  if (nvml_) {
    unsigned long long mj = 0;
    nvml_->total_energy_mj(nvml_->device, &mj);
    return static_cast<double>(mj) * 1e-3;
  }
  double sum = 0;
  for (auto& d : domains_) {
    double uj = 0;
    if (read_number(d.energy_file, uj)) {
      if (d.started) {
        double delta = uj - d.last_uj;
        if (delta < 0 && d.range_uj > 0) delta += d.range_uj;  // the counter wrapped
        d.total_j += delta * 1e-6;
      }
      d.last_uj = uj;
      d.started = true;
    }
    sum += d.total_j;
  }
  return sum;
}

EnergyMeter EnergyMeter::none(std::string reason) {
  EnergyMeter m;
  m.reason_ = std::move(reason);
  return m;
}

}  // namespace edgeq::targets
