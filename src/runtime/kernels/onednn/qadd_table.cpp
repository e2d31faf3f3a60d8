// Fast QAdd for 8-bit codes: the reference formula (TFLite ADD, kernels/reference/qlinear_eltwise.cpp)
// evaluated once for all 256 x 256 input pairs at prepare time, then one table lookup per element. Bit-exact
// with the reference by construction (tests/runtime/test_op_qadd.cpp). Not a oneDNN primitive; it lives with
// the fast kernels because the executor takes them from here.
#include <algorithm>

#include "edgeq/quant/qlinear_attrs.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
template <typename T>
class QAddTableKernel final : public Kernel {
 public:
  explicit QAddTableKernel(const quant::AddRequantisation& r) : table_(256 * 256) {
    constexpr int lo = std::is_signed_v<T> ? -128 : 0;
    const std::int32_t scale_up = std::int32_t{1} << r.left_shift;
    for (int a = lo; a < lo + 256; ++a) {
      const std::int32_t sa = quant::multiply_by_quantized_multiplier((a - r.a_zero_point) * scale_up, r.a);
      for (int b = lo; b < lo + 256; ++b) {
        const std::int32_t sb = quant::multiply_by_quantized_multiplier((b - r.b_zero_point) * scale_up, r.b);
        const std::int32_t v = quant::multiply_by_quantized_multiplier(sa + sb, r.y) + r.y_zero_point;
        table_[static_cast<std::size_t>((a - lo) * 256 + (b - lo))] =
            static_cast<T>(std::clamp(v, r.y_min, r.y_max));
      }
    }
  }

  void run(KernelContext& c) override {
    const auto* a = reinterpret_cast<const std::uint8_t*>(c.inputs[0]->raw());
    const auto* b = reinterpret_cast<const std::uint8_t*>(c.inputs[1]->raw());
    T* y = c.outputs[0]->data<T>();
    const std::int64_t n = c.outputs[0]->numel(), chunk = 16384;
    // Codes as unsigned bytes: flipping the sign bit maps int8 [-128, 127] onto table rows 0..255.
    constexpr std::uint8_t flip = std::is_signed_v<T> ? 0x80 : 0x00;
    const T* t = table_.data();
    // OpenMP, like oneDNN: its workers spin after each primitive, so they take this work at once.
    const auto jobs = static_cast<std::int64_t>((n + chunk - 1) / chunk);
#pragma omp parallel for schedule(static)
    for (std::int64_t job = 0; job < jobs; ++job) {
      const std::int64_t end = std::min(n, (job + 1) * chunk);
      for (std::int64_t i = job * chunk; i < end; ++i)
        y[i] = t[static_cast<std::size_t>(a[i] ^ flip) * 256 + (b[i] ^ flip)];
    }
  }
  const char* backend() const override {
    return "table";
  }

 private:
  std::vector<T> table_;
};
}  // namespace

std::unique_ptr<Kernel> make_qadd(const PrepareContext& c) {
  const auto t = c.graph.info(c.node.inputs[0]).dtype;
  const auto r = quant::AddRequantisation::read(c.node);
  if (t == core::DType::I8) return std::make_unique<QAddTableKernel<std::int8_t>>(r);
  if (t == core::DType::U8) return std::make_unique<QAddTableKernel<std::uint8_t>>(r);
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
