#include "edgeq/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"

namespace edgeq::data {

namespace {
constexpr std::uint32_t kShuffleStream = 0x5348;  // "SH"
constexpr std::uint32_t kAugmentStream = 0x4147;  // "AG"
}  // namespace

std::string InputNormalisation::to_json() const {
  return nlohmann::json{{"mean", mean}, {"std", std}, {"events", events}}.dump();
}

InputNormalisation InputNormalisation::from_json(const std::string& text) {
  InputNormalisation n;
  try {
    const auto j = nlohmann::json::parse(text);
    n.mean = j.at("mean").get<std::vector<float>>();
    n.std = j.at("std").get<std::vector<float>>();
    n.events = j.value("events", std::size_t{0});
  } catch (const nlohmann::json::exception& e) {
    throw_input("malformed {} metadata: {}", kNormalisationKey, e.what());
  }
  if (n.mean.empty() || n.mean.size() != n.std.size())
    throw_input("{} metadata: mean and std must be non-empty lists of equal length", kNormalisationKey);
  for (std::size_t i = 0; i < n.std.size(); ++i)
    if (!(n.std[i] > 0.0f) || !std::isfinite(n.mean[i]))
      throw_input("{} metadata: plane {} has mean {} and std {}", kNormalisationKey, i, n.mean[i], n.std[i]);
  return n;
}

InputNormalisation InputNormalisation::compute(const EventFileReader& file, std::size_t max_events) {
  const auto& l = file.layout();
  const std::size_t events = std::min(max_events, l.events);
  if (events == 0) throw_input("cannot compute an input normalisation from an empty file");
  const auto plane = static_cast<std::size_t>(l.height) * static_cast<std::size_t>(l.width);
  std::vector<double> sum(static_cast<std::size_t>(l.planes)), sum2(sum.size());
  std::vector<float> image(sum.size() * plane);
  for (std::size_t e = 0; e < events; ++e) {
    file.read_image_f32(e, image.data());
    for (std::size_t p = 0; p < sum.size(); ++p)
      for (std::size_t i = 0; i < plane; ++i) {
        const double v = image[p * plane + i];
        if (!std::isfinite(v))
          throw_input("event {} has a non-finite pixel (plane {}, index {}): {}", e, p, i, v);
        sum[p] += v;
        sum2[p] += v * v;
      }
  }
  InputNormalisation n;
  n.events = events;
  const double count = static_cast<double>(events) * static_cast<double>(plane);
  for (std::size_t p = 0; p < sum.size(); ++p) {
    const double mean = sum[p] / count;
    const double var = std::max(sum2[p] / count - mean * mean, 0.0);
    n.mean.push_back(static_cast<float>(mean));
    n.std.push_back(var > 0.0 ? static_cast<float>(std::sqrt(var)) : 1.0f);
  }
  return n;
}

void InputNormalisation::apply(float* image, std::size_t plane_size) const {
  for (std::size_t p = 0; p < mean.size(); ++p) {
    const float m = mean[p], inv = 1.0f / std[p];
    float* x = image + p * plane_size;
    for (std::size_t i = 0; i < plane_size; ++i) x[i] = (x[i] - m) * inv;
  }
}

unsigned parse_augmentation(const std::string& text) {
  if (text.empty() || text == "none") return kAugmentNone;
  unsigned flags = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    if (item == "uv-swap")
      flags |= kAugmentSwapUV;
    else if (item == "time-flip")
      flags |= kAugmentFlipTime;
    else
      throw_input(
          "unknown augmentation '{}' (none, uv-swap, time-flip; wire-axis flips are not "
          "physically valid here, see docs/training.md)",
          item);
    start = end + 1;
  }
  return flags;
}

std::string augmentation_name(unsigned flags) {
  if (flags == kAugmentNone) return "none";
  std::string s;
  if (flags & kAugmentSwapUV) s += "uv-swap";
  if (flags & kAugmentFlipTime) s += s.empty() ? "time-flip" : ",time-flip";
  return s;
}

BatchLoader::BatchLoader(const EventFileReader& file, LoaderOptions options)
    : file_(file), options_(std::move(options)) {
  const auto& l = file.layout();
  events_ = options_.max_events > 0 ? std::min(options_.max_events, l.events) : l.events;
  if (events_ == 0) throw_input("data file has no events");
  if (options_.batch == 0) throw_input("batch size must be at least 1");
  if (options_.normalisation && options_.normalisation->mean.size() != static_cast<std::size_t>(l.planes))
    throw_input("the input normalisation has {} planes, the data file {}",
                options_.normalisation->mean.size(), l.planes);
  if ((options_.augment & kAugmentSwapUV) && l.planes != 3)
    throw_input("uv-swap augmentation needs 3 planes (U, V, Y); the data file has {}", l.planes);
  labels_ = file.labels();
  if (labels_.size() < events_) throw_input("/labels has {} entries for {} events", labels_.size(), events_);
  labels_.resize(events_);
}

BatchLoader::~BatchLoader() {
  if (ahead_.valid()) ahead_.wait();
}

void BatchLoader::start_epoch(std::uint64_t epoch) {
  if (ahead_.valid()) ahead_.wait();
  epoch_ = epoch;
  next_batch_ = 0;
  order_.resize(events_);
  for (std::size_t i = 0; i < events_; ++i) order_[i] = i;
  if (options_.shuffle) {
    core::CounterRng rng(options_.seed, kShuffleStream, epoch);
    for (std::size_t i = events_; i > 1; --i)
      std::swap(order_[i - 1], order_[rng.below(static_cast<std::uint32_t>(i))]);
  }
  ahead_ = std::async(std::launch::async, [this] { return load(0); });
}

bool BatchLoader::next(Batch& out) {
  if (next_batch_ >= batches() || !ahead_.valid()) return false;
  out = ahead_.get();
  if (++next_batch_ < batches()) {
    const std::size_t b = next_batch_;
    ahead_ = std::async(std::launch::async, [this, b] { return load(b); });
  }
  return true;
}

Batch BatchLoader::load(std::size_t batch_index) const {
  const auto& l = file_.layout();
  const std::size_t first = batch_index * options_.batch;
  const std::size_t count = std::min(options_.batch, events_ - first);
  const auto plane = static_cast<std::size_t>(l.height) * static_cast<std::size_t>(l.width);
  const std::size_t event_size = plane * static_cast<std::size_t>(l.planes);
  Batch b;
  b.images = core::Tensor(core::DType::F32, {static_cast<std::int64_t>(count), l.planes, l.height, l.width});
  float* dst = b.images.data<float>();
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t e = order_[first + k];
    float* x = dst + k * event_size;
    file_.read_image_f32(e, x);
    for (std::size_t i = 0; i < event_size; ++i)
      if (!std::isfinite(x[i]))
        throw_input("event {} has a non-finite pixel (plane {}, index {}): {}", e, i / plane, i % plane,
                    x[i]);
    if (options_.augment != kAugmentNone) {
      core::CounterRng rng(options_.seed, kAugmentStream, (epoch_ << 32) ^ e);
      if ((options_.augment & kAugmentSwapUV) && rng.uniform() < 0.5)
        std::swap_ranges(x, x + plane, x + plane);
      if ((options_.augment & kAugmentFlipTime) && rng.uniform() < 0.5)
        for (std::size_t p = 0; p < static_cast<std::size_t>(l.planes); ++p)
          for (std::size_t t = 0; t < static_cast<std::size_t>(l.height) / 2; ++t)
            std::swap_ranges(x + p * plane + t * l.width, x + p * plane + (t + 1) * l.width,
                             x + p * plane + (l.height - 1 - t) * l.width);
    }
    if (options_.normalisation) options_.normalisation->apply(x, plane);
    b.labels.push_back(labels_[e]);
    b.events.push_back(e);
  }
  return b;
}

}  // namespace edgeq::data
