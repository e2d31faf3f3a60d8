// HDF5 event files (format in ../shared/DESIGN.md and docs/data-format.md):
//   /images  uint8|uint16 [N, planes, H, W]  chunk = one event, deflate; H = time (drift), W = wire
//            (float32 images from other tools are read too, e.g. for training)
//   /labels  int32 [N]  (0 = NC, 1 = numu CC, 2 = nue CC, -1 = no class)
//   /truth/* per-event physics arrays [N] or [N, k]; /truth/particles/* flat per-particle arrays
//   root attributes: format_version, generator_config (JSON), seed, stream, class_names, adc_scale_e, ...
// Files are written under a temporary name and renamed on commit(); an unfinished file never appears under
// its final name. Object timestamps are not recorded, so identical inputs give identical files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace edgeq::data {

inline constexpr int kFormatVersion = 1;

enum class ImageDtype { UInt8, UInt16, Float32 };
std::size_t dtype_size(ImageDtype t);

struct ImageLayout {
  std::size_t events = 0;
  int planes = 3, height = 200, width = 200;
  ImageDtype dtype = ImageDtype::UInt8;
  int deflate_level = 4;  ///< 0 = uncompressed
  std::size_t event_bytes() const {
    return static_cast<std::size_t>(planes) * height * width * dtype_size(dtype);
  }
};

/// Compresses one event's raw image bytes in the HDF5 deflate filter format (zlib). Thread-safe; level 0
/// returns the bytes unchanged.
std::vector<unsigned char> compress_chunk(std::span<const unsigned char> raw, int level);

class EventFileWriter {
 public:
  EventFileWriter(const std::filesystem::path& path, const ImageLayout& layout);
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  /// Writes event `index`'s image chunk, already compressed by compress_chunk() with the layout's level.
  void write_image_chunk(std::size_t index, std::span<const unsigned char> chunk);
  void write_labels(std::span<const std::int32_t> labels);
  /// Writes a dataset under /truth (name may contain '/': "particles/pdg"); values are rows of `width`.
  void write_truth(const std::string& name, std::span<const float> values, std::size_t width = 1);
  void write_truth(const std::string& name, std::span<const std::int32_t> values, std::size_t width = 1);
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, std::int64_t value);
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, const std::vector<std::string>& values);
  /// Flushes, closes and renames the file into place.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class EventFileReader {
 public:
  /// Opens and validates an event file; throws Error(BadInput) naming the file and the problem.
  explicit EventFileReader(const std::filesystem::path& path);
  ~EventFileReader();
  EventFileReader(const EventFileReader&) = delete;
  EventFileReader& operator=(const EventFileReader&) = delete;

  const ImageLayout& layout() const;
  std::size_t size() const { return layout().events; }
  /// One event's image [planes][H][W] widened to uint16. Throws Error(BadInput) if index >= size() or the
  /// file holds float32 images.
  std::vector<std::uint16_t> read_image(std::size_t index) const;
  /// One event's image converted to float32 into out[planes * H * W]. Thread-safe (HDF5 calls of all
  /// readers are serialised).
  void read_image_f32(std::size_t index, float* out) const;
  std::vector<std::int32_t> labels() const;
  bool has_truth(const std::string& name) const;
  std::vector<float> truth_f32(const std::string& name) const;
  std::vector<std::int32_t> truth_i32(const std::string& name) const;
  bool has_attribute(const std::string& name) const;
  std::string attribute_string(const std::string& name) const;
  std::int64_t attribute_int(const std::string& name) const;
  double attribute_double(const std::string& name) const;
  std::vector<std::string> attribute_strings(const std::string& name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeq::data
