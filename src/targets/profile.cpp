#include "edgeq/targets/profile.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "edgeq/core/error.hpp"
#include "edgeq/core/yaml_fields.hpp"

namespace edgeq::targets {

const std::vector<std::pair<std::string_view, std::string_view>>& builtin_target_files();

namespace {
constexpr std::pair<TargetKind, const char*> kKindNames[] = {{TargetKind::Cpu, "cpu"},
                                                             {TargetKind::Gpu, "gpu"},
                                                             {TargetKind::EdgeTpu, "edgetpu"},
                                                             {TargetKind::Fpga, "fpga"}};
}  // namespace

std::string kind_name(TargetKind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "?";
}

std::string method_name(Method method) {
  return method == Method::Measured ? "measured" : "modelled";
}

namespace {
std::optional<double> figure(core::YamlFields& f, const std::string& key) {
  const auto v = f.optional<double>(key);
  if (v && !(*v >= 0)) throw_input("{}: '{}' must be >= 0 (got {})", f.origin(), key, *v);
  return v;
}
}  // namespace

TargetProfile parse_profile(const std::string& yaml_text, const std::string& origin) {
  core::YamlFields f(core::parse_yaml(yaml_text, origin), origin);
  TargetProfile p;
  p.origin = origin;
  p.name = f.required<std::string>("name");
  const auto kind = f.required<std::string>("kind");
  const auto* known = std::find_if(std::begin(kKindNames), std::end(kKindNames),
                                   [&](const auto& k) { return kind == k.second; });
  if (known == std::end(kKindNames))
    throw_input("{}: kind '{}' is not one of cpu, gpu, edgetpu, fpga", origin, kind);
  p.kind = known->first;
  const auto method = f.required<std::string>("method");
  if (method == "measured")
    p.method = Method::Measured;
  else if (method == "modelled")
    p.method = Method::Modelled;
  else
    throw_input("{}: method '{}' is not one of measured, modelled", origin, method);
  p.device = f.get<std::string>("device", "");
  p.description = f.get<std::string>("description", "");
  p.sources = f.get<std::string>("sources", "");
  p.tdp_w = figure(f, "tdp_w");
  p.idle_w = figure(f, "idle_w");
  p.price_usd = figure(f, "price_usd");
  auto model = f.mapping("model");
  if (f.has("model"))
    for (const auto& kv : f.node("model")) {
      const auto key = kv.first.as<std::string>();
      p.model[key] = model.required<double>(key);
    }
  model.finish();
  f.finish();
  return p;
}

TargetProfile load_profile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw_input("cannot read target profile {}", file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_profile(text.str(), file.string());
}

std::vector<TargetProfile> builtin_profiles() {
  std::vector<TargetProfile> out;
  for (const auto& [file, text] : builtin_target_files())
    out.push_back(parse_profile(std::string(text), fmt::format("built-in {}", file)));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

TargetProfile find_profile(const std::string& name_or_path, const std::vector<std::filesystem::path>& dirs) {
  namespace fs = std::filesystem;
  const fs::path asked(name_or_path);
  const auto ext = asked.extension().string();
  if (ext == ".yaml" || ext == ".yml") return load_profile(asked);
  std::vector<fs::path> search = dirs;
  if (const char* env = std::getenv("EDGEQ_TARGETS_PATH")) {
    std::stringstream ss(env);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) search.emplace_back(d);
  }
  std::error_code ec;
  for (const auto& d : search)
    for (const char* e : {".yaml", ".yml"})
      if (fs::is_regular_file(d / (name_or_path + e), ec)) return load_profile(d / (name_or_path + e));
  std::vector<std::string> names;
  for (auto& p : builtin_profiles()) {
    if (p.name == name_or_path) return p;
    names.push_back(p.name);
  }
  throw_input("unknown target '{}' (built in: {}; or give a profile FILE.yaml)", name_or_path,
              fmt::join(names, ", "));
}

}  // namespace edgeq::targets
