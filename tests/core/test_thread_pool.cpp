#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "edgeq/core/error.hpp"
#include "edgeq/core/thread_pool.hpp"

using edgeq::core::ThreadPool;

TEST(ThreadPool, EveryIndexExactlyOnce) {
  for (std::size_t threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<std::atomic<int>> hits(1000);
      pool.parallel_for(0, hits.size(), [&](std::size_t i, std::size_t worker) {
        ASSERT_LT(worker, threads);
        hits[i]++;
      });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPool, FirstExceptionIsRethrown) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(0, 100,
                                 [](std::size_t i, std::size_t) {
                                   if (i == 50) edgeq::throw_input("bad item {}", i);
                                 }),
               edgeq::Error);
  // The pool is still usable afterwards.
  std::atomic<int> n{0};
  pool.parallel_for(0, 10, [&](std::size_t, std::size_t) { n++; });
  EXPECT_EQ(n.load(), 10);
}

TEST(ThreadPool, EmptyRange) {
  ThreadPool pool(2);
  pool.parallel_for(5, 5, [](std::size_t, std::size_t) { FAIL(); });
}
