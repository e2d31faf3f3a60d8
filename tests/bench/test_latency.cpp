// Latency statistics: percentiles against NumPy's "linear" method (worked out by hand below) and the timing
// loop against synthetic workloads of known duration (busy waits on the steady clock).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numeric>

#include "edgeq/bench/latency.hpp"

namespace edgeq::bench {
namespace {

void spin_ms(double ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(ms);
  while (std::chrono::steady_clock::now() < end) {
  }
}

TEST(Latency, PercentilesInterpolateBetweenClosestRanks) {
  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);  // 1..100
  // numpy.percentile(range(1, 101), q): position q/100 * 99 -> 50.5, 90.1, 99.01.
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 50.5);
  EXPECT_NEAR(percentile(v, 0.9), 90.1, 1e-12);
  EXPECT_NEAR(percentile(v, 0.99), 99.01, 1e-12);
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 100.0);
  EXPECT_DOUBLE_EQ(percentile({7.0}, 0.9), 7.0);
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0.0);
}

TEST(Latency, SummaryOfAKnownSample) {
  // Order does not matter; mean 5, sample standard deviation sqrt(32 / 7).
  const auto s = summarise({9, 2, 4, 4, 5, 4, 7, 5});
  EXPECT_EQ(s.runs, 8u);
  EXPECT_DOUBLE_EQ(s.mean_ms, 5.0);
  EXPECT_NEAR(s.stddev_ms, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_DOUBLE_EQ(s.p50_ms, 4.5);
  EXPECT_DOUBLE_EQ(s.min_ms, 2.0);
  EXPECT_DOUBLE_EQ(s.max_ms, 9.0);
  EXPECT_LE(s.p50_low_ms, s.p50_ms);
  EXPECT_GE(s.p50_high_ms, s.p50_ms);
}

TEST(Latency, MedianOfAFixedWorkloadIsItsDuration) {
  MeasureOptions o;
  o.warmup_runs = 1;
  o.min_runs = 20;
  o.min_seconds = 0.05;
  o.max_seconds = 2;
  const auto m = measure([] { spin_ms(2.0); }, o);
  EXPECT_GE(m.stats.runs, 20u);
  EXPECT_GE(m.stats.min_ms, 2.0);  // a call cannot be shorter than its busy wait
  EXPECT_LT(m.stats.p50_ms, 4.0);  // generous: parallel tests on 2 cores preempt the busy wait
  EXPECT_NEAR(m.seconds, std::accumulate(m.samples_ms.begin(), m.samples_ms.end(), 0.0) / 1e3, 1e-9);
}

TEST(Latency, TailPercentilesSeeRareSlowCalls) {
  MeasureOptions o;
  o.warmup_runs = 0;
  o.min_runs = o.max_runs = 100;
  o.min_seconds = 0;
  int call = 0;
  // Every 10th call takes 4 ms, the others 0.5 ms: the median is fast, p99 slow, p90 in between.
  const auto m = measure([&] { spin_ms(++call % 10 == 0 ? 4.0 : 0.5); }, o);
  ASSERT_EQ(m.stats.runs, 100u);
  EXPECT_LT(m.stats.p50_ms, 2.0);  // generous, as above; still well below the slow calls
  EXPECT_GE(m.stats.p99_ms, 4.0);
  EXPECT_GE(m.stats.max_ms, 4.0);
  // Sorted, 90 fast then 10 slow: p90 sits at position 89.1, i.e. 0.1 of the way into the slow calls.
  EXPECT_GT(m.stats.p90_ms, m.stats.p50_ms);
  EXPECT_LT(m.stats.p90_ms, m.stats.p99_ms);
}

TEST(Latency, StopsAtTheLimits) {
  MeasureOptions o;
  o.warmup_runs = 2;
  o.min_runs = 5;
  o.max_runs = 7;
  o.min_seconds = 10;  // unreachable: max_runs stops it
  int calls = 0;
  auto m = measure([&] { ++calls; }, o);
  EXPECT_EQ(m.samples_ms.size(), 7u);
  EXPECT_EQ(calls, 9);
  o.max_runs = 100000;
  o.min_seconds = 0.01;
  o.max_seconds = 0.05;
  o.rel_precision = 0;  // no precision target: max_seconds stops it
  m = measure([] { spin_ms(1.0); }, o);
  EXPECT_FALSE(m.converged);
  EXPECT_GE(m.seconds, 0.05);
  EXPECT_LT(m.seconds, 0.2);
}

TEST(Latency, ConstantWorkConverges) {
  MeasureOptions o;
  o.min_runs = 10;
  o.min_seconds = 0.02;
  o.max_seconds = 20;
  o.rel_precision = 0.1;
  const auto m = measure([] { spin_ms(0.3); }, o);
  EXPECT_TRUE(m.converged);
  EXPECT_LE((m.stats.p50_high_ms - m.stats.p50_low_ms) / 2, 0.1 * m.stats.p50_ms);
}

}  // namespace
}  // namespace edgeq::bench
