// Confusion matrix metrics against hand-computed values, and the model/data consistency checks of eval.
#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/eval/evaluate.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "test_util.hpp"
#include "train/synthetic_events.hpp"

namespace edgeq::eval {
namespace {

TEST(ConfusionMatrix, EfficiencyPurityAccuracyByHand) {
  ConfusionMatrix m(3);
  // truth 0: 8 right, 2 as class 1; truth 1: 5 right, 5 as class 2; truth 2: 10 right; none predicted...
  for (int i = 0; i < 8; ++i) m.add(0, 0);
  for (int i = 0; i < 2; ++i) m.add(0, 1);
  for (int i = 0; i < 5; ++i) m.add(1, 1);
  for (int i = 0; i < 5; ++i) m.add(1, 2);
  for (int i = 0; i < 10; ++i) m.add(2, 2);
  EXPECT_EQ(m.total(), 30);
  EXPECT_DOUBLE_EQ(m.accuracy(), 23.0 / 30.0);
  EXPECT_DOUBLE_EQ(m.efficiency(0), 0.8);
  EXPECT_DOUBLE_EQ(m.efficiency(1), 0.5);
  EXPECT_DOUBLE_EQ(m.purity(1), 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.purity(2), 10.0 / 15.0);
  ConfusionMatrix empty(2);
  EXPECT_TRUE(std::isnan(empty.purity(0)));
  const auto j = m.to_json({"NC", "numu CC", "nue CC"});
  EXPECT_EQ(j["classes"][1]["name"], "numu CC");
  EXPECT_EQ(j["confusion"][1][2], 5);
  EXPECT_THROW(m.add(3, 0), Error);
  EXPECT_EQ(ConfusionMatrix(3, m.counts()).counts(), m.counts());
}

TEST(CheckModelMatchesData, ShapeClassesAndLabels) {
  test::TempDir dir;
  test::SyntheticEvents s;
  s.events = 8;
  test::write_synthetic_events(dir / "a.h5", s);
  const data::EventFileReader f(dir / "a.h5");
  zoo::ZooOptions z;
  z.input = {3, 32, 32};
  EXPECT_NO_THROW(check_model_matches_data(zoo::build("nunet_s", z), f));
  z.classes = 5;
  EXPECT_THROW(check_model_matches_data(zoo::build("nunet_s", z), f), Error);
  z.classes = 3;
  z.input = {3, 64, 64};
  EXPECT_THROW(check_model_matches_data(zoo::build("nunet_s", z), f), Error);
  EXPECT_EQ(file_class_names(f, 3), (std::vector<std::string>{"c0", "c1", "c2"}));
}

}  // namespace
}  // namespace edgeq::eval
