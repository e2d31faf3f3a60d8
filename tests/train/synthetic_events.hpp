// Small synthetic event files for training tests: noise plus a bright square in the plane named by the class
// (class c -> plane c % planes), so a small CNN learns them in a few epochs.
#pragma once

#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "edgeq/core/rng.hpp"
#include "edgeq/data/event_file.hpp"

namespace edgeq::test {

struct SyntheticEvents {
  std::size_t events = 64;
  int classes = 3, planes = 3, height = 32, width = 32;
  std::uint64_t seed = 1;
  data::ImageDtype dtype = data::ImageDtype::UInt8;
  long nan_event = -1;  ///< float32 files: put a NaN pixel into this event
  bool class_names = true;
};

inline void write_synthetic_events(const std::filesystem::path& path, const SyntheticEvents& s) {
  data::ImageLayout l;
  l.events = s.events;
  l.planes = s.planes;
  l.height = s.height;
  l.width = s.width;
  l.dtype = s.dtype;
  data::EventFileWriter w(path, l);
  std::vector<std::int32_t> labels;
  const std::size_t n = static_cast<std::size_t>(s.planes) * s.height * s.width;
  for (std::size_t e = 0; e < s.events; ++e) {
    core::CounterRng rng(s.seed, 77, e);
    const int label = static_cast<int>(rng.below(static_cast<std::uint32_t>(s.classes)));
    labels.push_back(label);
    std::vector<float> img(n);
    for (auto& v : img) v = static_cast<float>(rng.below(20));
    const int plane = label % s.planes;
    const int y0 = static_cast<int>(rng.below(static_cast<std::uint32_t>(s.height - 8)));
    const int x0 = static_cast<int>(rng.below(static_cast<std::uint32_t>(s.width - 8)));
    for (int y = y0; y < y0 + 8; ++y)
      for (int x = x0; x < x0 + 8; ++x)
        img[static_cast<std::size_t>((plane * s.height + y) * s.width + x)] += 100.0f;
    if (static_cast<long>(e) == s.nan_event) img[5] = std::numeric_limits<float>::quiet_NaN();
    std::vector<unsigned char> raw(n * data::dtype_size(s.dtype));
    for (std::size_t i = 0; i < n; ++i) {
      if (s.dtype == data::ImageDtype::UInt8)
        raw[i] = static_cast<unsigned char>(std::min(img[i], 255.0f));
      else if (s.dtype == data::ImageDtype::UInt16)
        reinterpret_cast<std::uint16_t*>(raw.data())[i] = static_cast<std::uint16_t>(img[i]);
      else
        reinterpret_cast<float*>(raw.data())[i] = img[i];
    }
    w.write_image_chunk(e, data::compress_chunk(raw, l.deflate_level));
  }
  w.write_labels(labels);
  if (s.class_names) {
    std::vector<std::string> names;
    for (int c = 0; c < s.classes; ++c) {
      std::string name = "c";
      name += std::to_string(c);
      names.push_back(name);
    }
    w.set_attribute("class_names", names);
  }
  w.commit();
}

}  // namespace edgeq::test
