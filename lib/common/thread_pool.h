// A fixed set of threads running queued closures, for blocking work (storage
// reads) that must not run on gRPC's callback threads.
//
// Thread safety: Schedule and Stop may be called from any thread.
#ifndef KAIKU_LIB_COMMON_THREAD_POOL_H_
#define KAIKU_LIB_COMMON_THREAD_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace kaiku {

class ThreadPool {
 public:
  // Starts `threads` (at least 1) threads.
  explicit ThreadPool(int threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  // Stops (see Stop).
  ~ThreadPool();

  // Runs `fn` on a pool thread. Returns false (and drops `fn`) after Stop.
  bool Schedule(absl::AnyInvocable<void() &&> fn);

  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace kaiku

#endif  // KAIKU_LIB_COMMON_THREAD_POOL_H_
