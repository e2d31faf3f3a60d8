#include "edgeq/core/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "edgeq/core/error.hpp"

namespace edgeq::core {

namespace fs = std::filesystem;

void check_output_path(const fs::path& path, bool force) {
  if (path.empty()) throw_input("output path is empty");
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::is_directory(st)) throw_input("output path '{}' is a directory", path.string());
  if (fs::exists(st) && !force)
    throw_input("output file '{}' already exists (use --force to overwrite)", path.string());
  fs::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) throw_input("output directory '{}' does not exist", parent.string());
  if (access(parent.c_str(), W_OK) != 0)
    throw_input("output directory '{}' is not writable", parent.string());
}

AtomicFile::AtomicFile(fs::path final_path) : final_(std::move(final_path)) {
  static std::atomic<unsigned> counter{0};
  temp_ = final_;
  temp_ += fmt::format(".tmp-{}-{}", static_cast<long>(getpid()), counter++);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  if (std::rename(temp_.c_str(), final_.c_str()) != 0)
    throw_internal("cannot rename '{}' to '{}': {}", temp_.string(), final_.string(), std::strerror(errno));
  committed_ = true;
}

void write_file_atomic(const fs::path& path, std::span<const unsigned char> bytes) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    if (!out) throw_input("cannot open '{}' for writing", file.temp_path().string());
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw_internal("write to '{}' failed", file.temp_path().string());
  }
  file.commit();
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  write_file_atomic(path, std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

}  // namespace edgeq::core
