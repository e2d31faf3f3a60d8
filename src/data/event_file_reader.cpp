#include <cstring>
#include <mutex>

#include "edgeq/core/error.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/data/h5.hpp"

namespace edgeq::data {

// Debian's libhdf5 is not built thread-safe: every reader call holds this lock (data loaders read in
// background threads).
std::mutex& h5_mutex() {
  static std::mutex m;
  return m;
}

struct EventFileReader::Impl {
  std::string path;
  ImageLayout layout;
  h5::Handle fid, images;

  h5::Handle open_dataset(const std::string& name) const {
    if (H5Lexists(fid, name.c_str(), H5P_DEFAULT) <= 0) throw_input("{}: no dataset '{}'", path, name);
    return h5::Handle(h5::check(H5Dopen2(fid, name.c_str(), H5P_DEFAULT), "open " + name), H5Dclose);
  }
  std::vector<hsize_t> dims(hid_t ds) const {
    h5::Handle space(H5Dget_space(ds), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    return d;
  }
  template <typename T>
  std::vector<T> read_all(const std::string& name, hid_t mem_type) const {
    auto ds = open_dataset(name);
    std::size_t n = 1;
    for (auto d : dims(ds)) n *= d;
    std::vector<T> out(n);
    if (n > 0 && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      throw_input("{}: cannot read '{}'", path, name);
    return out;
  }
  void read_event(std::size_t index, hid_t mem_type, void* out) const;
  h5::Handle open_attr(const std::string& name) const {
    if (H5Aexists(fid, name.c_str()) <= 0) throw_input("{}: no attribute '{}'", path, name);
    return h5::Handle(h5::check(H5Aopen(fid, name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  }
};

EventFileReader::EventFileReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  const std::lock_guard lock(h5_mutex());
  h5::silence_errors();
  impl_->path = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw_input("data file '{}' not found", path.string());
  if (H5Fis_hdf5(path.c_str()) <= 0) throw_input("'{}' is not an HDF5 file", path.string());
  const hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (fid < 0) throw_input("cannot open HDF5 file '{}'", path.string());
  impl_->fid = h5::Handle(fid, H5Fclose);
  impl_->images = impl_->open_dataset("/images");
  const auto d = impl_->dims(impl_->images);
  if (d.size() != 4)
    throw_input("{}: /images must be 4-D [N, planes, H, W] (rank {})", path.string(), d.size());
  h5::Handle type(H5Dget_type(impl_->images), H5Tclose);
  const bool is_float = H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == 4;
  if (!is_float &&
      (H5Tget_class(type) != H5T_INTEGER || H5Tget_sign(type) != H5T_SGN_NONE || H5Tget_size(type) > 2))
    throw_input("{}: /images must be uint8, uint16 or float32", path.string());
  auto& l = impl_->layout;
  l.events = d[0];
  l.planes = static_cast<int>(d[1]);
  l.height = static_cast<int>(d[2]);
  l.width = static_cast<int>(d[3]);
  l.dtype =
      is_float ? ImageDtype::Float32 : (H5Tget_size(type) == 1 ? ImageDtype::UInt8 : ImageDtype::UInt16);
}

EventFileReader::~EventFileReader() {
  const std::lock_guard lock(h5_mutex());
  impl_.reset();
}

const ImageLayout& EventFileReader::layout() const {
  return impl_->layout;
}

std::vector<std::uint16_t> EventFileReader::read_image(std::size_t index) const {
  const auto& l = impl_->layout;
  if (l.dtype == ImageDtype::Float32)
    throw_input("{}: images are float32; read them with read_image_f32", impl_->path);
  std::vector<std::uint16_t> out(static_cast<std::size_t>(l.planes) * l.height * l.width);
  impl_->read_event(index, H5T_NATIVE_UINT16, out.data());
  return out;
}

void EventFileReader::read_image_f32(std::size_t index, float* out) const {
  impl_->read_event(index, H5T_NATIVE_FLOAT, out);
}

void EventFileReader::Impl::read_event(std::size_t index, hid_t mem_type, void* out) const {
  const std::lock_guard lock(h5_mutex());
  const auto& l = layout;
  if (index >= l.events)
    throw_input("{}: event index {} out of range (file has {} events)", path, index, l.events);
  const hsize_t start[4] = {index, 0, 0, 0};
  const hsize_t count[4] = {1, static_cast<hsize_t>(l.planes), static_cast<hsize_t>(l.height),
                            static_cast<hsize_t>(l.width)};
  h5::Handle fspace(H5Dget_space(images), H5Sclose);
  H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr);
  h5::Handle mspace(H5Screate_simple(4, count, nullptr), H5Sclose);
  if (H5Dread(images, mem_type, mspace, fspace, H5P_DEFAULT, out) < 0)
    throw_input("{}: cannot read image {}", path, index);
}

std::vector<std::int32_t> EventFileReader::labels() const {
  const std::lock_guard lock(h5_mutex());
  return impl_->read_all<std::int32_t>("/labels", H5T_NATIVE_INT32);
}

bool EventFileReader::has_truth(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  const std::string full = "/truth/" + name;
  // H5Lexists needs each path component to exist.
  std::size_t pos = 0;
  while ((pos = full.find('/', pos + 1)) != std::string::npos)
    if (H5Lexists(impl_->fid, full.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Lexists(impl_->fid, full.c_str(), H5P_DEFAULT) > 0;
}

std::vector<float> EventFileReader::truth_f32(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  return impl_->read_all<float>("/truth/" + name, H5T_NATIVE_FLOAT);
}

std::vector<std::int32_t> EventFileReader::truth_i32(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  return impl_->read_all<std::int32_t>("/truth/" + name, H5T_NATIVE_INT32);
}

bool EventFileReader::has_attribute(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  return H5Aexists(impl_->fid, name.c_str()) > 0;
}

std::string EventFileReader::attribute_string(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  auto attr = impl_->open_attr(name);
  auto s = h5::read_string(attr, "read attribute " + name);
  if (!s) throw_input("{}: attribute '{}' is not a string", impl_->path, name);
  return *s;
}

std::int64_t EventFileReader::attribute_int(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  auto attr = impl_->open_attr(name);
  std::int64_t v = 0;
  h5::check_status(H5Aread(attr, H5T_NATIVE_INT64, &v), "read attribute " + name);
  return v;
}

double EventFileReader::attribute_double(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  auto attr = impl_->open_attr(name);
  double v = 0;
  h5::check_status(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), "read attribute " + name);
  return v;
}

std::vector<std::string> EventFileReader::attribute_strings(const std::string& name) const {
  const std::lock_guard lock(h5_mutex());
  auto attr = impl_->open_attr(name);
  h5::Handle space(H5Aget_space(attr), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  h5::Handle ftype(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) <= 0)
    throw_input("{}: attribute '{}' is not a list of variable-length strings", impl_->path, name);
  h5::Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(mtype, H5Tget_cset(ftype));
  H5Tset_size(mtype, H5T_VARIABLE);
  std::vector<char*> ptrs(n, nullptr);
  h5::check_status(H5Aread(attr, mtype, ptrs.data()), "read attribute " + name);
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

}  // namespace edgeq::data
