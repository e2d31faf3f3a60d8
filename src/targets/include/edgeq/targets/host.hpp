// Description of the machine a benchmark ran on, recorded next to every measured number: CPU model, logical
// CPUs and the process's affinity mask, the ISA extensions that matter for the kernels, the fast-kernel
// library and the build.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgeq::targets {

struct HostDescription {
  std::string cpu_model;         ///< /proc/cpuinfo "model name" ("unknown" if absent)
  unsigned logical_cpus = 0;     ///< online logical CPUs
  std::vector<int> affinity;     ///< CPUs this process may run on
  std::vector<std::string> isa;  ///< of: sse4_2 avx avx2 fma avx512f avx512_vnni avx_vnni amx_int8 ...
  std::string os;                ///< kernel name and release
  std::string fast_kernels;      ///< e.g. "oneDNN 3.0.0 (ISA avx2)", or "none"
  std::string compiler;          ///< compiler id and version
  std::string build;             ///< edgeq version and build type
};

HostDescription describe_host();
nlohmann::ordered_json to_json(const HostDescription& host);

}  // namespace edgeq::targets
