#include "tools/loadgen/lanes.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace kaiku::loadgen {

Lanes::Lanes(const std::string& addr, const std::vector<Site>& sites,
             const LaneOptions& options, Recorder* recorder)
    : options_(options), rng_(options.seed) {
  lanes_.resize(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) {
    Lane& lane = lanes_[i];
    lane.publisher = std::make_unique<StreamPublisher>(
        addr, sites[i].api_key, std::max(sites[i].streams, 1), options_.window,
        recorder, sites[i].send_log);
    // Each request is built on an arena that is reset once it is written: no
    // allocation per event, so the generator leaves the cores to the server.
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = 64 << 10;
    arena_options.max_block_size = 1 << 20;
    lane.arena = std::make_unique<google::protobuf::Arena>(arena_options);
  }
}

Lanes::~Lanes() = default;

bool Lanes::Add(int site, int64_t due_micros,
                absl::FunctionRef<void(kaiku::v1::Event*)> fill) {
  Lane& lane = lanes_[static_cast<size_t>(site)];
  if (lane.request == nullptr) {
    lane.request =
        google::protobuf::Arena::CreateMessage<kaiku::v1::PublishRequest>(
            lane.arena.get());
    lane.first_due = due_micros;
  }
  fill(lane.request->add_events());
  lane.last_due = due_micros;
  if (lane.request->events_size() < options_.batch) return true;
  return Send(lane, due_micros);
}

bool Lanes::FlushLingering(int64_t now, int64_t* next) {
  *next = std::numeric_limits<int64_t>::max();
  for (Lane& lane : lanes_) {
    if (lane.request == nullptr) continue;
    const int64_t due = lane.first_due + options_.linger_micros;
    if (due <= now) {
      if (!Send(lane, due)) return false;
    } else {
      *next = std::min(*next, due);
    }
  }
  return true;
}

bool Lanes::FlushAll() {
  for (Lane& lane : lanes_) {
    if (lane.request != nullptr && !Send(lane, lane.last_due)) return false;
  }
  return true;
}

bool Lanes::Send(Lane& lane, int64_t due) {
  StreamPublisher& publisher = *lane.publisher;
  kaiku::v1::PublishRequest& request = *lane.request;
  bool ok = publisher.Send(static_cast<int>(lane.requests++), request, due);
  ++requests_;
  if (ok &&
      std::uniform_real_distribution<>(0, 1)(rng_) < options_.retry_share) {
    // The same events again on the next stream, as a client that timed out
    // would send them: the server answers them as duplicates.
    ++retried_requests_;
    retried_events_ += request.events_size();
    ok = publisher.Send(static_cast<int>(lane.requests++), request, due);
  }
  lane.request = nullptr;
  lane.arena->Reset();
  return ok;
}

void Lanes::Finish(absl::Duration drain) {
  // Drained together: each publisher's share of the time is what is left.
  const absl::Time deadline = absl::Now() + drain;
  for (Lane& lane : lanes_)
    lane.publisher->Finish(
        std::max(deadline - absl::Now(), absl::ZeroDuration()));
}

std::string Lanes::error() const {
  for (const Lane& lane : lanes_) {
    std::string e = lane.publisher->error();
    if (!e.empty()) return e;
  }
  return "";
}

}  // namespace kaiku::loadgen
