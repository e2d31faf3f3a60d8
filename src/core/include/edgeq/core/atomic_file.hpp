// Atomic file creation: write to a temporary file in the destination directory, then rename() over the
// destination. A failed or interrupted run never leaves a half-written file under the final name.
#pragma once

#include <filesystem>
#include <span>
#include <string>

namespace edgeq::core {

/// Validates an output path before any work starts: throws Error(BadInput) if it exists and !force, if it
/// is a directory, or if its parent directory does not exist or is not writable.
void check_output_path(const std::filesystem::path& path, bool force);

class AtomicFile {
 public:
  /// Reserves a temporary path next to `final_path` (nothing is created yet).
  explicit AtomicFile(std::filesystem::path final_path);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }
  /// Renames the temporary file onto the final path (replacing it). Throws Error(Internal) on failure.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Writes `bytes` to `path` atomically.
void write_file_atomic(const std::filesystem::path& path, std::span<const unsigned char> bytes);
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace edgeq::core
