// Dataset loader: normalisation statistics (closed form), per-epoch permutations, the U/V swap augmentation,
// float32 images, and non-finite pixels rejected with the event named.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "edgeq/core/error.hpp"
#include "edgeq/data/dataset.hpp"
#include "edgeq/data/line_plot.hpp"
#include "test_util.hpp"
#include "train/synthetic_events.hpp"

namespace edgeq::data {
namespace {

/// A synthetic file of `events` 3x12x12 events in dir.
std::filesystem::path small_file(const test::TempDir& dir, std::size_t events,
                                 ImageDtype dtype = ImageDtype::UInt8, long nan_event = -1) {
  test::SyntheticEvents s;
  s.events = events;
  s.height = s.width = 12;
  s.dtype = dtype;
  s.nan_event = nan_event;
  test::write_synthetic_events(dir / "a.h5", s);
  return dir / "a.h5";
}

TEST(InputNormalisation, MeanAndStdPerPlaneAndJsonRoundTrip) {
  test::TempDir dir;
  test::SyntheticEvents s;
  s.events = 10;
  s.height = s.width = 16;
  test::write_synthetic_events(dir / "a.h5", s);
  const EventFileReader f(dir / "a.h5");
  const auto n = InputNormalisation::compute(f, 1000);
  EXPECT_EQ(n.events, 10u);
  // Direct two-pass computation over the same pixels.
  for (int p = 0; p < 3; ++p) {
    double sum = 0, sum2 = 0, count = 0;
    std::vector<float> img(3 * 16 * 16);
    for (std::size_t e = 0; e < 10; ++e) {
      f.read_image_f32(e, img.data());
      for (int i = 0; i < 256; ++i) sum += img[static_cast<std::size_t>(p * 256 + i)], ++count;
    }
    const double mean = sum / count;
    for (std::size_t e = 0; e < 10; ++e) {
      f.read_image_f32(e, img.data());
      for (int i = 0; i < 256; ++i) sum2 += std::pow(img[static_cast<std::size_t>(p * 256 + i)] - mean, 2);
    }
    EXPECT_NEAR(n.mean[static_cast<std::size_t>(p)], mean, 1e-4 * mean);
    EXPECT_NEAR(n.std[static_cast<std::size_t>(p)], std::sqrt(sum2 / count), 1e-4 * std::sqrt(sum2 / count));
  }
  const auto back = InputNormalisation::from_json(n.to_json());
  EXPECT_EQ(back.mean, n.mean);
  EXPECT_EQ(back.std, n.std);
  EXPECT_THROW(InputNormalisation::from_json(R"({"mean":[1],"std":[0]})"), Error);
  EXPECT_THROW(InputNormalisation::from_json("not json"), Error);
}

TEST(BatchLoader, EachEpochIsADeterministicPermutation) {
  test::TempDir dir;
  const EventFileReader f(small_file(dir, 50));
  LoaderOptions o;
  o.batch = 16;
  BatchLoader loader(f, o);
  EXPECT_EQ(loader.batches(), 4u);
  auto order = [&](std::uint64_t epoch) {
    std::vector<std::size_t> all;
    loader.start_epoch(epoch);
    Batch b;
    while (loader.next(b)) {
      EXPECT_EQ(b.images.shape()[0], static_cast<std::int64_t>(b.labels.size()));
      all.insert(all.end(), b.events.begin(), b.events.end());
    }
    return all;
  };
  const auto e0 = order(0), e0_again = order(0), e1 = order(1);
  EXPECT_EQ(e0, e0_again);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(std::set<std::size_t>(e0.begin(), e0.end()).size(), 50u);
  EXPECT_EQ(std::set<std::size_t>(e1.begin(), e1.end()).size(), 50u);
}

/// All 40 events of f in one unshuffled batch of epoch `epoch` with the given augmentation.
Batch augmented_batch(const EventFileReader& f, const std::string& augment, std::uint64_t epoch) {
  LoaderOptions o;
  o.batch = 40;
  o.shuffle = false;
  o.augment = parse_augmentation(augment);
  BatchLoader loader(f, o);
  loader.start_epoch(epoch);
  Batch b;
  EXPECT_TRUE(loader.next(b));
  return b;
}

TEST(BatchLoader, UvSwapExchangesTheInductionPlanesOnly) {
  test::TempDir dir;
  const EventFileReader f(small_file(dir, 40));
  const Batch b = augmented_batch(f, "uv-swap", 3);
  ASSERT_EQ(b.events.size(), 40u);
  const std::size_t plane = 144;
  int swapped = 0;
  std::vector<float> raw(3 * plane);
  for (std::size_t k = 0; k < 40; ++k) {
    f.read_image_f32(b.events[k], raw.data());
    const float* x = b.images.data<float>() + k * 3 * plane;
    const bool same = std::equal(raw.begin(), raw.end(), x);
    const bool uv = std::equal(raw.begin(), raw.begin() + plane, x + plane) &&
                    std::equal(raw.begin() + plane, raw.begin() + 2 * plane, x) &&
                    std::equal(raw.begin() + 2 * plane, raw.end(), x + 2 * plane);
    EXPECT_TRUE(same || uv) << "event " << k;
    swapped += !same;
  }
  EXPECT_GT(swapped, 8);  // probability 1/2 each
  EXPECT_LT(swapped, 32);
  EXPECT_THROW(parse_augmentation("wire-flip"), Error);
  EXPECT_EQ(augmentation_name(parse_augmentation("time-flip,uv-swap")), "uv-swap,time-flip");
}

TEST(BatchLoader, TimeFlipReversesTheDriftAxisOfEveryPlane) {
  test::TempDir dir;
  const EventFileReader f(small_file(dir, 40));
  const Batch b = augmented_batch(f, "time-flip", 1);
  ASSERT_EQ(b.events.size(), 40u);
  int flipped = 0;
  std::vector<float> raw(3 * 144);
  for (std::size_t k = 0; k < 40; ++k) {
    f.read_image_f32(b.events[k], raw.data());
    const float* x = b.images.data<float>() + k * 3 * 144;
    bool same = true, reversed = true;
    for (std::size_t p = 0; p < 3; ++p)
      for (std::size_t t = 0; t < 12; ++t)
        for (std::size_t w = 0; w < 12; ++w) {
          const float v = x[(p * 12 + t) * 12 + w];
          same &= v == raw[(p * 12 + t) * 12 + w];
          reversed &= v == raw[(p * 12 + (11 - t)) * 12 + w];
        }
    EXPECT_TRUE(same || reversed) << "event " << k;
    flipped += !same;
  }
  EXPECT_GT(flipped, 8);
  EXPECT_LT(flipped, 32);
}

TEST(BatchLoader, FloatImagesAndNonFinitePixels) {
  test::TempDir dir;
  const EventFileReader f(small_file(dir, 20, ImageDtype::Float32, 13));
  EXPECT_EQ(f.layout().dtype, ImageDtype::Float32);
  EXPECT_THROW(f.read_image(0), Error);  // uint16 view of float images
  LoaderOptions o;
  o.batch = 8;
  o.shuffle = false;
  BatchLoader loader(f, o);
  loader.start_epoch(0);
  Batch b;
  EXPECT_TRUE(loader.next(b));
  try {
    loader.next(b);
    FAIL() << "expected an error for the NaN pixel";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("event 13"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgeq::data

namespace edgeq::data {
namespace {
TEST(LinePlot, WritesAPngAndRejectsUnequalSeries) {
  test::TempDir dir;
  write_line_plot_png(dir / "p.png", "t", "epoch", {{"loss", "loss", {{"a", {1, 2, 3}, {0.5, 0.4, 0.3}}}}});
  std::ifstream f(dir / "p.png", std::ios::binary);
  std::string magic(8, '\0');
  f.read(magic.data(), 8);
  EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_THROW(write_line_plot_png(dir / "q.png", "t", "x", {{"p", "y", {{"a", {1, 2}, {1}}}}}), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "q.png"));
}
}  // namespace
}  // namespace edgeq::data
