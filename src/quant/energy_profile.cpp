// Energy profiles: YAML files (configs/energy/*.yaml built in) with the QTools constants.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string_view>

#include "edgeq/core/error.hpp"
#include "edgeq/core/yaml_fields.hpp"
#include "edgeq/quant/energy.hpp"

namespace edgeq::quant {

const std::vector<std::pair<std::string_view, std::string_view>>& builtin_energy_files();

namespace {
MemoryMode parse_mode(const std::string& text, const std::string& where) {
  if (text == "fixed") return MemoryMode::Fixed;
  if (text == "sram") return MemoryMode::Sram;
  if (text == "dram") return MemoryMode::Dram;
  throw_input("{}: '{}' is not one of fixed, sram, dram", where, text);
}

std::vector<double> polynomial(core::YamlFields& f, const std::string& key,
                               const std::vector<double>& fallback) {
  auto v = f.get<std::vector<double>>(key, fallback);
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](double c) { return std::isfinite(c); }))
    throw_input("{}: '{}' must be a non-empty list of finite coefficients", f.origin(), f.full(key));
  return v;
}

double non_negative(core::YamlFields& f, const std::string& key, double fallback) {
  const double v = f.get<double>(key, fallback);
  if (!std::isfinite(v) || v < 0) throw_input("{}: '{}' must be >= 0 (got {})", f.origin(), f.full(key), v);
  return v;
}
}  // namespace

EnergyProfile parse_energy_profile(const std::string& yaml_text, const std::string& origin) {
  core::YamlFields f(core::parse_yaml(yaml_text, origin), origin);
  EnergyProfile p;
  p.name = f.required<std::string>("name");
  p.description = f.get<std::string>("description", "");
  p.sources = f.get<std::string>("sources", "");
  auto ops = f.mapping("operations");
  p.fixed_add = polynomial(ops, "fixed_add", p.fixed_add);
  p.fixed_mul = polynomial(ops, "fixed_mul", p.fixed_mul);
  p.fp16_add = non_negative(ops, "fp16_add", p.fp16_add);
  p.fp16_mul = non_negative(ops, "fp16_mul", p.fp16_mul);
  p.fp32_add = non_negative(ops, "fp32_add", p.fp32_add);
  p.fp32_mul = non_negative(ops, "fp32_mul", p.fp32_mul);
  ops.finish();
  auto mem = f.mapping("memory");
  p.sram_rd = polynomial(mem, "sram_rd", p.sram_rd);
  p.sram_word_bits = non_negative(mem, "sram_word_bits", p.sram_word_bits);
  if (p.sram_word_bits < 1) throw_input("{}: 'memory.sram_word_bits' must be >= 1", origin);
  p.dram_per_bit = non_negative(mem, "dram_per_bit", p.dram_per_bit);
  p.parameters = parse_mode(mem.get<std::string>("parameters", "fixed"), origin + ": memory.parameters");
  p.activations = parse_mode(mem.get<std::string>("activations", "dram"), origin + ": memory.activations");
  p.min_sram_bits = non_negative(mem, "min_sram_bits", p.min_sram_bits);
  p.rd_wr_on_io = mem.get<bool>("rd_wr_on_io", p.rd_wr_on_io);
  mem.finish();
  const auto source = f.get<std::string>("source", "int8");
  try {
    p.source = parse_number_type(source);
  } catch (const Error& e) {
    throw_input("{}: 'source': {}", origin, e.what());
  }
  f.finish();
  return p;
}

std::vector<std::string> builtin_energy_profiles() {
  std::vector<std::string> names;
  for (const auto& [file, text] : builtin_energy_files())
    names.push_back(parse_energy_profile(std::string(text), std::string(file)).name);
  std::sort(names.begin(), names.end());
  return names;
}

EnergyProfile find_energy_profile(const std::string& name_or_path) {
  const std::filesystem::path asked(name_or_path);
  if (const auto ext = asked.extension().string(); ext == ".yaml" || ext == ".yml") {
    std::ifstream in(asked);
    if (!in) throw_input("cannot read energy profile {}", name_or_path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_energy_profile(text.str(), name_or_path);
  }
  for (const auto& [file, text] : builtin_energy_files()) {
    auto p = parse_energy_profile(std::string(text), fmt::format("built-in {}", file));
    if (p.name == name_or_path) return p;
  }
  throw_input("unknown energy profile '{}' (built in: {}; or give a profile FILE.yaml)", name_or_path,
              fmt::join(builtin_energy_profiles(), ", "));
}

}  // namespace edgeq::quant
