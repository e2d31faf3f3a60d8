#include <gtest/gtest.h>

#include <fstream>

#include "edgeq/core/error.hpp"
#include "edgeq/data/event_display.hpp"
#include "edgeq/data/event_file.hpp"
#include "test_util.hpp"

using namespace edgeq;
using namespace edgeq::data;

namespace {
template <typename T>
void round_trip(ImageDtype dtype, int level) {
  test::TempDir dir;
  const auto path = dir / "f.h5";
  ImageLayout layout{4, 3, 5, 6, dtype, level};
  std::vector<std::vector<T>> images;
  {
    EventFileWriter w(path, layout);
    for (std::size_t e = 0; e < 4; ++e) {
      std::vector<T> img(3 * 5 * 6);
      for (std::size_t k = 0; k < img.size(); ++k)
        img[k] = static_cast<T>((k * 7 + e * 13) % 250 + (sizeof(T) == 2 ? 1000 : 0));
      images.push_back(img);
      const auto* bytes = reinterpret_cast<const unsigned char*>(img.data());
      w.write_image_chunk(e, compress_chunk({bytes, img.size() * sizeof(T)}, level));
    }
    const std::vector<std::int32_t> labels{0, 1, 2, -1};
    w.write_labels(labels);
    const std::vector<float> energy{0.5f, 1.0f, 1.5f, 2.0f};
    w.write_truth("nu_energy_gev", energy);
    const std::vector<std::int32_t> pdg{13, 2212};
    w.write_truth("particles/pdg", pdg);
    w.set_attribute("format_version", std::int64_t{1});
    w.set_attribute("generator_config", std::string("{\"a\": 1}"));
    w.set_attribute("adc_scale_e", 500.0);
    w.set_attribute("class_names", std::vector<std::string>{"NC", "numu CC", "nue CC"});
    EXPECT_FALSE(std::filesystem::exists(path));  // only the temporary file exists before commit
    w.commit();
  }
  EventFileReader r(path);
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.layout().height, 5);
  EXPECT_EQ(r.layout().width, 6);
  EXPECT_EQ(r.layout().dtype, dtype);
  for (std::size_t e = 0; e < 4; ++e) {
    const auto img = r.read_image(e);
    ASSERT_EQ(img.size(), images[e].size());
    for (std::size_t k = 0; k < img.size(); ++k) ASSERT_EQ(img[k], images[e][k]);
  }
  EXPECT_EQ(r.labels(), (std::vector<std::int32_t>{0, 1, 2, -1}));
  EXPECT_EQ(r.truth_f32("nu_energy_gev")[2], 1.5f);
  EXPECT_TRUE(r.has_truth("particles/pdg"));
  EXPECT_FALSE(r.has_truth("nothing/here"));
  EXPECT_EQ(r.truth_i32("particles/pdg")[1], 2212);
  EXPECT_EQ(r.attribute_int("format_version"), 1);
  EXPECT_EQ(r.attribute_string("generator_config"), "{\"a\": 1}");
  EXPECT_DOUBLE_EQ(r.attribute_double("adc_scale_e"), 500.0);
  EXPECT_EQ(r.attribute_strings("class_names")[1], "numu CC");
  EXPECT_THROW(r.read_image(4), Error);
  EXPECT_EQ(test::count_files(dir.path()), 1u);
}
}  // namespace

TEST(EventFile, RoundTripUint8Deflate) {
  round_trip<std::uint8_t>(ImageDtype::UInt8, 4);
}
TEST(EventFile, RoundTripUint16Uncompressed) {
  round_trip<std::uint16_t>(ImageDtype::UInt16, 0);
}

TEST(EventFile, UncommittedWriterLeavesNothing) {
  test::TempDir dir;
  { EventFileWriter w(dir / "x.h5", ImageLayout{2, 3, 4, 4, ImageDtype::UInt8, 1}); }
  EXPECT_EQ(test::count_files(dir.path()), 0u);
}

TEST(EventFile, ReaderRejectsBadFiles) {
  test::TempDir dir;
  std::ofstream(dir / "text.h5") << "not hdf5";
  try {
    EventFileReader r(dir / "text.h5");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    EXPECT_NE(std::string(e.what()).find("not an HDF5 file"), std::string::npos);
  }
  EXPECT_THROW(EventFileReader(dir / "missing.h5"), Error);
}

TEST(EventDisplay, WritesPng) {
  test::TempDir dir;
  EventDisplay d;
  d.height = 20;
  d.width = 30;
  d.image.assign(3 * 20 * 30, 0);
  d.image[100] = 50;
  d.title = "test";
  write_event_display_png(d, dir / "e.png");
  std::ifstream in(dir / "e.png", std::ios::binary);
  char sig[8];
  in.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  d.image.pop_back();
  EXPECT_THROW(write_event_display_png(d, dir / "f.png"), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "f.png"));
}
