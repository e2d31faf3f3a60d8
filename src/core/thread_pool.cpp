#include "edgeq/core/thread_pool.hpp"

#include <atomic>
#include <exception>

namespace edgeq::core {

struct ThreadPool::Job {
  std::size_t end;
  std::atomic<std::size_t> next;
  const std::function<void(std::size_t, std::size_t)>* fn;
  std::mutex error_mutex;
  std::exception_ptr error;
  std::atomic<bool> failed{false};
};

ThreadPool::ThreadPool(std::size_t threads) {
  if (threads == 0) threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  for (std::size_t w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_items(Job& job, std::size_t worker) {
  for (;;) {
    const std::size_t i = job.next.fetch_add(1);
    if (i >= job.end || job.failed) return;
    try {
      (*job.fn)(i, worker);
    } catch (...) {
      std::lock_guard lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
      job.failed = true;
    }
  }
}

void ThreadPool::worker_loop(std::size_t worker) {
  std::size_t seen = 0;
  for (;;) {
    Job* job = nullptr;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      job = job_;
      ++active_;
    }
    run_items(*job, worker);
    {
      std::lock_guard lock(mutex_);
      --active_;
    }
    done_cv_.notify_all();
  }
}

void ThreadPool::parallel_for(std::size_t begin, std::size_t end,
                              const std::function<void(std::size_t, std::size_t)>& fn) {
  if (begin >= end) return;
  Job job;
  job.end = end;
  job.next = begin;
  job.fn = &fn;
  {
    std::lock_guard lock(mutex_);
    job_ = &job;
    ++generation_;
  }
  cv_.notify_all();
  run_items(job, 0);
  {
    std::unique_lock lock(mutex_);
    job_ = nullptr;  // late-waking workers see no job
    done_cv_.wait(lock, [&] { return active_ == 0; });
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace edgeq::core
