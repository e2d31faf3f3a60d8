// Dense tensor buffer: element type, shape (row-major, outermost first) and 64-byte aligned storage shared
// between copies (copy = shallow; clone() = deep). Used by the graph (initializers) and the runtime.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace edgeq::core {

enum class DType : std::uint8_t { F32, F16, I8, U8, I16, I32, I64, Bool };
std::size_t dtype_size(DType t);
std::string dtype_name(DType t);

using Shape = std::vector<std::int64_t>;
/// Product of dims; 1 for a scalar (empty shape). Dims must be >= 0.
std::int64_t numel(const Shape& shape);
std::string shape_str(const Shape& shape);  ///< "1x3x200x200"

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::F32;
}
template <>
constexpr DType dtype_of<std::int8_t>() {
  return DType::I8;
}
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::U8;
}
template <>
constexpr DType dtype_of<std::int16_t>() {
  return DType::I16;
}
template <>
constexpr DType dtype_of<std::int32_t>() {
  return DType::I32;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::I64;
}

class Tensor {
 public:
  Tensor() = default;
  /// Zero-filled tensor.
  Tensor(DType dtype, Shape shape);
  template <typename T>
  static Tensor from(Shape shape, std::span<const T> values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t numel() const { return core::numel(shape_); }
  std::size_t bytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
  bool empty() const { return !storage_; }
  /// Same storage viewed with another shape of equal element count.
  Tensor reshaped(Shape shape) const;
  /// Same storage viewed as another dtype and shape that fit in the allocated capacity (buffer reuse).
  Tensor view(DType dtype, Shape shape) const;
  std::size_t capacity_bytes() const { return capacity_; }
  Tensor clone() const;

  template <typename T>
  T* data() {
    check<T>();
    return reinterpret_cast<T*>(storage_.get());
  }
  template <typename T>
  const T* data() const {
    check<T>();
    return reinterpret_cast<const T*>(storage_.get());
  }
  template <typename T>
  std::span<T> span() {
    return {data<T>(), static_cast<std::size_t>(numel())};
  }
  template <typename T>
  std::span<const T> span() const {
    return {data<T>(), static_cast<std::size_t>(numel())};
  }
  void* raw() { return storage_.get(); }
  const void* raw() const { return storage_.get(); }
  /// Element i of an integer or bool tensor (zero points, shapes); throws Error(Internal) for float ones.
  std::int64_t int_value(std::int64_t i) const;

 private:
  template <typename T>
  void check() const {
    if (dtype_ != dtype_of<T>()) type_mismatch(dtype_of<T>());
  }
  [[noreturn]] void type_mismatch(DType wanted) const;

  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<std::byte[]> storage_;
  std::size_t capacity_ = 0;
};

}  // namespace edgeq::core
