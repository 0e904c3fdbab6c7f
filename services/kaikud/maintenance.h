// kaikud's periodic work on one thread: score-log and event-log retention every
// `retention_interval`, and a tick of the score-log hub every
// `tick_interval`, so idle Subscribe streams send their heartbeats.
#ifndef KAIKU_SERVICES_KAIKUD_MAINTENANCE_H_
#define KAIKU_SERVICES_KAIKUD_MAINTENANCE_H_

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/scorelog/hub.h"
#include "lib/scorelog/retention.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

class Maintenance {
 public:
  // All pointers must outlive this.
  Maintenance(storage::Store* store, scorelog::ScoreLogHub* hub,
              const Clock* clock, scorelog::RetentionOptions retention,
              absl::Duration retention_interval, absl::Duration tick_interval);
  // Stops the thread.
  ~Maintenance();

 private:
  void Run();

  storage::Store* const store_;
  scorelog::ScoreLogHub* const hub_;
  const Clock* const clock_;
  const scorelog::RetentionOptions retention_;
  const absl::Duration retention_interval_;
  const absl::Duration tick_interval_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_MAINTENANCE_H_
