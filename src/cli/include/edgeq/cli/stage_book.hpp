// Bookkeeping of `edgeq run` stages: each stage has an id ("train/nunet_s"), a key (hash of everything its
// outputs depend on: its settings and the keys of the stages it reads) and output files. A finished stage
// leaves OUT/stages/<id>.json (written atomically after its outputs) holding the key and the stage's result;
// a later run skips the stage when that stamp has the same key and every output still exists, so an
// interrupted run continues where it stopped and a changed setting redoes exactly the stages it affects.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgeq::cli {

/// FNV-1a 64-bit hash of `text`, as 16 hex digits (stable across builds and machines).
std::string stable_hash(const std::string& text);

class StageBook {
 public:
  /// `total`: the number of stages, for the progress view.
  StageBook(std::filesystem::path out_dir, std::size_t total, bool verbose_progress);

  /// Runs `work` (which returns the stage's result) unless up to date; returns the result either way.
  nlohmann::json run(const std::string& id, const std::string& key,
                     const std::vector<std::filesystem::path>& outputs,
                     const std::function<nlohmann::json()>& work);

  std::size_t ran() const { return ran_; }
  std::size_t skipped() const { return skipped_; }

 private:
  std::filesystem::path stamp_path(const std::string& id) const;
  std::filesystem::path out_;
  std::size_t total_, index_ = 0, ran_ = 0, skipped_ = 0;
  bool print_;
};

}  // namespace edgeq::cli
