// Classification metrics: confusion matrix, accuracy, per-class efficiency (recall) and purity (precision).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgeq::eval {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes = 0);
  /// From row-major counts [truth][predicted] (throws Error(BadInput) if the size is not classes^2).
  ConfusionMatrix(int classes, std::vector<std::int64_t> counts);
  /// Counts one event; truth and predicted must be in [0, classes).
  void add(int truth, int predicted);
  void merge(const ConfusionMatrix& other);
  int classes() const { return classes_; }
  std::int64_t at(int truth, int predicted) const { return counts_[index(truth, predicted)]; }
  std::int64_t total() const;
  double accuracy() const;
  /// Fraction of true class-c events classified as c; NaN if there are none.
  double efficiency(int c) const;
  /// Fraction of events classified as c that are class c; NaN if none was classified as c.
  double purity(int c) const;
  /// Row-major counts [truth][predicted].
  const std::vector<std::int64_t>& counts() const { return counts_; }
  /// {"accuracy", "classes": [{"name", "efficiency", "purity", "events"}], "confusion": [[...]]}; NaN ->
  /// null.
  nlohmann::ordered_json to_json(const std::vector<std::string>& names) const;
  /// Human-readable table (rows = truth, columns = predicted) with efficiency and purity.
  std::string to_table(const std::vector<std::string>& names) const;

 private:
  std::size_t index(int t, int p) const {
    return static_cast<std::size_t>(t) * static_cast<std::size_t>(classes_) + static_cast<std::size_t>(p);
  }
  int classes_;
  std::vector<std::int64_t> counts_;
};

/// Class names: names from a data file if it has them, else "class0".."classN-1".
std::vector<std::string> class_names_or_default(const std::vector<std::string>& names, int classes);

}  // namespace edgeq::eval
