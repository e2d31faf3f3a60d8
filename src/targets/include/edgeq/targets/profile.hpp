// Target profiles: the hardware a model is benchmarked on, described in YAML (configs/targets/*.yaml, built
// in, plus any file or folder the user names, no recompiling). A profile says how latency is obtained
// (measured here, or modelled) and carries the figures that turn latency into energy and cost: TDP (the
// study's K = TDP x latency), idle power and price. Unknown figures are null and stay unknown in results.
//
// YAML keys: name, kind (cpu | gpu | edgetpu | fpga), method (measured | modelled), device, description,
// tdp_w, idle_w, price_usd (numbers or null), sources, model (map of numbers for modelled targets).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edgeq::targets {

enum class TargetKind { Cpu, Gpu, EdgeTpu, Fpga };
/// How a target's latency is obtained. Every number derived from a modelled latency is labelled modelled.
enum class Method { Measured, Modelled };

struct TargetProfile {
  std::string name;
  TargetKind kind = TargetKind::Cpu;
  Method method = Method::Measured;
  std::string device;  ///< the hardware the TDP and price describe
  std::string description;
  std::optional<double> tdp_w, idle_w, price_usd;
  std::string sources;                  ///< where the figures come from
  std::map<std::string, double> model;  ///< parameters of a modelled target's latency model
  std::string origin;                   ///< file path, or "built-in NAME"
};

std::string kind_name(TargetKind kind);
std::string method_name(Method method);

/// Parses one profile; Error(BadInput) naming `origin` and the key for unknown keys, a bad kind/method,
/// a missing name, or a negative figure.
TargetProfile parse_profile(const std::string& yaml_text, const std::string& origin);
TargetProfile load_profile(const std::filesystem::path& file);

/// The profiles shipped in configs/targets/ (compiled in), sorted by name.
std::vector<TargetProfile> builtin_profiles();

/// Resolves a --target argument: a path to a .yaml/.yml file; else NAME.yaml in each of `dirs`, then in each
/// folder of the EDGEQ_TARGETS_PATH environment variable (colon-separated), then the built-ins.
/// Error(BadInput) listing the available names when nothing matches.
TargetProfile find_profile(const std::string& name_or_path,
                           const std::vector<std::filesystem::path>& dirs = {});

}  // namespace edgeq::targets
