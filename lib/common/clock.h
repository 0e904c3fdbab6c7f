// Time is injected: nothing in lib/ calls absl::Now() directly. Production code
// passes Clock::Real(); tests pass a FakeClock and move it by hand.
#ifndef KAIKU_LIB_COMMON_CLOCK_H_
#define KAIKU_LIB_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kaiku {

// Thread safety: implementations are safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;

  // The current wall-clock time.
  virtual absl::Time Now() const = 0;

  // The process-wide real clock. Never null; never deleted.
  static Clock* Real();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kaiku

#endif  // KAIKU_LIB_COMMON_CLOCK_H_
