// The realistic synthetic clickstream, the benchmark's default workload:
// visitors (lib/loadgen/visitor_script.h) act at human pace in real time, so
// that an event is sent when it happens and a load of R events per second
// comes from about R × (mean gap between a visitor's events) visitors in a
// session at once — millions at 100,000 events/s.
//
//   LiveClickstream stream(options);           // start_micros = now
//   for (;;) {
//     LiveClickstream::Upcoming next = stream.Peek();
//     if (next.send_micros > now) wait until then;
//     stream.Take(request_of(next.tenant)->add_events());
//   }
//
// - New sessions begin at random (a Poisson process) at a rate that gives
//   about `events_per_second`; each is a visitor coming back whose pause
//   (hours to days) is over, or else a new visitor.
// - Within a session events follow each other seconds to minutes apart.
// - A share `late_share` of events is sent late: held back for an
//   exponentially distributed delay (a phone that was offline, a retrying
//   backend), so it arrives after later events of its visitor.
// - Visitors are spread over `mix.tenants` sites with skewed traffic.
//
// The stream is a pure function of the options: the same seed gives the same
// events, in the same order, at the same times.
//
// Thread safety: none.
#ifndef KAIKU_LIB_LOADGEN_LIVE_CLICKSTREAM_H_
#define KAIKU_LIB_LOADGEN_LIVE_CLICKSTREAM_H_

#include <cstdint>
#include <limits>
#include <queue>
#include <random>
#include <vector>

#include "kaiku/v1/event.pb.h"
#include "lib/loadgen/visitor_script.h"

namespace kaiku::loadgen {

struct LiveClickstreamOptions {
  // About this many events per second. Clamped to at least 0.001.
  // Default: 1000.
  double events_per_second = 1000;
  // Time of the first session, Unix microseconds. Default: 0.
  int64_t start_micros = 0;
  // Share of events sent late, and the mean delay of those. Defaults: 1 %, two
  // minutes.
  double late_share = 0.01;
  double late_mean_seconds = 120;
  // Visitors whose next session would begin after this are forgotten (the run
  // ends before they come back). Default: never.
  int64_t end_micros = std::numeric_limits<int64_t>::max();
  // Random seed. Default: 1.
  uint32_t seed = 1;
  // Who the visitors are. Default: the brief's mix, one site.
  VisitorMix mix;
};

class LiveClickstream {
 public:
  explicit LiveClickstream(const LiveClickstreamOptions& options);

  struct Upcoming {
    // When the event is sent: its event time, or later for a late event.
    int64_t send_micros = 0;
    // Index of its site (VisitorMix::tenants).
    int tenant = 0;
  };
  // The next event in the order of sending. Calls without a Take between
  // them return the same.
  Upcoming Peek();
  // Writes the event Peek described into `event` and moves past it.
  void Take(kaiku::v1::Event* event);

  int64_t events() const { return events_; }
  int64_t late_events() const { return late_events_; }
  // Distinct visitors that have had at least one event since the start.
  int64_t visitors_seen() const { return visitors_seen_; }
  // Sessions that were a visitor coming back.
  int64_t returning_sessions() const { return returning_sessions_; }
  // Visitors in a session now.
  int64_t in_session() const {
    return static_cast<int64_t>(slots_.size() - free_slots_.size());
  }

 private:
  struct Due {
    int64_t micros;
    uint32_t slot;
    bool operator>(const Due& o) const {
      return micros != o.micros ? micros > o.micros : slot > o.slot;
    }
  };
  struct Returning {
    int64_t micros;
    ScriptedVisitor visitor;
    bool operator>(const Returning& o) const { return micros > o.micros; }
  };
  struct Late {
    int64_t send_micros;
    int64_t number;  // ties in emission order
    int tenant;
    kaiku::v1::Event event;
    bool operator>(const Late& o) const {
      return send_micros != o.send_micros ? send_micros > o.send_micros
                                          : number > o.number;
    }
  };
  enum class Ready : uint8_t { kNone, kDue, kLate };

  // Fills the stream as if it had run for a while before start_micros: the
  // sessions in progress then, each at its step due first after the start.
  void Warm();
  // Begins a session at the next arrival time.
  void BeginSession();
  // A slot for a visitor in a session.
  uint32_t NewSlot(const ScriptedVisitor& visitor);
  // Emits the due visitor's event into `event` and schedules what follows.
  void EmitDue(kaiku::v1::Event* event);

  const LiveClickstreamOptions options_;
  std::mt19937_64 rng_;
  VisitorScripts scripts_;
  // Mean microseconds between session arrivals.
  double arrival_mean_micros_ = 0;
  int64_t next_arrival_micros_ = 0;
  std::vector<ScriptedVisitor> slots_;
  std::vector<uint32_t> free_slots_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::priority_queue<Returning, std::vector<Returning>,
                      std::greater<Returning>>
      returning_;
  // A min-heap by send time (std::push_heap with std::greater), so that the
  // top can be moved out.
  std::vector<Late> late_;
  // What Peek found: the popped due visitor, or the top of late_.
  Ready ready_ = Ready::kNone;
  Due ready_due_{0, 0};
  int64_t next_ordinal_ = 1;
  // Events emitted (the event id numbers), and taken.
  int64_t emitted_ = 0;
  int64_t events_ = 0;
  int64_t late_events_ = 0;
  int64_t visitors_seen_ = 0;
  int64_t returning_sessions_ = 0;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_LIB_LOADGEN_LIVE_CLICKSTREAM_H_
