#include "edgeq/data/keras_weights.hpp"

#include <fmt/format.h>

#include <cstring>
#include <mutex>

#include "edgeq/core/error.hpp"
#include "edgeq/data/h5.hpp"

namespace edgeq::data {

namespace {
std::vector<std::string> string_list_attribute(hid_t obj, const char* name, const std::string& where) {
  std::vector<std::string> out;
  if (H5Aexists(obj, name) <= 0) return out;
  h5::Handle attr(h5::check(H5Aopen(obj, name, H5P_DEFAULT), where), H5Aclose);
  h5::Handle space(H5Aget_space(attr), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  h5::Handle ftype(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(ftype) != H5T_STRING) return out;  // h5py writes an empty float array for no weights
  h5::Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
  if (H5Tis_variable_str(ftype) > 0) {
    H5Tset_size(mtype, H5T_VARIABLE);
    std::vector<char*> ptrs(n, nullptr);
    h5::check_status(H5Aread(attr, mtype, ptrs.data()), where);
    for (char* p : ptrs) {
      out.emplace_back(p ? p : "");
      H5free_memory(p);
    }
    return out;
  }
  const std::size_t size = H5Tget_size(ftype);
  H5Tset_size(mtype, size);
  H5Tset_strpad(mtype, H5T_STR_NULLPAD);  // h5py's fixed-length strings ('|S17') are padded, not terminated
  std::vector<char> buf(n * size);
  h5::check_status(H5Aread(attr, mtype, buf.data()), where);
  for (std::size_t i = 0; i < n; ++i)
    out.emplace_back(buf.data() + i * size, strnlen(buf.data() + i * size, size));
  return out;
}

std::string string_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return "";
  h5::Handle attr(h5::check(H5Aopen(obj, name, H5P_DEFAULT), name), H5Aclose);
  return h5::read_string(attr, name).value_or("");
}

core::Tensor read_float_dataset(hid_t file, const std::string& path, const std::string& origin) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0)
    throw_input("{}: weight '{}' is missing", origin, path);
  h5::Handle ds(h5::check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open " + path), H5Dclose);
  h5::Handle type(H5Dget_type(ds), H5Tclose);
  if (H5Tget_class(type) != H5T_FLOAT) throw_input("{}: weight '{}' is not a float array", origin, path);
  h5::Handle space(H5Dget_space(ds), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  core::Shape shape;
  for (auto d : dims) shape.push_back(static_cast<std::int64_t>(d));
  core::Tensor t(core::DType::F32, shape);
  h5::check_status(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data<float>()),
                   "read " + path);
  return t;
}
}  // namespace

KerasH5 read_keras_h5(const std::filesystem::path& path) {
  const std::lock_guard lock(h5_mutex());
  h5::silence_errors();
  const std::string origin = path.string();
  if (H5Fis_hdf5(origin.c_str()) <= 0)
    throw_input(
        "{}: not an HDF5 file (Keras 3 .keras archives are not supported; save with model.save('m.h5'))",
        origin);
  h5::Handle file(H5Fopen(origin.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) throw_input("{}: cannot open as HDF5", origin);
  KerasH5 out;
  out.model_config = string_attribute(file, "model_config");
  std::string root = "/";
  if (H5Lexists(file, "model_weights", H5P_DEFAULT) > 0) root = "/model_weights/";
  h5::Handle group(h5::check(H5Gopen2(file, root.c_str(), H5P_DEFAULT), "open " + root), H5Gclose);
  const auto layer_names = string_list_attribute(group, "layer_names", origin);
  std::vector<std::string> layers = layer_names;
  if (layers.empty()) {
    H5G_info_t info{};
    H5Gget_info(group, &info);
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const auto len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      std::string name(static_cast<std::size_t>(len), '\0');
      H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                         H5P_DEFAULT);
      layers.push_back(name);
    }
  }
  bool any = false;
  for (const auto& layer : layers) {
    if (H5Lexists(group, layer.c_str(), H5P_DEFAULT) <= 0) continue;
    h5::Handle lg(H5Gopen2(group, layer.c_str(), H5P_DEFAULT), H5Gclose);
    if (lg.get() < 0 || H5Aexists(lg, "weight_names") <= 0) continue;
    any = true;
    auto& weights = out.layers[layer];
    for (const auto& full : string_list_attribute(lg, "weight_names", origin)) {
      const auto slash = full.rfind('/');
      weights.emplace_back(slash == std::string::npos ? full : full.substr(slash + 1),
                           read_float_dataset(file, root + layer + "/" + full, origin));
    }
  }
  if (!any)
    throw_input("{}: no Keras layer weights found (expected groups with a 'weight_names' attribute)", origin);
  return out;
}

}  // namespace edgeq::data
