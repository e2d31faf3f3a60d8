#include "edgeq/core/tensor.hpp"

#include <cstdlib>
#include <cstring>

#include "edgeq/core/error.hpp"

namespace edgeq::core {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32:
      return 4;
    case DType::F16:
    case DType::I16:
      return 2;
    case DType::I8:
    case DType::U8:
    case DType::Bool:
      return 1;
    case DType::I32:
      return 4;
    case DType::I64:
      return 8;
  }
  return 1;
}

std::string dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "float32";
    case DType::F16:
      return "float16";
    case DType::I8:
      return "int8";
    case DType::U8:
      return "uint8";
    case DType::I16:
      return "int16";
    case DType::I32:
      return "int32";
    case DType::I64:
      return "int64";
    case DType::Bool:
      return "bool";
  }
  return "?";
}

std::int64_t numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string shape_str(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s.push_back('x');
    s.append(shape[i] < 0 ? "?" : std::to_string(shape[i]));
  }
  return s;
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (auto d : shape_)
    if (d < 0) throw_internal("tensor with unknown dimension {}", shape_str(shape_));
  const std::size_t n = std::max<std::size_t>(bytes(), 1);
  const std::size_t rounded = (n + 63) / 64 * 64;
  auto* p = static_cast<std::byte*>(std::aligned_alloc(64, rounded));
  if (!p) throw_internal("out of memory allocating {} bytes", rounded);
  std::memset(p, 0, rounded);
  storage_ = std::shared_ptr<std::byte[]>(p, [](std::byte* q) { std::free(q); });
  capacity_ = rounded;
}

Tensor Tensor::view(DType dtype, Shape shape) const {
  const auto need = static_cast<std::size_t>(core::numel(shape)) * dtype_size(dtype);
  if (need > capacity_) throw_internal("view of {} bytes exceeds the {}-byte buffer", need, capacity_);
  Tensor t = *this;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (core::numel(shape) != numel())
    throw_internal("cannot view {} as {}", shape_str(shape_), shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (storage_) std::memcpy(t.raw(), raw(), bytes());
  return t;
}

void Tensor::type_mismatch(DType wanted) const {
  throw_internal("tensor holds {} but was accessed as {}", dtype_name(dtype_), dtype_name(wanted));
}

std::int64_t Tensor::int_value(std::int64_t i) const {
  switch (dtype_) {
    case DType::I8:
      return data<std::int8_t>()[i];
    case DType::U8:
      return data<std::uint8_t>()[i];
    case DType::Bool:
      return static_cast<const std::uint8_t*>(raw())[i];
    case DType::I16:
      return data<std::int16_t>()[i];
    case DType::I32:
      return data<std::int32_t>()[i];
    case DType::I64:
      return data<std::int64_t>()[i];
    default:
      throw_internal("int_value of a {} tensor", dtype_name(dtype_));
  }
}

}  // namespace edgeq::core
