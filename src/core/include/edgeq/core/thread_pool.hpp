// Fixed-size thread pool with a blocking parallel_for. Work items are claimed dynamically, so results must
// not depend on which worker runs an item: derive randomness from the item index (see rng.hpp), never from
// the worker. The first exception thrown by any item is rethrown by parallel_for after all workers stop.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgeq::core {

class ThreadPool {
 public:
  /// threads == 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(std::size_t threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t size() const { return workers_.size() + 1; }

  /// Calls fn(i, worker) for every i in [begin, end); worker is in [0, size()). The calling thread joins in.
  void parallel_for(std::size_t begin, std::size_t end,
                    const std::function<void(std::size_t i, std::size_t worker)>& fn);

 private:
  struct Job;
  void worker_loop(std::size_t worker);
  static void run_items(Job& job, std::size_t worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  Job* job_ = nullptr;
  std::size_t generation_ = 0;
  std::size_t active_ = 0;
  bool stop_ = false;
};

}  // namespace edgeq::core
