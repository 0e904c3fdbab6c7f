// What a load run measured, second by second: events acknowledged, publish-ack
// latency and event-to-score-event latency. Fed by the publisher's and the
// subscriber's threads; read by the main thread for progress and the report.
//
// Thread safety: every method may be called from any thread.
#ifndef KAIKU_TOOLS_LOADGEN_RECORDER_H_
#define KAIKU_TOOLS_LOADGEN_RECORDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/loadgen/latency_histogram.h"
#include "lib/loadgen/monotonic.h"

namespace kaiku::loadgen {

struct Tally {
  int64_t sent = 0;
  int64_t accepted = 0;
  int64_t duplicate = 0;
  int64_t rejected = 0;
  // Events of requests the server refused as a whole (RESOURCE_EXHAUSTED,
  // UNAVAILABLE) or that got no answer.
  int64_t failed = 0;
  int64_t score_events = 0;
};

class Recorder {
 public:
  explicit Recorder(int64_t start_micros) : start_(start_micros) {}

  void Sent(int64_t events);
  // One request answered at `now`: its latency from the moment it was due.
  void Acked(int64_t now, int64_t latency_micros, int64_t accepted,
             int64_t duplicate, int64_t rejected, int64_t failed);
  void ScoreEvent(int64_t now, std::optional<int64_t> latency_micros);

  struct Second {
    int64_t acked_events = 0;
    LatencyHistogram ack;
    LatencyHistogram e2e;
  };
  Tally tally() const;
  LatencyHistogram ack_total() const;
  LatencyHistogram e2e_total() const;
  // Seconds since start, complete or not.
  std::vector<Second> seconds() const;
  // Writes "second events_per_s ack_p50_ms ack_p99_ms e2e_p50_ms e2e_p99_ms"
  // rows, for gnuplot.
  bool WriteSeries(const std::string& path) const;

 private:
  Second& At(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t start_;
  mutable absl::Mutex mu_;
  Tally tally_ ABSL_GUARDED_BY(mu_);
  LatencyHistogram ack_ ABSL_GUARDED_BY(mu_);
  LatencyHistogram e2e_ ABSL_GUARDED_BY(mu_);
  std::vector<Second> seconds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_TOOLS_LOADGEN_RECORDER_H_
