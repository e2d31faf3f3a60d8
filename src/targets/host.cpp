#include "edgeq/targets/host.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "edgeq/runtime/kernel.hpp"

namespace edgeq::targets {

namespace {
// The CPU flags (as /proc/cpuinfo spells them) that decide which kernels run fast.
constexpr const char* kIsaOfInterest[] = {"sse4_2",   "avx",      "avx2",     "fma",         "f16c",
                                          "avx512f",  "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                                          "avx_vnni", "amx_bf16", "amx_int8"};
}  // namespace

HostDescription describe_host() {
  HostDescription h;
  h.cpu_model = "unknown";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::set<std::string> flags;
  for (std::string line; std::getline(cpuinfo, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && h.cpu_model == "unknown") h.cpu_model = value;
    if (key == "flags" && flags.empty()) {
      std::stringstream ss(value);
      for (std::string f; ss >> f;) flags.insert(f);
    }
  }
  for (const char* f : kIsaOfInterest)
    if (flags.count(f)) h.isa.emplace_back(f);
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  h.logical_cpus = online > 0 ? static_cast<unsigned>(online) : 0;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &mask)) h.affinity.push_back(c);
  utsname u{};
  if (uname(&u) == 0) h.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  h.fast_kernels = runtime::fast_kernel_description();
#if defined(__clang__)
  h.compiler = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  h.compiler = fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  h.compiler = "unknown";
#endif
#ifdef NDEBUG
  h.build = "edgeq 0.1.0 (optimised)";
#else
  h.build = "edgeq 0.1.0 (debug: timings not representative)";
#endif
  return h;
}

nlohmann::ordered_json to_json(const HostDescription& h) {
  return {{"cpu_model", h.cpu_model},
          {"logical_cpus", h.logical_cpus},
          {"affinity", h.affinity},
          {"isa", h.isa},
          {"os", h.os},
          {"fast_kernels", h.fast_kernels},
          {"compiler", h.compiler},
          {"build", h.build}};
}

}  // namespace edgeq::targets
