#include "services/kaikud/maintenance.h"

#include <algorithm>

#include "lib/common/logging.h"

namespace kaiku::kaikud {

Maintenance::Maintenance(storage::Store* store, scorelog::ScoreLogHub* hub,
                         const Clock* clock,
                         scorelog::RetentionOptions retention,
                         absl::Duration retention_interval,
                         absl::Duration tick_interval)
    : store_(store),
      hub_(hub),
      clock_(clock),
      retention_(retention),
      retention_interval_(retention_interval),
      tick_interval_(tick_interval) {
  thread_ = std::thread([this] { Run(); });
}

Maintenance::~Maintenance() {
  stop_.Notify();
  thread_.join();
}

void Maintenance::Run() {
  absl::Time next_retention = absl::Now();
  while (!stop_.HasBeenNotified()) {
    if (absl::Now() >= next_retention) {
      absl::Status s =
          scorelog::ApplyRetention(*store_, retention_, clock_->Now());
      if (!s.ok()) LOG(WARNING) << "score-log retention: " << s;
      s = store_->DropExpiredEvents();
      if (!s.ok()) LOG(WARNING) << "event log retention: " << s;
      next_retention = absl::Now() + retention_interval_;
    }
    hub_->Tick();
    stop_.WaitForNotificationWithTimeout(
        std::min(tick_interval_, next_retention - absl::Now()));
  }
}

}  // namespace kaiku::kaikud
