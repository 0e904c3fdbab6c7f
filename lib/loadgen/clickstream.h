// The compressed-time synthetic clickstream: a decay stress test, not a
// realistic workload (that is live_clickstream.h). An endless, time-ordered
// stream of kaiku.v1.Events from a steady population of `visitors` visitors
// (lib/loadgen/visitor_script.h) whose event times advance with the simulated
// behaviour, not with the wall clock: sessions of a visitor are hours to days
// apart, so a run of minutes covers many simulated days and every visitor's
// level rises and decays within it. A visitor who has done everything it came
// for is replaced by a new one, so the number of distinct visitors grows over
// time while the number active stays `visitors`.
//
//   SyntheticClickstream stream(options);
//   kaiku::v1::Event event;
//   while (sent < limit) { stream.Next(&event); ... }
//
// The stream is a pure function of the options: the same seed gives the same
// events.
//
// Thread safety: none.
#ifndef KAIKU_LIB_LOADGEN_CLICKSTREAM_H_
#define KAIKU_LIB_LOADGEN_CLICKSTREAM_H_

#include <cstdint>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "kaiku/v1/event.pb.h"
#include "lib/loadgen/visitor_script.h"

namespace kaiku::loadgen {

struct ClickstreamOptions {
  // Visitors active at any time. Clamped to at least 1. Default: 100000.
  int64_t visitors = 100000;
  // Event time of the first sessions, in Unix microseconds. Default: 0.
  int64_t start_micros = 0;
  // First sessions are spread over this many simulated hours after start.
  // Default: 24.
  double ramp_hours = 24;
  // Random seed. Default: 1.
  uint32_t seed = 1;
  // Who the visitors are. Default: the brief's mix, one site.
  VisitorMix mix;
};

class SyntheticClickstream {
 public:
  explicit SyntheticClickstream(const ClickstreamOptions& options);

  // The next event, in event-time order (ties in arbitrary but repeatable
  // order). Never ends.
  void Next(kaiku::v1::Event* event);

  // Distinct visitors that have had at least one event.
  int64_t visitors_seen() const { return visitors_seen_; }
  // Events produced.
  int64_t events() const { return events_; }

 private:
  struct Due {
    int64_t micros;
    uint32_t slot;
    bool operator>(const Due& o) const {
      return micros != o.micros ? micros > o.micros : slot > o.slot;
    }
  };

  void NewVisitor(uint32_t slot, int64_t at);

  const ClickstreamOptions options_;
  std::mt19937_64 rng_;
  VisitorScripts scripts_;
  std::vector<ScriptedVisitor> slots_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  int64_t next_ordinal_ = 1;
  int64_t visitors_seen_ = 0;
  int64_t events_ = 0;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_LIB_LOADGEN_CLICKSTREAM_H_
