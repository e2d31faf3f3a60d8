#include "edgeq/core/npy.hpp"

#include <cstring>
#include <fstream>
#include <regex>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::core {

namespace {
const char* descr(DType t) {
  switch (t) {
    case DType::F32:
      return "<f4";
    case DType::I8:
      return "|i1";
    case DType::U8:
      return "|u1";
    case DType::I16:
      return "<i2";
    case DType::F16:
      return "<f2";
    case DType::I32:
      return "<i4";
    case DType::I64:
      return "<i8";
    default:
      throw_input("cannot write {} tensors to .npy", dtype_name(t));
  }
}
}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input("cannot open '{}'", path.string());
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw_input("'{}' is not a .npy file", path.string());
  std::uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }
  if (!in || header_len > (1u << 20)) throw_input("'{}': bad .npy header", path.string());
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) throw_input("'{}': truncated .npy header", path.string());
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
    throw_input("'{}': .npy header has no descr", path.string());
  const std::string d = m[1];
  DType dtype;
  if (d == "<f4")
    dtype = DType::F32;
  else if (d == "|i1" || d == "<i1")
    dtype = DType::I8;
  else if (d == "|u1" || d == "<u1")
    dtype = DType::U8;
  else if (d == "<i2")
    dtype = DType::I16;
  else if (d == "<f2")
    dtype = DType::F16;
  else if (d == "<i4")
    dtype = DType::I32;
  else if (d == "<i8")
    dtype = DType::I64;
  else
    throw_input("'{}': unsupported .npy dtype '{}' (float32, float16, int8, uint8, int16, int32, int64)", path.string(), d);
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    throw_input("'{}': Fortran-ordered arrays are not supported (use np.ascontiguousarray)", path.string());
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw_input("'{}': .npy header has no shape", path.string());
  Shape shape;
  const std::string dims = m[1];
  const std::regex num("(\\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoll((*it)[1]));
  Tensor t(dtype, shape);
  if (!in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.bytes())))
    throw_input("'{}': truncated .npy data (expected {} bytes for {})", path.string(), t.bytes(),
                shape_str(shape));
  return t;
}

void write_npy(const std::filesystem::path& path, const Tensor& t) {
  std::string dims;
  for (auto d : t.shape()) dims.append(fmt::format("{}, ", d));
  if (t.shape().size() > 1)
    dims.resize(dims.size() - 2);  // "(2, 3)"; a 1-D shape keeps its comma: "(5,)"
  else if (t.shape().size() == 1)
    dims.pop_back();
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr(t.dtype()), dims);
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>((header.size() >> 8) & 0xff));
  out.append(header);
  out.append(static_cast<const char*>(t.raw()), t.bytes());
  write_file_atomic(path, out);
}

}  // namespace edgeq::core
