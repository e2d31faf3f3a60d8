#include "edgeq/quant/qkeras.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "edgeq/core/error.hpp"

namespace edgeq::quant {

namespace {

constexpr double kEpsilon = 1e-7;  // Keras' backend epsilon, used by QKeras' scale fits
constexpr int kRefinements = 5;    // QKeras' number of scale refinements (number_of_unrolls)

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\n\"");
  const auto b = s.find_last_not_of(" \t\n\"");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string unquote(const std::string& s) {
  const std::string t = trim(s);
  if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front())
    return t.substr(1, t.size() - 2);
  return t;
}

double number(const std::string& text, const std::string& v) {
  const std::string t = trim(v);
  if (t == "True") return 1;
  if (t == "False" || t == "None") return 0;
  try {
    std::size_t used = 0;
    const double d = std::stod(t, &used);
    if (used == t.size()) return d;
  } catch (const std::exception&) {
  }
  throw_input("quantiser '{}': '{}' is not a number", text, t);
}

void set_alpha(QuantizerSpec& q, const std::string& text, const std::string& v) {
  const std::string a = unquote(v);
  if (a == "None") {
    q.alpha = AlphaMode::None;
  } else if (a == "auto") {
    q.alpha = AlphaMode::Auto;
  } else if (a == "auto_po2") {
    q.alpha = AlphaMode::AutoPo2;
  } else {
    q.alpha = AlphaMode::Value;
    q.alpha_value = static_cast<float>(number(text, a));
  }
}

double round_half_even(double v) {
  return std::nearbyint(v);
}  // default rounding mode: ties to even

double po2(double scale) {
  return std::exp2(round_half_even(std::log2(scale + kEpsilon)));
}

/// Rounds x * m / m_i as QKeras' _round_through (stochastically when asked and an rng is given).
double round_step(double p, const QuantizerSpec& q, core::CounterRng* rng) {
  if (q.stochastic_rounding && rng) {
    const double f = std::floor(p);
    return p - f < rng->uniform() ? f : f + 1.0;
  }
  return round_half_even(p);
}

struct ChannelOf {
  std::int64_t channels, inner;
  std::size_t operator()(std::size_t i) const {
    return static_cast<std::size_t>((static_cast<std::int64_t>(i) / inner) % channels);
  }
};

/// Per-channel least-squares scale sum(x z) / (sum(z z) + eps) (QKeras averages both sums; the eps then
/// scales with the count).
std::vector<double> least_squares(std::span<const double> x, std::span<const double> z, const ChannelOf& ch,
                                  bool round_po2) {
  std::vector<double> xz(static_cast<std::size_t>(ch.channels)), zz(xz.size()), n(xz.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    xz[ch(i)] += x[i] * z[i];
    zz[ch(i)] += z[i] * z[i];
    n[ch(i)] += 1;
  }
  std::vector<double> s(xz.size());
  for (std::size_t c = 0; c < s.size(); ++c) {
    s[c] = n[c] > 0 ? (xz[c] / n[c]) / (zz[c] / n[c] + kEpsilon) : 1.0;
    if (round_po2) s[c] = po2(s[c]);
  }
  return s;
}

void bits_auto(const QuantizerSpec& q, std::span<const float> x, std::span<float> y, const ChannelOf& ch,
               std::span<float> scales) {
  const double m_i = std::exp2(q.integer), levels = std::exp2(q.bits) - 1.0, zmax = (levels - 1.0) / 2.0;
  const bool round_po2 = q.alpha == AlphaMode::AutoPo2;
  std::vector<double> xs(x.size()), z(x.size());
  std::vector<double> lo(static_cast<std::size_t>(ch.channels), HUGE_VAL), hi(lo.size(), -HUGE_VAL);
  for (std::size_t i = 0; i < x.size(); ++i) {
    xs[i] = x[i] / m_i;
    lo[ch(i)] = std::min(lo[ch(i)], xs[i]);
    hi[ch(i)] = std::max(hi[ch(i)], xs[i]);
  }
  std::vector<double> scale(lo.size());
  for (std::size_t c = 0; c < scale.size(); ++c) {
    scale[c] = std::max((hi[c] - lo[c]) / levels, kEpsilon);  // a constant channel: any positive start
    if (round_po2) scale[c] = po2(scale[c]);
  }
  for (int it = 0; it < kRefinements; ++it) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = std::min(std::floor(std::abs(xs[i]) / scale[ch(i)] + 0.5), zmax);
      z[i] = xs[i] > 0 ? v : (xs[i] < 0 ? -v : 0.0);
    }
    scale = least_squares(xs, z, ch, round_po2);
  }
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(m_i * scale[ch(i)] * z[i]);
  for (std::size_t c = 0; c < scales.size() && c < scale.size(); ++c)
    scales[c] = static_cast<float>(m_i * scale[c]);
}

void bits_fixed(const QuantizerSpec& q, std::span<const float> x, std::span<float> y, core::CounterRng* rng) {
  const int unsigned_bits = q.bits - (q.keep_negative ? 1 : 0);
  const double alpha = q.alpha == AlphaMode::Value ? q.alpha_value : 1.0;
  if (unsigned_bits <= 0) {  // one signed bit: sign with sign(0) = +1
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(alpha * (x[i] < 0 ? -1.0 : 1.0));
    return;
  }
  const double m = std::exp2(unsigned_bits), m_i = std::exp2(q.integer);
  const double lo = q.keep_negative ? -m + (q.symmetric ? 1.0 : 0.0) : 0.0, hi = m - 1.0;
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = static_cast<float>(alpha * m_i * std::clamp(round_step(x[i] * m / m_i, q, rng), lo, hi) / m);
}

void relu(const QuantizerSpec& q, std::span<const float> x, std::span<float> y, std::span<float> dydx,
          core::CounterRng* rng) {
  const double slope = q.negative_slope;
  const int bits = q.bits - (slope != 0.0 ? 1 : 0);
  const double m = std::exp2(bits), m_i = std::exp2(q.integer), top = m_i - std::exp2(q.integer - bits);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double p = x[i] * m / m_i;
    double v = m_i * std::clamp(round_step(p, q, rng) / m, 0.0, 1.0 - 1.0 / m);
    if (slope > 0) v += m_i * slope * std::clamp(round_step(p * slope, q, rng) / (slope * m), -1.0, 0.0);
    y[i] = static_cast<float>(v);
    if (!dydx.empty()) dydx[i] = x[i] > top ? 0.0f : (x[i] > 0 ? 1.0f : static_cast<float>(slope));
  }
}

/// Exponent range of the po2 quantisers: [-2^k, 2^k - 1] (max even under quadratic_approximation).
std::pair<double, double> po2_exponents(const QuantizerSpec& q) {
  const bool need_sign = !q.max_value || *q.max_value > 1.0f;
  const int k = q.bits - (q.kind == QuantizerKind::Po2 ? 1 : 0) - (need_sign ? 1 : 0);
  const double lo = -std::exp2(k);
  double hi = std::exp2(k) - 1.0;
  if (q.quadratic_approximation) hi = 2.0 * std::floor(hi / 2.0);
  return {lo, hi};
}

/// QKeras' _clip_power_of_two: the exponent of |x| (>= 0).
double po2_exponent(const QuantizerSpec& q, double a, double lo, double hi, core::CounterRng* rng) {
  if (a < kEpsilon) return lo;
  if (q.max_value && a >= *q.max_value) a = *q.max_value;
  const double factor = q.quadratic_approximation ? 2.0 : 1.0;
  const double l = std::log2(q.quadratic_approximation ? std::sqrt(a) : a);
  double e;
  if (q.log2_floor) {
    e = std::floor(l);
  } else if (q.stochastic_rounding && rng) {  // between the neighbouring powers, mean |x|
    const double below = std::floor(l), p = (std::exp2(l) - std::exp2(below)) / std::exp2(below);
    e = rng->uniform() < p ? below + 1.0 : below;
  } else {
    e = round_half_even(l);
  }
  return factor * std::clamp(e, lo, hi);
}

void power_of_two(const QuantizerSpec& q, std::span<const float> x, std::span<float> y, std::span<float> dydx,
                  core::CounterRng* rng) {
  const auto [lo, hi] = po2_exponents(q);
  const double slope = q.negative_slope;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    if (q.kind == QuantizerKind::Po2) {
      y[i] = static_cast<float>((v < 0 ? -1.0 : 1.0) * std::exp2(po2_exponent(q, std::abs(v), lo, hi, rng)));
      if (!dydx.empty()) dydx[i] = 1.0f;
      continue;
    }
    if (v >= 0 || slope == 0.0)
      y[i] = static_cast<float>(std::exp2(po2_exponent(q, std::max(v, 0.0), lo, hi, rng)));
    else
      y[i] = static_cast<float>(-std::exp2(po2_exponent(q, -v * slope, lo, hi, rng)));
    if (!dydx.empty()) {
      const bool capped = q.max_value && v > *q.max_value;
      dydx[i] = capped ? 0.0f : (v > 0 ? 1.0f : static_cast<float>(slope));
    }
  }
}

void sign_like(const QuantizerSpec& q, std::span<const float> x, std::span<float> y, std::span<float> dydx,
               const ChannelOf& ch, std::span<float> scales) {
  const bool ternary = q.kind == QuantizerKind::Ternary;
  const bool autoscale = q.alpha == AlphaMode::Auto || q.alpha == AlphaMode::AutoPo2;
  const bool round_po2 = q.alpha == AlphaMode::AutoPo2;
  std::vector<double> xs(x.begin(), x.end()), z(x.size());
  std::vector<double> scale(static_cast<std::size_t>(ch.channels),
                            q.alpha == AlphaMode::Value ? q.alpha_value : 1.0);
  const auto sign = [](double v) { return v < 0 ? -1.0 : 1.0; };
  if (!ternary) {
    for (std::size_t i = 0; i < x.size(); ++i) z[i] = q.use_01 ? (sign(xs[i]) + 1.0) / 2.0 : sign(xs[i]);
    if (autoscale) scale = least_squares(xs, z, ch, round_po2);
  } else if (!autoscale) {
    for (std::size_t i = 0; i < x.size(); ++i) z[i] = std::abs(xs[i]) >= q.threshold ? sign(xs[i]) : 0.0;
  } else {
    std::vector<double> amax(scale.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) amax[ch(i)] = std::max(amax[ch(i)], std::abs(xs[i]));
    for (std::size_t c = 0; c < scale.size(); ++c) {
      scale[c] = std::max(2.0 * amax[c] / 3.0, kEpsilon);
      if (round_po2) scale[c] = po2(scale[c]);
    }
    for (int it = 0; it < kRefinements; ++it) {
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double s = scale[ch(i)], v = s * round_half_even(xs[i] / s);
        z[i] = std::abs(v) >= s / 2.0 ? sign(xs[i]) : 0.0;
      }
      scale = least_squares(xs, z, ch, round_po2);
    }
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    y[i] = static_cast<float>(scale[ch(i)] * z[i]);
    if (!dydx.empty()) {
      const double t = std::tanh(xs[i]);
      dydx[i] = q.alpha == AlphaMode::None ? static_cast<float>(1.0 - t * t) : 1.0f;
    }
  }
  for (std::size_t c = 0; c < scales.size() && c < scale.size(); ++c)
    scales[c] = static_cast<float>(scale[c]);
}

}  // namespace

void apply_quantizer(const QuantizerSpec& q, std::span<const float> x, std::span<float> y,
                     std::span<float> dydx, std::int64_t channels, std::int64_t inner, core::CounterRng* rng,
                     std::span<float> scales) {
  if (y.size() != x.size() || (!dydx.empty() && dydx.size() != x.size()) || channels < 1 || inner < 1)
    throw_input("quantiser {}: {} inputs, {} outputs, {} gradients, {} channels x {}", to_string(q), x.size(),
                y.size(), dydx.size(), channels, inner);
  const ChannelOf ch{channels, inner};
  switch (q.kind) {
    case QuantizerKind::Bits:
      if (q.alpha == AlphaMode::Auto || q.alpha == AlphaMode::AutoPo2)
        bits_auto(q, x, y, ch, scales);
      else
        bits_fixed(q, x, y, rng);
      if (!dydx.empty()) std::fill(dydx.begin(), dydx.end(), 1.0f);
      return;
    case QuantizerKind::Relu:
      return relu(q, x, y, dydx, rng);
    case QuantizerKind::Po2:
    case QuantizerKind::ReluPo2:
      return power_of_two(q, x, y, dydx, rng);
    case QuantizerKind::Binary:
    case QuantizerKind::Ternary:
      return sign_like(q, x, y, dydx, ch, scales);
  }
}

QuantizerSpec parse_quantizer(const std::string& text) {
  const auto open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    throw_input("quantiser '{}': expected name(arguments)", text);
  std::string name = trim(text.substr(0, open));
  QuantizerSpec q;
  if (name.rfind("stochastic_", 0) == 0) {
    q.stochastic_rounding = true;
    name = name.substr(11);
  }
  std::vector<std::string> order;
  if (name == "quantized_bits") {
    q.kind = QuantizerKind::Bits;
    order = {"bits", "integer", "symmetric", "keep_negative", "alpha", "use_stochastic_rounding"};
  } else if (name == "quantized_relu") {
    q.kind = QuantizerKind::Relu;
    order = {"bits", "integer", "use_sigmoid", "negative_slope", "use_stochastic_rounding"};
  } else if (name == "quantized_po2") {
    q.kind = QuantizerKind::Po2;
    order = {"bits", "max_value", "use_stochastic_rounding", "quadratic_approximation", "log2_rounding"};
  } else if (name == "quantized_relu_po2") {
    q.kind = QuantizerKind::ReluPo2;
    order = {
        "bits",         "max_value", "negative_slope", "use_stochastic_rounding", "quadratic_approximation",
        "log2_rounding"};
  } else if (name == "binary") {
    q.kind = QuantizerKind::Binary;
    order = q.stochastic_rounding ? std::vector<std::string>{"alpha"}
                                  : std::vector<std::string>{"use_01", "alpha", "use_stochastic_rounding"};
  } else if (name == "ternary") {
    q.kind = QuantizerKind::Ternary;
    order = {"alpha", "threshold", "use_stochastic_rounding"};
  } else {
    throw_input(
        "quantiser '{}': unknown (supported: quantized_bits, quantized_relu, quantized_po2, "
        "quantized_relu_po2, "
        "binary, ternary and the stochastic_ forms)",
        text);
  }
  std::vector<std::string> args;
  std::string cur;
  bool quoted = false;
  for (char c : text.substr(open + 1, close - open - 1)) {
    if (c == '\'' || c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty() || !args.empty()) args.push_back(cur);
  std::size_t pos = 0;
  for (const auto& a : args) {
    const auto eq = a.find('=');
    const std::string key =
        eq == std::string::npos ? (pos < order.size() ? order[pos++] : "") : trim(a.substr(0, eq));
    const std::string val = eq == std::string::npos ? a : a.substr(eq + 1);
    if (key.empty()) throw_input("quantiser '{}': too many positional arguments", text);
    if (key == "bits") {
      q.bits = static_cast<int>(number(text, val));
    } else if (key == "integer") {
      q.integer = static_cast<int>(number(text, val));
    } else if (key == "symmetric") {
      q.symmetric = number(text, val) != 0;
    } else if (key == "keep_negative") {
      q.keep_negative = number(text, val) != 0;
    } else if (key == "alpha") {
      set_alpha(q, text, val);
    } else if (key == "use_stochastic_rounding") {
      q.stochastic_rounding = q.stochastic_rounding || number(text, val) != 0;
    } else if (key == "negative_slope") {
      q.negative_slope = static_cast<float>(number(text, val));
    } else if (key == "use_sigmoid") {
      if (number(text, val) != 0) throw_input("quantiser '{}': use_sigmoid is not supported", text);
    } else if (key == "max_value") {
      if (unquote(val) != "None") q.max_value = static_cast<float>(number(text, val));
    } else if (key == "quadratic_approximation") {
      q.quadratic_approximation = number(text, val) != 0;
    } else if (key == "log2_rounding") {
      const std::string r = unquote(val);
      if (r != "rnd" && r != "floor")
        throw_input("quantiser '{}': log2_rounding must be 'rnd' or 'floor'", text);
      q.log2_floor = r == "floor";
    } else if (key == "use_01") {
      q.use_01 = number(text, val) != 0;
    } else if (key == "threshold") {
      if (unquote(val) != "None") q.threshold = static_cast<float>(number(text, val));
    } else if (key == "temperature" || key == "use_real_sigmoid" || key == "number_of_unrolls" ||
               key == "qnoise_factor" || key == "use_ste" || key == "var_name" || key == "use_variables" ||
               key == "scale_axis") {
      // training-time knobs of QKeras with no effect on the deployed values
    } else {
      throw_input("quantiser '{}': unknown argument '{}'", text, key);
    }
  }
  if (q.alpha == AlphaMode::Auto || q.alpha == AlphaMode::AutoPo2) q.symmetric = true;  // as QKeras
  if (q.bits < 1 || q.bits > 32) throw_input("quantiser '{}': bits must be in 1..32", text);
  if ((q.kind == QuantizerKind::Relu || q.kind == QuantizerKind::Po2 || q.kind == QuantizerKind::ReluPo2) &&
      q.alpha != AlphaMode::None)
    throw_input("quantiser '{}': {} has no alpha", text, name);
  if (q.max_value && *q.max_value < 0) throw_input("quantiser '{}': max_value must be >= 0", text);
  if (q.negative_slope < 0 ||
      (q.negative_slope > 0 && std::exp2(std::round(std::log2(q.negative_slope))) != q.negative_slope))
    throw_input("quantiser '{}': negative_slope must be 0 or a power of two", text);
  return q;
}

QuantizerSpec quantizer_from_ap_type(const std::string& text) {
  const core::ApFixed a = core::parse_ap_fixed(text);
  if (a.width > 32) throw_input("precision '{}': quantisers take at most 32 bits", text);
  QuantizerSpec q;
  q.kind = QuantizerKind::Bits;
  q.bits = a.width;
  q.keep_negative = a.is_signed;
  q.integer = a.is_signed ? a.integer - 1 : a.integer;
  q.ap_type = a;
  return q;
}

std::string to_string(const QuantizerSpec& q) {
  std::string alpha;
  if (q.alpha == AlphaMode::Value) alpha = fmt::format(",alpha={}", q.alpha_value);
  if (q.alpha == AlphaMode::Auto) alpha = ",alpha='auto'";
  if (q.alpha == AlphaMode::AutoPo2) alpha = ",alpha='auto_po2'";
  const std::string stochastic = q.stochastic_rounding ? ",use_stochastic_rounding=1" : "";
  switch (q.kind) {
    case QuantizerKind::Bits:
      return fmt::format("quantized_bits({},{},{}{}{}{})", q.bits, q.integer, q.symmetric ? 1 : 0,
                         q.keep_negative ? "" : ",keep_negative=0", alpha, stochastic);
    case QuantizerKind::Relu:
      return fmt::format("quantized_relu({},{}{}{})", q.bits, q.integer,
                         q.negative_slope != 0 ? fmt::format(",negative_slope={}", q.negative_slope) : "",
                         stochastic);
    case QuantizerKind::Po2:
    case QuantizerKind::ReluPo2:
      return fmt::format("{}({}{}{}{}{}{})",
                         q.kind == QuantizerKind::Po2 ? "quantized_po2" : "quantized_relu_po2", q.bits,
                         q.max_value ? fmt::format(",max_value={}", *q.max_value) : "",
                         q.negative_slope != 0 ? fmt::format(",negative_slope={}", q.negative_slope) : "",
                         q.quadratic_approximation ? ",quadratic_approximation=1" : "",
                         q.log2_floor ? ",log2_rounding='floor'" : "", stochastic);
    case QuantizerKind::Binary:
      return fmt::format("binary(use_01={}{}{})", q.use_01 ? 1 : 0, alpha, stochastic);
    case QuantizerKind::Ternary:
      return fmt::format("ternary(threshold={}{}{})", q.threshold, alpha, stochastic);
  }
  return "";
}

}  // namespace edgeq::quant
