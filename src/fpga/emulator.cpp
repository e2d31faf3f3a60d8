#include "edgeq/fpga/emulator.hpp"

#include <algorithm>
#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/fixed_cast.hpp"
#include "edgeq/fpga/lower.hpp"
#include "edgeq/fpga/softmax.hpp"

namespace edgeq::fpga {

namespace {

void track(LayerStats& s, double v) {
  if (!s.seen) {
    s.min_value = s.max_value = v;
    s.seen = true;
  }
  s.min_value = std::min(s.min_value, v);
  s.max_value = std::max(s.max_value, v);
}

std::vector<std::int64_t> run_linear(const FixedLayer& l, const LinearOp& op, std::span<const std::int64_t> x,
                                     LayerStats* st) {
  const int fx = frac_bits(l.in_t), fp = fx + frac_bits(op.weight_t), fa = frac_bits(op.accum_t);
  std::vector<std::int64_t> y(static_cast<std::size_t>(l.n_out));
  for (std::size_t j = 0; j < y.size(); ++j) {
    std::int64_t sum = cast_code(op.bias[j], frac_bits(op.bias_t), op.accum_t).code;
    for (const auto& t : op.terms[j]) {
      const auto p = cast_code(x[static_cast<std::size_t>(t.input)] * t.weight, fp, op.accum_t);
      if (st && p.overflow) ++st->product_overflows;
      sum += p.code;
    }
    const auto acc = cast_code(sum, fa, op.accum_t);  // the wrapped sum: equal to wrapping after every add
    const auto r = cast_code(acc.code, fa, l.out_t);
    if (st) {
      st->accum_overflows += acc.overflow ? 1 : 0;
      st->result_overflows += r.overflow ? 1 : 0;
      track(*st, static_cast<double>(acc.code) * op.accum_t.step());
    }
    y[j] = r.code;
  }
  return y;
}

}  // namespace

std::vector<std::int64_t> Emulator::quantise_input(std::span<const float> x) const {
  if (static_cast<int>(x.size()) != net_.n_in)
    throw_input("input of {} values; the network takes {}", x.size(), net_.n_in);
  std::vector<std::int64_t> c(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) c[i] = net_.input_t.code(x[i]);
  return c;
}

std::vector<std::int64_t> Emulator::run(std::span<const std::int64_t> input, std::vector<LayerStats>* stats,
                                        int last) const {
  std::vector<std::int64_t> x(input.begin(), input.end());
  const int end = last < 0 ? static_cast<int>(net_.layers.size()) : last + 1;
  for (int k = 0; k < end; ++k) {
    const FixedLayer& l = net_.layers[static_cast<std::size_t>(k)];
    LayerStats* st = stats ? &(*stats)[static_cast<std::size_t>(k)] : nullptr;
    std::vector<std::int64_t> y;
    if (const auto* lin = std::get_if<LinearOp>(&l.op)) {
      y = run_linear(l, *lin, x, st);
    } else if (std::holds_alternative<ReluOp>(l.op)) {
      y.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        const auto r = cast_code(std::max<std::int64_t>(x[i], 0), frac_bits(l.in_t), l.out_t);
        if (st) {
          st->result_overflows += r.overflow ? 1 : 0;
          track(*st, static_cast<double>(std::max<std::int64_t>(x[i], 0)) * l.in_t.step());
        }
        y[i] = r.code;
      }
    } else if (const auto* sm = std::get_if<SoftmaxOp>(&l.op)) {
      std::int64_t overflows = 0;
      y = run_softmax(*sm, l.in_t, l.out_t, x, overflows);
      if (st) {
        st->result_overflows += overflows;
        for (auto v : y) track(*st, static_cast<double>(v) * l.out_t.step());
      }
    } else {
      const auto& perm = std::get<PermuteOp>(l.op);
      y.resize(perm.source.size());
      for (std::size_t i = 0; i < y.size(); ++i) y[i] = x[static_cast<std::size_t>(perm.source[i])];
    }
    if (st) st->values += static_cast<std::int64_t>(y.size());
    x = std::move(y);
  }
  return x;
}

std::vector<double> Emulator::to_real(std::span<const std::int64_t> codes) const {
  std::vector<double> v(codes.size());
  const double step = net_.output_t().step();
  for (std::size_t i = 0; i < codes.size(); ++i) v[i] = static_cast<double>(codes[i]) * step;
  return v;
}

void infer_auto_results(FixedNetwork& net, const std::vector<std::vector<float>>& calibration,
                        const core::ApFixed& model_precision) {
  for (std::size_t k = 0; k < net.layers.size(); ++k) {
    FixedLayer& l = net.layers[k];
    if (!l.result_auto) continue;
    if (calibration.empty()) throw_input("layer '{}': result auto needs calibration inputs", l.name);
    Emulator emu(net);
    std::vector<LayerStats> stats(net.layers.size());
    for (const auto& sample : calibration) emu.run(emu.quantise_input(sample), &stats, static_cast<int>(k));
    const double mag = std::max(std::abs(stats[k].min_value), std::abs(stats[k].max_value));
    int integer = 1;
    while (std::ldexp(1.0, integer - 1) <= mag && integer < 64) ++integer;
    core::ApFixed t = model_precision;
    t.integer = integer;
    t.width = integer + frac_bits(model_precision);
    t.is_signed = true;
    if (t.width > kMaxDataWidth || t.width < 1)
      throw_input("layer '{}': result auto needs {} bits for values up to {} (limit {})", l.name, t.width,
                  mag, kMaxDataWidth);
    l.out_t = t;
    l.result_auto = false;
    for (std::size_t next = k + 1; next < net.layers.size(); ++next) {
      retype_input(net.layers[next], net.layers[next - 1].out_t);
      if (!std::holds_alternative<PermuteOp>(net.layers[next].op)) break;
    }
  }
}

}  // namespace edgeq::fpga
