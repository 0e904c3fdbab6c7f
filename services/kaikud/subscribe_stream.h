// Scores.Subscribe: one stream of a tenant's score log.
//
// Each stream has its own position and reads at its own pace: at the tail it
// takes the hub's shared, already decoded entries; behind the hub's ring it
// reads the store on the read pool, 256 entries at a time. One write is in
// flight per stream and at most one batch is buffered, so memory per stream
// is bounded and a slow client never holds up ingest or other streams (HTTP/2
// flow control stops its writes; nothing else waits for it).
#ifndef KAIKU_SERVICES_KAIKUD_SUBSCRIBE_STREAM_H_
#define KAIKU_SERVICES_KAIKUD_SUBSCRIBE_STREAM_H_

#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/common/clock.h"
#include "lib/common/thread_pool.h"
#include "lib/scorelog/hub.h"
#include "lib/storage/store.h"
#include "services/kaikud/stream_stats.h"

namespace kaiku::kaikud {

struct SubscribeContext {
  storage::Store* store = nullptr;
  scorelog::ScoreLogHub* hub = nullptr;
  ThreadPool* reads = nullptr;
  const Clock* clock = nullptr;
  absl::Duration heartbeat_interval = absl::Seconds(15);
  // Where open streams register for the metrics; may be null.
  StreamStats* stats = nullptr;
};

// A reactor serving `request` for `tenant`; deletes itself when done. It
// writes the entries' serialized bytes (Entry::wire), not copies of them.
grpc::ServerWriteReactor<grpc::ByteBuffer>* NewSubscribeStream(
    const SubscribeContext& context, std::string tenant,
    const kaiku::v1::SubscribeRequest& request);

// Whether `name` is a valid consumer name (1..64 of [A-Za-z0-9_.-]).
bool ValidConsumerName(absl::string_view name);

// OUT_OF_RANGE with a google.rpc.ErrorInfo (reason CURSOR_EXPIRED, metadata
// "earliest_cursor").
grpc::Status CursorExpired(const std::string& tenant, uint64_t first_retained);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_SUBSCRIBE_STREAM_H_
