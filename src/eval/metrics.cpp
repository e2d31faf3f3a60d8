#include "edgeq/eval/metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "edgeq/core/error.hpp"

namespace edgeq::eval {

ConfusionMatrix::ConfusionMatrix(int classes)
    : classes_(classes), counts_(static_cast<std::size_t>(classes) * static_cast<std::size_t>(classes)) {}

ConfusionMatrix::ConfusionMatrix(int classes, std::vector<std::int64_t> counts)
    : classes_(classes), counts_(std::move(counts)) {
  if (classes < 0 || counts_.size() != static_cast<std::size_t>(classes) * static_cast<std::size_t>(classes))
    throw_input("confusion matrix: {} counts for {} classes", counts_.size(), classes);
}

void ConfusionMatrix::add(int truth, int predicted) {
  if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_)
    throw_input("class index out of range: truth {}, predicted {} ({} classes)", truth, predicted, classes_);
  ++counts_[index(truth, predicted)];
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
  if (other.classes_ != classes_) throw_internal("merging confusion matrices of different sizes");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

std::int64_t ConfusionMatrix::total() const {
  std::int64_t n = 0;
  for (auto c : counts_) n += c;
  return n;
}

double ConfusionMatrix::accuracy() const {
  std::int64_t diag = 0;
  for (int c = 0; c < classes_; ++c) diag += at(c, c);
  const auto n = total();
  return n > 0 ? static_cast<double>(diag) / static_cast<double>(n)
               : std::numeric_limits<double>::quiet_NaN();
}

double ConfusionMatrix::efficiency(int c) const {
  std::int64_t row = 0;
  for (int p = 0; p < classes_; ++p) row += at(c, p);
  return row > 0 ? static_cast<double>(at(c, c)) / static_cast<double>(row)
                 : std::numeric_limits<double>::quiet_NaN();
}

double ConfusionMatrix::purity(int c) const {
  std::int64_t col = 0;
  for (int t = 0; t < classes_; ++t) col += at(t, c);
  return col > 0 ? static_cast<double>(at(c, c)) / static_cast<double>(col)
                 : std::numeric_limits<double>::quiet_NaN();
}

namespace {
nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}
}  // namespace

nlohmann::ordered_json ConfusionMatrix::to_json(const std::vector<std::string>& names) const {
  const auto n = class_names_or_default(names, classes_);
  nlohmann::ordered_json j{{"events", total()}, {"accuracy", number_or_null(accuracy())}};
  auto classes = nlohmann::ordered_json::array();
  auto matrix = nlohmann::ordered_json::array();
  for (int c = 0; c < classes_; ++c) {
    std::int64_t row_total = 0;
    auto row = nlohmann::ordered_json::array();
    for (int p = 0; p < classes_; ++p) {
      row.push_back(at(c, p));
      row_total += at(c, p);
    }
    matrix.push_back(row);
    classes.push_back({{"name", n[static_cast<std::size_t>(c)]},
                       {"events", row_total},
                       {"efficiency", number_or_null(efficiency(c))},
                       {"purity", number_or_null(purity(c))}});
  }
  j["classes"] = classes;
  j["confusion"] = matrix;
  return j;
}

std::string ConfusionMatrix::to_table(const std::vector<std::string>& names) const {
  const auto n = class_names_or_default(names, classes_);
  std::string s = fmt::format("{:<12}", "true\\pred");
  for (const auto& name : n) s += fmt::format(" {:>10}", name);
  s += fmt::format(" {:>10} {:>10}\n", "efficiency", "purity");
  for (int c = 0; c < classes_; ++c) {
    s += fmt::format("{:<12}", n[static_cast<std::size_t>(c)]);
    for (int p = 0; p < classes_; ++p) s += fmt::format(" {:>10}", at(c, p));
    s += fmt::format(" {:>10.4f} {:>10.4f}\n", efficiency(c), purity(c));
  }
  s += fmt::format("accuracy {:.4f} on {} events\n", accuracy(), total());
  return s;
}

std::vector<std::string> class_names_or_default(const std::vector<std::string>& names, int classes) {
  if (static_cast<int>(names.size()) == classes) return names;
  std::vector<std::string> out;
  for (int c = 0; c < classes; ++c) out.push_back(fmt::format("class{}", c));
  return out;
}

}  // namespace edgeq::eval
