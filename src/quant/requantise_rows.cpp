#include "edgeq/quant/requantise_rows.hpp"

#include <immintrin.h>

#include <algorithm>
#include <limits>
#include <type_traits>

#include "edgeq/core/error.hpp"

namespace edgeq::quant {

namespace {

struct Avx2Constants {
  __m256i zero, nudge, int_max, limit, zp;
};

/// Eight channels [k, k + 8) of one row: int32 codes before packing (zero point added, not clamped).
/// Clears `within` lanes where |acc| >= limit (unsigned compare: |INT32_MIN| wraps to 2^31).
template <bool kLeft>
__attribute__((target("avx2"), always_inline)) inline void requantise8(
    const std::int32_t* acc, const std::int32_t* bias, const std::int32_t* mult, const std::int32_t* left,
    const std::int32_t* right, const std::int32_t* mask, const std::int32_t* half_mask,
    const Avx2Constants& c, __m256i& within, __m256i& out) {
  const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc));
  within =
      _mm256_and_si256(within, _mm256_cmpeq_epi32(_mm256_max_epu32(_mm256_abs_epi32(raw), c.limit), c.limit));
  __m256i x = _mm256_add_epi32(raw, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias)));
  if constexpr (kLeft) {  // x * 2^left saturated to int32
    const __m256i l = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(left));
    const __m256i shifted = _mm256_sllv_epi32(x, l);
    const __m256i saturated = _mm256_xor_si256(c.int_max, _mm256_cmpgt_epi32(c.zero, x));
    const __m256i exact = _mm256_cmpeq_epi32(_mm256_srav_epi32(shifted, l), x);
    x = _mm256_blendv_epi8(saturated, shifted, exact);
  }
  // floor((x * m + 2^30) / 2^31): even lanes from the low dwords, odd lanes from x >> 32 and m one element
  // on.
  const __m256i even = _mm256_srli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mult))),
                       c.nudge),
      31);
  const __m256i odd = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32),
                                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mult + 1))),
                       c.nudge),
      1);
  const __m256i h = _mm256_blend_epi32(even, odd, 0xaa);
  // Rounding divide by 2^right, ties away from zero.
  const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(right));
  const __m256i rem = _mm256_and_si256(h, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask)));
  const __m256i thr = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(half_mask)),
                                       _mm256_cmpgt_epi32(c.zero, h));
  out = _mm256_add_epi32(_mm256_sub_epi32(_mm256_srav_epi32(h, e), _mm256_cmpgt_epi32(rem, thr)), c.zp);
}

/// Packs 4 x 8 int32 codes into 32 saturated bytes in channel order.
template <typename T>
__attribute__((target("avx2"), always_inline)) inline void pack32(const __m256i* v, __m256i& out) {
  const __m256i lo = _mm256_packs_epi32(v[0], v[1]), hi = _mm256_packs_epi32(v[2], v[3]);
  const __m256i bytes =
      std::is_same_v<T, std::uint8_t> ? _mm256_packus_epi16(lo, hi) : _mm256_packs_epi16(lo, hi);
  out = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

template <typename T>
__attribute__((target("avx2"), always_inline)) inline void clamp_bytes(__m256i& v, const __m256i& lo,
                                                                       const __m256i& hi) {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    v = _mm256_min_epu8(_mm256_max_epu8(v, lo), hi);
  else
    v = _mm256_min_epi8(_mm256_max_epi8(v, lo), hi);
}

}  // namespace

RowRequantiser::RowRequantiser(std::vector<std::int32_t> bias,
                               const std::vector<QuantizedMultiplier>& multipliers, std::int64_t channels,
                               std::int32_t zero_point, std::int32_t lo, std::int32_t hi)
    : channels_(channels), zero_point_(zero_point), lo_(lo), hi_(hi) {
  const auto ch = static_cast<std::size_t>(channels);
  if (channels <= 0 || (!bias.empty() && bias.size() != ch) ||
      (multipliers.size() != 1 && multipliers.size() != ch) || lo > hi)
    throw_input("requantisation: {} channels, {} biases, {} multipliers, range [{}, {}]", channels,
                bias.size(), multipliers.size(), lo, hi);
  bias_ = bias.empty() ? std::vector<std::int32_t>(ch, 0) : std::move(bias);
  for (std::size_t k = 0; k < ch; ++k) {
    const auto& m = multipliers[multipliers.size() == 1 ? 0 : k];
    const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
    qm_.push_back(m);
    mult_.push_back(m.multiplier);
    left_.push_back(left);
    right_.push_back(right);
    mask_.push_back(static_cast<std::int32_t>((std::int64_t{1} << right) - 1));
    half_mask_.push_back(mask_.back() >> 1);
    any_left_ = any_left_ || left > 0;
  }
  for (auto* v : {&bias_, &mult_, &left_, &right_, &mask_, &half_mask_}) v->push_back(0);
  simd_available_ = simd_ = __builtin_cpu_supports("avx2");
}

template <typename T>
void RowRequantiser::scalar_row(const std::int32_t* acc, std::int64_t from, T* out) const {
  for (std::int64_t k = from; k < channels_; ++k) {
    const auto i = static_cast<std::size_t>(k);
    // acc + bias wraps as in the SIMD path (no caller's bias overflows int32 in practice)
    const auto x =
        static_cast<std::int32_t>(static_cast<std::uint32_t>(acc[k]) + static_cast<std::uint32_t>(bias_[i]));
    const std::int32_t v = multiply_by_quantized_multiplier(x, qm_[i]) + zero_point_;
    out[k] = static_cast<T>(std::clamp(v, lo_, hi_));
  }
}

namespace {

template <typename T, bool kLeft>
__attribute__((target("avx2"))) std::int64_t requantise_rows_avx2(
    const std::int32_t* acc, std::int64_t rows, std::int64_t ch, T* out, const std::int32_t* bias,
    const std::int32_t* mult, const std::int32_t* left, const std::int32_t* right, const std::int32_t* mask,
    const std::int32_t* half_mask, std::int32_t zp, std::int32_t lo, std::int32_t hi, std::int32_t limit,
    bool& over_any) {
  Avx2Constants c;
  c.zero = _mm256_setzero_si256();
  c.nudge = _mm256_set1_epi64x(std::int64_t{1} << 30);
  c.int_max = _mm256_set1_epi32(std::numeric_limits<std::int32_t>::max());
  c.limit = _mm256_set1_epi32(limit - 1);
  c.zp = _mm256_set1_epi32(zp);
  const __m256i blo = _mm256_set1_epi8(static_cast<char>(lo)), bhi = _mm256_set1_epi8(static_cast<char>(hi));
  __m256i within = _mm256_set1_epi32(-1);
  const std::int64_t done = ch / 8 * 8;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int32_t* a = acc + r * ch;
    T* o = out + r * ch;
    std::int64_t k = 0;
    for (; k + 32 <= ch; k += 32) {
      __m256i v[4], packed;
      for (int j = 0; j < 4; ++j) {
        const std::int64_t kk = k + 8 * j;
        requantise8<kLeft>(a + kk, bias + kk, mult + kk, left + kk, right + kk, mask + kk, half_mask + kk, c,
                           within, v[j]);
      }
      pack32<T>(v, packed);
      clamp_bytes<T>(packed, blo, bhi);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + k), packed);
    }
    for (; k < done; k += 8) {
      __m256i v[4], packed;
      requantise8<kLeft>(a + k, bias + k, mult + k, left + k, right + k, mask + k, half_mask + k, c, within,
                         v[0]);
      v[1] = v[2] = v[3] = v[0];
      pack32<T>(v, packed);
      clamp_bytes<T>(packed, blo, bhi);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(o + k), _mm256_castsi256_si128(packed));
    }
  }
  over_any = _mm256_movemask_epi8(within) != -1;
  return done;
}

}  // namespace

template <typename T>
bool RowRequantiser::run(const std::int32_t* acc, std::int64_t rows, T* out, std::int32_t exact_limit) const {
  static_assert(std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t>);
  bool over = false;
  std::int64_t done = 0;
  if (simd_) {
    const auto f = any_left_ ? requantise_rows_avx2<T, true> : requantise_rows_avx2<T, false>;
    done = f(acc, rows, channels_, out, bias_.data(), mult_.data(), left_.data(), right_.data(), mask_.data(),
             half_mask_.data(), zero_point_, lo_, hi_, exact_limit, over);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int32_t* a = acc + r * channels_;
    for (std::int64_t k = done; k < channels_; ++k)
      over = over || a[k] >= exact_limit || a[k] <= -exact_limit;
    scalar_row(a, done, out + r * channels_);
  }
  return over;
}

template bool RowRequantiser::run<std::int8_t>(const std::int32_t*, std::int64_t, std::int8_t*,
                                               std::int32_t) const;
template bool RowRequantiser::run<std::uint8_t>(const std::int32_t*, std::int64_t, std::uint8_t*,
                                                std::int32_t) const;

}  // namespace edgeq::quant
