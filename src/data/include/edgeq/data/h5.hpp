// Minimal RAII handles over the HDF5 C API (internal to the data module).
#pragma once

#include <hdf5.h>

#include <mutex>
#include <optional>
#include <string>

namespace edgeq::data {
/// Held around every HDF5 call: Debian's libhdf5 is not built thread-safe.
std::mutex& h5_mutex();
}  // namespace edgeq::data

namespace edgeq::data::h5 {

/// Owns an HDF5 identifier and closes it with the matching H5*close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      closer_ = o.closer_;
      o.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

/// Throws Error(Internal) with `what` if id < 0 (or status < 0).
hid_t check(hid_t id, const std::string& what);
void check_status(herr_t status, const std::string& what);
/// Turns off HDF5's own error printing (errors become edgeq exceptions).
void silence_errors();
/// The text of a scalar string attribute (fixed or variable length), or nullopt when it is not a string.
std::optional<std::string> read_string(hid_t attr, const std::string& what);

}  // namespace edgeq::data::h5
