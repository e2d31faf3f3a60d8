#include "edgeq/data/h5.hpp"

#include <cstring>

#include "edgeq/core/error.hpp"

namespace edgeq::data::h5 {

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw_internal("HDF5: {} failed", what);
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw_internal("HDF5: {} failed", what);
}

void silence_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::optional<std::string> read_string(hid_t attr, const std::string& what) {
  Handle ftype(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(ftype) != H5T_STRING) return std::nullopt;
  Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(mtype, H5Tget_cset(ftype));
  if (H5Tis_variable_str(ftype) > 0) {
    H5Tset_size(mtype, H5T_VARIABLE);
    char* ptr = nullptr;
    check_status(H5Aread(attr, mtype, &ptr), what);
    std::string s = ptr ? ptr : "";
    H5free_memory(ptr);
    return s;
  }
  const std::size_t size = H5Tget_size(ftype);
  H5Tset_size(mtype, size + 1);
  std::string s(size + 1, '\0');
  check_status(H5Aread(attr, mtype, s.data()), what);
  s.resize(std::strlen(s.c_str()));
  return s;
}

}  // namespace edgeq::data::h5
