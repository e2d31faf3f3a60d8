// The search loop (search/search.hpp) with a synthetic trial runner whose accuracy is a known function of the
// configuration, so proposals, scores, fronts, scheduling and resuming can be checked exactly; the costs are
// the real energy model of the jet MLP.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include "../test_util.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/quant/energy.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/search/search.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "jet_mlp_fixture.hpp"

namespace edgeq::search {
namespace {

using test::jet_mlp;

const char* kSpace = R"(
weight:
  - quantized_bits(2,0,alpha='auto')
  - quantized_bits(3,0,alpha='auto')
  - quantized_bits(4,0,alpha='auto')
  - quantized_bits(6,0,alpha='auto')
  - quantized_bits(8,0,alpha='auto')
result:
  - quantized_relu(2,2)
  - quantized_relu(3,2)
  - quantized_relu(4,3)
  - quantized_relu(6,4)
  - quantized_relu(8,4)
)";
const char* kReference =
    "LayerType:\n  Gemm:\n    Precision:\n      weight: \"quantized_bits(8,0,alpha='auto')\"\n"
    "  Relu:\n    Precision:\n      result: \"quantized_relu(8,4)\"\n";

/// Accuracy falls with fewer bits; fc2's weights are the sensitive ones.
double synthetic_accuracy(const std::string& yaml) {
  const auto cfg = quant::LayerQuantConfig::parse(yaml, "trial");
  double acc = 0.9;
  for (const char* layer : {"fc1", "fc2", "fc3", "output"})
    if (const auto w = cfg.for_layer(layer, "Gemm").weight)
      acc -= (std::string(layer) == "fc2" ? 0.05 : 0.01) * std::max(0, 6 - w->bits);
  for (const char* relu : {"relu1", "relu2", "relu3"})
    if (const auto r = cfg.for_layer(relu, "Relu").result) acc -= 0.01 * std::max(0, 4 - r->bits);
  return acc;
}

struct Fixture {
  graph::Graph model = jet_mlp();
  SearchSpace space = parse_search_space(kSpace, "space", model);
  quant::EnergyProfile profile = quant::find_energy_profile("horowitz45");
  std::mutex m;
  std::vector<TrialRequest> requests;
  CostFunction cost = [this](const std::string& yaml) {
    graph::Graph g = model;
    quant::insert_fake_quant(g, quant::LayerQuantConfig::parse(yaml, "trial"));
    const auto r = quant::estimate_energy(g, profile);
    return Costs{r.total_pj, r.total_bits()};
  };
  TrialRunner runner = [this](const TrialRequest& t) {
    std::lock_guard lock(m);
    requests.push_back(t);
    return TrialOutcome{synthetic_accuracy(t.config_yaml) + 0.001 * static_cast<double>(t.epochs), 1.0};
  };
};

TEST(ForgivingFactor, ClosedFormDeltaAndScore) {
  const ForgivingFactor f;                       // d_p = d_n = 0.08, rate 2 (AutoQKeras defaults)
  EXPECT_NEAR(f.delta(100, 50), 0.08, 1e-12);    // half the cost: + d_p
  EXPECT_NEAR(f.delta(100, 25), 0.16, 1e-12);    // a quarter: + 2 d_p
  EXPECT_NEAR(f.delta(100, 200), -0.08, 1e-12);  // twice the cost: - d_n
  EXPECT_NEAR(f.score(0.8, 100, 50), 0.864, 1e-12);
  const ForgivingFactor g{0.1, 0.3, 4.0};
  EXPECT_NEAR(g.delta(100, 25), 0.1, 1e-12);
  EXPECT_NEAR(g.delta(100, 400), -0.3, 1e-12);
  EXPECT_THROW((ForgivingFactor{0.1, 0.1, 1.0}.validate()), Error);
}

TEST(ParetoFront, KeepsOnlyUndominatedPointsOrderedByCost) {
  //                      0     1     2     3     4
  const std::vector<double> acc{0.80, 0.85, 0.70, 0.85, 0.90};
  const std::vector<double> cost{10, 20, 30, 25, 40};
  EXPECT_EQ(pareto_front(acc, cost), (std::vector<std::size_t>{0, 1, 4}));
}

TEST(Search, RandomSearchLogsEveryTrialAndFindsTheFront) {
  test::TempDir dir;
  Fixture f;
  SearchOptions o;
  o.mode = Mode::Random;
  o.trials = 12;
  const auto r = run_search(f.space, o, kReference, f.cost, f.runner, dir.path() / "trials.jsonl");
  ASSERT_EQ(r.trials.size(), 12u);
  EXPECT_EQ(f.requests.size(), 13u);  // + the reference
  EXPECT_EQ(f.requests[0].config_yaml, kReference);
  std::set<std::vector<int>> distinct;
  for (const auto& t : r.trials) distinct.insert(t.candidate);
  EXPECT_EQ(distinct.size(), 12u);
  for (const auto& t : r.trials) {
    EXPECT_NEAR(t.score, o.forgiving.score(t.accuracy, r.reference.energy_pj, t.energy_pj), 1e-12);
    EXPECT_LE(t.score, r.trials[r.best].score);
  }
  for (auto i : r.front_energy)
    for (const auto& t : r.trials)
      EXPECT_FALSE(t.accuracy > r.trials[i].accuracy && t.energy_pj < r.trials[i].energy_pj);
  std::ifstream log(dir.path() / "trials.jsonl");
  int lines = 0;
  for (std::string l; std::getline(log, l);) ++lines;
  EXPECT_EQ(lines, 1 + 13);
}

TEST(Search, InterruptedSearchResumesWithTheSameProposals) {
  test::TempDir dir;
  SearchOptions o;
  o.mode = Mode::Bayesian;
  o.trials = 10;
  o.parallel = 2;
  o.tpe_startup = 4;
  Fixture whole;
  const auto full =
      run_search(whole.space, o, kReference, whole.cost, whole.runner, dir.path() / "full.jsonl");

  Fixture broken;
  std::atomic<int> calls{0};
  TrialRunner failing = [&](const TrialRequest& t) {
    if (++calls == 6) throw Error(Error::Kind::Cancelled, "interrupted");
    return broken.runner(t);
  };
  EXPECT_THROW(run_search(broken.space, o, kReference, broken.cost, failing, dir.path() / "part.jsonl"),
               Error);
  Fixture resumed;
  const auto r =
      run_search(resumed.space, o, kReference, resumed.cost, resumed.runner, dir.path() / "part.jsonl");
  EXPECT_GE(r.reused, 4);
  EXPECT_EQ(static_cast<int>(resumed.requests.size()) + r.reused,
            11);  // nothing trained twice (reference included)
  ASSERT_EQ(r.trials.size(), full.trials.size());
  for (std::size_t i = 0; i < r.trials.size(); ++i) {
    EXPECT_EQ(r.trials[i].candidate, full.trials[i].candidate) << i;
    EXPECT_EQ(r.trials[i].accuracy, full.trials[i].accuracy) << i;
  }
  // another seed is another search: refused, naming what differs
  o.seed = 2;
  try {
    run_search(resumed.space, o, kReference, resumed.cost, resumed.runner, dir.path() / "part.jsonl");
    ADD_FAILURE() << "resumed a log with another seed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos) << e.what();
  }
}

TEST(Search, BayesianProposalsBeatTheRandomStartup) {
  test::TempDir dir;
  Fixture f;
  SearchOptions o;
  o.mode = Mode::Bayesian;
  o.trials = 24;
  o.tpe_startup = 8;
  const auto r = run_search(f.space, o, kReference, f.cost, f.runner, dir.path() / "log.jsonl");
  double startup = 0, guided = 0;
  for (std::size_t i = 0; i < r.trials.size(); ++i) (i < 8 ? startup : guided) += r.trials[i].score;
  EXPECT_GT(guided / 16, startup / 8);
  // the sensitive layer (fc2) is kept wide in the best candidate
  const auto fc2 = static_cast<std::size_t>(std::find_if(f.space.slots.begin(), f.space.slots.end(),
                                                         [](const auto& s) { return s.layer == "fc2"; }) -
                                            f.space.slots.begin());
  EXPECT_GE(f.space.slots[fc2].bits[static_cast<std::size_t>(r.trials[r.best].candidate[fc2])], 4);
}

TEST(Search, HyperbandPromotesTheBestThirdAndContinuesTheirRuns) {
  test::TempDir dir;
  Fixture f;
  SearchOptions o;
  o.mode = Mode::Hyperband;
  o.epochs = 9;  // eta 3: bracket s = 2 trains 9 candidates 1 epoch, 3 of them to 3, 1 to 9
  o.trials = 9;
  o.parallel = 3;
  const auto r = run_search(f.space, o, kReference, f.cost, f.runner, dir.path() / "log.jsonl");
  ASSERT_EQ(f.requests.size(), 1u + 9 + 3 + 1);
  std::vector<TrialRequest> rung1(f.requests.begin() + 10, f.requests.begin() + 13);
  for (const auto& t : rung1) {
    EXPECT_EQ(t.epochs, 3u);
    EXPECT_TRUE(t.resume);
  }
  EXPECT_EQ(f.requests.back().epochs, 9u);
  EXPECT_TRUE(f.requests.back().resume);
  // the promoted ones are the three best scores of the first rung
  std::vector<double> first;
  for (std::size_t i = 0; i < 9; ++i) first.push_back(r.trials[i].score);
  std::sort(first.rbegin(), first.rend());
  for (const auto& t : rung1) {
    const auto& origin = *std::find_if(r.trials.begin(), r.trials.begin() + 9,
                                       [&](const auto& x) { return x.config_id == t.config_id; });
    EXPECT_GE(origin.score, first[2]);
  }
  EXPECT_EQ(r.final_trials.size(), 9u);  // one final record per candidate
}

TEST(Search, BlocksAreSearchedInOrderWithLaterBlocksFloat) {
  test::TempDir dir;
  Fixture f;
  f.space =
      parse_search_space(std::string(kSpace) + "blocks: [\"fc1|relu1|fc2\", \".*\"]\n", "space", f.model);
  SearchOptions o;
  o.mode = Mode::Random;
  o.trials = 6;
  const auto r = run_search(f.space, o, kReference, f.cost, f.runner, dir.path() / "log.jsonl");
  const TrialRecord* best0 = nullptr;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.trials[i].block, 0);
    for (std::size_t s = 0; s < f.space.slots.size(); ++s)
      if (f.space.slots[s].block == 1) {
        EXPECT_EQ(r.trials[i].candidate[s], -1);
      }
    if (!best0 || r.trials[i].score > best0->score) best0 = &r.trials[i];
  }
  for (std::size_t i = 3; i < 6; ++i)
    for (std::size_t s = 0; s < f.space.slots.size(); ++s)
      if (f.space.slots[s].block == 0) {
        EXPECT_EQ(r.trials[i].candidate[s], best0->candidate[s]);
      }
}

TEST(Search, BadOptionsAreRefused) {
  test::TempDir dir;
  Fixture f;
  SearchOptions o;
  o.trials = 0;
  EXPECT_THROW(run_search(f.space, o, kReference, f.cost, f.runner, dir.path() / "l.jsonl"), Error);
  EXPECT_THROW(parse_mode("grid"), Error);
  EXPECT_THROW(parse_goal("latency"), Error);
}

}  // namespace
}  // namespace edgeq::search
