#include "edgeq/core/ap_fixed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "edgeq/core/error.hpp"

namespace edgeq::core {

namespace {

constexpr int kMaxWidth = 48;

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\"'");
  const auto b = s.find_last_not_of(" \t\"'");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

const std::vector<std::pair<std::string, ApRounding>>& roundings() {
  static const std::vector<std::pair<std::string, ApRounding>> v = {{"AP_TRN", ApRounding::Trn},
                                                                    {"AP_TRN_ZERO", ApRounding::TrnZero},
                                                                    {"AP_RND", ApRounding::Rnd},
                                                                    {"AP_RND_ZERO", ApRounding::RndZero},
                                                                    {"AP_RND_MIN_INF", ApRounding::RndMinInf},
                                                                    {"AP_RND_INF", ApRounding::RndInf},
                                                                    {"AP_RND_CONV", ApRounding::RndConv}};
  return v;
}

const std::vector<std::pair<std::string, ApOverflow>>& overflows() {
  static const std::vector<std::pair<std::string, ApOverflow>> v = {{"AP_WRAP", ApOverflow::Wrap},
                                                                    {"AP_SAT", ApOverflow::Sat},
                                                                    {"AP_SAT_ZERO", ApOverflow::SatZero},
                                                                    {"AP_SAT_SYM", ApOverflow::SatSym}};
  return v;
}

/// Quantises s (the value in steps) to an integer per mode; s is exact (a float times a power of two).
double quantise(double s, ApRounding q) {
  const double f = std::floor(s);
  const double frac = s - f;
  switch (q) {
    case ApRounding::Trn:
      return f;
    case ApRounding::TrnZero:
      return std::trunc(s);
    default:
      break;
  }
  if (frac != 0.5) return frac < 0.5 ? f : f + 1.0;
  switch (q) {  // a tie between f and f + 1
    case ApRounding::Rnd:
      return f + 1.0;
    case ApRounding::RndZero:
      return s > 0 ? f : f + 1.0;
    case ApRounding::RndMinInf:
      return f;
    case ApRounding::RndInf:
      return s > 0 ? f + 1.0 : f;
    default:  // RndConv
      return std::fmod(f, 2.0) == 0.0 ? f : f + 1.0;
  }
}

}  // namespace

double ApFixed::step() const {
  return std::exp2(integer - width);
}

std::int64_t ApFixed::min_code() const {
  return is_signed ? -(std::int64_t{1} << (width - 1)) : 0;
}

std::int64_t ApFixed::max_code() const {
  return is_signed ? (std::int64_t{1} << (width - 1)) - 1 : (std::int64_t{1} << width) - 1;
}

std::int64_t ApFixed::code(double x) const {
  if (std::isnan(x)) return 0;
  const double q = quantise(x / step(), rounding);
  const double lo = static_cast<double>(min_code()), hi = static_cast<double>(max_code());
  if (q >= lo && q <= hi) return static_cast<std::int64_t>(q);
  switch (overflow) {
    case ApOverflow::Sat:
      return q > hi ? max_code() : min_code();
    case ApOverflow::SatZero:
      return 0;
    case ApOverflow::SatSym:
      return q > hi ? max_code() : (is_signed ? -max_code() : 0);
    case ApOverflow::Wrap:
      break;
  }
  // Keep the low W bits of the two's-complement code (the quantised value, huge or not, modulo 2^W).
  const double modulus = std::exp2(width);
  double r = std::fmod(q, modulus);
  if (r < 0) r += modulus;
  auto c = static_cast<std::int64_t>(r);
  if (is_signed && c > max_code()) c -= std::int64_t{1} << width;
  return c;
}

std::string ApFixed::str() const {
  std::string modes;
  if (rounding != ApRounding::Trn || overflow != ApOverflow::Wrap) {
    const auto r =
        std::find_if(roundings().begin(), roundings().end(), [&](auto& p) { return p.second == rounding; });
    modes += "," + r->first;
    if (overflow != ApOverflow::Wrap) {
      const auto o =
          std::find_if(overflows().begin(), overflows().end(), [&](auto& p) { return p.second == overflow; });
      modes += "," + o->first;
    }
  }
  return fmt::format("{}<{},{}{}>", is_signed ? "ap_fixed" : "ap_ufixed", width, integer, modes);
}

ApFixed parse_ap_fixed(const std::string& text) {
  const std::string t = trim(text);
  const auto lt = t.find('<'), gt = t.rfind('>');
  const auto bad = [&]() {
    throw_input("precision '{}': expected ap_fixed<W,I[,Q,O]>, ap_ufixed<W,I[,Q,O]>, ap_int<W> or ap_uint<W>",
                text);
  };
  if (lt == std::string::npos || gt == std::string::npos || gt < lt || gt + 1 != t.size()) bad();
  const std::string type = trim(t.substr(0, lt));
  std::vector<std::string> parts;
  std::string cur;
  for (char c : t.substr(lt + 1, gt - lt - 1) + ",") {
    if (c == ',') {
      parts.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  const auto integer_at = [&](std::size_t i) {
    const std::string& s = parts.at(i);
    if (s.empty() || !std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(),
                                  [](char d) { return std::isdigit(static_cast<unsigned char>(d)); }))
      bad();
    return std::stoi(s);
  };
  ApFixed a;
  std::size_t next = 0;
  if (type == "ap_fixed" || type == "ap_ufixed") {
    if (parts.size() < 2 || parts.size() > 5) bad();
    a.width = integer_at(0);
    a.integer = integer_at(1);
    a.is_signed = type == "ap_fixed";
    next = 2;
  } else if (type == "ap_int" || type == "ap_uint") {
    if (parts.size() != 1) bad();
    a.width = integer_at(0);
    a.is_signed = type == "ap_int";
    a.integer = a.width;
    next = 1;
  } else {
    bad();
  }
  if (a.width < 1 || a.width > kMaxWidth)
    throw_input("precision '{}': width must be in 1..{}", text, kMaxWidth);
  if (next < parts.size()) {
    const auto r =
        std::find_if(roundings().begin(), roundings().end(), [&](auto& p) { return p.first == parts[next]; });
    if (r == roundings().end())
      throw_input("precision '{}': unknown quantisation mode '{}'", text, parts[next]);
    a.rounding = r->second;
    ++next;
  }
  if (next < parts.size()) {
    const auto o =
        std::find_if(overflows().begin(), overflows().end(), [&](auto& p) { return p.first == parts[next]; });
    if (o == overflows().end())
      throw_input("precision '{}': unsupported overflow mode '{}' (AP_WRAP, AP_SAT, AP_SAT_ZERO, AP_SAT_SYM)",
                  text, parts[next]);
    a.overflow = o->second;
    ++next;
  }
  if (next < parts.size() && integer_at(next) != 0)
    throw_input("precision '{}': saturation bits N > 0 are not supported", text);
  return a;
}

}  // namespace edgeq::core
