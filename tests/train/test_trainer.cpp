// Trainer: learning-rate schedules (closed forms), learning a separable synthetic task, bitwise determinism,
// interrupt-and-resume equal to an uninterrupted run, early stopping, metrics files, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <numbers>

#include "edgeq/core/cancel.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/data/dataset.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/train/schedule.hpp"
#include "edgeq/train/trainer.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "test_util.hpp"
#include "train/synthetic_events.hpp"

namespace edgeq::train {
namespace {

namespace fs = std::filesystem;

TEST(LrSchedule, ClosedForms) {
  LrSchedule s{"cosine", 0.1, 10, 4, 5, 10, 0.1};
  EXPECT_DOUBLE_EQ(s.at(0), 0.1 * 1 / 5);  // warm-up (s + 1) / W
  EXPECT_DOUBLE_EQ(s.at(4), 0.1);
  // Cosine over the 35 steps after warm-up: lr (1 + cos(pi t / T)) / 2.
  EXPECT_NEAR(s.at(5 + 35 / 2), 0.1 * 0.5 * (1 + std::cos(std::numbers::pi * 17.0 / 35.0)), 1e-15);
  EXPECT_NEAR(s.at(39), 0.1 * 0.5 * (1 + std::cos(std::numbers::pi * 34.0 / 35.0)), 1e-15);
  LrSchedule step{"step", 1.0, 3, 9, 0, 2, 0.5};
  EXPECT_DOUBLE_EQ(step.at(5), 1.0);      // epoch 1
  EXPECT_DOUBLE_EQ(step.at(6), 0.5);      // epoch 2
  EXPECT_DOUBLE_EQ(step.at(26), 0.0625);  // epoch 8: 0.5^4
  EXPECT_THROW((LrSchedule{"exp", 1.0}.validate()), Error);
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::SyntheticEvents s;
    s.events = 192;
    test::write_synthetic_events(dir_ / "train.h5", s);
    s.events = 96;
    s.seed = 2;
    test::write_synthetic_events(dir_ / "val.h5", s);
  }
  graph::Graph model(int classes = 3) const {
    zoo::ZooOptions z;
    z.input = {3, 32, 32};
    z.classes = classes;
    return zoo::build("nunet_s", z);
  }
  TrainOptions options() const {
    TrainOptions o;
    o.epochs = 3;
    o.batch = 32;
    o.lr = 3e-3;
    o.threads = 2;
    o.schedule = "cosine";
    o.augment = "time-flip";  // uv-swap would break this task: its class is the plane index
    return o;
  }
  TrainResult train(const TrainOptions& o, const std::string& run, bool resume = false,
                    const TrainHooks& hooks = {}) {
    fs::create_directories(dir_ / run);
    return train_classifier(model(), dir_ / "train.h5", dir_ / "val.h5", o, dir_ / run, resume, hooks);
  }
  test::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

void expect_same_weights(const graph::Graph& a, const graph::Graph& b) {
  ASSERT_EQ(a.initializers.size(), b.initializers.size());
  for (const auto& [name, t] : a.initializers) {
    const auto& u = b.initializers.at(name);
    ASSERT_EQ(t.bytes(), u.bytes()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), u.raw(), t.bytes()), 0) << name << " differs";
  }
}

TEST_F(TrainerTest, LearnsASeparableTaskAndRecordsEverything) {
  auto o = options();
  o.epochs = 5;
  o.lr = 1e-2;
  const auto r = train(o, "run");
  ASSERT_EQ(r.history.size(), 5u);
  const auto& best = r.history.at(r.best_epoch - 1);
  EXPECT_GT(best.val_accuracy, 0.9) << "chance is 1/3";
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  for (const char* f : {"checkpoint.pt", "metrics.csv", "metrics.json", "curves.png"})
    EXPECT_TRUE(fs::exists(dir_ / "run" / f)) << f;
  std::ifstream csv(dir_ / "run" / "metrics.csv");
  std::string line;
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 6);  // header + 5 epochs
  // The model carries its normalisation; the inference runtime reproduces the validation metrics.
  ASSERT_TRUE(r.model.metadata.count(data::kNormalisationKey));
  const data::EventFileReader val(dir_ / "val.h5");
  const auto e = eval::evaluate_model(r.model, val, {32, 2, 0});
  EXPECT_NEAR(e.confusion.accuracy(), best.val_accuracy, 1.0 / 96 + 1e-12);
  EXPECT_NEAR(e.loss, best.val_loss, 1e-3);
}

TEST_F(TrainerTest, SameSeedGivesBitwiseIdenticalWeights) {
  const auto a = train(options(), "a"), b = train(options(), "b");
  expect_same_weights(a.model, b.model);
  auto o = options();
  o.seed = 2;
  const auto c = train(o, "c");
  bool differs = false;
  for (const auto& [name, t] : a.model.initializers)
    differs |= std::memcmp(t.raw(), c.model.initializers.at(name).raw(), t.bytes()) != 0;
  EXPECT_TRUE(differs) << "another seed should change the result";
}

TEST_F(TrainerTest, InterruptedAndResumedEqualsUninterrupted) {
  const auto full = train(options(), "full");
  core::install_cancel_handler();
  TrainHooks hooks;
  hooks.after_batch = [](std::size_t epoch, std::size_t batch) {
    if (epoch == 2 && batch == 3) std::raise(SIGINT);  // Ctrl-C in the middle of epoch 2
  };
  try {
    train(options(), "cut", false, hooks);
    FAIL() << "expected cancellation";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 130);
  }
  core::reset_cancel();
  const auto resumed = train(options(), "cut", true);
  ASSERT_EQ(resumed.history.size(), full.history.size());
  EXPECT_EQ(resumed.best_epoch, full.best_epoch);
  expect_same_weights(full.model, resumed.model);
  EXPECT_DOUBLE_EQ(resumed.history.back().val_loss, full.history.back().val_loss);
}

TEST_F(TrainerTest, ResumeRefusesOtherSettings) {
  train(options(), "run");
  auto o = options();
  o.lr = 1e-2;
  EXPECT_THROW(train(o, "run", true), Error);
  EXPECT_THROW(train(options(), "empty", true), Error);  // no checkpoint there
}

TEST_F(TrainerTest, EarlyStoppingKeepsTheBestEpoch) {
  auto o = options();
  o.epochs = 6;
  o.patience = 2;
  o.min_delta = 10.0;  // no later epoch can count as better than the first
  const auto r = train(o, "run");
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.history.size(), 3u);
  EXPECT_EQ(r.best_epoch, 1u);
}

TEST_F(TrainerTest, NonFiniteLossStopsNamingEpochAndBatch) {
  auto o = options();
  o.optimizer = "sgd";
  o.schedule = "constant";
  o.lr = 1e30;
  try {
    train(o, "run");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("at epoch 1, batch"), std::string::npos) << e.what();
  }
}

TEST_F(TrainerTest, BadDataIsRejected) {
  test::SyntheticEvents s;
  s.height = s.width = 16;
  test::write_synthetic_events(dir_ / "small.h5", s);
  EXPECT_THROW(train_classifier(model(), dir_ / "small.h5", dir_ / "val.h5", options(), dir_, false), Error);
  EXPECT_THROW(train_classifier(model(4), dir_ / "train.h5", dir_ / "val.h5", options(), dir_, false), Error);
  s = {};
  s.dtype = data::ImageDtype::Float32;
  s.nan_event = 7;
  test::write_synthetic_events(dir_ / "nan.h5", s);
  try {
    train_classifier(model(), dir_ / "nan.h5", dir_ / "val.h5", options(), dir_, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("event 7"), std::string::npos) << e.what();
  }
  auto o = options();
  o.optimizer = "rmsprop";
  EXPECT_THROW(train(o, "run"), Error);
  o = options();
  o.class_weights = "1,2";
  EXPECT_THROW(train(o, "run"), Error);
}

}  // namespace
}  // namespace edgeq::train
