// The moment each visitor's latest event was due to be sent, so that a score
// event it caused can be timed: event -> score-event latency is the score
// event's arrival minus the due time of the request that carried the event
// named by the score event's visitor and occurred_at. Score events caused by
// an earlier event of the same visitor, or by decay, are not timed.
//
// Only a sample of the visitors is followed (1 in `sample`, by a hash of the
// visitor id), which keeps the log's cost on the client small; memory is
// bounded: past `max_visitors` entries the log starts over.
//
// Thread safety: every method may be called from any thread.
#ifndef KAIKU_TOOLS_LOADGEN_SEND_LOG_H_
#define KAIKU_TOOLS_LOADGEN_SEND_LOG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kaiku/v1/ingest.pb.h"

namespace kaiku::loadgen {

class SendLog {
 public:
  explicit SendLog(int sample = 8, size_t max_visitors = 1000000)
      : sample_(sample), max_visitors_(max_visitors) {}

  // Records every event of `request`, due at `due_micros`.
  void Sending(const kaiku::v1::PublishRequest& request, int64_t due_micros);
  // The latency of a score event of `visitor_id` with event time
  // `occurred_micros`, arriving at `now_micros`, if it can be timed.
  std::optional<int64_t> Latency(absl::string_view visitor_id,
                                 int64_t occurred_micros, int64_t now_micros);

 private:
  struct Entry {
    int64_t occurred_micros;
    int64_t due_micros;
  };
  bool Sampled(absl::string_view visitor_id) const {
    return absl::HashOf(visitor_id) % sample_ == 0;
  }

  const size_t sample_;
  const size_t max_visitors_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_TOOLS_LOADGEN_SEND_LOG_H_
