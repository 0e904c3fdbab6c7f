// A synthetic clickstream that follows the brief, for load generation: an
// endless, time-ordered stream of kaiku.v1.Events from a steady population of
// `visitors` visitors.
//
//   SyntheticClickstream stream(options);
//   kaiku::v1::Event event;
//   while (sent < limit) { stream.Next(&event); ... }
//
// Kinds of visitors (SPEC §1, the brief): about 80 % information seekers (one
// to three blog or docs pages, short dwell, rarely back), 10 % researchers
// (product, comparison and case-study pages over several sessions days
// apart), 10 % buyers (product pages, the price list on repeated visits, a
// brochure, a chat asking to buy, a quote form), and a few bots (bursts of
// page views a second apart, no dwell). Page views carry realistic URLs,
// titles and referrers; dwell is sent as Engagement events. A visitor who has
// done everything it came for is replaced by a new one, so the number of
// distinct visitors grows over time while the number active stays
// `visitors`.
//
// Event times start at `start_micros` and advance with the simulated
// behaviour (not with the wall clock): sessions of a visitor are hours to days
// apart, so a long run covers many simulated days. The stream is a pure
// function of the options: the same seed gives the same events.
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
  // Prefix of every event id and visitor id, so that separate runs against
  // one server never share ids. Default: "lg".
  std::string run_id = "lg";
  // Site origin of the URLs. Default: https://www.example.com.
  std::string site = "https://www.example.com";
  // Shares of the kinds; the rest are information seekers. Defaults: the
  // brief's 10 % buyers and 10 % researchers, and 2 % bots.
  double buyer_share = 0.10;
  double researcher_share = 0.10;
  double bot_share = 0.02;
};

class SyntheticClickstream {
 public:
  enum class Kind : uint8_t { kInformationSeeker, kResearcher, kBuyer, kBot };

  explicit SyntheticClickstream(const ClickstreamOptions& options);

  // The next event, in event-time order (ties in arbitrary but repeatable
  // order). Never ends.
  void Next(kaiku::v1::Event* event);

  // Distinct visitors that have had at least one event.
  int64_t visitors_seen() const { return visitors_seen_; }
  // Events produced.
  int64_t events() const { return events_; }

 private:
  struct Visitor {
    int64_t ordinal = 0;  // visitor id number; 0: no visitor in the slot yet
    Kind kind = Kind::kInformationSeeker;
    uint8_t session = 0;      // sessions begun
    uint8_t sessions = 0;     // sessions it will have
    uint8_t step = 0;         // position in the session's script
    uint8_t steps = 0;        // length of the session's script
    uint16_t dwell = 0;       // seconds on the page of the previous step
    uint8_t page = 0;         // index of that page in its list
    uint32_t session_id = 0;  // of the current session
  };
  struct Due {
    int64_t micros;
    uint32_t slot;
    bool operator>(const Due& o) const {
      return micros != o.micros ? micros > o.micros : slot > o.slot;
    }
  };

  void NewVisitor(uint32_t slot, int64_t at);
  void BeginSession(Visitor& v);
  // Writes the visitor's next event and returns the simulated time until the
  // one after it, or -1 when the session is over.
  int64_t Emit(Visitor& v, int64_t at, kaiku::v1::Event* event);
  void PageView(const Visitor& v, const char* path, const char* title,
                kaiku::v1::Event* event);
  int Uniform(int lo, int hi);
  double Exponential(double mean);

  const ClickstreamOptions options_;
  std::mt19937_64 rng_;
  std::vector<Visitor> slots_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  int64_t next_ordinal_ = 1;
  int64_t visitors_seen_ = 0;
  int64_t events_ = 0;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_LIB_LOADGEN_CLICKSTREAM_H_
