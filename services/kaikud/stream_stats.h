// Live figures of the open Scores.Subscribe streams, read by the metrics at
// scrape time: how many, how far behind the furthest one is, and how many
// score events they delivered.
//
// Thread safety: every method may be called from any thread. Lag functions are
// called under this object's lock: they must not call back into it.
#ifndef KAIKU_SERVICES_KAIKUD_STREAM_STATS_H_
#define KAIKU_SERVICES_KAIKUD_STREAM_STATS_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace kaiku::kaikud {

class StreamStats {
 public:
  // Registers an open stream; `lag` tells how many committed entries it has
  // not delivered yet. Returns the id for Remove.
  uint64_t Add(std::function<int64_t()> lag) {
    absl::MutexLock lock(&mu_);
    uint64_t id = next_id_++;
    streams_.emplace(id, std::move(lag));
    return id;
  }
  void Remove(uint64_t id) {
    absl::MutexLock lock(&mu_);
    streams_.erase(id);
  }

  void CountDelivered() { delivered_.fetch_add(1, std::memory_order_relaxed); }
  int64_t delivered() const {
    return delivered_.load(std::memory_order_relaxed);
  }

  int64_t streams() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int64_t>(streams_.size());
  }

  // The lag of the stream furthest behind; 0 without streams.
  int64_t MaxLag() const {
    absl::MutexLock lock(&mu_);
    int64_t most = 0;
    for (const auto& [id, lag] : streams_) most = std::max(most, lag());
    return most;
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::function<int64_t()>> streams_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::atomic<int64_t> delivered_{0};
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_STREAM_STATS_H_
