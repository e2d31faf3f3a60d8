#include <zlib.h>

#include <optional>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/data/h5.hpp"

namespace edgeq::data {

std::size_t dtype_size(ImageDtype t) {
  switch (t) {
    case ImageDtype::UInt8:
      return 1;
    case ImageDtype::UInt16:
      return 2;
    case ImageDtype::Float32:
      return 4;
  }
  return 1;
}

std::vector<unsigned char> compress_chunk(std::span<const unsigned char> raw, int level) {
  if (level <= 0) return {raw.begin(), raw.end()};
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<unsigned char> out(size);
  if (compress2(out.data(), &size, raw.data(), static_cast<uLong>(raw.size()), level) != Z_OK)
    throw_internal("zlib compression failed");
  out.resize(size);
  return out;
}

struct EventFileWriter::Impl {
  core::AtomicFile file;
  ImageLayout layout;
  h5::Handle fid, images;
  explicit Impl(const std::filesystem::path& p) : file(p) {}

  h5::Handle create_dataset(const std::string& path, hid_t type, const std::vector<hsize_t>& dims,
                            const std::vector<hsize_t>& chunk, int deflate) {
    h5::Handle space(
        h5::check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "dataspace"),
        H5Sclose);
    h5::Handle dcpl(h5::check(H5Pcreate(H5P_DATASET_CREATE), "dcpl"), H5Pclose);
    h5::check_status(H5Pset_obj_track_times(dcpl, false), "track times");
    h5::check_status(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunk " + path);
    if (deflate > 0)
      h5::check_status(H5Pset_deflate(dcpl, static_cast<unsigned>(deflate)), "deflate " + path);
    h5::Handle lcpl(h5::check(H5Pcreate(H5P_LINK_CREATE), "lcpl"), H5Pclose);
    h5::check_status(H5Pset_create_intermediate_group(lcpl, 1), "intermediate groups");
    return h5::Handle(
        h5::check(H5Dcreate2(fid, path.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT), "create " + path),
        H5Dclose);
  }

  template <typename T>
  void write_table(const std::string& path, hid_t type, std::span<const T> values, std::size_t width) {
    if (width == 0 || values.size() % width != 0)
      throw_internal("dataset {}: {} values not rows of {}", path, values.size(), width);
    const hsize_t rows = values.size() / width;
    std::vector<hsize_t> dims{rows}, chunk{std::max<hsize_t>(1, std::min<hsize_t>(rows, 8192))};
    if (width > 1) {
      dims.push_back(width);
      chunk.push_back(width);
    }
    auto ds = create_dataset(path, type, dims, chunk, 4);
    if (rows > 0)
      h5::check_status(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "write " + path);
  }
};

EventFileWriter::EventFileWriter(const std::filesystem::path& path, const ImageLayout& layout)
    : impl_(std::make_unique<Impl>(path)) {
  h5::silence_errors();
  impl_->layout = layout;
  h5::Handle fcpl(h5::check(H5Pcreate(H5P_FILE_CREATE), "fcpl"), H5Pclose);
  h5::check_status(H5Pset_obj_track_times(fcpl, false), "track times");
  const hid_t fid = H5Fcreate(impl_->file.temp_path().c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  if (fid < 0) throw_input("cannot create HDF5 file '{}'", impl_->file.temp_path().string());
  impl_->fid = h5::Handle(fid, H5Fclose);
  const hid_t type = layout.dtype == ImageDtype::UInt8
                         ? H5T_STD_U8LE
                         : (layout.dtype == ImageDtype::UInt16 ? H5T_STD_U16LE : H5T_IEEE_F32LE);
  const auto p = static_cast<hsize_t>(layout.planes), h = static_cast<hsize_t>(layout.height),
             w = static_cast<hsize_t>(layout.width);
  impl_->images =
      impl_->create_dataset("/images", type, {layout.events, p, h, w}, {1, p, h, w}, layout.deflate_level);
}

EventFileWriter::~EventFileWriter() = default;

void EventFileWriter::write_image_chunk(std::size_t index, std::span<const unsigned char> chunk) {
  if (index >= impl_->layout.events) throw_internal("event index {} out of range", index);
  const hsize_t offset[4] = {index, 0, 0, 0};
  h5::check_status(H5Dwrite_chunk(impl_->images, H5P_DEFAULT, 0, offset, chunk.size(), chunk.data()),
                   "write image chunk");
}

void EventFileWriter::write_labels(std::span<const std::int32_t> labels) {
  impl_->write_table("/labels", H5T_STD_I32LE, labels, 1);
}

void EventFileWriter::write_truth(const std::string& name, std::span<const float> values, std::size_t width) {
  impl_->write_table("/truth/" + name, H5T_IEEE_F32LE, values, width);
}

void EventFileWriter::write_truth(const std::string& name, std::span<const std::int32_t> values,
                                  std::size_t width) {
  impl_->write_table("/truth/" + name, H5T_STD_I32LE, values, width);
}

namespace {
void write_attr(hid_t fid, const std::string& name, hid_t type, hid_t space, const void* data) {
  h5::Handle attr(
      h5::check(H5Acreate2(fid, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "attribute " + name),
      H5Aclose);
  h5::check_status(H5Awrite(attr, type, data), "write attribute " + name);
}
h5::Handle utf8_string_type() {
  h5::Handle t(h5::check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}
}  // namespace

void EventFileWriter::set_attribute(const std::string& name, const std::string& value) {
  auto type = utf8_string_type();
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const char* ptr = value.c_str();
  write_attr(impl_->fid, name, type, space, &ptr);
}

void EventFileWriter::set_attribute(const std::string& name, std::int64_t value) {
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(impl_->fid, name, H5T_STD_I64LE, space, &value);
}

void EventFileWriter::set_attribute(const std::string& name, double value) {
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(impl_->fid, name, H5T_IEEE_F64LE, space, &value);
}

void EventFileWriter::set_attribute(const std::string& name, const std::vector<std::string>& values) {
  auto type = utf8_string_type();
  const hsize_t n = values.size();
  h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write_attr(impl_->fid, name, type, space, ptrs.data());
}

void EventFileWriter::commit() {
  impl_->images.reset();
  h5::check_status(H5Fflush(impl_->fid, H5F_SCOPE_GLOBAL), "flush");
  impl_->fid.reset();
  impl_->file.commit();
}

}  // namespace edgeq::data
