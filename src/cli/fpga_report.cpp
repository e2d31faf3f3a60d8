#include "fpga_report.hpp"

#include <fmt/format.h>

namespace edgeq::cli {

namespace {

std::string types_of(const fpga::FixedLayer& l) {
  if (const auto* lin = std::get_if<fpga::LinearOp>(&l.op))
    return fmt::format("w {} / b {} / acc {}{}", lin->weight_t.str(), lin->bias_t.str(), lin->accum_t.str(),
                       lin->accum_auto ? " (auto)" : "");
  if (const auto* sm = std::get_if<fpga::SoftmaxOp>(&l.op))
    return fmt::format("exp {} / inv {} / {} entries, {}", sm->exp_t.str(), sm->inv_t.str(),
                       1 << sm->index_bits, sm->impl == fpga::SoftmaxImpl::Stable ? "stable" : "latency");
  return "";
}

std::string multipliers(const fpga::LayerHardware& h) {
  if (h.shared_multipliers) return fmt::format("{} shared", h.shared_multipliers);
  if (h.const_multipliers + h.shift_add + h.shifts + h.zero_weights == 0) return "";
  return fmt::format("{} x const, {} shift-add, {} shift, {} zero", h.const_multipliers, h.shift_add,
                     h.shifts, h.zero_weights);
}

nlohmann::json resources_json(const fpga::Resources& r) {
  return {{"lut", r.lut},     {"ff", r.ff},         {"dsp", r.dsp},  {"bram36", r.bram36},
          {"carry", r.carry}, {"lutram", r.lutram}, {"muxf", r.mux}, {"cells", r.cells}};
}

}  // namespace

nlohmann::json fpga_report_json(const FpgaRun& r) {
  const auto& net = *r.net;
  const auto& d = *r.design;
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t k = 0; k < net.layers.size(); ++k) {
    const auto& l = net.layers[k];
    const auto& h = d.layers[k];
    const auto& s = r.stats[k];
    nlohmann::json j = {{"name", l.name},
                        {"kind", l.kind},
                        {"n_in", l.n_in},
                        {"n_out", l.n_out},
                        {"input_type", l.in_t.str()},
                        {"result_type", l.out_t.str()},
                        {"types", types_of(l)},
                        {"reuse_factor", l.reuse_factor},
                        {"latency_cycles", h.latency},
                        {"ii", h.ii},
                        {"shared_multipliers", h.shared_multipliers},
                        {"const_multipliers", h.const_multipliers},
                        {"shift_add", h.shift_add},
                        {"shifts", h.shifts},
                        {"zero_weights", h.zero_weights},
                        {"values", s.values},
                        {"result_overflows", s.result_overflows},
                        {"accum_overflows", s.accum_overflows},
                        {"product_overflows", s.product_overflows},
                        {"min_value", s.min_value},
                        {"max_value", s.max_value}};
    if (r.synth) {
      auto it = r.synth->per_module.find(h.module);
      if (it != r.synth->per_module.end()) j["resources"] = resources_json(it->second);
    }
    layers.push_back(j);
  }
  nlohmann::json j = {{"model", r.model},
                      {"config", r.config},
                      {"top", d.top},
                      {"input_type", net.input_t.str()},
                      {"output_type", net.output_t().str()},
                      {"clock_ns", net.clock_ns},
                      {"latency_cycles", d.latency},
                      {"latency_ns", d.latency * net.clock_ns},
                      {"ii_cycles", d.ii},
                      {"samples", r.samples},
                      {"seed", r.seed},
                      {"top1_agreement_with_float", r.top1_agreement},
                      {"max_abs_diff_to_float", r.max_abs_diff},
                      {"layers", layers},
                      {"warnings", r.warnings}};
  if (r.sim)
    j["verilator"] = {{"samples", r.sim->outputs.size()},
                      {"mismatches", r.sim_mismatches},
                      {"measured_latency_cycles", r.sim->latency},
                      {"build_seconds", r.sim->build_seconds},
                      {"run_seconds", r.sim->run_seconds}};
  if (r.synth)
    j["yosys"] = {
        {"family", r.family}, {"seconds", r.synth->seconds}, {"total", resources_json(r.synth->total)}};
  return j;
}

std::string fpga_report_markdown(const FpgaRun& r) {
  const auto& net = *r.net;
  const auto& d = *r.design;
  std::string s =
      fmt::format("# edgeq fpga: {}\n\nModel `{}`, configuration `{}`.\n\n", d.top, r.model, r.config);
  s +=
      fmt::format("- Latency **{} cycles = {:.1f} ns** at {:.3g} ns clock; initiation interval {} cycle(s)\n",
                  d.latency, d.latency * net.clock_ns, net.clock_ns, d.ii);
  s += fmt::format(
      "- Emulator vs float model on {} seeded inputs (seed {}): top-1 agreement **{:.2f} %**, "
      "largest output difference {:.4g}\n",
      r.samples, r.seed, 100.0 * r.top1_agreement, r.max_abs_diff);
  if (r.sim)
    s += fmt::format(
        "- Verilator: {} of {} outputs equal the emulator bit for bit; measured latency {} cycles\n",
        r.sim->outputs.size() - static_cast<std::size_t>(r.sim_mismatches), r.sim->outputs.size(),
        r.sim->latency);
  else
    s += "- Verilator: not run\n";
  if (r.synth) {
    const auto& t = r.synth->total;
    s += fmt::format(
        "- Yosys synth_xilinx -family {}: **{} LUT, {} FF, {} DSP, {:g} BRAM36**, {} CARRY, {} LUTRAM "
        "({:.0f} s)\n",
        r.family, t.lut, t.ff, t.dsp, t.bram36, t.carry, t.lutram, r.synth->seconds);
  } else {
    s += "- Yosys: not run\n";
  }
  s += "\n| layer | kind | in -> out | types | result | RF | cycles | multipliers | overflows (result / "
       "accum / "
       "product) | LUT | FF | DSP | BRAM36 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < net.layers.size(); ++k) {
    const auto& l = net.layers[k];
    const auto& h = d.layers[k];
    const auto& st = r.stats[k];
    std::string res = "| | | |";
    if (r.synth) {
      auto it = r.synth->per_module.find(h.module);
      if (it != r.synth->per_module.end())
        res = fmt::format("{} | {} | {} | {:g} |", it->second.lut, it->second.ff, it->second.dsp,
                          it->second.bram36);
    }
    s += fmt::format("| {} | {} | {} -> {} | {} | {} | {} | {} | {} | {} / {} / {} | {}\n", l.name, l.kind,
                     l.n_in, l.n_out, types_of(l), l.out_t.str(), l.reuse_factor, h.latency, multipliers(h),
                     st.result_overflows, st.accum_overflows, st.product_overflows, res);
  }
  if (!r.warnings.empty()) {
    s += "\n## Warnings\n\n";
    for (const auto& w : r.warnings) s += "- " + w + "\n";
  }
  return s;
}

}  // namespace edgeq::cli
