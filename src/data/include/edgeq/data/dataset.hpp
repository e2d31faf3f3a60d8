// Datasets for training and evaluation over HDF5 event files: per-plane input normalisation (stored in model
// metadata), and shuffled, augmented float32 batches read ahead in a background thread.
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "edgeq/core/tensor.hpp"
#include "edgeq/data/event_file.hpp"

namespace edgeq::data {

/// Model metadata key holding the normalisation as JSON {"mean": [...], "std": [...], "events": N}.
inline constexpr const char* kNormalisationKey = "edgeq.input_normalisation";

/// Per-plane affine input normalisation x' = (x - mean[plane]) / std[plane], with mean and std of raw pixel
/// values (ADC counts) over a sample of training events. A plane with zero spread gets std = 1.
struct InputNormalisation {
  std::vector<float> mean, std;
  std::size_t events = 0;  ///< events the statistics came from

  std::string to_json() const;
  /// Throws Error(BadInput) for malformed JSON, empty or mismatched lists, or non-positive std.
  static InputNormalisation from_json(const std::string& json);
  /// Statistics over the first min(max_events, file size) events (in double precision).
  static InputNormalisation compute(const EventFileReader& file, std::size_t max_events);
  /// Normalises one event in place: image[planes][plane_size]; planes must equal mean.size().
  void apply(float* image, std::size_t plane_size) const;
};

/// Augmentations valid for the simulated geometry (docs/training.md explains why wire-axis flips are not):
/// swapping the U and V planes (the detector's mirror symmetry y -> -y), and flipping the drift-time axis
/// (x -> -x about the vertex; approximate, diffusion and attenuation grow with the absolute drift distance).
enum Augmentation : unsigned { kAugmentNone = 0, kAugmentSwapUV = 1u, kAugmentFlipTime = 2u };
/// Parses "none" or a comma-separated list of "uv-swap", "time-flip"; throws Error(BadInput).
unsigned parse_augmentation(const std::string& text);
std::string augmentation_name(unsigned flags);

struct LoaderOptions {
  std::size_t batch = 32;
  bool shuffle = true;              ///< a new permutation per epoch, a pure function of (seed, epoch)
  std::uint64_t seed = 1;           ///< shuffling and augmentation
  unsigned augment = kAugmentNone;  ///< each augmentation applied to an event with probability 1/2
  std::optional<InputNormalisation> normalisation;
  std::size_t max_events = 0;  ///< use only the first N events (0 = all)
};

struct Batch {
  core::Tensor images;  ///< float32 [B, planes, H, W], normalised
  std::vector<std::int32_t> labels;
  std::vector<std::size_t> events;  ///< file index of each image
};

/// Streams batches from one event file. Not copyable; the file must outlive the loader. The last batch of
/// an epoch may be smaller than `batch`.
class BatchLoader {
 public:
  /// Throws Error(BadInput) for an empty file, batch 0, or a normalisation whose plane count differs.
  BatchLoader(const EventFileReader& file, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  std::size_t events() const { return events_; }
  std::size_t batches() const { return (events_ + options_.batch - 1) / options_.batch; }
  const std::vector<std::int32_t>& labels() const { return labels_; }
  /// Starts an epoch (and reads its first batch ahead).
  void start_epoch(std::uint64_t epoch);
  /// The next batch of the epoch; false after the last. Throws Error(BadInput) for a non-finite pixel,
  /// naming the file and event.
  bool next(Batch& out);

 private:
  Batch load(std::size_t batch_index) const;

  const EventFileReader& file_;
  LoaderOptions options_;
  std::size_t events_ = 0;
  std::vector<std::int32_t> labels_;
  std::vector<std::size_t> order_;
  std::uint64_t epoch_ = 0;
  std::size_t next_batch_ = 0;
  std::future<Batch> ahead_;
};

}  // namespace edgeq::data
