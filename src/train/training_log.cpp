#include "training_log.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/data/line_plot.hpp"

namespace edgeq::train {

TrainingLog::TrainingLog(std::filesystem::path run_dir, std::vector<std::string> class_names,
                         nlohmann::ordered_json hyperparameters)
    : dir_(std::move(run_dir)),
      class_names_(std::move(class_names)),
      hyperparameters_(std::move(hyperparameters)) {}

nlohmann::ordered_json to_json(const EpochRecord& r, const std::vector<std::string>& class_names) {
  return {{"epoch", r.epoch},           {"lr", r.lr},
          {"train_loss", r.train_loss}, {"train_accuracy", r.train_accuracy},
          {"val_loss", r.val_loss},     {"val_accuracy", r.val_accuracy},
          {"seconds", r.seconds},       {"val", r.val_confusion.to_json(class_names)}};
}

nlohmann::ordered_json TrainingLog::history_json(const std::vector<EpochRecord>& history) const {
  auto out = nlohmann::ordered_json::array();
  for (const auto& r : history) out.push_back(to_json(r, class_names_));
  return out;
}

std::vector<EpochRecord> TrainingLog::history_from_json(const nlohmann::ordered_json& j, int classes) {
  std::vector<EpochRecord> out;
  for (const auto& e : j) {
    EpochRecord r;
    r.epoch = e.at("epoch").get<std::size_t>();
    r.lr = e.at("lr").get<double>();
    r.train_loss = e.at("train_loss").get<double>();
    r.train_accuracy = e.at("train_accuracy").get<double>();
    r.val_loss = e.at("val_loss").get<double>();
    r.val_accuracy = e.at("val_accuracy").get<double>();
    r.seconds = e.at("seconds").get<double>();
    std::vector<std::int64_t> counts;
    for (const auto& row : e.at("val").at("confusion"))
      for (const auto& v : row) counts.push_back(v.get<std::int64_t>());
    r.val_confusion = eval::ConfusionMatrix(classes, counts);
    out.push_back(r);
  }
  return out;
}

void TrainingLog::write(const std::vector<EpochRecord>& history, std::size_t best_epoch) const {
  std::string csv = "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds";
  for (auto n : class_names_) {
    std::replace(n.begin(), n.end(), ' ', '_');
    csv += fmt::format(",val_efficiency_{},val_purity_{}", n, n);
  }
  csv += "\n";
  for (const auto& r : history) {
    csv += fmt::format("{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.2f}", r.epoch, r.lr, r.train_loss,
                       r.train_accuracy, r.val_loss, r.val_accuracy, r.seconds);
    for (int c = 0; c < r.val_confusion.classes(); ++c)
      csv += fmt::format(",{:.6f},{:.6f}", r.val_confusion.efficiency(c), r.val_confusion.purity(c));
    csv += "\n";
  }
  core::write_file_atomic(dir_ / "metrics.csv", csv);
  const nlohmann::ordered_json j{{"hyperparameters", hyperparameters_},
                                 {"class_names", class_names_},
                                 {"best_epoch", best_epoch},
                                 {"epochs", history_json(history)}};
  core::write_file_atomic(dir_ / "metrics.json", j.dump(2) + "\n");
  data::PlotSeries train_loss{"train", {}, {}}, val_loss{"validation", {}, {}};
  data::PlotSeries train_acc{"train", {}, {}}, val_acc{"validation", {}, {}};
  for (const auto& r : history) {
    const auto e = static_cast<double>(r.epoch);
    for (auto* s : {&train_loss, &val_loss, &train_acc, &val_acc}) s->x.push_back(e);
    train_loss.y.push_back(r.train_loss);
    val_loss.y.push_back(r.val_loss);
    train_acc.y.push_back(r.train_accuracy);
    val_acc.y.push_back(r.val_accuracy);
  }
  data::write_line_plot_png(dir_ / "curves.png", fmt::format("training curves (best epoch {})", best_epoch),
                            "epoch",
                            {{"cross-entropy loss", "loss", {train_loss, val_loss}},
                             {"accuracy", "accuracy", {train_acc, val_acc}}});
}

}  // namespace edgeq::train
