#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/core/rng.hpp"

using edgeq::core::CounterRng;

TEST(CounterRng, SameKeySameSequence) {
  CounterRng a(1, 2, 3), b(1, 2, 3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u32(), b.next_u32());
}

TEST(CounterRng, DifferentIndexStreamOrSeedDiffer) {
  CounterRng base(1, 2, 3), idx(1, 2, 4), stream(1, 3, 3), seed(2, 2, 3);
  const auto v = base.next_u32();
  EXPECT_NE(v, idx.next_u32());
  EXPECT_NE(v, stream.next_u32());
  EXPECT_NE(v, seed.next_u32());
}

// Philox4x32-10 known-answer test (Random123 kat_vectors): ctr = key = 0 ->
// 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
TEST(CounterRng, PhiloxKnownAnswer) {
  CounterRng r(0, 0, 0);
  EXPECT_EQ(r.next_u32(), 0x6627e8d5u);
  EXPECT_EQ(r.next_u32(), 0xe169c58du);
  EXPECT_EQ(r.next_u32(), 0xbc57ac4cu);
  EXPECT_EQ(r.next_u32(), 0x9b00dbd8u);
}

TEST(CounterRng, ForksAreIndependentOfDrawsSoFar) {
  CounterRng a(5, 0, 9), b(5, 0, 9);
  for (int i = 0; i < 17; ++i) a.next_u32();
  CounterRng fa = a.fork(1), fb = b.fork(1);
  EXPECT_EQ(fa.next_u32(), fb.next_u32());
  EXPECT_NE(b.fork(1).next_u32(), b.fork(2).next_u32());
}

TEST(CounterRng, UniformNormalMoments) {
  CounterRng r(7, 0, 0);
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform(), z = r.normal();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u, su2 += u * u, sn += z, sn2 += z * z;
  }
  EXPECT_NEAR(su / n, 0.5, 0.003);
  EXPECT_NEAR(su2 / n - 0.25, 1.0 / 12.0, 0.002);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.01);
}

TEST(CounterRng, PoissonAndBelow) {
  CounterRng r(8, 0, 0);
  for (double mean : {0.3, 4.0, 50.0}) {
    double s = 0;
    for (int i = 0; i < 50000; ++i) s += r.poisson(mean);
    EXPECT_NEAR(s / 50000, mean, 0.02 * mean + 0.01) << mean;
  }
  int hist[7] = {0};
  for (int i = 0; i < 70000; ++i) {
    const auto v = r.below(7);
    ASSERT_LT(v, 7u);
    ++hist[v];
  }
  for (int h : hist) EXPECT_NEAR(h, 10000, 400);
}
