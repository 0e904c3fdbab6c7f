// The requests being filled, one per site (tenant), each sent on its site's
// own streams (with the site's API key) when it holds `batch` events or its
// first event has waited `linger`; a share of the requests is sent a second
// time, as a client does that retries after a timeout.
//
//   Lanes lanes(addr, sites, options, &recorder);
//   lanes.Add(site, due, [&](kaiku::v1::Event* e) { stream.Take(e); });
//   lanes.FlushLingering(now);
//   lanes.Finish(absl::Seconds(30));
//
// Thread safety: none (one sending thread).
#ifndef KAIKU_TOOLS_LOADGEN_LANES_H_
#define KAIKU_TOOLS_LOADGEN_LANES_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "kaiku/v1/ingest.pb.h"
#include "tools/loadgen/publisher.h"
#include "tools/loadgen/recorder.h"
#include "tools/loadgen/send_log.h"

namespace kaiku::loadgen {

struct LaneOptions {
  // Requests in flight per stream, 1..64.
  int window = 8;
  // Most events per request.
  int batch = 500;
  // A request is sent this long after its first event was due, full or not.
  int64_t linger_micros = 20000;
  // Share of requests sent twice.
  double retry_share = 0;
  uint32_t seed = 1;
};

struct Site {
  // Empty: no authorization header.
  std::string api_key;
  // PublishStream streams, each on its own connection.
  int streams = 1;
  // Where sent events are noted for a subscriber's timing; may be null.
  SendLog* send_log = nullptr;
};

class Lanes {
 public:
  // `recorder` and the sites' send logs must outlive this.
  Lanes(const std::string& addr, const std::vector<Site>& sites,
        const LaneOptions& options, Recorder* recorder);
  ~Lanes();

  // Adds an event, written by `fill`, to the request of `site`, due at
  // `due_micros` (monotonic); sends the request when it is full. False when a
  // stream has failed (see error()).
  bool Add(int site, int64_t due_micros,
           absl::FunctionRef<void(kaiku::v1::Event*)> fill);
  // Sends every request whose first event has waited the linger at `now`.
  // Sets `*next` to when the next one will have (INT64_MAX: none waits).
  bool FlushLingering(int64_t now, int64_t* next);
  // Sends every request now.
  bool FlushAll();
  // Half-closes the streams and waits up to `drain` for the acks.
  void Finish(absl::Duration drain);

  int64_t requests() const { return requests_; }
  int64_t retried_requests() const { return retried_requests_; }
  int64_t retried_events() const { return retried_events_; }
  // The first stream error, empty if none.
  std::string error() const;

 private:
  struct Lane {
    std::unique_ptr<StreamPublisher> publisher;
    std::unique_ptr<google::protobuf::Arena> arena;
    kaiku::v1::PublishRequest* request = nullptr;
    int64_t first_due = 0;
    int64_t last_due = 0;
    int64_t requests = 0;
  };
  bool Send(Lane& lane, int64_t due);

  const LaneOptions options_;
  std::vector<Lane> lanes_;
  std::mt19937_64 rng_;
  int64_t requests_ = 0;
  int64_t retried_requests_ = 0;
  int64_t retried_events_ = 0;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_TOOLS_LOADGEN_LANES_H_
