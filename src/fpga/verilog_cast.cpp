#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/verilog.hpp"
#include "verilog_internal.hpp"

namespace edgeq::fpga {

namespace rtl {

std::string literal(std::int64_t code, int width) {
  const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  return fmt::format("{}'h{:x}", width, static_cast<std::uint64_t>(code) & mask);
}

std::string extend(const std::string& expr, int from, bool is_signed, int to) {
  if (to <= from) return to == from ? expr : fmt::format("{}[{}:0]", expr, to - 1);
  // The sign bit: expr[from - 1] for a name, name[low + from - 1] for a part select name[high:low].
  std::string sign = fmt::format("{}[{}]", expr, from - 1);
  if (const auto open = expr.find('['); open != std::string::npos) {
    const auto colon = expr.find(':', open);
    if (colon == std::string::npos || expr.back() != ']') throw_internal("cannot sign-extend '{}'", expr);
    const int low = std::stoi(expr.substr(colon + 1, expr.size() - colon - 2));
    sign = fmt::format("{}[{}]", expr.substr(0, open), low + from - 1);
  }
  const std::string fill =
      is_signed ? fmt::format("{{{}{{{}}}}}", to - from, sign) : fmt::format("{{{}{{1'b0}}}}", to - from);
  return fmt::format("{{{}, {}}}", fill, expr);
}

std::string identifier(const std::string& name) {
  std::string s;
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "l_" + s;
  return s;
}

std::string cast_function(const std::string& name, Operand in, const core::ApFixed& to) {
  using core::ApOverflow;
  using core::ApRounding;
  std::string b;
  const int wo = to.width;
  const int v_w = in.is_signed ? in.width : in.width + 1;  // as a signed number
  const int s = in.frac - (to.width - to.integer);
  auto out = std::back_inserter(b);
  fmt::format_to(out, "  function automatic [{}:0] {}(input [{}:0] v_in);\n", wo - 1, name, in.width - 1);
  int wq = 0;
  if (s <= 0) {
    wq = v_w - s;
    fmt::format_to(out, "    reg [{}:0] q;\n    begin\n", wq - 1);
    const std::string v = extend("v_in", in.width, in.is_signed, v_w);
    fmt::format_to(out, "      q = {};\n", s == 0 ? v : fmt::format("{{{}, {}'b0}}", v, -s));
  } else {
    const int vw = std::max(v_w, s + 2);
    wq = vw + 1;
    fmt::format_to(out, "    reg [{}:0] v;\n    reg [{}:0] fl;\n    reg inc;\n    reg [{}:0] q;\n    begin\n",
                   vw - 1, vw - 1, wq - 1);
    fmt::format_to(out, "      v = {};\n", extend("v_in", in.width, in.is_signed, vw));
    fmt::format_to(out, "      fl = {};\n", extend(fmt::format("v[{}:{}]", vw - 1, s), vw - s, true, vw));
    const std::string half = fmt::format("v[{}]", s - 1);
    const std::string lower = s >= 2 ? fmt::format("(|v[{}:0])", s - 2) : "1'b0";
    const std::string neg = fmt::format("v[{}]", vw - 1);
    std::string inc;
    switch (to.rounding) {
      case ApRounding::Trn:
        inc = "1'b0";
        break;
      case ApRounding::TrnZero:
        inc = fmt::format("{} & (|v[{}:0])", neg, s - 1);
        break;
      case ApRounding::Rnd:
        inc = half;
        break;
      case ApRounding::RndZero:
        inc = fmt::format("{} & ({} | {})", half, lower, neg);
        break;
      case ApRounding::RndMinInf:
        inc = fmt::format("{} & {}", half, lower);
        break;
      case ApRounding::RndInf:
        inc = fmt::format("{} & ({} | ~{})", half, lower, neg);
        break;
      case ApRounding::RndConv:
        inc = fmt::format("{} & ({} | fl[0])", half, lower);
        break;
    }
    fmt::format_to(out, "      inc = {};\n", inc);
    fmt::format_to(out, "      q = {} + {{{}'b0, inc}};\n", extend("fl", vw, true, wq), wq - 1);
  }
  // q is a signed wq-bit number; assign it to the output type.
  const bool fits = to.is_signed && wq <= wo;
  if (fits || to.overflow == ApOverflow::Wrap) {
    fmt::format_to(out, "      {} = {};\n", name, extend("q", wq, true, wo));
  } else {
    const int cw = std::max(wq, wo + 2);
    const std::string qc = extend("q", wq, true, cw);
    const std::string hi = fmt::format("($signed({}) > $signed({}))", qc, literal(to.max_code(), cw));
    const std::string lo = fmt::format("($signed({}) < $signed({}))", qc, literal(to.min_code(), cw));
    const std::string low_bits = extend("q", wq, true, wo);
    std::string at_lo = literal(to.min_code(), wo);
    if (to.overflow == ApOverflow::SatZero) {
      fmt::format_to(out, "      {} = ({} || {}) ? {} : {};\n", name, hi, lo, literal(0, wo), low_bits);
    } else {
      if (to.overflow == ApOverflow::SatSym) at_lo = literal(to.is_signed ? -to.max_code() : 0, wo);
      fmt::format_to(out, "      {} = {} ? {} : {} ? {} : {};\n", name, hi, literal(to.max_code(), wo), lo,
                     at_lo, low_bits);
    }
  }
  fmt::format_to(out, "    end\n  endfunction\n");
  return b;
}

}  // namespace rtl

std::vector<std::pair<int, int>> csd_digits(std::int64_t c) {
  std::vector<std::pair<int, int>> d;
  int shift = 0;
  while (c != 0) {
    if (c & 1) {
      const int digit = 2 - static_cast<int>(((c % 4) + 4) % 4);  // +1 when c = 1 mod 4, -1 when c = 3 mod 4
      d.emplace_back(shift, digit);
      c -= digit;
    }
    c /= 2;
    ++shift;
  }
  return d;
}

std::string pack_hex(std::span<const std::int64_t> codes, const core::ApFixed& t) {
  const std::size_t bits = codes.size() * static_cast<std::size_t>(t.width);
  std::vector<std::uint8_t> bit(bits, 0);
  for (std::size_t k = 0; k < codes.size(); ++k)
    for (int b = 0; b < t.width; ++b)
      bit[k * static_cast<std::size_t>(t.width) + static_cast<std::size_t>(b)] =
          static_cast<std::uint8_t>((static_cast<std::uint64_t>(codes[k]) >> b) & 1);
  std::string hex;
  for (std::size_t nib = (bits + 3) / 4; nib-- > 0;) {
    int v = 0;
    for (int b = 3; b >= 0; --b) {
      const std::size_t i = nib * 4 + static_cast<std::size_t>(b);
      v = v * 2 + (i < bits ? bit[i] : 0);
    }
    hex += "0123456789abcdef"[v];
  }
  return hex;
}

std::vector<std::int64_t> unpack_hex(const std::string& line, int count, const core::ApFixed& t) {
  const std::size_t bits = static_cast<std::size_t>(count) * static_cast<std::size_t>(t.width);
  std::vector<std::uint8_t> bit(line.size() * 4, 0);
  for (std::size_t n = 0; n < line.size(); ++n) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[line.size() - 1 - n])));
    int v = 0;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      throw_input("malformed hex vector '{}'", line);
    for (int b = 0; b < 4; ++b)
      bit[n * 4 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>((v >> b) & 1);
  }
  if (bit.size() < bits) throw_input("hex vector '{}' has {} bits, expected {}", line, bit.size(), bits);
  std::vector<std::int64_t> codes(static_cast<std::size_t>(count));
  for (std::size_t k = 0; k < codes.size(); ++k) {
    std::uint64_t u = 0;
    for (int b = t.width; b-- > 0;)
      u = (u << 1) | bit[k * static_cast<std::size_t>(t.width) + static_cast<std::size_t>(b)];
    auto c = static_cast<std::int64_t>(u);
    if (t.is_signed && c > t.max_code()) c -= std::int64_t{1} << t.width;
    codes[k] = c;
  }
  return codes;
}

}  // namespace edgeq::fpga
